import { REACTION_KINDS, repeatedPairs, repeatedReactions, type IndexedRound } from '../core/indexed.ts';
import { readInstant } from '../core/instant.ts';
import { checkRoundFile, indexRoundFileText, LONG_LISTS } from './schema.ts';

/**
 * A round file's bytes straight to the indexed round, for replays of rounds with a million comments, reactions and
 * votes. JSON.parse would build an object per item and the checks would look every id up in a Map: seconds, most of
 * them garbage collection. Here the long lists are read byte by byte into columns, each id interned by its bytes
 * where it stands; the short parts (round, members, proposals, questions) go through JSON.parse and the schema.
 *
 * It vouches only for what it fully understands: anything unusual in a long list (an escape, a number written
 * `5.0`, an unknown or missing key, an id that names nothing, a repeat) and it returns undefined, and the caller
 * validates the file the ordinary way, which names every problem. A property test pins that the two always agree.
 */
export function readColumns(bytes: Uint8Array): IndexedRound | undefined {
  try {
    return new ColumnReader(bytes).read();
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

/** A round file to the indexed round: through the columns when they vouch for it, validated in full otherwise. */
export const indexRoundFile = (bytes: Uint8Array): IndexedRound =>
  readColumns(bytes) ?? indexRoundFileText(new TextDecoder().decode(bytes));

/** Thrown inside the reader when it will not vouch for the file; never escapes readColumns. */
const DECLINE = Symbol('decline');
function decline(): never {
  throw DECLINE;
}

const [QUOTE, BACKSLASH, COMMA, COLON, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, ZERO, NINE] = [
  34, 92, 44, 58, 123, 125, 91, 93, 48, 57,
];
const IS_SPACE = byteClass(' \t\n\r');
const IS_ID = byteClass('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-');
const IS_NUMBER_GOES_ON = byteClass('0123456789.eE');
const MAX_ID = 64;
const utf8 = new TextDecoder();
function byteClass(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return table;
}

/** FNV-1a, over bytes or over the char codes of an ASCII string alike. */
const FNV_OFFSET = 0x811c9dc5;
const fnv = (hash: number, byte: number) => Math.imul(hash ^ byte, 0x01000193);

type Space = 'members' | 'proposals' | 'comments' | 'questions';

/** A field of a long-list item: an id naming something in a space, a bounded integer, a reaction kind or a time. */
type Field =
  | { name: string; type: 'id'; space: Space }
  | { name: string; type: 'int'; min: number; max: number }
  | { name: string; type: 'kind' }
  | { name: string; type: 'time'; optional?: true };

/** The long lists, field by field, as their schemas in schema.ts state them. */
const FIELDS: { [L in keyof typeof LONG_LISTS]: Field[] } = {
  ratings: [
    { name: 'proposal', type: 'id', space: 'proposals' },
    { name: 'rater', type: 'id', space: 'members' },
    { name: 'stars', type: 'int', min: 1, max: 5 },
  ],
  comments: [
    { name: 'id', type: 'id', space: 'comments' },
    { name: 'author', type: 'id', space: 'members' },
    { name: 'proposal', type: 'id', space: 'proposals' },
    { name: 'createdAt', type: 'time', optional: true },
  ],
  reactions: [
    { name: 'comment', type: 'id', space: 'comments' },
    { name: 'reactor', type: 'id', space: 'members' },
    { name: 'kind', type: 'kind' },
  ],
  votes: [
    { name: 'question', type: 'id', space: 'questions' },
    { name: 'member', type: 'id', space: 'members' },
    { name: 'option', type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
    { name: 'castAt', type: 'time' },
  ],
};
// readList tells keys apart by their first byte.
for (const [list, fields] of Object.entries(FIELDS))
  if (new Set(fields.map((f) => f.name[0])).size !== fields.length) throw new Error(`two keys of ${list} start with the same letter`);
const KIND_BYTES = REACTION_KINDS.map((k) => Buffer.from(`${k}"`));

/**
 * Ids of one space, each kept as where its bytes first stood in the file: no string is made for any of them. Open
 * addressing; a slot holds the hash beside the entry, so a probe that misses costs one read of memory.
 */
class Interner {
  /** [hash, entry + 1] per slot; 0 is an empty slot. */
  private slots = new Int32Array(2 << 12);
  private starts = new Int32Array(1 << 11);
  private lengths = new Uint8Array(1 << 11);
  count = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** The entry of the id at bytes[start, end), added if new. */
  intern(start: number, end: number, hash: number): number {
    const { bytes, slots } = this;
    const length = end - start;
    const mask = slots.length - 2;
    for (let slot = (hash << 1) & mask; ; slot = (slot + 2) & mask) {
      const entry = slots[slot + 1]! - 1;
      if (entry < 0) {
        slots[slot] = hash;
        slots[slot + 1] = this.count + 1;
        this.store(start, length);
        return this.count - 1;
      }
      if (slots[slot] !== hash || this.lengths[entry] !== length) continue;
      const at = this.starts[entry]!;
      let k = 0;
      while (k < length && bytes[at + k] === bytes[start + k]) k++;
      if (k === length) return entry;
    }
  }

  /** The entry of an id given as a string (ids are ASCII), or -1. */
  find(id: string): number {
    const { bytes, slots } = this;
    let hash = FNV_OFFSET;
    for (let i = 0; i < id.length; i++) hash = fnv(hash, id.charCodeAt(i));
    const mask = slots.length - 2;
    for (let slot = (hash << 1) & mask; ; slot = (slot + 2) & mask) {
      const entry = slots[slot + 1]! - 1;
      if (entry < 0) return -1;
      if (slots[slot] !== hash || this.lengths[entry] !== id.length) continue;
      const at = this.starts[entry]!;
      let k = 0;
      while (k < id.length && bytes[at + k] === id.charCodeAt(k)) k++;
      if (k === id.length) return entry;
    }
  }

  /** Appends an entry whose slot is already set; keeps the table at most half full, so a probe ends soon. */
  private store(start: number, length: number) {
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
    }
    this.starts[this.count] = start;
    this.lengths[this.count] = length;
    if (++this.count * 4 > this.slots.length) this.rehash();
  }

  private rehash() {
    const old = this.slots;
    const slots = (this.slots = new Int32Array(old.length * 2));
    const mask = slots.length - 2;
    for (let from = 0; from < old.length; from += 2) {
      if (old[from + 1] === 0) continue;
      let slot = (old[from]! << 1) & mask;
      while (slots[slot + 1] !== 0) slot = (slot + 2) & mask;
      slots[slot] = old[from]!;
      slots[slot + 1] = old[from + 1]!;
    }
  }
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(array: T): T {
  const bigger = new (array.constructor as new (n: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}

/** A column of numbers that grows as items are read. */
class Column {
  values = new Float64Array(1 << 10);
  length = 0;
  push(value: number) {
    if (this.length === this.values.length) this.values = grow(this.values);
    this.values[this.length++] = value;
  }
  ints(map?: Int32Array): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = map ? map[this.values[i]!]! : this.values[i]!;
    return out;
  }
}

class ColumnReader {
  private at = 0;
  private readonly instant = { ms: 0, nanos: 0 };
  private readonly spaces: Record<Space, Interner>;
  private readonly lists = new Map<keyof typeof LONG_LISTS, Column[]>();

  private readonly bytes: Buffer;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.spaces = { members: new Interner(bytes), proposals: new Interner(bytes), comments: new Interner(bytes), questions: new Interner(bytes) };
  }

  read(): IndexedRound {
    const parts = this.readTopLevel();
    const checked = checkRoundFile(parts);
    if (!checked) decline();
    const { data, index } = checked;
    const memberOf = this.positionsIn('members', data.members);
    const proposalOf = this.positionsIn('proposals', data.proposals);
    const questionOf = this.positionsIn('questions', data.questions);

    const [rProposal, rRater, rStars] = this.columns('ratings');
    const ratings = { proposal: rProposal!.ints(proposalOf), rater: rRater!.ints(memberOf), stars: Uint8Array.from(rStars!.ints()) };
    if (repeatedPairs(ratings.proposal, ratings.rater, data.members.length).length > 0) decline();

    const [cId, cAuthor] = this.columns('comments');
    const commentOf = new Int32Array(this.spaces.comments.count).fill(-1);
    for (let i = 0; i < cId!.length; i++) {
      const entry = cId!.values[i]!;
      if (commentOf[entry]! >= 0) decline();
      commentOf[entry] = i;
    }
    if (commentOf.includes(-1)) decline();

    const [eComment, eReactor, eKind] = this.columns('reactions');
    const reactions = { comment: eComment!.ints(commentOf), reactor: eReactor!.ints(memberOf), kind: Uint8Array.from(eKind!.ints()) };
    if (repeatedReactions(reactions, data.members.length).length > 0) decline();

    const [vQuestion, vMember, vOption, vAt, vNanos] = this.columns('votes');
    const votes = {
      question: vQuestion!.ints(questionOf),
      member: vMember!.ints(memberOf),
      option: vOption!.ints(),
      at: vAt!.values.slice(0, vAt!.length),
      nanos: vNanos!.ints(),
    };
    const optionCounts = data.questions.map((q) => q.options.length);
    for (let i = 0; i < votes.option.length; i++) if (votes.option[i]! >= optionCounts[votes.question[i]!]!) decline();

    return { ...index, ratings, comments: { author: cAuthor!.ints(memberOf) }, reactions, votes };
  }

  /** Entry → position in the list that defines the space; an id named in a long list but defined nowhere declines. */
  private positionsIn(space: Space, items: readonly { id: string }[]): Int32Array {
    const interner = this.spaces[space];
    const positions = new Int32Array(interner.count).fill(-1);
    items.forEach((item, i) => {
      const entry = interner.find(item.id);
      if (entry >= 0) positions[entry] = i;
    });
    if (positions.includes(-1)) decline();
    return positions;
  }

  private columns(list: keyof typeof LONG_LISTS): Column[] {
    const width = FIELDS[list].reduce((n, f) => n + (f.type === 'time' ? 2 : 1), 0);
    return this.lists.get(list) ?? Array.from({ length: width }, () => new Column());
  }

  /** The top-level object: the long lists read into columns, the text of every other part kept to be parsed. */
  private readTopLevel(): unknown {
    const keys = new Set<string>();
    const texts: string[] = [];
    this.expect(OPEN_BRACE);
    if (this.peek() === CLOSE_BRACE) decline();
    do {
      const key = this.key();
      if (keys.has(key)) decline();
      keys.add(key);
      if (Object.hasOwn(FIELDS, key)) {
        const list = key as keyof typeof LONG_LISTS;
        this.lists.set(list, this.readList(FIELDS[list]));
      } else {
        const start = this.at;
        this.skipValue();
        texts.push(`"${key}":${utf8.decode(this.bytes.subarray(start, this.at))}`);
      }
    } while (this.comma(CLOSE_BRACE));
    if (this.peek() !== -1) decline();
    try {
      return JSON.parse(`{${texts.join(',')}}`);
    } catch {
      return decline();
    }
  }

  private readList(fields: Field[]): Column[] {
    // One object shape for every field of every list, so the loop below stays monomorphic.
    const slots = fields.map((f) => ({
      type: f.type,
      interner: f.type === 'id' ? this.spaces[f.space] : null,
      min: f.type === 'int' ? f.min : 0,
      max: f.type === 'int' ? f.max : 0,
      column: new Column(),
      nanos: f.type === 'time' ? new Column() : null,
    }));
    const required = fields.reduce((mask, f, i) => (f.type === 'time' && f.optional ? mask : mask | (1 << i)), 0);
    // Within a list no two keys start with the same letter, so the first byte says which key it must be.
    const byFirstByte = new Int8Array(256).fill(-1);
    fields.forEach((f, i) => (byFirstByte[f.name.charCodeAt(0)] = i));
    const names = fields.map((f) => Buffer.from(`${f.name}"`));
    this.expect(OPEN_BRACKET);
    if (this.peek() === CLOSE_BRACKET) this.at++;
    else
      do {
        this.expect(OPEN_BRACE);
        let seen = 0;
        do {
          const f = this.fieldIndex(byFirstByte, names);
          if (seen & (1 << f)) decline();
          seen |= 1 << f;
          this.expect(COLON);
          const slot = slots[f]!;
          if (slot.interner) slot.column.push(this.id(slot.interner));
          else if (slot.type === 'int') slot.column.push(this.int(slot.min, slot.max));
          else if (slot.type === 'kind') slot.column.push(this.kind());
          else {
            this.time();
            slot.column.push(this.instant.ms);
            slot.nanos!.push(this.instant.nanos);
          }
        } while (this.comma(CLOSE_BRACE));
        if ((seen & required) !== required) decline();
      } while (this.comma(CLOSE_BRACKET));
    return slots.flatMap((s) => (s.nanos ? [s.column, s.nanos] : [s.column]));
  }

  /** Which field a key names, by its bytes; a key that is none of them declines. */
  private fieldIndex(byFirstByte: Int8Array, names: Buffer[]): number {
    this.expect(QUOTE);
    const { bytes, at } = this;
    const f = byFirstByte[bytes[at]!]!;
    if (f < 0) decline();
    const name = names[f]!;
    let k = 1;
    while (k < name.length && bytes[at + k] === name[k]) k++;
    if (k !== name.length) decline();
    this.at += k;
    return f;
  }

  private id(space: Interner): number {
    this.expect(QUOTE);
    const { bytes } = this;
    const start = this.at;
    let hash = FNV_OFFSET;
    let i = start;
    for (; IS_ID[bytes[i]!]; i++) hash = fnv(hash, bytes[i]!);
    if (bytes[i] !== QUOTE || i === start || i - start > MAX_ID) decline();
    this.at = i + 1;
    return space.intern(start, i, hash);
  }

  /** A plain integer within bounds; a sign, fraction, exponent, leading zero or a 17th digit declines. */
  private int(min: number, max: number): number {
    this.space();
    const { bytes } = this;
    const start = this.at;
    let value = 0;
    let i = start;
    for (; bytes[i]! >= ZERO && bytes[i]! <= NINE && i - start < 16; i++) value = value * 10 + bytes[i]! - ZERO;
    if (i === start || (bytes[start] === ZERO && i - start > 1) || IS_NUMBER_GOES_ON[bytes[i]!]) decline();
    if (value < min || value > max) decline();
    this.at = i;
    return value;
  }

  private kind(): number {
    this.expect(QUOTE);
    for (let k = 0; k < KIND_BYTES.length; k++) {
      const word = KIND_BYTES[k]!;
      let j = 0;
      while (j < word.length && this.bytes[this.at + j] === word[j]) j++;
      if (j === word.length) {
        this.at += j;
        return k;
      }
    }
    return decline();
  }

  /** An ISO 8601 date-time the schema accepts, read into `instant`. */
  private time() {
    this.expect(QUOTE);
    let end = this.at;
    while (end < this.bytes.length && this.bytes[end] !== QUOTE) end++;
    if (!readInstant(this.bytes, this.at, end, this.instant)) decline();
    this.at = end + 1;
  }

  /** A key of the top-level object, which names a part; an escaped one declines. */
  private key(): string {
    this.expect(QUOTE);
    const start = this.at;
    let i = start;
    while (i < this.bytes.length && this.bytes[i] !== QUOTE && this.bytes[i] !== BACKSLASH) i++;
    if (this.bytes[i] !== QUOTE) decline();
    this.at = i + 1;
    this.expect(COLON);
    return utf8.decode(this.bytes.subarray(start, i));
  }

  /** Past one JSON value of a short part, minding strings; whether it is valid JSON is JSON.parse's to say, later. */
  private skipValue() {
    this.space();
    const { bytes } = this;
    let depth = 0;
    let i = this.at;
    for (;;) {
      if (i >= bytes.length) decline();
      const c = bytes[i]!;
      if (c === QUOTE) {
        for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
        i++;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
        i++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        // at depth 0 this closes the top-level object: the value was a scalar, and ends here
        if (depth === 0) break;
        depth--;
        i++;
      } else if (c === COMMA && depth === 0) break;
      else i++;
      if (depth === 0 && (c === QUOTE || c === CLOSE_BRACE || c === CLOSE_BRACKET)) break;
    }
    this.at = i;
  }

  /** After an item: true on a comma (another comes), false on the closing byte; anything else declines. */
  private comma(close: number): boolean {
    const c = this.peek();
    this.at++;
    if (c === COMMA) return true;
    if (c === close) return false;
    return decline();
  }

  private expect(byte: number) {
    if (this.peek() !== byte) decline();
    this.at++;
  }

  /** The next byte that is not white space, or -1 at the end. */
  private peek(): number {
    this.space();
    return this.at < this.bytes.length ? this.bytes[this.at]! : -1;
  }

  private space() {
    while (IS_SPACE[this.bytes[this.at]!]) this.at++;
  }
}
