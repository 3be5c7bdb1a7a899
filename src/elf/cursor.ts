/**
 * A bounds-checked little/big-endian cursor over bytes already in memory.
 *
 * Every binary reader in btfgen (ELF headers, relocation tables, BTF) goes
 * through {@link ByteReader} so that a short input always surfaces as a
 * {@link TruncatedError} that says *which* section and *which absolute offset*,
 * instead of a `RangeError` from `DataView` or, worse, `undefined` silently
 * turning into `NaN`. Byte order is decided once by whoever builds the reader
 * (ELF `EI_DATA`, BTF magic) and passed down.
 */
import { MalformedError, TruncatedError } from "../errors.js";

/** Where a reader's bytes came from, for error messages. */
export interface ReaderOrigin {
  /** Absolute offset (in the file or enclosing section) of the reader's byte 0. */
  base?: number;
  /** Section name, e.g. `.debug_info`. */
  section?: string;
  /** File name. */
  file?: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Decodes the NUL-terminated string starting at `start` in `bytes`.
 * Returns the string and the index of its terminating NUL (or `bytes.length`
 * when there is none; callers that need strictness check that).
 *
 * ASCII names (nearly every symbol and section name) take a
 * `String.fromCharCode` path: `TextDecoder.decode` has a fixed per-call cost
 * that dominates on 200k short vmlinux symbol names.
 */
export function decodeCString(bytes: Uint8Array, start: number): { value: string; end: number } {
  let end = start;
  let ascii = true;
  const n = bytes.length;
  while (end < n) {
    const b = bytes[end];
    if (b === 0) break;
    if (b >= 0x80) ascii = false;
    end++;
  }
  const len = end - start;
  let value: string;
  if (len === 0) value = "";
  else if (ascii && len <= 256) value = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  else value = utf8.decode(bytes.subarray(start, end));
  return { value, end };
}

/**
 * Sequential reader over a `DataView`: each read checks the remaining length,
 * returns the value and advances {@link pos}.
 *
 * `pos` is relative to the view; {@link offset} adds `base` so error messages
 * and callers see file- or section-absolute offsets.
 */
export class ByteReader {
  /** The bytes being read (a view, never a copy). */
  readonly view: DataView;
  /** Byte order of multi-byte reads. */
  readonly littleEndian: boolean;
  /** Absolute offset of `view` byte 0, used only for reporting. */
  readonly base: number;
  /** Section name for error messages. */
  readonly section?: string;
  /** File name for error messages. */
  readonly file?: string;
  /** Current position, relative to the start of {@link view}. */
  pos = 0;
  private u8view?: Uint8Array;

  /**
   * @param bytes the bytes to read; a `Uint8Array` is viewed, not copied.
   * @param littleEndian byte order, chosen once by the caller (ELF `EI_DATA`, BTF magic).
   * @param origin where the bytes came from, for error messages.
   */
  constructor(bytes: Uint8Array | DataView, littleEndian: boolean, origin: ReaderOrigin = {}) {
    this.view = bytes instanceof DataView ? bytes : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
    this.base = origin.base ?? 0;
    this.section = origin.section;
    this.file = origin.file;
  }

  /** Total length of the view in bytes. */
  get length(): number {
    return this.view.byteLength;
  }

  /** Bytes left after {@link pos}. */
  get remaining(): number {
    return this.view.byteLength - this.pos;
  }

  /** Absolute offset of the next byte (`base + pos`). */
  get offset(): number {
    return this.base + this.pos;
  }

  /** True when every byte has been consumed. */
  get atEnd(): boolean {
    return this.pos >= this.view.byteLength;
  }

  /** Throws {@link TruncatedError} unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.view.byteLength - this.pos || n < 0) {
      throw new TruncatedError(
        `wanted ${n} byte(s) at offset 0x${this.offset.toString(16)}, only ${Math.max(0, this.remaining)} left`,
        { file: this.file, section: this.section, offset: this.offset },
      );
    }
  }

  /** Moves to `pos` (relative to the view); moving to the very end is allowed. */
  seek(pos: number): this {
    if (pos < 0 || pos > this.view.byteLength) {
      throw new TruncatedError(`seek to 0x${(this.base + pos).toString(16)} beyond end`, {
        file: this.file,
        section: this.section,
        offset: this.base + pos,
      });
    }
    this.pos = pos;
    return this;
  }

  /** Advances `n` bytes. */
  skip(n: number): this {
    this.need(n);
    this.pos += n;
    return this;
  }

  /** Reads an unsigned byte. */
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  /** Reads a signed byte. */
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }

  /** Reads an unsigned 16-bit integer. */
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }

  /** Reads a signed 16-bit integer. */
  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }

  /** Reads an unsigned 32-bit integer. */
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  /** Reads a signed 32-bit integer. */
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  /** Reads an unsigned 64-bit integer as a bigint. */
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /** Reads a signed 64-bit integer as a bigint. */
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /**
   * Reads an unsigned 64-bit integer as a number, for sizes and offsets.
   * Throws {@link MalformedError} above 2^53, which no real file offset reaches.
   */
  u64n(): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos + (this.littleEndian ? 0 : 4), this.littleEndian);
    const hi = this.view.getUint32(this.pos + (this.littleEndian ? 4 : 0), this.littleEndian);
    if (hi > 0x1fffff) {
      throw new MalformedError(`64-bit value at offset 0x${this.offset.toString(16)} exceeds 2^53`, {
        file: this.file,
        section: this.section,
        offset: this.offset,
      });
    }
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** Reads a 32- or 64-bit word as a number (ELF class dependent fields). */
  word(is64: boolean): number {
    return is64 ? this.u64n() : this.u32();
  }

  /** Reads a 32- or 64-bit address as a bigint. */
  addr(is64: boolean): bigint {
    return is64 ? this.u64() : BigInt(this.u32());
  }

  /**
   * Reads an unsigned LEB128 as a number. Values above 2^53 throw
   * {@link MalformedError}; use {@link ulebBig} when they are legal.
   */
  uleb(): number {
    let result = 0;
    let mul = 1;
    const start = this.offset;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > 2 ** 56) {
        throw new MalformedError(`ULEB128 at offset 0x${start.toString(16)} does not fit 53 bits`, {
          file: this.file,
          section: this.section,
          offset: start,
        });
      }
    }
    if (result > Number.MAX_SAFE_INTEGER) {
      throw new MalformedError(`ULEB128 at offset 0x${start.toString(16)} does not fit 53 bits`, {
        file: this.file,
        section: this.section,
        offset: start,
      });
    }
    return result;
  }

  /** Reads an unsigned LEB128 of any width as a bigint. */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
    }
  }

  /**
   * Reads a signed LEB128 as a number. Magnitudes above 2^53 throw
   * {@link MalformedError}; use {@link slebBig} when they are legal.
   */
  sleb(): number {
    const start = this.offset;
    let result = 0;
    let mul = 1;
    let b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (mul > 2 ** 63 && (b & 0x80) !== 0) {
        throw new MalformedError(`SLEB128 at offset 0x${start.toString(16)} too long`, {
          file: this.file,
          section: this.section,
          offset: start,
        });
      }
    } while (b & 0x80);
    if (b & 0x40) result -= mul;
    if (!Number.isSafeInteger(result)) {
      throw new MalformedError(`SLEB128 at offset 0x${start.toString(16)} does not fit 53 bits`, {
        file: this.file,
        section: this.section,
        offset: start,
      });
    }
    return result;
  }

  /** Reads a signed LEB128 of any width as a bigint. */
  slebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }

  /** Reads a NUL-terminated string (UTF-8) and the NUL after it. */
  cstr(): string {
    const bytes = this.bytesView();
    const { value, end } = decodeCString(bytes, this.pos);
    if (end >= bytes.length) {
      throw new TruncatedError(`string at offset 0x${this.offset.toString(16)} has no terminating NUL`, {
        file: this.file,
        section: this.section,
        offset: this.offset,
      });
    }
    this.pos = end + 1;
    return value;
  }

  /** Returns the next `n` bytes as a `Uint8Array` view (no copy) and advances. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }

  /**
   * Returns a reader over the next `len` bytes (same buffer, no copy) and
   * advances past them. The child reports absolute offsets and the same section.
   */
  sub(len: number): ByteReader {
    this.need(len);
    const child = new ByteReader(
      new DataView(this.view.buffer, this.view.byteOffset + this.pos, len),
      this.littleEndian,
      { base: this.offset, section: this.section, file: this.file },
    );
    this.pos += len;
    return child;
  }

  /** A reader over bytes `[start, start+len)` of this view, without moving {@link pos}. */
  slice(start: number, len: number): ByteReader {
    if (start < 0 || len < 0 || start + len > this.view.byteLength) {
      throw new TruncatedError(
        `range 0x${(this.base + start).toString(16)}+0x${len.toString(16)} beyond end`,
        { file: this.file, section: this.section, offset: this.base + start },
      );
    }
    return new ByteReader(new DataView(this.view.buffer, this.view.byteOffset + start, len), this.littleEndian, {
      base: this.base + start,
      section: this.section,
      file: this.file,
    });
  }

  /** The whole underlying view as a `Uint8Array` (no copy). */
  bytesView(): Uint8Array {
    return (this.u8view ??= new Uint8Array(this.view.buffer, this.view.byteOffset, this.view.byteLength));
  }
}
