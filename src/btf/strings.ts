/**
 * The BTF string section.
 *
 * A {@link StringTable} keeps the bytes it was read from untouched, so an
 * unchanged BTF is written back byte for byte (duplicate or unreferenced
 * strings included), and appends new strings after them. `add` deduplicates
 * against the whole chain: the base tables first (as libbpf's `btf__add_str`
 * does for split BTF), then this table. Offsets of a split table start at the
 * base's total length (FORMAT.md 2).
 *
 * ```
 * base:  \0 int \0 long \0          offsets 0 .. base.end-1
 * split:             foo \0 bar \0  offsets base.end ..
 * ```
 */
import { isAscii as bufferIsAscii } from "node:buffer";
import { MalformedError } from "../errors.js";
import { FNV_BASIS, FNV_PRIME, IntMultiMap, hashString } from "./intindex.js";
import type { StrOff } from "./model.js";

const utf8 = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** A BTF string section, possibly continuing a base section. */
export class StringTable {
  /** The table this one continues, for split BTF. */
  readonly base?: StringTable;
  /** Offset of this table's first byte in the chain's offset space. */
  readonly start: number;
  private bytes: Uint8Array;
  private len: number;
  /**
   * string -> local offset of its first whole-string occurrence; built
   * lazily. Of a table with {@link text}, only the strings added after
   * the bytes read: those read are in {@link textIndex}.
   */
  private index?: Map<string, number>;
  /**
   * The whole strings of {@link text} by hash of their bytes (local
   * offsets, in offset order), built in one pass over the bytes on the
   * first `find`: for vmlinux's 2 MB, a tenth of the time and none of the
   * garbage of a 100k-entry Map.
   */
  private textIndex?: IntMultiMap;
  /** True when the bytes read are all ASCII (vacuously, when none were). */
  private readAscii = true;
  /** Decoded strings by local offset. */
  private cache = new Map<number, string>();
  /**
   * The bytes read, decoded at once as one string when they are all ASCII
   * (every kernel .BTF): one native decode instead of one per string, and
   * a string's text is a slice of it. Covers offsets below `textLen` only.
   */
  private text?: string;
  private textLen = 0;

  /**
   * @param base table of the base BTF (offsets continue after it)
   * @param bytes original section bytes, kept as-is; when omitted a non-split
   *   table starts with the mandatory `"\0"` and a split table starts empty
   */
  constructor(base?: StringTable, bytes?: Uint8Array) {
    this.base = base;
    this.start = base ? base.end : 0;
    if (bytes) {
      this.bytes = bytes;
      this.len = bytes.length;
      this.readAscii = isAscii(bytes);
      if (this.readAscii) {
        this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
        this.textLen = bytes.length;
      }
    } else {
      this.bytes = new Uint8Array(base ? 64 : 64);
      this.len = base ? 0 : 1;
    }
  }

  /** One past the last offset of this table, in the chain's offset space. */
  get end(): number {
    return this.start + this.len;
  }

  /** Bytes of this table alone (without the base's). */
  get length(): number {
    return this.len;
  }

  /** This table's own bytes, as they will be written. */
  data(): Uint8Array {
    return this.bytes.subarray(0, this.len);
  }

  /** True if `off` names a byte of this table or of a base. */
  has(off: StrOff): boolean {
    return Number.isInteger(off) && off >= 0 && off < this.end;
  }

  /**
   * The NUL-terminated string at `off` (anywhere in the chain); offsets into the
   * middle of a string are valid and name its tail.
   * @throws MalformedError if `off` is out of range or no NUL follows it
   */
  get(off: StrOff): string {
    if (off < this.start) {
      if (!this.base) throw new MalformedError(`string offset ${off} out of range`);
      return this.base.get(off);
    }
    const local = off - this.start;
    const hit = this.cache.get(local);
    if (hit !== undefined) return hit;
    if (!Number.isInteger(local) || local >= this.len) {
      throw new MalformedError(`string offset ${off} out of range (end ${this.end})`);
    }
    if (local < this.textLen) {
      const nul = this.text!.indexOf("\0", local);
      if (nul >= 0) return this.text!.slice(local, nul);
    }
    const nul = this.bytes.indexOf(0, local);
    if (nul < 0 || nul >= this.len) throw new MalformedError(`string at offset ${off} is not NUL-terminated`);
    const s = utf8.decode(this.bytes.subarray(local, nul));
    this.cache.set(local, s);
    return s;
  }

  /** Offset of `str` in this table or a base, or undefined. Never adds. */
  find(str: string): StrOff | undefined {
    if (str === "" && (this.base || this.len > 0)) {
      // The empty string is offset 0 of the chain's first table.
      const root = this.root();
      if (root.len > 0 && root.bytes[0] === 0) return 0;
    }
    const inBase = this.base?.find(str);
    if (inBase !== undefined) return inBase;
    const idx = this.buildIndex();
    const ti = this.textIndex;
    if (ti && !str.includes("\0")) {
      const text = this.text!;
      for (let e = ti.first(hashString(str)); e >= 0; e = ti.nextOf(e)) {
        const o = ti.valueOf(e);
        if (text.charCodeAt(o + str.length) === 0 && text.startsWith(str, o)) return this.start + o;
      }
    }
    const local = idx.get(str);
    return local === undefined ? undefined : this.start + local;
  }

  /**
   * True when the bytes this table (and every base) was read with are all
   * ASCII: then a string's bytes hash as its text does, and
   * {@link findAllWhole} can answer.
   */
  allAscii(): boolean {
    return this.readAscii && (this.base ? this.base.allAscii() : true);
  }

  /**
   * Every offset below the bytes read (of this table and its bases) where
   * a whole NUL-terminated string equal to `str` starts, ascending; or
   * undefined when some table read non-ASCII bytes (then ask {@link get}).
   */
  findAllWhole(str: string): number[] | undefined {
    const below = this.base ? this.base.findAllWhole(str) : [];
    if (!below || !this.readAscii) return undefined;
    if (this.text === undefined || str.includes("\0")) return below;
    this.buildIndex();
    const text = this.text;
    const ti = this.textIndex!;
    const out = below;
    for (let e = ti.first(hashString(str)); e >= 0; e = ti.nextOf(e)) {
      const o = ti.valueOf(e);
      if (text.charCodeAt(o + str.length) === 0 && text.startsWith(str, o)) out.push(this.start + o);
    }
    return out;
  }

  /** Builds the index {@link find} uses now rather than on the first call (see `Btf.prepareIndexes`). */
  prepareIndex(): void {
    this.buildIndex();
  }

  /** True if `off` (a valid offset) starts a string: offset 0 of its table, or just after a NUL. */
  startsString(off: StrOff): boolean {
    if (off < this.start) return this.base!.startsString(off);
    const local = off - this.start;
    return local === 0 || this.bytes[local - 1] === 0;
  }

  /** Offset of `str`, appending it (NUL-terminated) if no table in the chain has it. */
  add(str: string): StrOff {
    const found = this.find(str);
    if (found !== undefined) return found;
    if (str.includes("\0")) throw new MalformedError("BTF strings cannot contain NUL");
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode in place, no copy.
    this.reserve(3 * str.length + 1);
    const local = this.len;
    const { written } = encoder.encodeInto(str, this.bytes.subarray(local));
    this.bytes[local + written] = 0;
    this.len += written + 1;
    this.index!.set(str, local);
    this.cache.set(local, str);
    return this.start + local;
  }

  private root(): StringTable {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let t: StringTable = this;
    while (t.base) t = t.base;
    return t;
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.bytes.length) return;
    let cap = Math.max(64, this.bytes.length * 2);
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.len));
    this.bytes = next;
  }

  /** Builds {@link textIndex}; returns the offset after the last whole string. */
  private buildTextIndex(): number {
    const { index, end } = textIndexOf(this.bytes, this.textLen);
    this.textIndex = index;
    return end;
  }

  private buildIndex(): Map<string, number> {
    if (this.index) return this.index;
    const idx = new Map<string, number>();
    let p = 0;
    if (this.text !== undefined) p = this.buildTextIndex();
    while (p < this.len) {
      let nul = this.bytes.indexOf(0, p);
      if (nul < 0 || nul >= this.len) nul = this.len; // unterminated tail: not indexable
      if (nul < this.len) {
        const s = utf8.decode(this.bytes.subarray(p, nul));
        if (!idx.has(s)) idx.set(s, p);
      }
      p = nul + 1;
    }
    this.index = idx;
    return idx;
  }
}

/**
 * Fills {@link StringTable.textIndex} with the whole strings of the
 * text (an unterminated tail is not indexable) and returns where they end.
 */
function textIndexOf(bytes: Uint8Array, len: number): { index: IntMultiMap; end: number } {
  // A plain loop: Buffer#indexOf is a native call each time, 30 ms over vmlinux's 100k strings.
  let n = 0;
  for (let i = 0; i < len; i++) if (bytes[i] === 0) n++;
  const keys = new Int32Array(n);
  const vals = new Uint32Array(n);
  // hashBytes inline, one pass: the hash restarts after each NUL.
  let k = 0;
  let start = 0;
  let h = FNV_BASIS;
  for (let i = 0; k < n; i++) {
    const b = bytes[i];
    if (b === 0) {
      keys[k] = h | 0;
      vals[k++] = start;
      start = i + 1;
      h = FNV_BASIS;
    } else {
      h = Math.imul(h ^ b, FNV_PRIME);
    }
  }
  return { index: new IntMultiMap(keys, vals, n), end: start };
}

/** True when every byte is below 0x80 (node:buffer's native check: 1.7 MB of vmlinux strings in well under 1 ms). */
function isAscii(b: Uint8Array): boolean {
  return b.length === 0 || bufferIsAscii(b);
}
