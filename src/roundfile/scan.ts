import { isUtf8 } from 'node:buffer';
import { repeatedPairs, repeatedReactions } from '../core/indexed.ts';
import { REACTION_KINDS } from '../core/types.ts';
import { readInstant } from '../core/instant.ts';
import type { Member, Wallet } from '../core/types.ts';
import { MAX_DEPTH } from './bytes.ts';
// a type only: the reader loads no zod
import type { KnownMembers } from './schema.ts';

/*
 * The byte-level reader of round files behind columns.ts: the long lists read into columns, each id interned by
 * its bytes where it stands, no string and no object made per item. It imports nothing heavy, so a worker thread
 * starts on it at once.
 */

/** Thrown inside the reader when it will not vouch for the file; never escapes readColumns. */
export const DECLINE = Symbol('decline');
export function decline(): never {
  throw DECLINE;
}

const [QUOTE, BACKSLASH, COMMA, COLON, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, ZERO, NINE] = [
  34, 92, 44, 58, 123, 125, 91, 93, 48, 57,
];
const IS_SPACE = byteClass(' \t\n\r');
const IS_ID = byteClass('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-');
const IS_NUMBER_GOES_ON = byteClass('0123456789.eE');
const IS_STRUCTURE = byteClass('"{}[],');
const MAX_ID = 64;
/** Far beyond the longest run a half-full table of honest ids has. */
const MAX_PROBES = 256;
function byteClass(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return table;
}

/** FNV-1a, over bytes or over the char codes of an ASCII string alike. */
const FNV_OFFSET = 0x811c9dc5;
const fnv = (hash: number, byte: number) => Math.imul(hash ^ byte, 0x01000193);

export type Space = 'members' | 'proposals' | 'comments' | 'questions';
const SPACES: readonly Space[] = ['members', 'proposals', 'comments', 'questions'];

/** A field of a long-list item: an id naming something in a space, a bounded integer, a reaction kind or a time. */
type Field =
  | { name: string; type: 'id'; space: Space }
  | { name: string; type: 'int'; min: number; max: number }
  | { name: string; type: 'kind' }
  | { name: string; type: 'time'; optional?: true };

export type ListName = 'ratings' | 'comments' | 'reactions' | 'votes';

/** The long lists, field by field, as their schemas in schema.ts state them. */
export const FIELDS: Record<ListName, Field[]> = {
  ratings: [
    { name: 'proposal', type: 'id', space: 'proposals' },
    { name: 'rater', type: 'id', space: 'members' },
    { name: 'stars', type: 'int', min: 1, max: 5 },
    { name: 'createdAt', type: 'time', optional: true },
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
    // after comment, which shares its first letter: readList tries the keys of one letter in this order
    { name: 'createdAt', type: 'time', optional: true },
  ],
  votes: [
    { name: 'question', type: 'id', space: 'questions' },
    { name: 'member', type: 'id', space: 'members' },
    // an option past 32 bits is no option of any question: the ordinary path says so
    { name: 'option', type: 'int', min: 0, max: 2 ** 31 - 1 },
    { name: 'castAt', type: 'time' },
  ],
};
// readList tells keys apart by their first byte, then, for the few that share it, by the rest.
for (const [list, fields] of Object.entries(FIELDS))
  if (new Set(fields.map((f) => f.name)).size !== fields.length) throw new Error(`a key of ${list} is listed twice`);
const KIND_BYTES = REACTION_KINDS.map((k) => Buffer.from(`${k}"`));

/**
 * Ids of one space, each kept as where its bytes first stood in the file: no string is made for any of them. Open
 * addressing; a slot holds the hash and length beside the entry and the id's first 8 bytes, so a look-up of a short
 * id (as most are) never reads the file where the id first stood: on the bench round those reads, one page of the
 * file each at random, took most of the reader's time.
 *
 * Ids made of one prefix and a number below DENSE (m0, m1, … c399999, as a generator numbers them) are found by the
 * number in `dense` instead, the prefix being that of the first such id: consecutive ids stand side by side there,
 * while a hash scatters them over a table of 16 MiB for 400,000 comments, each look-up a miss of the cache and of the
 * TLB. Whether an id goes there depends on its bytes and that first prefix only, so an id has one entry either way.
 */
export interface InternerTables {
  slots: Int32Array;
  starts: Int32Array;
  lengths: Uint8Array;
  count: number;
  /** By number: entry + 1 of the id `prefix` + number; 0: none. */
  dense: Int32Array;
  /** Where the prefix of the dense ids stands in the bytes, and its length; -1: no dense id yet. */
  prefixStart: number;
  prefixLength: number;
  /** The entries in `slots`, which keep it at most half full. */
  hashed: number;
}

/** Numbers of dense ids are below this (4 MiB of table at most) and written in at most DENSE_DIGITS digits. */
const DENSE = 1 << 20;
const DENSE_DIGITS = 7;

/** Ints per slot: [hash with the length in its low bits, entry + 1, bytes 0–3, bytes 4–7]; 0 entry: empty. */
const SLOT = 4;
/** The bytes of an id kept in its slot. */
const INLINE = 8;
/** An id's hash with its length (at most MAX_ID < 128) in the low 7 bits: equal keys, equal lengths. */
const keyOf = (hash: number, length: number) => (hash & ~0x7f) | length;
/** Where a key's probe starts: its hash bits, not its length bits. */
const placeOf = (key: number, mask: number) => ((key >>> 7) * SLOT) & mask;
/** Byte k (< INLINE) of an id, shifted to its place in its slot's word. */
const packed = (byte: number, k: number) => byte << ((k & 3) << 3);

export class Interner {
  private slots = new Int32Array(SLOT << 12);
  private starts = new Int32Array(1 << 11);
  private lengths = new Uint8Array(1 << 11);
  private dense = new Int32Array(0);
  private prefixStart = 0;
  private prefixLength = -1;
  private hashed = 0;
  /** What reserve asked room for, until the hash table takes its first id. */
  private room: number | (() => number) = 0;
  count = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** The tables, to hand to another thread. */
  tables(): InternerTables {
    const { slots, dense, prefixStart, prefixLength, hashed, count } = this;
    return { slots, starts: this.starts.slice(0, count), lengths: this.lengths.slice(0, count), count, dense, prefixStart, prefixLength, hashed };
  }

  /** An interner over the same bytes from the tables another thread made. */
  static from(bytes: Uint8Array, tables: InternerTables): Interner {
    const interner = new Interner(bytes);
    Object.assign(interner, tables);
    return interner;
  }

  /**
   * The entry of the id at bytes[start, end), added if new; `low` and `high` are its first 8 bytes, packed, `digits`
   * where the decimal digits that end it begin and `number` their value.
   */
  intern(start: number, end: number, hash: number, low: number, high: number, digits: number, number: number): number {
    if (this.isDense(start, digits, end, number)) {
      if (number >= this.dense.length) this.dense = grow(this.dense, Math.min(DENSE, Math.max(number + 1, this.dense.length * 2, 1 << 10)));
      const entry = this.dense[number]! - 1;
      if (entry >= 0) return entry;
      this.dense[number] = this.count + 1;
      this.store(start, end - start);
      return this.count - 1;
    }
    if (this.hashed === 0 && this.room !== 0) this.makeRoom();
    const { bytes, slots } = this;
    const length = end - start;
    const key = keyOf(hash, length);
    const mask = slots.length - SLOT;
    for (let slot = placeOf(key, mask), probes = 0; ; slot = (slot + SLOT) & mask) {
      // ids made to collide could make every look-up walk the table; past a bound, the ordinary path (whose
      // hashing is seeded) reads the file instead
      if (++probes > MAX_PROBES) decline();
      const entry = slots[slot + 1]! - 1;
      if (entry < 0) {
        slots[slot] = key;
        slots[slot + 1] = this.count + 1;
        slots[slot + 2] = low;
        slots[slot + 3] = high;
        this.store(start, length);
        if (++this.hashed * SLOT * 2 > slots.length) this.resize(slots.length * 2);
        return this.count - 1;
      }
      if (slots[slot] !== key || slots[slot + 2] !== low || slots[slot + 3] !== high) continue;
      if (length <= INLINE) return entry;
      const at = this.starts[entry]!;
      let k = INLINE;
      while (k < length && bytes[at + k] === bytes[start + k]) k++;
      if (k === length) return entry;
    }
  }

  /** The entry of an id given as a string (ids are ASCII), or -1. */
  find(id: string): number {
    const { bytes, slots } = this;
    let hash = FNV_OFFSET;
    let low = 0;
    let high = 0;
    let digits = 0;
    let number = 0;
    for (let k = 0; k < id.length; k++) {
      const c = id.charCodeAt(k);
      hash = fnv(hash, c);
      if (k < 4) low |= packed(c, k);
      else if (k < INLINE) high |= packed(c, k);
      if (c >= ZERO && c <= NINE) number = number * 10 + c - ZERO;
      else {
        digits = k + 1;
        number = 0;
      }
    }
    if (this.prefixLength === digits && this.isDenseNumber(id.charCodeAt(digits), id.length - digits, number)) {
      let k = 0;
      while (k < digits && bytes[this.prefixStart + k] === id.charCodeAt(k)) k++;
      if (k === digits) return number < this.dense.length ? this.dense[number]! - 1 : -1;
    }
    const key = keyOf(hash, id.length);
    const mask = slots.length - SLOT;
    for (let slot = placeOf(key, mask); ; slot = (slot + SLOT) & mask) {
      const entry = slots[slot + 1]! - 1;
      if (entry < 0) return -1;
      if (slots[slot] !== key || slots[slot + 2] !== low || slots[slot + 3] !== high) continue;
      const at = this.starts[entry]!;
      let k = INLINE;
      while (k < id.length && bytes[at + k] === id.charCodeAt(k)) k++;
      if (k >= id.length) return entry;
    }
  }

  /**
   * Room for `count` ids at once, when a list's size says how many there can be: growing to it one doubling at a time
   * rehashed every id up to 8 times into fresh tables (0.4 s of the bench round's scan of comments and reactions). It
   * is made when the hash table takes its first id, so a count that costs a pass over the list can wait until then
   * (dense ids need none).
   */
  reserve(count: number | (() => number)) {
    this.room = count;
  }

  private makeRoom() {
    const count = typeof this.room === 'number' ? this.room : this.room();
    this.room = 0;
    let size = this.slots.length;
    while (count * SLOT * 2 > size) size *= 2;
    if (size > this.slots.length) this.resize(size);
    if (count > this.starts.length) {
      this.starts = grow(this.starts, count);
      this.lengths = grow(this.lengths, count);
    }
  }

  /** Appends an entry, whose slot or place in `dense` is already set. */
  private store(start: number, length: number) {
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
    }
    this.starts[this.count] = start;
    this.lengths[this.count] = length;
    this.count++;
  }

  /**
   * Whether the id at bytes[start, end), whose digits begin at `digits` and are worth `number`, is a dense one: the
   * first id that could be sets the prefix.
   */
  private isDense(start: number, digits: number, end: number, number: number): boolean {
    const { bytes } = this;
    if (!this.isDenseNumber(bytes[digits]!, end - digits, number)) return false;
    const length = digits - start;
    if (this.prefixLength < 0) {
      this.prefixStart = start;
      this.prefixLength = length;
      return true;
    }
    if (length !== this.prefixLength) return false;
    let k = 0;
    while (k < length && bytes[this.prefixStart + k] === bytes[start + k]) k++;
    return k === length;
  }

  /** Digits that are a dense id's number: some, no leading zero (m01 is not m1), below DENSE. */
  private isDenseNumber(first: number, count: number, number: number): boolean {
    return count > 0 && count <= DENSE_DIGITS && (first !== ZERO || count === 1) && number < DENSE;
  }

  /** The same slots in a table of `size` ints. */
  private resize(size: number) {
    const old = this.slots;
    const slots = (this.slots = new Int32Array(size));
    const mask = slots.length - SLOT;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from + 1] === 0) continue;
      let slot = placeOf(old[from]!, mask);
      while (slots[slot + 1] !== 0) slot = (slot + SLOT) & mask;
      // four plain stores: a subarray per slot, as set() takes, was most of the time of a rehash
      for (let k = 0; k < SLOT; k++) slots[slot + k] = old[from + k]!;
    }
  }
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(array: T, length = Math.max(16, array.length * 2)): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/*
 * Columns are typed arrays reserved at once for as many items as the rest of the file could hold (`capacity`), and
 * handed on as views of what was read: the pages of a reservation are only mapped when written, and a fresh page costs
 * ~15 µs on the bench machine's VM (4 ms per MiB), so doubling and copying a column, as a growing array does, cost more
 * than reading it. Growth stays only for a capacity guessed too small.
 */

/** A column of 32-bit integers: ids' entries, small integers, reaction kinds, a time's nanoseconds. */
class IntColumn {
  values: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.values = new Int32Array(capacity);
  }
  push(value: number) {
    if (this.length === this.values.length) this.values = grow(this.values);
    this.values[this.length++] = value;
  }
  /** The values read, a view of a buffer of their own (transferable to another thread). */
  finish(): Int32Array {
    return this.values.subarray(0, this.length);
  }
}

/** A column of a time's epoch milliseconds, which outgrow 32 bits. */
class MsColumn {
  values: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }
  push(value: number) {
    if (this.length === this.values.length) this.values = grow(this.values);
    this.values[this.length++] = value;
  }
  finish(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

interface Slot {
  type: Field['type'];
  interner: Interner | null;
  min: number;
  max: number;
  /** The field's values; a time's nanoseconds. */
  column: IntColumn;
  /** A time's milliseconds. */
  ms: MsColumn | null;
}

/** The keys of an object told apart by their bytes. */
interface Keys {
  /** The first byte says which key it must be, or, when two keys share it, which to try first (sameLetter: then which). */
  byFirstByte: Int8Array;
  sameLetter: Int8Array;
  names: Buffer[];
}
function keysOf(names: readonly string[]): Keys {
  const byFirstByte = new Int8Array(256).fill(-1);
  const sameLetter = new Int8Array(names.length).fill(-1);
  for (let i = names.length - 1; i >= 0; i--) {
    const first = names[i]!.charCodeAt(0);
    sameLetter[i] = byFirstByte[first]!;
    byFirstByte[first] = i;
  }
  return { byFirstByte, sameLetter, names: names.map((name) => Buffer.from(`${name}"`)) };
}

/** How an item of a list is read: the keys it must have, and its keys. */
interface ListShape extends Keys {
  required: number;
}
function shapeOf(fields: Field[]): ListShape {
  const required = fields.reduce((mask, f, i) => (f.type === 'time' && f.optional ? mask : mask | (1 << i)), 0);
  return { required, ...keysOf(fields.map((f) => f.name)) };
}

/** The keys of a member and of a wallet, in memberSchema's order. */
const [ID, HANDLE, EXCLUDED, WALLETS] = [0, 1, 2, 3];
const MEMBER_KEYS = keysOf(['id', 'handle', 'excluded', 'wallets']);
const [CHAIN, ADDRESS, BALANCE] = [0, 1, 2];
const WALLET_KEYS = keysOf(['chain', 'address', 'balance']);
const BOOLEANS = [Buffer.from('true'), Buffer.from('false')];

/**
 * The schema's quick checks of a member and of a wallet (quickMemberOf, quickWallet in schema.ts), handed to the reader
 * so that it loads no zod: the worker thread starts on this file.
 */
export interface MemberChecks {
  member(id: string | undefined, handle: string | undefined, excluded: boolean, wallets: Wallet[]): Member | undefined;
  wallet(chain: string | undefined, address: string | undefined, balance: string | undefined): Wallet | undefined;
}

/** The columns of one list, in FIELDS order, a time giving two (milliseconds, nanoseconds). */
export type Columns = (Int32Array | Float64Array)[];

/** The columns read into a list's slots. */
const columnsOf = (slots: Slot[]): Columns => slots.flatMap((s) => (s.ms ? [s.ms.finish(), s.column.finish()] : [s.column.finish()]));

/**
 * The fewest bytes an item of a list takes: `{`, each required `"key":` with a one-byte value, the commas, `}` and the
 * comma before the next item. The rest of a file divided by it bounds how many items a list can have.
 */
function fewestBytes(fields: Field[]): number {
  const required = fields.filter((f) => !(f.type === 'time' && f.optional));
  return required.reduce((sum, f) => sum + f.name.length + 4, 0) + required.length + 2;
}

/** What one scan of a round file found. */
export interface Scan {
  /** The columns of each list it read, in FIELDS order, a time taking two (milliseconds, nanoseconds). */
  lists: Partial<Record<ListName, Columns>>;
  /** Its interners, one per space of ids. */
  spaces: Record<Space, InternerTables>;
  /** The text of every part that is not a long list, as `"key":value` (the scan of the whole file only). */
  rest: string[];
  /** Where each list left to another thread stood, or where a list that thread read stood: [its `[`, past its `]`]. */
  spans: Partial<Record<ListName, [number, number]>>;
  /** The pieces of the shared list (PIECES) this scan took, by their index, with their columns. */
  pieces: { index: number; columns: Columns }[];
}

/**
 * The list both threads read, cut into pieces at item boundaries: whichever thread is done with its own parts first
 * takes the next piece, so neither waits for the other however the machine's load falls between them (the votes:
 * the longest list, and the last in files govbot writes). The thread that walks the whole file cuts it, in shared ints:
 * [state, next piece, piece count, the pieces' bounds].
 */
export const SHARED_LIST: ListName = 'votes';
const PIECES = 32;
const [STATE, NEXT, COUNT, BOUNDS] = [0, 1, 2, 3];
const [CUTTING, CUT] = [0, 1];
export const pieceTable = () => new Int32Array(new SharedArrayBuffer(4 * (BOUNDS + PIECES + 1)));
export const pieceCount = (table: Int32Array) => Atomics.load(table, COUNT);
/** No (more) pieces to come: for a file without the list, or a scan that stopped; a thread waiting on it goes on. */
export function noPieces(table: Int32Array) {
  if (Atomics.load(table, STATE) !== CUTTING) return;
  Atomics.store(table, COUNT, 0);
  Atomics.store(table, STATE, CUT);
  Atomics.notify(table, STATE);
}

/**
 * Only the lists named, each found where its key stands, for a second thread: nothing else of the file is read, so
 * the two threads do not both walk it. The scan of the whole file must find each list at the same place (the key
 * could stand in another part too); the caller compares their spans.
 */
export const scanLists = (bytes: Uint8Array, lists: readonly ListName[], table?: Int32Array, most = Infinity): Scan | undefined =>
  vouched(() => {
    const reader = new ColumnReader(bytes);
    const walk = reader.lists(lists);
    if (table) {
      // the pieces are cut once the other thread has walked the file: by then this one is mostly still reading
      Atomics.wait(table, STATE, CUTTING);
      reader.takePieces(table, most);
    }
    return reader.finish(walk);
  });

function vouched(scan: () => Scan): Scan | undefined {
  try {
    return scan();
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

const TOP_KEYS_SPACES: Partial<Record<string, Space>> = { members: 'members', proposals: 'proposals', questions: 'questions' };

/**
 * What a walk of the file found: the lists read whole, the short parts' text, where the others stood; and the members,
 * when it read them itself (they are then no part of the text).
 */
type Walk = Pick<Scan, 'lists' | 'rest' | 'spans'> & { known?: KnownMembers };

export class ColumnReader {
  private at = 0;
  private readonly pieces: Scan['pieces'] = [];
  private readonly instant = { ms: 0, nanos: 0 };
  private readonly spaces: Record<Space, Interner>;
  private readonly bytes: Buffer;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.spaces = { members: new Interner(bytes), proposals: new Interner(bytes), comments: new Interner(bytes), questions: new Interner(bytes) };
  }

  /**
   * The top-level object: the lists to read into columns, the text of every other part. With a piece table, the
   * shared list is cut into pieces there for the threads to take. With the schema's checks, the members are read too.
   */
  scan(read: readonly ListName[], table?: Int32Array, checks?: MemberChecks): Walk {
    const keys = new Set<string>();
    // a list the file leaves out is empty
    const lists: Scan['lists'] = Object.fromEntries(read.map((l) => [l, this.emptyColumns(l)]));
    const rest: string[] = [];
    const spans: Scan['spans'] = {};
    let known: KnownMembers | undefined;
    this.expect(OPEN_BRACE);
    if (this.peek() === CLOSE_BRACE) decline();
    do {
      const key = this.key();
      if (keys.has(key)) decline();
      keys.add(key);
      if (read.includes(key as ListName)) lists[key as ListName] = this.readList(FIELDS[key as ListName]);
      else if (Object.hasOwn(FIELDS, key)) {
        const span = (spans[key as ListName] = this.stepOverList());
        if (key === SHARED_LIST && table) this.cutPieces(span, table);
      } else if (key === 'members' && checks && (known = this.members(checks))) this.spaces.members.reserve(known.members.length);
      else {
        this.space();
        const start = this.at;
        const items = this.skipValue();
        // the ids of the lists read here are at most the items that define them
        const space = TOP_KEYS_SPACES[key];
        if (space) this.spaces[space].reserve(items);
        const text = this.bytes.subarray(start, this.at);
        // The file's UTF-8 is checked part by part, by the thread that reads the part, not in a pass of its own: a
        // long list the columns take is ASCII (ids, numbers, kinds, times), and their reader refuses any other byte.
        // A decoder would quietly turn a bad byte into U+FFFD: the ordinary path names where it is.
        if (!isUtf8(text)) decline();
        rest.push(`"${key}":${text.toString('utf8')}`);
      }
    } while (this.comma(CLOSE_BRACE));
    if (this.peek() !== -1) decline();
    this.refuseRepeats(lists);
    return { lists, rest, spans, ...(known && { known }) };
  }

  /**
   * The members list read straight into members, each checked by the schema's quick checks: JSON.parse and quickMember
   * took 0.7 s of CPU time and 25,000 page faults on the bench round, for objects dropped at once. Undefined, and the
   * reader back where it was, when the list holds anything it does not vouch for (an escape, another key, a value the
   * checks refuse, an id listed twice): the list is then parsed with the other short parts, and the schema names any
   * problem. Each id is interned as it is read, so that no Map of 100,000 ids is built to find the members by id.
   */
  private members(checks: MemberChecks): KnownMembers | undefined {
    const start = this.at;
    try {
      const members: Member[] = [];
      const ids = new Interner(this.bytes);
      this.expect(OPEN_BRACKET);
      if (this.peek() === CLOSE_BRACKET) this.at++;
      else
        do members.push(this.member(checks, ids, members.length));
        while (this.comma(CLOSE_BRACKET));
      // a string's bytes are decoded as UTF-8 where they stand; the ordinary path names a byte that is not
      if (!isUtf8(this.bytes.subarray(start, this.at))) decline();
      const get = (id: string) => {
        const entry = ids.find(id);
        return entry < 0 ? undefined : entry;
      };
      return { members, memberPositions: { get, has: (id) => ids.find(id) >= 0 } };
    } catch (e) {
      if (e !== DECLINE) throw e;
      this.at = start;
      return undefined;
    }
  }

  /** One member, its keys at most once each, as JSON.parse and quickMember would make it; `ids` holds those before it. */
  private member(checks: MemberChecks, ids: Interner, position: number): Member {
    // plain variables, not an array destructured: no object per member that is dropped at once
    let id: string | undefined;
    let handle: string | undefined;
    let excluded = false;
    let wallets: Wallet[] = [];
    let seen = 0;
    this.expect(OPEN_BRACE);
    do {
      const key = this.fieldIndex(MEMBER_KEYS);
      if (seen & (1 << key)) decline();
      seen |= 1 << key;
      this.expect(COLON);
      if (key === ID) id = this.memberId(ids, position);
      else if (key === HANDLE) handle = this.string();
      else if (key === EXCLUDED) excluded = this.boolean();
      else if (key === WALLETS) wallets = this.wallets(checks);
    } while (this.comma(CLOSE_BRACE));
    return checks.member(id, handle, excluded, wallets) ?? decline();
  }

  /** A member's id, interned: an entry that is not the member's position is an id listed before (or not an id at all). */
  private memberId(ids: Interner, position: number): string {
    this.space();
    const start = this.at + 1;
    if (this.id(ids) !== position) decline();
    return this.bytes.toString('latin1', start, this.at - 1);
  }

  private wallets(checks: MemberChecks): Wallet[] {
    const wallets: Wallet[] = [];
    this.expect(OPEN_BRACKET);
    if (this.peek() === CLOSE_BRACKET) {
      this.at++;
      return wallets;
    }
    do {
      let chain: string | undefined;
      let address: string | undefined;
      let balance: string | undefined;
      let seen = 0;
      this.expect(OPEN_BRACE);
      do {
        const key = this.fieldIndex(WALLET_KEYS);
        if (seen & (1 << key)) decline();
        seen |= 1 << key;
        this.expect(COLON);
        // most members' wallets are on one chain: its name is made once
        if (key === CHAIN) chain = this.chain();
        else if (key === ADDRESS) address = this.string();
        else if (key === BALANCE) balance = this.string();
      } while (this.comma(CLOSE_BRACE));
      wallets.push(checks.wallet(chain, address, balance) ?? decline());
    } while (this.comma(CLOSE_BRACKET));
    return wallets;
  }

  /** The string of the last chain read, and where its bytes stood. */
  private lastChain = { text: '', start: 0, length: -1 };

  /** A chain's name: the last one's string when its bytes are the same. */
  private chain(): string {
    this.space();
    const { bytes, lastChain: last } = this;
    const start = this.at + 1;
    let k = 0;
    if (bytes[this.at] === QUOTE && last.length >= 0) while (k < last.length && bytes[start + k] === bytes[last.start + k]) k++;
    if (k === last.length && bytes[start + k] === QUOTE) {
      this.at = start + k + 1;
      return last.text;
    }
    const text = this.string();
    this.lastChain = { text, start, length: this.at - 1 - start };
    return text;
  }

  /**
   * A string with no escape, as JSON.parse makes it: ASCII as Latin-1 (the same characters, decoded without a look at
   * UTF-8), anything else as UTF-8, whose validity members() checks once for the whole list. A control character is
   * not JSON, and an escape this reader leaves to JSON.parse: both decline.
   */
  private string(): string {
    this.expect(QUOTE);
    const { bytes } = this;
    const start = this.at;
    let high = 0;
    let i = start;
    for (; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === QUOTE) break;
      if (b === BACKSLASH || b < 0x20) decline();
      high |= b;
    }
    if (i >= bytes.length) decline();
    this.at = i + 1;
    return bytes.toString(high < 0x80 ? 'latin1' : 'utf8', start, i);
  }

  private boolean(): boolean {
    this.space();
    return this.oneOf(BOOLEANS) === 0;
  }

  /**
   * A member rates a proposal once and reacts with one kind to a comment once. Told on this reader's own entries,
   * one per id, so that the thread that read a list checks it (on the bench round a sort of 600,000 keys, which the
   * other thread then need not do).
   */
  private refuseRepeats({ ratings, reactions }: Scan['lists']) {
    const members = this.spaces.members.count;
    if (ratings && repeatedPairs(ratings[0] as Int32Array, ratings[1] as Int32Array, members).length > 0) decline();
    if (reactions && repeatedReactions({ comment: reactions[0] as Int32Array, reactor: reactions[1] as Int32Array, kind: new Uint8Array(reactions[2]!) }, members).length > 0)
      decline();
  }

  /** A walk's findings with the pieces taken and the interners: to hand on, after which this reader reads no more. */
  finish(walk: Walk): Scan {
    return { ...walk, spaces: this.tables(), pieces: this.pieces };
  }

  /**
   * Cuts the shared list at about PIECES even places, each just past an item's `}` that a comma follows: on the
   * columns' path a `}` inside the list ends an item, and if it does not, a piece declines when read.
   */
  private cutPieces([start, end]: [number, number], table: Int32Array) {
    const close = end - 1;
    this.at = start + 1;
    // white space only: no piece
    const bounds = this.peek() === CLOSE_BRACKET ? [] : [start + 1];
    for (let k = 1; k < PIECES && bounds.length > 0; k++) {
      const brace = this.bytes.indexOf(CLOSE_BRACE, start + Math.floor((k * (close - start)) / PIECES));
      if (brace < 0 || brace > close) break;
      this.at = brace + 1;
      if (brace + 1 > bounds.at(-1)! && this.peek() === COMMA) bounds.push(brace + 1);
    }
    if (bounds.length > 0) bounds.push(close);
    this.at = end;
    table.set(bounds, BOUNDS);
    Atomics.store(table, COUNT, Math.max(0, bounds.length - 1));
    Atomics.store(table, STATE, CUT);
    Atomics.notify(table, STATE);
  }

  /** Takes pieces of the shared list until none is left (or `most` taken), reading each into columns of its own. */
  takePieces(table: Int32Array, most = Infinity) {
    const count = Atomics.load(table, COUNT);
    for (let taken = 0; taken < most; taken++) {
      const index = Atomics.add(table, NEXT, 1);
      if (index >= count) return;
      this.pieces.push({ index, columns: this.readPiece(FIELDS[SHARED_LIST], table[BOUNDS + index]!, table[BOUNDS + index + 1]!, index > 0, index === count - 1) });
    }
  }

  /**
   * The items between two bounds of the shared list: from the `[` or a comma, to just past an item's `}` or, for the
   * last piece, to the `]`.
   */
  private readPiece(fields: Field[], start: number, end: number, afterAnother: boolean, last: boolean): Columns {
    const shape = shapeOf(fields);
    const slots = this.slotsFor(fields, Math.ceil((end - start) / fewestBytes(fields)) + 1);
    this.at = start;
    // a piece after the first starts at the comma after the item that ended the one before
    if (afterAnother) this.expect(COMMA);
    for (;;) {
      this.readItem(shape, slots);
      if (this.at === end) break;
      if (this.at > end) decline();
      const c = this.peek();
      if (last && c === CLOSE_BRACKET && this.at === end) break;
      this.expect(COMMA);
    }
    return columnsOf(slots);
  }

  /** The lists named, each where its key first stands (after the list before it, if there), read into columns. */
  lists(read: readonly ListName[]): Walk {
    const lists: Scan['lists'] = {};
    const spans: Scan['spans'] = {};
    let from = 0;
    for (const list of read) {
      const start = this.listStart(list, from);
      if (start < 0) {
        lists[list] = this.emptyColumns(list);
        continue;
      }
      this.at = start;
      // a comment id stands once in the comments: as many ids as items, each item one `{` on the columns' path
      if (list === 'comments') this.spaces.comments.reserve(() => this.itemsFrom(start));
      lists[list] = this.readList(FIELDS[list]);
      spans[list] = [start, this.at];
      from = this.at;
    }
    this.refuseRepeats(lists);
    return { lists, rest: [], spans };
  }

  private tables(): Scan['spaces'] {
    return Object.fromEntries(SPACES.map((s) => [s, this.spaces[s].tables()])) as Scan['spaces'];
  }

  private emptyColumns(list: ListName): Columns {
    return columnsOf(this.slotsFor(FIELDS[list], 0));
  }

  /**
   * The offset of the `[` of `"list": [`, searched from `from`, then from the start; -1 when there is none. One native
   * search for the bytes: a key outside a string is always written this way, while inside a string its quotes would
   * be escaped.
   */
  private listStart(list: ListName, from: number): number {
    const key = Buffer.from(`"${list}"`);
    for (const origin of from > 0 ? [from, 0] : [0])
      for (let at = this.bytes.indexOf(key, origin); at >= 0 && (origin === 0 || at >= from); at = this.bytes.indexOf(key, at + 1)) {
        this.at = at + key.length;
        if (this.peek() !== COLON) continue;
        this.at++;
        if (this.peek() === OPEN_BRACKET) return this.at;
      }
    return -1;
  }

  /** The `{` up to the first `]` from `start`: the items of a list the columns can read, whose items hold neither. */
  private itemsFrom(start: number): number {
    const { bytes } = this;
    let items = 0;
    for (let i = start; i < bytes.length && bytes[i] !== CLOSE_BRACKET; i++) if (bytes[i] === OPEN_BRACE) items++;
    return items;
  }

  /**
   * Past a long list another thread reads, to its first `]`: if that thread vouches for the list, no byte inside it
   * is one (ids, numbers, kinds and times have none), so it ends there. Its span, to compare with that thread's.
   */
  private stepOverList(): [number, number] {
    this.space();
    const start = this.at;
    this.expect(OPEN_BRACKET);
    const close = this.bytes.indexOf(CLOSE_BRACKET, this.at);
    if (close < 0) decline();
    this.at = close + 1;
    return [start, this.at];
  }

  /** Where each field of a list goes: one object shape for every field of every list, so readList stays monomorphic. */
  private slotsFor(fields: Field[], capacity: number): Slot[] {
    return fields.map((f) => ({
      type: f.type,
      interner: f.type === 'id' ? this.spaces[f.space] : null,
      min: f.type === 'int' ? f.min : 0,
      max: f.type === 'int' ? f.max : 0,
      column: new IntColumn(capacity),
      ms: f.type === 'time' ? new MsColumn(capacity) : null,
    }));
  }

  private readList(fields: Field[]): Columns {
    const slots = this.slotsFor(fields, Math.ceil((this.bytes.length - this.at) / fewestBytes(fields)) + 1);
    const shape = shapeOf(fields);
    this.expect(OPEN_BRACKET);
    if (this.peek() === CLOSE_BRACKET) this.at++;
    else
      do this.readItem(shape, slots);
      while (this.comma(CLOSE_BRACKET));
    return columnsOf(slots);
  }

  private readItem(shape: ListShape, slots: Slot[]) {
    const { required } = shape;
    this.expect(OPEN_BRACE);
    let seen = 0;
    do {
      const f = this.fieldIndex(shape);
      if (seen & (1 << f)) decline();
      seen |= 1 << f;
      this.expect(COLON);
      const slot = slots[f]!;
      if (slot.interner) slot.column.push(this.id(slot.interner));
      else if (slot.type === 'int') slot.column.push(this.int(slot.min, slot.max));
      else if (slot.type === 'kind') slot.column.push(this.kind());
      else {
        this.time();
        slot.ms!.push(this.instant.ms);
        slot.column.push(this.instant.nanos);
      }
    } while (this.comma(CLOSE_BRACE));
    if ((seen & required) !== required) decline();
  }

  /** Which field a key names, by its bytes; a key that is none of them declines. */
  private fieldIndex({ byFirstByte, sameLetter, names }: Keys): number {
    this.expect(QUOTE);
    const { bytes, at } = this;
    // past the end of a truncated file there is no byte to look up
    for (let f = at < bytes.length ? byFirstByte[bytes[at]!]! : -1; f >= 0; f = sameLetter[f]!) {
      const name = names[f]!;
      let k = 1;
      while (k < name.length && bytes[at + k] === name[k]) k++;
      if (k !== name.length) continue;
      this.at += k;
      return f;
    }
    return decline();
  }

  private id(space: Interner): number {
    this.expect(QUOTE);
    const { bytes } = this;
    const start = this.at;
    let hash = FNV_OFFSET;
    let low = 0;
    let high = 0;
    let digits = start;
    let number = 0;
    let i = start;
    for (; IS_ID[bytes[i]!]; i++) {
      const b = bytes[i]!;
      hash = fnv(hash, b);
      const k = i - start;
      if (k < 4) low |= packed(b, k);
      else if (k < INLINE) high |= packed(b, k);
      if (b >= ZERO && b <= NINE) number = number * 10 + b - ZERO;
      else {
        digits = i + 1;
        number = 0;
      }
    }
    if (bytes[i] !== QUOTE || i === start || i - start > MAX_ID) decline();
    this.at = i + 1;
    return space.intern(start, i, hash, low, high, digits, number);
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
    return this.oneOf(KIND_BYTES);
  }

  /** Which of `words` the bytes go on with, stepped over; none declines. */
  private oneOf(words: readonly Buffer[]): number {
    for (let k = 0; k < words.length; k++) {
      const word = words[k]!;
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

  /** A key of the top-level object, which names a part; an escaped one, or one not in ASCII, declines. */
  private key(): string {
    this.expect(QUOTE);
    const start = this.at;
    const { bytes } = this;
    let i = start;
    while (i < bytes.length && bytes[i] !== QUOTE && bytes[i] !== BACKSLASH && bytes[i]! < 0x80) i++;
    if (bytes[i] !== QUOTE) decline();
    this.at = i + 1;
    this.expect(COLON);
    return bytes.toString('latin1', start, i);
  }

  /**
   * Past one JSON value of a short part, minding strings; whether it is valid JSON is JSON.parse's to say, later. The
   * objects directly inside a list value are counted: the items of members, proposals or questions.
   */
  private skipValue(): number {
    this.space();
    const { bytes } = this;
    const end = bytes.length;
    let depth = 0;
    let items = 0;
    let i = this.at;
    for (;;) {
      // most bytes of a list are plain: one look-up steps over each
      while (i < end && !IS_STRUCTURE[bytes[i]!]) i++;
      if (i >= end) decline();
      const c = bytes[i]!;
      if (c === QUOTE) {
        for (i++; i < end && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
        i++;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        // the ordinary path refuses a file nested too deep, naming where; below the limit nothing walking it overflows
        if (++depth >= MAX_DEPTH) decline();
        if (depth === 2 && c === OPEN_BRACE) items++;
        i++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        // at depth 0 this closes the top-level object: the value was a scalar, and ends here
        if (depth === 0) break;
        depth--;
        i++;
      } else if (depth === 0) break; // a comma after a scalar
      else i++;
      if (depth === 0 && (c === QUOTE || c === CLOSE_BRACE || c === CLOSE_BRACKET)) break;
    }
    this.at = i;
    return items;
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
