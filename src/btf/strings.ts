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
import { MalformedError } from "../errors.js";
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
  /** string -> local offset of its first whole-string occurrence; built lazily. */
  private index?: Map<string, number>;
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
      if (bytes.length > 4096 && isAscii(bytes)) {
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
    const local = this.buildIndex().get(str);
    return local === undefined ? undefined : this.start + local;
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

  private buildIndex(): Map<string, number> {
    if (this.index) return this.index;
    const idx = new Map<string, number>();
    let p = 0;
    const text = this.text;
    while (text !== undefined && p < this.textLen) {
      let nul = text.indexOf("\0", p);
      if (nul < 0) break; // unterminated tail: not indexable
      const str = text.slice(p, nul);
      if (!idx.has(str)) idx.set(str, p);
      p = nul + 1;
    }
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

/** True when every byte is below 0x80. */
function isAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return false;
  return true;
}
