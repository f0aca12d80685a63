import { createHash } from 'node:crypto';
import { send, type ServerResponse } from './server.ts';

/** Markup that is safe to put in a page as it is: made by `html`, or written by the bot itself (`trusted`). */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A value in a template: markup stays as it is, a list is each of its items, nothing is nothing, the rest is text. */
const render = (value: unknown): string =>
  value instanceof Html ? value.markup
  : Array.isArray(value) ? value.map(render).join('')
  : value === undefined || value === null || value === false ? ''
  : escapeHtml(String(value));

/**
 * The one way pages are written: every interpolated value is escaped, so a member's name, a tier or a round title is
 * always text, whatever it holds (`<plaintext>`, `</script>`); only `Html` values, made by this tag or `trusted`,
 * go in as markup.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let markup = strings[0]!;
  values.forEach((value, i) => (markup += render(value) + strings[i + 1]!));
  return new Html(markup);
}

/** Markup the bot wrote itself from no one's input (a constant). */
export const trusted = (markup: string) => new Html(markup);

export interface Page {
  title: string;
  /** The page's own styles, allowed by their hash. */
  css: string;
  body: Html;
  /** `<meta>` tags for link previews (Open Graph, Twitter cards): each an attribute (property or name) and its content. */
  meta?: readonly { property?: string; name?: string; content: string }[];
}

/**
 * A page as a document with its Content-Security-Policy, which allows the bot's own scripts and the page's own styles
 * and nothing else: no inline script runs, even if something slipped past the escaping; the page talks only to the bot.
 */
export function pageDocument(page: Page): { markup: string; csp: string } {
  const styleHash = createHash('sha256').update(page.css).digest('base64');
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'sha256-${styleHash}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${page.title}</title>
${(page.meta ?? []).map((m) => (m.property ? html`<meta property="${m.property}" content="${m.content}">\n` : html`<meta name="${m.name}" content="${m.content}">\n`))}<style>${trusted(page.css)}</style>
</head>
${page.body}
</html>
`;
  return { markup: document.markup, csp };
}

export function sendPage(res: ServerResponse, status: number, page: Page, headers: Record<string, string> = {}): void {
  const { markup, csp } = pageDocument(page);
  send(res, status, 'text/html; charset=utf-8', markup, { 'content-security-policy': csp, ...headers });
}
