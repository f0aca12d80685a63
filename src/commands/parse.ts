import type { Invocation } from './framework.ts';

export type ParsedLine = { ok: true; invocation: Invocation; words: string[] } | { ok: false; error: string };

/**
 * The quotes a value may be put in, each with the marks that close it: straight ones, and the curly ones phones type
 * instead (iOS smart punctuation: “…”, ‘…’, German „…“, and ”…” when it guesses the direction wrong).
 */
const CLOSERS: Record<string, string> = { '"': '"', '“': '”“', '”': '”', '„': '“”', '‘': '’', '’': '’' };
/** Curly marks open a quote only where a value starts (`text:“…”`), so an inch mark in a bare word stays a mark. */
const CURLY = new Set(['“', '”', '„', '‘', '’']);
/** Marks that are also apostrophes (don’t): they only close a quote before a space or the end. */
const APOSTROPHES = new Set(['‘', '’']);
/** Characters that would be read as quotes at the start of a bare value: formatCommandLine quotes such values. */
const QUOTE_MARKS = /["“”„‘’]/;

/** Splits on spaces outside quotes; `\"` is a straight quote inside straight quotes. */
function tokens(line: string): string[] | null {
  const out: string[] = [];
  let current = '';
  let closers: string | null = null;
  let opener = '';
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    const next = line[i + 1];
    const valueStart = !started || current.endsWith(':');
    if (ch === '\\' && opener === '"' && next === '"') {
      current += '"';
      i++;
    } else if (closers !== null && closers.includes(ch) && (!APOSTROPHES.has(opener) || next === undefined || /\s/.test(next))) {
      closers = null;
      started = true;
    } else if (closers === null && Object.hasOwn(CLOSERS, ch) && (!CURLY.has(ch) || valueStart)) {
      closers = CLOSERS[ch]!;
      opener = ch;
      started = true;
    } else if (/\s/.test(ch) && closers === null) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (closers !== null) return null;
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
    const flag = part.startsWith('--') && part.length > 2 ? part.slice(2) : undefined;
    const name = option?.[1] ?? flag;
    // Given twice, an option would silently be the last one: the member is asked which they mean.
    if (name !== undefined && Object.hasOwn(options, name)) return { ok: false, error: `${name}: given twice (${name}:${String(options[name])} and ${part}); give it once.` };
    if (option) Object.defineProperty(options, name!, { value: option[2], enumerable: true, writable: true, configurable: true });
    else if (flag !== undefined) Object.defineProperty(options, flag, { value: true, enumerable: true, writable: true, configurable: true });
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
  const quote = (v: string) => (v !== '' && !/\s/.test(v) && !QUOTE_MARKS.test(v) ? v : `"${v.replace(/"/g, '\\"')}"`);
  const options = Object.entries(invocation.options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}:${quote(String(v))}`);
  return ['/' + invocation.name, invocation.subcommand, ...options].filter(Boolean).join(' ');
}
