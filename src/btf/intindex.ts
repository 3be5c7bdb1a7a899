/**
 * A read-only multimap from 32-bit keys to 32-bit values in four typed
 * arrays, built in one pass, for the lazy base's indexes (names, strings,
 * dedup signatures of 95k vmlinux types). A `Map<number, number[]>` of the
 * same data costs ~100k small arrays and most of a small module's GC time;
 * this costs four allocations.
 *
 * ```
 * slots:    open addressing (linear probing) on the key, each slot the first entry + 1 (0: empty)
 * slotKeys: slot -> its key
 * next:     entry -> next entry of the same key, -1 at the end
 * vals:     entry -> value
 * ```
 * Values of one key come back in the order they were given (entry order).
 */

/** FNV-1a offset basis. */
export const FNV_BASIS = 0x811c9dc5;
/** FNV-1a prime. */
export const FNV_PRIME = 0x01000193;

/** FNV-1a of `bytes[from, to)`. */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = FNV_BASIS;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h | 0;
}

const encoder = new TextEncoder();

/** FNV-1a of `s`'s UTF-8 bytes: equal to {@link hashBytes} over the same text. */
export function hashString(s: string): number {
  let h = FNV_BASIS;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const b = encoder.encode(s);
      return hashBytes(b, 0, b.length);
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h | 0;
}

const EMPTY: readonly number[] = [];

/** Key → values, read only; see the file comment. */
export class IntMultiMap {
  /** Per slot: its key's first entry + 1 (0: empty), and the key itself (no lookup through the entry). */
  private readonly slots: Int32Array;
  private readonly slotKeys: Int32Array;
  private readonly next: Int32Array;
  private readonly vals: Uint32Array;
  private readonly shift: number;

  /**
   * Indexes entries `0 .. n-1` of `keys`/`vals` (`vals` is kept, not
   * copied: do not change it).
   */
  constructor(keys: Int32Array, vals: Uint32Array, n = keys.length) {
    let bits = 4;
    while (1 << bits < 2 * n) bits++;
    const shift = (this.shift = 32 - bits);
    const slots = (this.slots = new Int32Array(1 << bits));
    const slotKeys = (this.slotKeys = new Int32Array(1 << bits));
    const next = (this.next = new Int32Array(n));
    this.vals = vals;
    const mask = (1 << bits) - 1;
    // Backwards, each entry put at the head of its key's list: lists come out in entry order.
    for (let e = n - 1; e >= 0; e--) {
      const k = keys[e];
      let s = Math.imul(k, 0x9e3779b1) >>> shift;
      while (slots[s] !== 0 && slotKeys[s] !== k) s = (s + 1) & mask;
      next[e] = slots[s] - 1;
      slots[s] = e + 1;
      slotKeys[s] = k;
    }
  }

  /** First entry of `key`, or -1; walk on with {@link nextOf}, read with {@link valueOf}. */
  first(key: number): number {
    const k = key | 0;
    const mask = this.slots.length - 1;
    let s = Math.imul(k, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const head = this.slots[s];
      if (head === 0) return -1;
      if (this.slotKeys[s] === k) return head - 1;
      s = (s + 1) & mask;
    }
  }

  /** The entry after `entry` with the same key, or -1. */
  nextOf(entry: number): number {
    return this.next[entry];
  }

  /** The value of `entry`. */
  valueOf(entry: number): number {
    return this.vals[entry];
  }

  /** The values of `key`, in entry order (a new array; a shared empty one when none). */
  get(key: number): readonly number[] {
    let e = this.first(key);
    if (e < 0) return EMPTY;
    const out: number[] = [];
    for (; e >= 0; e = this.next[e]) out.push(this.vals[e]);
    return out;
  }
}
