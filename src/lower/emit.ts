/**
 * The func_info emitter: lowered sites to LOC_PARAM / LOC_PROTO / LOCSEC
 * records appended to a split BTF (FORMAT.md 3 and 4).
 *
 * Order of the split's types, as btfgen documents it (FORMAT.md 4 allows
 * any documented order):
 *   1. types the split had to add for site functions (FUNC_PROTOs and what
 *      they need), then the FUNCs it adds, sorted by name  (done by the caller)
 *   2. LOC_PARAMs, each distinct location once, in first-use order
 *   3. LOC_PROTOs, each distinct parameter-id sequence once
 *   4. LOCSECs, one per ELF section (`inline.<section>`, in section-name
 *      order), entries sorted by function name, then offset (or by
 *      (func id, offset, loc_proto) with `locsecOrder: "id"`); with
 *      `locsecMax` (or rfc-v1 past 65535 entries) consecutive name ranges,
 *      each LOCSEC named `inline.<section>:<first function>`.
 * Every ordering key is a pure function of the input, so the bytes are too.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, BTF_LOC_V1_CONTINUE, BTF_LOC_V1_REG_DEREF, MAX_VLEN,
} from "../btf/kinds.js";
import type { LocParamV1, LocsecEntry, LocsecEntryV1, TypeId } from "../btf/model.js";
import { UnsupportedError } from "../errors.js";
import {
  LOC_ADDR, LOC_CONST, LOC_DEREF, LOC_OFFSET, LOC_REG, LOC_SIGNED, REG_FRAME_BASE, type LocParam,
} from "./locparam.js";
import { compareSites } from "./print.js";
import type { SiteTable } from "./site-table.js";

/** The FUNC (and its FUNC_PROTO) standing for a site's origin function. */
export interface SiteFunc {
  func: TypeId;
  proto: TypeId;
}

/** Options of {@link emitLocations}. */
export interface EmitOptions {
  profile: "v2" | "rfc-v1";
  /** At most this many entries per LOCSEC (0/undefined: no limit in v2). */
  locsecMax?: number;
  /**
   * Entry order inside each LOCSEC: `name` (default; function name, then
   * offset, FORMAT.md 4) or `id` ((func id, offset, loc_proto), as
   * `resolve_btfids --inline` sorts them). Partitions stay name ranges.
   */
  locsecOrder?: "name" | "id";
}

/** What the emitter counted. */
export interface EmitStats {
  locParams: number;
  locProtos: number;
  locsecs: number;
  entries: number;
  /** Locations the rfc-v1 wire format cannot express (left as 0). */
  notExpressible: number;
}

const RFC_V1_MAX_VLEN = MAX_VLEN["rfc-v1"];

/**
 * Appends the LOC kinds for the sites of `table` to `split`. `funcs[i]`
 * gives the FUNC/FUNC_PROTO of site i's function (undefined: the site is
 * skipped).
 */
export function emitLocations(
  split: Btf,
  table: SiteTable,
  funcs: readonly (SiteFunc | undefined)[],
  opts: EmitOptions,
): EmitStats {
  const stats: EmitStats = { locParams: 0, locProtos: 0, locsecs: 0, entries: 0, notExpressible: 0 };
  const v1 = opts.profile === "rfc-v1";
  const S = table.strings;
  // The sites that have a FUNC, by name then address.
  const order = sortByNameThenAddress(table).filter((i) => funcs[i] !== undefined);

  // Pass 1: LOC_PARAMs: the table holds each distinct location once; each
  // becomes a record when first used, in site order.
  const paramIds = new Int32Array(table.locs.length).fill(-1);
  const paramIdOf = (slot: number): TypeId => {
    if (slot === 0) return 0;
    let id = paramIds[slot - 1]!;
    if (id < 0) {
      const p = table.locs[slot - 1]!;
      id = v1 ? addV1Param(split, p) : split.add({ kind: BTF_KIND_LOC_PARAM, nameOff: 0, size: p.size, flags: p.flags, values: p.values.map((v) => v >>> 0) });
      if (id === 0) stats.notExpressible++;
      else stats.locParams++;
      paramIds[slot - 1] = id;
    }
    return id;
  };
  for (const i of order) for (let k = table.paramStart[i]!; k < table.paramStart[i + 1]!; k++) paramIdOf(table.params[k]!);
  const paramId = (slot: number): TypeId => (slot === 0 ? 0 : paramIds[slot - 1]!);

  // Pass 2: LOC_PROTOs, one per distinct sequence (and FUNC_PROTO in rfc-v1),
  // found in a trie keyed by the type, then each LOC_PARAM id in turn.
  const protoTrie: ProtoNode = { next: new Map() };
  const siteProtos = order.map((i) => {
    const type = v1 ? funcs[i]!.proto : 0;
    const from = table.paramStart[i]!, to = table.paramStart[i + 1]!;
    let node = step(protoTrie, type);
    for (let k = from; k < to; k++) node = step(node, paramId(table.params[k]!));
    if (node.id === undefined) {
      const params: TypeId[] = [];
      for (let k = from; k < to; k++) params.push(paramId(table.params[k]!));
      node.id = split.add({ kind: BTF_KIND_LOC_PROTO, nameOff: 0, params, type });
      stats.locProtos++;
    }
    return node.id;
  });

  // Pass 3: LOCSECs per section, sorted by function name then offset
  // (positions in `order`, per section string).
  const bySection = new Map<number, number[]>();
  order.forEach((i, k) => {
    let list = bySection.get(table.section[i]!);
    if (!list) bySection.set(table.section[i]!, (list = []));
    list.push(k);
  });
  const max = opts.locsecMax && opts.locsecMax > 0 ? opts.locsecMax : v1 ? RFC_V1_MAX_VLEN : Infinity;
  if (v1 && max > RFC_V1_MAX_VLEN) throw new UnsupportedError(`--locsec-max ${max} exceeds the rfc-v1 vlen limit ${RFC_V1_MAX_VLEN}`);
  const nameOf = (k: number) => S[table.name[order[k]!]!]!;
  const offsetOf = (k: number) => u32Offset(table, order[k]!);
  for (const sec of [...bySection.keys()].sort(byText(S))) {
    const section = S[sec]!;
    const list = bySection.get(sec)!;
    const base = "inline" + (section.startsWith(".") ? section : "." + section);
    const parts = partition(list, max, nameOf);
    for (const part of parts) {
      const name = parts.length > 1 || opts.locsecMax ? `${base}:${nameOf(part[0]!)}` : base;
      const nameOff = split.addStr(name);
      if (v1) {
        const entries: LocsecEntryV1[] = part.map((k) => ({
          nameOff: split.addStr(nameOf(k)), funcProto: funcs[order[k]!]!.proto, locProto: siteProtos[k]!, offset: offsetOf(k),
        }));
        split.add({ kind: BTF_KIND_LOCSEC, profile: "rfc-v1", nameOff, entries });
      } else {
        const entries: LocsecEntry[] = part.map((k) => ({ func: funcs[order[k]!]!.func, locProto: siteProtos[k]!, offset: offsetOf(k) }));
        if (opts.locsecOrder === "id") entries.sort((a, b) => a.func - b.func || a.offset - b.offset || a.locProto - b.locProto);
        split.add({ kind: BTF_KIND_LOCSEC, nameOff, entries });
      }
      stats.locsecs++;
      stats.entries += part.length;
    }
  }
  return stats;
}

/** A LOC_PROTO trie node: the LOC_PROTO of the sequence that ends here, if any. */
interface ProtoNode {
  id?: TypeId;
  next: Map<number, ProtoNode>;
}

function step(node: ProtoNode, key: number): ProtoNode {
  let n = node.next.get(key);
  if (!n) node.next.set(key, (n = { next: new Map() }));
  return n;
}

/** Orders string indexes by the strings of `S` they stand for. */
function byText(S: readonly string[]): (a: number, b: number) => number {
  return (a, b) => (S[a]! < S[b]! ? -1 : S[a]! > S[b]! ? 1 : 0);
}

/** Whether this host stores the low word of a 64-bit value first. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The rows of `table` in {@link compareSites} order (name, then address;
 * equal sites keep their order): names are ranked once and the rows
 * counted into rank order; addresses (as two 32-bit words) are compared
 * only within a name's run.
 */
export function sortByNameThenAddress(table: SiteTable): number[] {
  const S = table.strings;
  const n = table.count;
  const used = [...new Set(table.name.subarray(0, n))].sort(byText(S));
  const rankOf = new Int32Array(S.length);
  used.forEach((s, r) => (rankOf[s] = r));
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[i] = rankOf[table.name[i]!]!;
  const words = table.addrWords();
  const [LO, HI] = LITTLE_ENDIAN_HOST ? [0, 1] : [1, 0];
  const byAddress = (a: number, b: number) => words[2 * a + HI]! - words[2 * b + HI]! || words[2 * a + LO]! - words[2 * b + LO]! || a - b;
  // By rank with a counting sort (stable), then each name's run by address
  // where it is not in order already.
  const start = new Int32Array(used.length + 1);
  for (let i = 0; i < n; i++) start[rank[i]! + 1]!++;
  for (let r = 0; r < used.length; r++) start[r + 1]! += start[r]!;
  const at = start.slice(0, used.length);
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) order[at[rank[i]!]!++] = i;
  for (let r = 0; r < used.length; r++) {
    const from = start[r]!, to = start[r + 1]!;
    let k = from + 1;
    while (k < to && byAddress(order[k - 1]!, order[k]!) < 0) k++;
    if (k >= to) continue;
    const run = order.slice(from, to).sort(byAddress);
    for (let j = from; j < to; j++) order[j] = run[j - from]!;
  }
  return order;
}

function u32Offset(table: SiteTable, i: number): number {
  const off = table.offset[i]!;
  if (off > 0xffffffffn) {
    const name = table.strings[table.name[i]!]!;
    throw new UnsupportedError(`site of ${name} at offset 0x${off.toString(16)} in ${table.strings[table.section[i]!]!} does not fit 32 bits`);
  }
  return Number(off);
}

/**
 * Cuts a name-sorted entry list into runs of at most `max` entries, ending
 * runs at function boundaries where possible so a function's sites stay in
 * one LOCSEC unless it alone has more than `max`.
 */
function partition(list: number[], max: number, nameOf: (i: number) => string): number[][] {
  if (list.length <= max) return [list];
  const parts: number[][] = [];
  let cur: number[] = [];
  let i = 0;
  while (i < list.length) {
    let j = i + 1;
    while (j < list.length && nameOf(list[j]) === nameOf(list[i])) j++;
    const group = list.slice(i, j);
    if (cur.length + group.length > max && cur.length > 0) {
      parts.push(cur);
      cur = [];
    }
    for (const x of group) {
      if (cur.length === max) {
        parts.push(cur);
        cur = [];
      }
      cur.push(x);
    }
    i = j;
  }
  if (cur.length) parts.push(cur);
  return parts;
}

/**
 * rfc-v1 LOC_PARAM(s) for a v2 location. A register pair becomes two
 * consecutive records, the first flagged CONTINUE. Returns 0 for what the
 * RFC format cannot say (frame-base offsets, load-relative addresses,
 * values over 8 bytes in one register).
 */
function addV1Param(split: Btf, p: LocParam): TypeId {
  const signed = (p.flags & LOC_SIGNED) !== 0;
  const size = (n: number) => (signed ? -n : n);
  const mk = (t: Omit<LocParamV1, "kind" | "profile" | "nameOff">): LocParamV1 => ({ kind: BTF_KIND_LOC_PARAM, profile: "rfc-v1", nameOff: 0, ...t });
  if (p.flags & LOC_CONST) {
    if (p.flags & LOC_ADDR) return 0;
    return split.add(mk({ size: size(Math.min(p.size || 8, 8)), value: { lo: p.values[0] >>> 0, hi: (p.values[1] ?? (signed && (p.values[0] | 0) < 0 ? 0xffffffff : 0)) >>> 0 } }));
  }
  if (!(p.flags & LOC_REG)) return 0;
  const reg0 = p.values[0] >>> 0;
  if (reg0 === REG_FRAME_BASE || reg0 > 0xffff) return 0;
  if (p.flags & LOC_OFFSET) {
    if (p.size > 8) return 0;
    return split.add(mk({ size: size(p.size || 8), value: { reg: reg0, flags: p.flags & LOC_DEREF ? BTF_LOC_V1_REG_DEREF : 0, offset: p.values[1] | 0 } }));
  }
  if (p.values.length === 2) {
    const reg1 = p.values[1] >>> 0;
    if (reg1 > 0xffff) return 0;
    const half = p.size / 2;
    const first = split.add(mk({ size: size(half), value: { reg: reg0, flags: BTF_LOC_V1_CONTINUE, offset: 0 } }));
    split.add(mk({ size: size(half), value: { reg: reg1, flags: 0, offset: 0 } }));
    return first;
  }
  if (p.size > 8) return 0;
  return split.add(mk({ size: size(p.size || 8), value: { reg: reg0, flags: p.flags & LOC_DEREF ? BTF_LOC_V1_REG_DEREF : 0, offset: 0 } }));
}
