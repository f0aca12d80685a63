import type { Db } from '../db/database.ts';
import type { RoundRow } from '../db/schema.ts';
import { clip } from '../format/cut.ts';
import { pseudonym } from '../results/public.ts';
import { html, sendPage, type Page } from './html.ts';
import { send, type WebServer } from './server.ts';

const ROUND_ID = /^[0-9a-f-]{36}$/;
const PROPOSAL_KEY = /^[A-Za-z0-9._:-]{1,64}$/;

/** The address of a proposal's page, which a post cut short in chat links to. */
export const proposalUrl = (publicUrl: string, round: Pick<RoundRow, 'id'>, key: string) => `${publicUrl}/proposal/${round.id}/${encodeURIComponent(key)}`;

/** What the public may see of a proposal: nothing a member did not post publicly, the author by their public name. */
export interface PublicProposal {
  roundId: string;
  roundName: string;
  key: string;
  title: string;
  author: string;
  text: string;
  createdAt: string | null;
  ratings: number;
  /** Average stars, null before the first rating. */
  average: number | null;
  /** Comments that still count (a withdrawn one does not). */
  comments: number;
}

async function publicProposal(db: Db, roundId: string, key: string): Promise<PublicProposal | undefined> {
  const p = await db
    .selectFrom('proposals as p')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('members as m', 'm.id', 'p.author_id')
    .select(['p.id', 'p.key', 'p.title', 'p.text', 'p.created_at', 'r.id as round_id', 'r.name as round_name', 'm.key as author_key', 'm.handle', 'm.public_handle'])
    .where('p.round_id', '=', roundId)
    .where('p.key', '=', key)
    .executeTakeFirst();
  if (!p) return undefined;
  const ratings = await db.selectFrom('ratings').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.avg<number>('stars').as('average')]).where('proposal_id', '=', p.id).executeTakeFirstOrThrow();
  const comments = await db.selectFrom('comments').select((eb) => eb.fn.countAll<number>().as('n')).where('proposal_id', '=', p.id).where('retracted_at', 'is', null).executeTakeFirstOrThrow();
  const n = Number(ratings.n);
  return {
    roundId: p.round_id,
    roundName: p.round_name,
    key: p.key,
    title: p.title,
    // as on the results page: the handle only of members who chose /privacy handle:shown
    author: p.public_handle ? p.handle : pseudonym(p.author_key),
    text: p.text ?? '',
    createdAt: p.created_at,
    ratings: n,
    average: n ? Number(ratings.average) : null,
    comments: Number(comments.n),
  };
}

/** Laid out as the results page: one column for a phone, long words and links wrapped so nothing is wider than it. */
const CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 .4rem;overflow-wrap:anywhere}
p{margin:.4rem 0}.muted{color:#57606a}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:1rem 0}
dl{display:flex;flex-wrap:wrap;gap:.4rem 1.4rem;margin:1rem 0;padding:.6rem 0;border-top:1px solid #d0d7de;border-bottom:1px solid #d0d7de}
dt{color:#57606a;font-size:.85rem}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
a{color:#0969da;overflow-wrap:anywhere}
@media (max-width:600px){main{padding:.6rem}}`;

/** A proposal as a page: title, author, text, its ratings and comment count; link previews get its title and opening. */
export function proposalPage(p: PublicProposal, publicUrl: string | undefined): Page {
  const rated = p.average === null ? 'not rated yet' : `${p.average.toFixed(1)} / 5`;
  const summary = clip(p.text.replace(/\s+/g, ' ').trim(), 200, { ellipsis: '…' });
  const url = publicUrl && proposalUrl(publicUrl, { id: p.roundId }, p.key);
  return {
    title: `${p.title} — ${p.roundName}`,
    css: CSS,
    meta: [
      { property: 'og:type', content: 'article' },
      { property: 'og:title', content: p.title },
      { property: 'og:description', content: summary || `A proposal in ${p.roundName}` },
      ...(url ? [{ property: 'og:url', content: url }] : []),
      { name: 'twitter:card', content: 'summary' },
      { name: 'twitter:title', content: p.title },
      { name: 'twitter:description', content: summary || `A proposal in ${p.roundName}` },
    ],
    body: html`<body><main>
<p class="muted">Proposal ${p.key} in ${p.roundName}</p>
<h1>${p.title}</h1>
<p>by <strong>${p.author}</strong>${p.createdAt ? html` <span class="muted">· ${p.createdAt.slice(0, 10)}</span>` : ''}</p>
<div class="text">${p.text}</div>
<dl><div><dt>ratings</dt><dd>${p.ratings}</dd></div><div><dt>average</dt><dd>${rated}</dd></div><div><dt>comments</dt><dd>${p.comments}</dd></div></dl>
<p class="muted">Rate and comment in the chat, where the proposal was posted.${publicUrl ? html` <a href="${`${publicUrl}/rounds/${p.roundId}`}">The round's results</a>.` : ''}</p>
</main></body>`,
  };
}

/** A path segment's text; a malformed escape is no key. */
const decoded = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
};

/** `/proposal/ROUND/KEY`: a proposal's public page (ROUND is the round's id, as in `/rounds/ID`). */
export function proposalRoutes(server: WebServer, db: Db, site: { publicUrl?: string | undefined }): void {
  server.routePrefix('/proposal/', async (req, res) => {
    const [roundId = '', key = '', ...rest] = new URL(req.url ?? '/', 'http://localhost').pathname.slice('/proposal/'.length).split('/');
    const wanted = ROUND_ID.test(roundId) && rest.length === 0 ? decoded(key) : '';
    const proposal = PROPOSAL_KEY.test(wanted) ? await publicProposal(db, roundId, wanted) : undefined;
    if (!proposal) return send(res, 404, 'text/plain; charset=utf-8', 'There is no such proposal.\n');
    sendPage(res, 200, proposalPage(proposal, site.publicUrl), { 'cache-control': 'no-cache' });
  });
}
