import type { Reply } from '../../commands/reply.ts';
import { renderTable } from '../../format/table.ts';

/** A reply as terminal text; its title, if any, on the first line. */
export function renderForConsole(reply: Reply): string {
  const body = reply.blocks.map((b) => (b.kind === 'text' ? b.text : b.kind === 'pre' ? b.text : renderTable(b.table)));
  if (reply.title !== undefined) body.unshift(reply.title);
  if (reply.choices?.length) body.push(reply.choices.map((c) => `  [${c.label}]  ${c.command}`).join('\n'));
  return (reply.private ? '(only you see this)\n' : '') + body.join('\n');
}
