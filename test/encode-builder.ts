/**
 * A tiny builder of {@link DwarfRecords} with a DIE table, for encoder and
 * dedup tests: DIEs are written as nested objects, offsets are assigned in
 * order, references are by label.
 */
import { NONE, type DieTable, type DwarfRecords } from "../src/dwarf/records.js";

/** One DIE in a test. `type`/`origin` name another DIE's `id`. */
export interface TDie {
  tag: number;
  id?: string;
  name?: string;
  type?: string;
  origin?: string;
  byteSize?: number;
  bitSize?: number;
  bitOffset?: number;
  encoding?: number;
  count?: number;
  val?: number | bigint;
  /** String value of an annotation. */
  value?: string;
  flags?: number;
  addr?: number;
  children?: TDie[];
}

/** DW_TAG values used by tests. */
export const T = {
  array: 0x01,
  enum: 0x04,
  param: 0x05,
  member: 0x0d,
  ptr: 0x0f,
  struct: 0x13,
  subroutine: 0x15,
  typedef: 0x16,
  union: 0x17,
  varargs: 0x18,
  subrange: 0x21,
  base: 0x24,
  const: 0x26,
  enumerator: 0x28,
  subprogram: 0x2e,
  variable: 0x34,
  volatile: 0x35,
  restrict: 0x37,
  atomic: 0x47,
  annotation: 0x6000,
} as const;

/** DW_ATE values. */
export const ATE = { bool: 2, float: 4, signed: 5, signedChar: 6, unsigned: 7, unsignedChar: 8 } as const;

/** Builds records with one unit per entry of `units`. */
export function buildRecords(units: TDie[][]): DwarfRecords {
  const strs: number[] = [0];
  const strIds = new Map<string, number>();
  const str = (s: string | undefined): number => {
    if (!s) return 0;
    let id = strIds.get(s);
    if (id === undefined) {
      id = strs.length;
      for (const b of Buffer.from(s, "utf8")) strs.push(b);
      strs.push(0);
      strIds.set(s, id);
    }
    return id;
  };
  const rows: { d: TDie; off: number; parent: number; unit: number }[] = [];
  const offs = new Map<string, number>();
  let off = 0x10;
  const walk = (d: TDie, parent: number, unit: number): void => {
    const row = rows.length;
    rows.push({ d, off, parent, unit });
    if (d.id) {
      if (offs.has(d.id)) throw new Error(`duplicate id ${d.id}`);
      offs.set(d.id, off);
    }
    off += 8;
    for (const c of d.children ?? []) walk(c, row, unit);
  };
  units.forEach((u, i) => {
    off += 16;
    for (const d of u) walk(d, NONE, i);
  });
  const n = rows.length;
  const ref = (id: string | undefined): number => {
    if (id === undefined) return NONE;
    const o = offs.get(id);
    if (o === undefined) throw new Error(`unknown DIE id ${id}`);
    return o;
  };
  const dies: DieTable = {
    count: n,
    off: new Uint32Array(n),
    tag: new Uint16Array(n),
    parent: new Uint32Array(n),
    unit: new Uint32Array(n),
    name: new Uint32Array(n),
    type: new Uint32Array(n),
    origin: new Uint32Array(n),
    byteSize: new Uint32Array(n),
    bitSize: new Uint32Array(n),
    bitOffset: new Uint32Array(n),
    encoding: new Uint8Array(n),
    count_: new Uint32Array(n),
    valLo: new Uint32Array(n),
    valHi: new Uint32Array(n),
    flags: new Uint32Array(n),
    exprOff: new Uint32Array(n),
    exprLen: new Uint32Array(n),
    addrLo: new Uint32Array(n),
    addrHi: new Uint32Array(n),
  };
  rows.forEach(({ d, off: o, parent, unit }, r) => {
    dies.off[r] = o;
    dies.tag[r] = d.tag;
    dies.parent[r] = parent;
    dies.unit[r] = unit;
    dies.name[r] = str(d.name);
    dies.type[r] = ref(d.type);
    dies.origin[r] = ref(d.origin);
    dies.byteSize[r] = d.byteSize ?? NONE;
    dies.bitSize[r] = d.bitSize ?? 0;
    dies.bitOffset[r] = d.bitOffset ?? NONE;
    dies.encoding[r] = d.encoding ?? 0;
    dies.count_[r] = d.count ?? NONE;
    if (d.value !== undefined) dies.valLo[r] = str(d.value);
    else if (d.val !== undefined) {
      const v = BigInt.asUintN(64, BigInt(d.val));
      dies.valLo[r] = Number(v & 0xffffffffn);
      dies.valHi[r] = Number(v >> 32n);
    }
    dies.flags[r] = d.flags ?? 0;
    dies.addrLo[r] = d.addr ?? 0;
  });
  const nu = units.length;
  const emptyU32 = new Uint32Array(0);
  return {
    units: {
      count: nu,
      offset: new Uint32Array(nu),
      version: new Uint8Array(nu).fill(5),
      addrSize: new Uint8Array(nu).fill(8),
      offsetSize: new Uint8Array(nu).fill(4),
      name: new Uint32Array(nu),
      producer: new Uint32Array(nu),
      language: new Uint32Array(nu),
      flags: new Uint8Array(nu),
    },
    funcs: { count: 0, die: emptyU32, name: emptyU32, linkageName: emptyU32, type: emptyU32, flags: emptyU32, declFile: emptyU32, declLine: emptyU32, paramStart: emptyU32, paramCount: emptyU32 },
    params: { count: 0, die: emptyU32, name: emptyU32, type: emptyU32 },
    sites: {
      count: 0, kind: new Uint8Array(0), func: emptyU32, die: emptyU32, addrLo: emptyU32, addrHi: emptyU32, addrSource: new Uint8Array(0),
      caller: emptyU32, callerLo: emptyU32, callerHi: emptyU32, callFile: emptyU32, callLine: emptyU32, depth: new Uint8Array(0), unit: emptyU32, locStart: emptyU32,
    } as DwarfRecords["sites"],
    locs: { count: 0, kind: new Uint8Array(0), exprOff: emptyU32, exprLen: emptyU32, valLo: emptyU32, valHi: emptyU32 },
    strings: Uint8Array.from(strs),
    exprs: new Uint8Array(0),
    dies,
  };
}

/** `.debug_info` offset of DIE `id` in records built by {@link buildRecords} (searches by name+tag is brittle; use ids). */
export function offsetOf(records: DwarfRecords, units: TDie[][], id: string): number {
  let off = 0x10;
  let found = -1;
  const walk = (d: TDie): void => {
    if (d.id === id) found = off;
    off += 8;
    for (const c of d.children ?? []) walk(c);
  };
  for (const u of units) {
    off += 16;
    for (const d of u) walk(d);
  }
  if (found < 0) throw new Error(`no DIE ${id}`);
  void records;
  return found;
}
