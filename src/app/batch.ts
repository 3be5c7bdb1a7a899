/**
 * One unit batch of the func_info pipeline, the part that can run in a
 * worker thread: walk units `[from, to)`, encode the prototypes of the
 * functions whose sites func_info keeps into a *batch split* of their own
 * (a fresh split on the base, so the result depends on the batch alone),
 * and lower the sites with the parameter sizes those prototypes give.
 *
 * The main thread then folds each batch split into the output split in
 * batch order ({@link integrateBatch}: libbpf-style dedup against what is
 * there), which makes the bytes independent of how many workers ran.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_FUNC_GLOBAL, BTF_FUNC_STATIC, BTF_KIND_FUNC_PROTO } from "../btf/kinds.js";
import type { TypeId } from "../btf/model.js";
import { parseBtf } from "../btf/read.js";
import { cloneType, remapStrOffs, remapTypeIds } from "../btf/visit.js";
import { writeBtf } from "../btf/write.js";
import { FUNC_EXTERNAL, NONE } from "../dwarf/records.js";
import type { DieTable, DwarfRecords } from "../dwarf/records.js";
import type { DwarfReader } from "../dwarf/load.js";
import { unknownPrototypes } from "../dwarf/prototype.js";
import { WALK_SITES, WALK_TYPES } from "../dwarf/wasm.js";
import { DieIndex } from "../encode/dies.js";
import type { ElfFile } from "../elf/elf.js";
import { dedupInto, TargetIndex } from "../encode/dedup/index.js";
import { presetFromBase } from "../encode/baseshape.js";
import { TypeEncoder } from "../encode/encoder.js";
import { keptFuncRows, lowerSitesTo, siteDispositions, type ParamTypeInfo } from "../lower/sites.js";
import { WireWriter, type WireBatch } from "./batch-wire.js";
import { kernelRefusal } from "../lower/locparam.js";
import { btfParamInfo } from "../lower/typeinfo.js";
import { addressMapOf, siteSelection } from "./sites.js";

/** What a batch needs besides its records. */
export interface BatchContext {
  elf: ElfFile;
  base: Btf;
  /** Dedup index of `base`, built once and shared by every batch. */
  baseIndex: TargetIndex;
  funcSyms: Map<bigint, string[]>;
  addrSize: number;
}

/**
 * Walks units `[from, to)` with `reader` and lowers them
 * ({@link lowerUnitBatch}), the walk's time among the batch's timings.
 * `demand` (the default): the walk reads the sites, and the type DIEs the
 * prototypes reach are read on demand; false: every type DIE of the units
 * (the all-units fallback, as a whole walk does).
 */
export function walkAndLower(reader: DwarfReader, ctx: BatchContext, range: { from: number; to: number }, demand = true): WireBatch | undefined {
  const t0 = performance.now();
  const records = reader.walk(range.from, range.to, demand ? WALK_SITES : WALK_SITES | WALK_TYPES);
  const walked = performance.now() - t0;
  const wire = lowerUnitBatch(records, ctx, demand ? (roots, fresh) => reader.demandTypes(roots, fresh) : undefined);
  if (wire) wire.timings = { ...wire.timings, "DWARF walk": walked };
  return wire;
}

/**
 * Lowers one batch. Returns undefined when a type DIE or a function lies
 * outside the walked units (cross-unit references, e.g. LTO): the caller
 * must then redo the work over all units at once.
 */
export function lowerUnitBatch(records: DwarfRecords, ctx: BatchContext, types?: TypeSource): WireBatch | undefined {
  const { funcs: F, params: P } = records;
  const t0 = performance.now();
  const map = addressMapOf(ctx.elf);
  const selection = siteSelection(records, ctx.funcSyms);
  const disp = siteDispositions(records, map, selection);
  const rows = keptFuncRows(records, disp);
  let enc: TypeEncoder;
  if (records.dies) {
    enc = new TypeEncoder(records, ctx.base, { baseIndex: ctx.baseIndex });
    // Named aggregates the base already holds are taken from it, not re-encoded with all they reach.
    presetFromBase(enc.dies, ctx.base, rows.map((f) => enc.dies.row(F.die[f])), (row, id) => enc.typeBuilder.preset(row, id));
  } else {
    if (!types) throw new Error("lowerUnitBatch: records without a DIE table and no type source");
    const got = demandTypes(records, rows.map((f) => F.die[f]), ctx.base, types);
    if (!got) return undefined;
    records = got.records;
    enc = new TypeEncoder(records, ctx.base, { baseIndex: ctx.baseIndex, dieIndex: got.index });
    for (const [row, id] of got.presets) enc.typeBuilder.preset(row, id);
  }
  // Minimal debug info names a function without telling its parameters: no prototype rather than `(void)`.
  const unknown = unknownPrototypes(records);
  const protoIds = enc.funcProtosOf(rows.map((f) => (unknown[f] ? NONE : F.die[f])));
  const split = enc.finish();
  if (enc.stats.missingDies !== 0 || rows.some((f) => enc.dies.row(F.die[f]) === NONE)) return undefined;
  const protoOf = new Map<number, TypeId>(rows.map((f, i) => [f, protoIds[i]]));

  // Size and signedness of each parameter slot, from the prototypes.
  const slotSize = new Uint32Array(P.count);
  const slotSigned = new Int8Array(P.count).fill(-1);
  for (const f of rows) {
    const t = split.maybeType(protoOf.get(f)!);
    if (!t || t.kind !== BTF_KIND_FUNC_PROTO) continue;
    for (let i = 0; i < F.paramCount[f] && i < t.params.length; i++) {
      const info = btfParamInfo(split, t.params[i].type, ctx.addrSize);
      slotSize[F.paramStart[f] + i] = info.size;
      if (info.signed !== undefined) slotSigned[F.paramStart[f] + i] = info.signed ? 1 : 0;
    }
  }
  const paramInfo = (row: number): ParamTypeInfo =>
    slotSigned[row] < 0 ? { size: slotSize[row] } : { size: slotSize[row], signed: slotSigned[row] === 1 };
  const t1 = performance.now();
  const wire = new WireWriter((f) => protoOf.get(f) ?? 0, (f) => (F.flags[f] & FUNC_EXTERNAL ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC));
  const stats = lowerSitesTo(records, map, paramInfo, { ...selection, refuse: kernelRefusal }, wire, disp);
  const t2 = performance.now();
  return wire.finish(writeBtf(split, { profile: "v2", littleEndian: true, layout: false }), stats, {
    "prototypes (types, dedup)": t1 - t0, lowering: t2 - t1,
  });
}

/**
 * Where a batch walked without its type DIEs gets them ({@link
 * DwarfReader.demandTypes}): the types `roots` reach, in a new table
 * (`fresh`) or added to the last one.
 */
export type TypeSource = (roots: ArrayLike<number>, fresh: boolean) => { dies: DieTable; strings: Uint8Array };

/** Rounds of {@link demandTypes} before giving up (a round per level of nested aggregates the base lacks). */
const DEMAND_ROUNDS = 64;

/**
 * The type DIEs the prototypes of the subprograms at `roots` need, asked of
 * `types` round by round: the first round reads what the roots reach,
 * stopping at complete named aggregates; each later round reads the member
 * types of the aggregates {@link presetFromBase} could not take from the
 * base. Returns the records with that table, its index and the presets
 * found in the last round (every DIE they reach is then in the table), or
 * undefined when the rounds do not converge.
 */
function demandTypes(
  records: DwarfRecords, roots: readonly number[], base: Btf, types: TypeSource,
): { records: DwarfRecords; index: DieIndex; presets: [number, TypeId][] } | undefined {
  let got = types(roots, true);
  for (let round = 0; round < DEMAND_ROUNDS; round++) {
    const rec: DwarfRecords = { ...records, dies: got.dies, strings: got.strings };
    const index = new DieIndex(rec);
    const presets: [number, TypeId][] = [];
    const wanted: number[] = [];
    const rootRows = roots.map((off) => index.row(off));
    wanted.push(...roots.filter((off, i) => off !== NONE && rootRows[i] === NONE));
    presetFromBase(index, base, rootRows, (row, id) => presets.push([row, id]), (off) => {
      if (off !== NONE) wanted.push(off);
    });
    if (wanted.length === 0) return { records: rec, index, presets };
    const before = got.dies.count;
    got = types(wanted, false);
    // Nothing new: the wanted DIEs are no types (corrupt references); the caller falls back.
    if (got.dies.count === before) return undefined;
  }
  return undefined;
}

/**
 * Folds a batch split (`types`, raw BTF on the base) into `split`
 * (deduplicated against the base and the types earlier batches added) and
 * returns the map from the batch's type ids to ids of `split`.
 */
export function integrateBatch(split: Btf, index: TargetIndex, types: Uint8Array): (batchId: number) => number {
  const base = split.base!;
  const mini = parseBtf(types, { base, profile: "v2" });
  const B = mini.firstTypeId;
  const T = split.nrTypes;
  const batch = mini.types.map((t) => {
    const c = cloneType(t);
    remapTypeIds(c, (id) => (id >= B ? T + (id - B) : id));
    remapStrOffs(c, (off) => (off >= mini.startStrOff ? split.addStr(mini.str(off)) : off));
    return c;
  });
  const ids = batch.length ? dedupInto(index, batch) : new Uint32Array(0);
  return (p) => (p >= B ? ids[p - B]! : p);
}
