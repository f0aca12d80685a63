import type { Invocation } from './framework.ts';

export type ParsedLine = { ok: true; invocation: Invocation; words: string[] } | { ok: false; error: string };

/** Splits on spaces outside double quotes; `\"` is a quote inside one. */
function tokens(line: string): string[] | null {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && quoted && line[i + 1] === '"') {
      current += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (/\s/.test(ch) && !quoted) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quoted) return null;
  if (started) out.push(current);
  return out;
}

/**
 * `/poll open question:"Pool for ideas?" options:"Yes|No"` → the invocation. Options are name:value, flags are
 * --name (true); a first bare word is the subcommand, later bare words are kept for console-only commands.
 */
export function parseLine(line: string): ParsedLine {
  const parts = tokens(line.trim());
  if (parts === null) return { ok: false, error: 'A quote is not closed.' };
  const [head, ...rest] = parts;
  if (!head || !/^\/[a-z0-9_]{1,32}$/.test(head)) return { ok: false, error: 'Commands start with /, such as /help.' };
  const options: Record<string, unknown> = {};
  const words: string[] = [];
  let subcommand: string | undefined;
  for (const part of rest) {
    const option = /^([a-z_][a-z0-9_]*):(.*)$/s.exec(part);
    if (option) options[option[1]!] = option[2];
    else if (part.startsWith('--') && part.length > 2) options[part.slice(2)] = true;
    else if (subcommand === undefined && words.length === 0 && Object.keys(options).length === 0 && /^[a-z_]+$/.test(part)) subcommand = part;
    else words.push(part);
  }
  return { ok: true, invocation: { name: head.slice(1), subcommand, options }, words };
}

/** A command line as a chat member types it: like parseLine, but stray words are a mistake to point out. */
export function parseCommandLine(line: string): { ok: true; invocation: Invocation } | { ok: false; error: string } {
  const parsed = parseLine(line);
  if (!parsed.ok) return parsed;
  if (parsed.words.length > 0) return { ok: false, error: `Unexpected "${parsed.words.join(' ')}": write options as name:value, quoting values with spaces.` };
  return { ok: true, invocation: parsed.invocation };
}

/** The command line that parses back to an invocation: what a stored button or form runs. */
export function formatCommandLine(invocation: Invocation): string {
  const quote = (v: string) => (/^[^\s"]+$/.test(v) ? v : `"${v.replace(/"/g, '\\"')}"`);
  const options = Object.entries(invocation.options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}:${quote(String(v))}`);
  return ['/' + invocation.name, invocation.subcommand, ...options].filter(Boolean).join(' ');
}
