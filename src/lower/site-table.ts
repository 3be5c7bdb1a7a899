/**
 * The lowered sites of a whole func_info run, as columns: what the main
 * thread keeps of 312k vmlinux sites between the batches and the emitter.
 *
 * A {@link LoweredSite} object per site (with its parameter and cause
 * arrays and three bigints) made the main thread's young-generation
 * collections copy every site twice on its way to the old space, and each
 * pass over them (FUNC keys, the name sort, LOC_PARAM and LOC_PROTO
 * dedup) chase pointers. Here a site is a row: its strings, LOC_PARAMs and
 * cause lists are indexes into tables holding each distinct one once, its
 * addresses 64-bit words, its parameters a run of a flat index column.
 * Objects are made back ({@link SiteTable.site}) only for callers that ask
 * for them (`btfgen sites`).
 */
import { locParamKey, type LocParam } from "./locparam.js";
import type { LoweredSite } from "./sites.js";

/** Interns values by a string key: each distinct value gets the next index. */
export class Interned<T> {
  readonly values: T[] = [];
  private readonly ids = new Map<string, number>();

  /** The index of the value under `key`, undefined when there is none yet. */
  find(key: string): number | undefined {
    return this.ids.get(key);
  }

  /** Adds `value` under `key` (which has none yet) and returns its index. */
  add(key: string, value: T): number {
    const id = this.values.push(value) - 1;
    this.ids.set(key, id);
    return id;
  }

  /** The index of the value under `key`, `value` added when there is none yet. */
  id(key: string, value: T): number {
    return this.ids.get(key) ?? this.add(key, value);
  }
}

/** The key of a cause list: equal lists, equal keys (a slot without a cause is "\u0001"). */
export function causeKey(list: readonly (string | null | undefined)[]): string {
  return list.map((c) => (c === null || c === undefined ? "\u0001" : c)).join("\0");
}

/** One site as {@link SiteTable.push} takes it: strings, LOC_PARAMs and cause lists already interned (its 64-bit fields follow with {@link SiteTable.copy64}). */
export interface SiteRow {
  kind: number;
  func: number;
  name: number;
  section: number;
  caller: number;
  causes: number;
  proto: number;
  linkage: number;
}

/** `a`, or a copy at least `need` long (doubling, from 1024) when it is shorter. */
export function grown<A extends Uint8Array | Uint32Array | BigUint64Array | BigInt64Array>(a: A, need: number): A {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => A)(Math.max(need, a.length * 2, 1024));
  b.set(a as never);
  return b;
}

/** Sites as rows of columns (see the file comment); the emitter's input. */
export class SiteTable {
  count = 0;
  private readonly strs = new Interned<string>();
  private readonly locTable = new Interned<LocParam>();
  private readonly causeTable = new Interned<(string | undefined)[]>();

  kind = new Uint8Array(0);
  func = new Uint32Array(0);
  /** String index of the site's name. */
  name = new Uint32Array(0);
  section = new Uint32Array(0);
  caller = new Uint32Array(0);
  /** Cause list index. */
  causes = new Uint32Array(0);
  /** FUNC_PROTO id in the run's split (0: none). */
  proto = new Uint32Array(0);
  linkage = new Uint8Array(0);
  addr = new BigUint64Array(0);
  offset = new BigUint64Array(0);
  callerOffset = new BigInt64Array(0);
  /** Site i's parameters are `params[paramStart[i] .. paramStart[i + 1])`: 0 = no location, else 1 + LOC_PARAM index. */
  paramStart = new Uint32Array(1);
  params = new Uint32Array(0);
  private paramCount = 0;

  /** Distinct strings (names, sections, callers). */
  get strings(): readonly string[] {
    return this.strs.values;
  }

  /** Distinct LOC_PARAMs. */
  get locs(): readonly LocParam[] {
    return this.locTable.values;
  }

  str(s: string): number {
    return this.strs.id(s, s);
  }

  loc(p: LocParam): number {
    return this.locTable.id(locParamKey(p), p);
  }

  causeList(l: readonly (string | null | undefined)[]): number {
    const key = causeKey(l);
    return this.causeTable.find(key) ?? this.causeTable.add(key, l.map((c) => (c === null || c === undefined ? undefined : this.strs.values[this.str(c)])));
  }

  /** Appends a site; its parameters follow with {@link param}, each in turn. */
  push(r: SiteRow): void {
    const i = this.count++;
    if (i >= this.kind.length) {
      const n = i + 1;
      this.kind = grown(this.kind, n);
      this.func = grown(this.func, n);
      this.name = grown(this.name, n);
      this.section = grown(this.section, n);
      this.caller = grown(this.caller, n);
      this.causes = grown(this.causes, n);
      this.proto = grown(this.proto, n);
      this.linkage = grown(this.linkage, n);
      this.addr = grown(this.addr, n);
      this.offset = grown(this.offset, n);
      this.callerOffset = grown(this.callerOffset, n);
      this.paramStart = grown(this.paramStart, this.kind.length + 1);
    }
    this.kind[i] = r.kind;
    this.func[i] = r.func;
    this.name[i] = r.name;
    this.section[i] = r.section;
    this.caller[i] = r.caller;
    this.causes[i] = r.causes;
    this.proto[i] = r.proto;
    this.linkage[i] = r.linkage;
    this.paramStart[i + 1] = this.paramCount;
  }

  /** Appends a parameter slot (0 = no location, else 1 + LOC_PARAM index) to the last site. */
  param(slot: number): void {
    this.params = grown(this.params, this.paramCount + 1);
    this.params[this.paramCount++] = slot;
    this.paramStart[this.count] = this.paramCount;
  }

  /** Site `i` as an object (sharing the table's strings, LOC_PARAMs and cause lists). */
  site(i: number): LoweredSite {
    const S = this.strs.values;
    const params: (LocParam | null)[] = [];
    for (let k = this.paramStart[i]!; k < this.paramStart[i + 1]!; k++) {
      const slot = this.params[k]!;
      params.push(slot === 0 ? null : this.locTable.values[slot - 1]!);
    }
    return {
      kind: this.kind[i]!, func: this.func[i]!, name: S[this.name[i]!]!, addr: this.addr[i]!, section: S[this.section[i]!]!,
      offset: this.offset[i]!, caller: S[this.caller[i]!]!, callerOffset: this.callerOffset[i]!, params,
      causes: this.causeTable.values[this.causes[i]!]!,
    };
  }

  /** Words of site i's address: a view in host byte order (lo, hi). */
  addrWords(): Uint32Array {
    return new Uint32Array(this.addr.buffer, 0, this.count * 2);
  }

  /**
   * Sets addr, offset and callerOffset of rows `from ..` from a wire batch's
   * columns (`u64`: addr, offset per row; `i64`: callerOffset), copied as
   * 32-bit words, without making a bigint per value.
   */
  copy64(from: number, u64: BigUint64Array, i64: BigInt64Array): void {
    const words = (a: BigUint64Array | BigInt64Array) => new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    const W = words(u64), C64 = words(i64);
    const A = words(this.addr), O = words(this.offset), C = words(this.callerOffset);
    for (let i = 0; i < i64.length; i++) {
      const r = 2 * (from + i);
      A[r] = W[4 * i]!;
      A[r + 1] = W[4 * i + 1]!;
      O[r] = W[4 * i + 2]!;
      O[r + 1] = W[4 * i + 3]!;
      C[r] = C64[2 * i]!;
      C[r + 1] = C64[2 * i + 1]!;
    }
  }
}
