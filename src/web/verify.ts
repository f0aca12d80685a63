import type { Provider } from 'ethers';
import { readFileSync } from 'node:fs';
import { projectFile } from '../paths.ts';
import { z } from 'zod';
import { communityTag, LinkRefused, messageFor } from '../chain/siwe.ts';
import { cardanoSiteFor, completeCardanoLink, completeLink, siteFor, WalletHeldError } from '../chain/wallets.ts';
import { bech32FromWallet } from '../chain/cardano/address.ts';
import { cardanoAddressProblem, cardanoMessageFor } from '../chain/cardano/challenge.ts';
import { text, type Reply } from '../commands/reply.ts';
import type { Db } from '../db/database.ts';
import { evmAddress } from '../chain/address.ts';
import { html, sendPage, type Page } from './html.ts';
import { send, type IncomingMessage, type WebServer } from './server.ts';

const SCRIPT = projectFile('assets/web/verify.js');
const TOKEN = /^[A-Za-z0-9_-]{32}$/;
const BODY_LIMIT = 16_384;

export interface VerifyDeps {
  db: Db;
  publicUrl: string;
  now: () => Date;
  /** Contract wallets (EIP-1271) are checked through the node, when there is one. */
  provider?: Provider | undefined;
  /** Tells the member in chat that the wallet is linked. */
  tell(communityId: string, memberId: string, reply: Reply): Promise<void>;
}

const addressBody = z.strictObject({ address: evmAddress('not an address') });
// A CIP-30 wallet gives its addresses as raw bytes in hex; the bot writes them in bech32.
const cardanoAddressBody = z.strictObject({ chain: z.literal('cardano'), address: z.string().max(200).transform((a, issue) => bech32FromWallet(a) ?? (issue.addIssue({ code: 'custom', message: 'not a Cardano address' }), z.NEVER)) });
const signatureBody = z.union([
  z.strictObject({ signature: z.string().regex(/^0x[0-9a-fA-F]{130,}$/, 'not a signature') }),
  // What CIP-30 signData returns: the COSE_Sign1 and the COSE_Key, in hex.
  z.strictObject({ signature: z.string().max(8000).regex(/^[0-9a-fA-F]+$/), key: z.string().max(400).regex(/^[0-9a-fA-F]+$/) }),
]);

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

const json = (res: Parameters<typeof send>[0], status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));

/**
 * The wallet page of a /verify link (`/verify/TOKEN`): it asks the browser's wallet for its address, gets the EIP-4361
 * message from `…/message`, asks the wallet to sign it and posts the signature to `…/signature`.
 */
export function verifyRoutes(server: WebServer, deps: VerifyDeps): void {
  const script = readFileSync(SCRIPT, 'utf8');
  server.route('/assets/verify.js', (_req, res) => send(res, 200, 'text/javascript; charset=utf-8', script));
  server.routePrefix('/verify/', async (req, res) => {
    const [token, step, ...rest] = new URL(req.url ?? '/', 'http://localhost').pathname.slice('/verify/'.length).split('/');
    if (!token || !TOKEN.test(token) || rest.length) return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    const now = deps.now();
    const challenge = await deps.db.selectFrom('wallet_challenges').selectAll().where('token', '=', token).executeTakeFirst();
    const open = challenge && !challenge.used_at && challenge.expires_at > now.toISOString();
    if (req.method === 'GET' && !step) {
      const about = open ? await linkFor(deps, challenge) : undefined;
      return sendPage(res, 200, page(about), { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    }
    if (req.method !== 'POST' || (step !== 'message' && step !== 'signature')) return send(res, 404, 'text/plain; charset=utf-8', 'Not found.\n');
    if (!challenge || !open) return json(res, 410, { state: 'expired', error: 'This link has expired or was used: run /verify again.' });
    const site = await siteFor(deps.db, challenge.community_id, deps.publicUrl);
    const body = await readJson(req);
    if (step === 'message') {
      const parsed = (body as { chain?: unknown } | undefined)?.chain === 'cardano' ? cardanoAddressBody.safeParse(body) : addressBody.safeParse(body);
      if (!parsed.success) return json(res, 400, { state: 'error', error: `Send {"address": "0x…"} or {"chain": "cardano", "address": "…"}: ${parsed.error.issues[0]!.message}.` });
      if ('chain' in parsed.data) {
        const cardano = cardanoSiteFor(deps.publicUrl);
        const problem = cardanoAddressProblem(parsed.data.address, cardano);
        if (problem) return json(res, 400, { state: 'error', error: problem });
        const message = await cardanoMessageFor(deps.db, token, parsed.data.address, cardano, now);
        return json(res, 200, { message, payload: Buffer.from(message, 'utf8').toString('hex'), address: parsed.data.address, chain: cardano.network.chain });
      }
      return json(res, 200, { message: await messageFor(deps.db, token, parsed.data.address, site, now), chainId: site.chainId });
    }
    const parsed = signatureBody.safeParse(body);
    if (!parsed.success) return json(res, 400, { state: 'error', error: 'Send {"signature": "0x…"}, or {"signature": "…", "key": "…"} from a Cardano wallet.' });
    try {
      const proof = parsed.data;
      const wallet = 'key' in proof ? await completeCardanoLink(deps.db, token, proof, cardanoSiteFor(deps.publicUrl), now) : await completeLink(deps.db, token, proof.signature, site, now, deps.provider);
      await deps.tell(wallet.communityId, wallet.memberId, { blocks: [text(`Wallet ${wallet.address} is linked to you. /wallets lists your wallets.`)], private: true });
      return json(res, 200, { state: 'success', address: wallet.address });
    } catch (error) {
      if (error instanceof LinkRefused) return json(res, error.reason === 'expired' || error.reason === 'used' ? 410 : 400, { state: error.reason === 'expired' || error.reason === 'used' ? 'expired' : 'error', error: error.message });
      if (error instanceof WalletHeldError) return json(res, 409, { state: 'error', error: error.message });
      throw error;
    }
  });
}

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#fafafa;color:#1d1d1f;line-height:1.5}
main{max-width:560px;margin:0 auto;padding:20px}
h1{font-size:1.4rem}button{font-size:1.05rem;padding:12px 18px;border-radius:10px;border:0;background:#2b59c3;color:#fff;width:100%}
button:disabled{background:#999}pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px;font-size:.85rem}
.state{padding:10px 12px;border-radius:8px;margin:12px 0}.state[hidden]{display:none}
.wallets button{margin-top:10px}.ok{background:#e3f5e1}.bad{background:#fde8e8}.info{background:#eef2fb}`;

/** What an open link links: the names of the member and the community, which the page shows and the message does not. */
async function linkFor(deps: VerifyDeps, challenge: { community_id: string; member_id: string }) {
  const [community, member, site] = await Promise.all([
    deps.db.selectFrom('communities').select('name').where('id', '=', challenge.community_id).executeTakeFirstOrThrow(),
    deps.db.selectFrom('members').select('handle').where('id', '=', challenge.member_id).executeTakeFirstOrThrow(),
    siteFor(deps.db, challenge.community_id, deps.publicUrl),
  ]);
  return { community: community.name, tag: communityTag({ id: challenge.community_id }), member: member.handle, chainId: site.chainId };
}

/** Plain HTML, a small script, readable on a phone; each state is a paragraph the script shows. */
function page(link: Awaited<ReturnType<typeof linkFor>> | undefined): Page {
  const chainId = link?.chainId ?? 1;
  const body = html`<body>
<main data-chain-id="${chainId}" data-initial="${link ? 'ready' : 'expired'}">
<h1>Link your wallet</h1>
${link ? html`<p class="who">To <b data-field="member">${link.member}</b> in <b data-field="community">${link.community}</b> (${link.tag} in the message).</p>` : ''}
<p>Your wallet signs a message that names this bot and your chat account. Signing costs nothing and moves no funds.</p>
<p class="state info" data-state="ready" hidden>Press the button: your wallet asks which account to connect, then asks you to sign.</p>
<p class="state bad" data-state="no-wallet" hidden>No wallet found in this browser. Open this link in your wallet's browser (MetaMask, Rabby, Eternl, Lace…), or go back to the chat and use /verify address:0x… (or addr1…/stake1… for Cardano) to sign with any tool.</p>
<p class="state bad" data-state="wrong-network" hidden>Your wallet is on another network. Switch it to chain ${chainId} (the button below asks it to) and press the button again.</p>
<p class="state bad" data-state="rejected" hidden>You declined in your wallet. Press the button to try again.</p>
<p class="state bad" data-state="expired" hidden>This link has expired or was used. Run /verify in the chat for a new one.</p>
<p class="state bad" data-state="error" hidden></p>
<p class="state ok" data-state="success" hidden>Linked. You can close this page; the bot confirms in the chat.</p>
<pre id="message" hidden></pre>
<button id="connect" type="button">Connect and sign</button>
<button id="switch" type="button" hidden>Switch the wallet to chain ${chainId}</button>
<div id="evm-wallets" class="wallets" hidden></div>
<div id="cardano-wallets" class="wallets" hidden></div>
<p id="open-in" class="wallets" hidden>Open this page in your phone wallet's browser: <a data-deep-link="metamask" href="#">MetaMask</a> · <a data-deep-link="trust" href="#">Trust Wallet</a> · <a data-deep-link="coinbase" href="#">Coinbase Wallet</a>. Cardano wallets on phones (Eternl, Lace…): open this link in their dApp browser.</p>
</main>
<script src="/assets/verify.js"></script>
</body>`;
  return { title: 'Link your wallet', css: CSS, body };
}
