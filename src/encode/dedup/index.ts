/**
 * BTF deduplication.
 *
 * ## The problem
 *
 * The encoder turns every type DIE of every compilation unit into BTF, so a
 * header included by 3,000 kernel CUs yields 3,000 copies of `struct
 * list_head` and of everything reachable from it. Dedup keeps one copy of
 * each distinct C type and rewrites every reference to it. Byte-equal
 * comparison is not enough: types form cyclic graphs, and CUs see different
 * amounts of a type.
 *
 * ## Two CUs and a forward declaration
 *
 * ```
 * CU 1:  struct S;                    CU 2:  struct S { int x; };
 *        struct A { struct S *s; };          struct A { struct S *s; };
 *
 * raw:   [1] FWD S                           [4] INT int
 *        [2] PTR -> 1                        [5] STRUCT S { x: 4 }
 *        [3] STRUCT A { s: 2 }               [6] PTR -> 5
 *                                            [7] STRUCT A { s: 6 }
 * ```
 *
 * `A` [3] and `A` [7] are the same C type: [7] is compared with [3] by
 * walking both graphs in lock step (7~3, then 6~2, then 5~1: a STRUCT meets
 * a FWD of its name — compatible). The walk succeeds, so [7] maps to [3] and
 * the pair 5~1 teaches us FWD [1] *is* [5]. After the passes the output is
 * `int`, `S { x }`, `S *`, `A { s }`: four types, no FWD.
 *
 * ## Batches into a target
 *
 * One run deduplicates a *batch* of new types into a *target* BTF whose
 * types are already canonical and are never changed: an empty BTF for
 * a whole-object encode, the base chain for split BTF (a module on vmlinux,
 * func_info on either), or whatever earlier runs appended (the
 * {@link TypeEncoder} runs once per request). Target types are candidates
 * like any other, looked up first, so a type equal to a base type maps to
 * the base id and the base is not duplicated.
 *
 * ## Passes (run by {@link dedupInto}, one function each in `passes.ts`)
 *
 * 1. strings — names are interned in the target's string table when the
 *    batch is built (the table looks up the base chain first), so equal
 *    strings are equal offsets; {@link dedupBtf} re-interns an existing BTF.
 * 2. {@link dedupPrimitives} — INT, FLOAT, ENUM, ENUM64, FWD: equal by value.
 * 3. {@link dedupComposites} — STRUCT/UNION by graph equivalence
 *    (`equiv.ts`), candidates by a signature hash that ignores member types.
 * 4. {@link resolveFwds} — a FWD left over maps to the one STRUCT/UNION of
 *    its name, if there is exactly one.
 * 5. {@link dedupReferences} — PTR, TYPEDEF, CV, TYPE_TAG, ARRAY,
 *    FUNC_PROTO, FUNC, DECL_TAG: depth first, references made canonical
 *    first, then equal by value (hash + compare).
 * 6. {@link emitCanonical} — canonical batch types are appended in batch
 *    order with final ids; VAR, DATASEC and LOC kinds are kept as they are.
 *
 * ## State
 *
 * - `canon[i]`: the id batch type `i` maps to; itself while canonical. A
 *   chain (FWD → STRUCT → its canonical twin) is followed by `resolve`.
 * - `processed[i]`: decided by its pass.
 * - `hypot[canon] = cand`: the hypothetical map of one equivalence check,
 *   indexed by the canonical side, cleared per check, merged on success.
 * - candidate buckets: signature hash → ids, the target's (persistent,
 *   {@link TargetIndex}) then the batch's canonical ones; insertion order, so
 *   the output is a pure function of the input.
 *
 * ## The hard case
 *
 * Equivalence is decided before reference types are deduplicated, so the
 * canonical side's references are raw: the walk compares structure, never
 * ids, except that two distinct target types are distinct. A canonical graph
 * may reach one type twice where the candidate has two identical copies
 * (compilers emit a new array type per declarator): `identicalTypes` accepts
 * that instead of failing on the contradiction in `hypot`. A batch STRUCT
 * equivalent to a *target* FWD leaves the FWD alone (the base does not
 * change): the batch keeps its STRUCT and references to it. When that FWD
 * is the target's own (an earlier batch of one encode), the pair is kept
 * (`TargetIndex.fwdHints`) and the whole-output pass ({@link dedupBtf})
 * resolves the FWD to that STRUCT first, as one libbpf run over every unit
 * does: otherwise a FWD whose name two structs share would stay (arm64 and
 * ppc64le vmlinux: `struct of_bus`).
 *
 * Cost: each composite is compared with the few canonical ones sharing its
 * signature; a comparison visits each type pair once. No quadratic scan.
 */
import { Btf } from "../../btf/btf.js";
import { BTF_KIND_FWD, BTF_KIND_STRUCT, BTF_KIND_UNION } from "../../btf/kinds.js";
import type { BtfType, StrOff, TypeId } from "../../btf/model.js";
import { cloneType, remapStrOffs } from "../../btf/visit.js";
import { dedupComposites, dedupPrimitives, dedupReferences, emitCanonical, resolveFwds } from "./passes.js";
import { DedupRun, TargetIndex } from "./state.js";

export { TargetIndex } from "./state.js";

/**
 * Deduplicates `batch` into `index.target`: appends the canonical new types
 * and returns, for each batch type, its final id (a target id or a new one).
 * Batch references use ids as if the batch were appended to the target
 * (`target.nrTypes + i` is `batch[i]`); names must be offsets in the
 * target's string chain. The batch objects are modified.
 */
export function dedupInto(index: TargetIndex, batch: BtfType[], opts: { fwdResolutions?: readonly [number, number][] } = {}): Uint32Array {
  index.sync();
  const run = new DedupRun(index, batch);
  // FWDs known to stand for a STRUCT/UNION of the batch (a FWD hint): resolved before the passes.
  for (const [i, j] of opts.fwdResolutions ?? []) {
    const f = batch[i];
    const s = batch[j];
    if (f?.kind !== BTF_KIND_FWD || (s?.kind !== (f.union ? BTF_KIND_UNION : BTF_KIND_STRUCT)) || s.nameOff !== f.nameOff) continue;
    run.mapTo(run.T + i, run.T + j);
    run.processed[i] = 1;
  }
  dedupPrimitives(run);
  dedupComposites(run);
  resolveFwds(run);
  dedupReferences(run);
  const out = emitCanonical(run, index.target);
  const own = index.target.firstTypeId;
  for (let k = 0; k < run.targetFwdMet.length; k += 2) {
    const fwd = run.targetFwdMet[k];
    // The first STRUCT/UNION a FWD met stands for it, as in libbpf's one run.
    if (fwd >= own && !index.fwdHints.has(fwd)) index.fwdHints.set(fwd, out[run.targetFwdMet[k + 1] - run.T]);
  }
  index.sync();
  return out;
}

/**
 * Deduplicates a whole BTF: returns a new BTF on the same base holding the
 * canonical copies of `btf`'s own types (strings re-interned, so unused ones
 * drop out) and the id map old → new. The base is not changed; types equal
 * to a base type map to the base id.
 */
export function dedupBtf(btf: Btf, fwdHints?: ReadonlyMap<TypeId, TypeId>): { btf: Btf; map: (id: TypeId) => TypeId } {
  const target = new Btf({ base: btf.base, endian: btf.endian, profile: btf.profile, hasLayout: btf.hasLayout });
  const first = btf.firstTypeId;
  // Pass 1, strings: re-intern into the new table (base offsets stay as they are).
  const strMap = (off: StrOff): StrOff => (off < btf.startStrOff ? off : target.addStr(btf.str(off)));
  const batch = btf.types.map((t) => remapStrOffs(cloneType(t), strMap));
  const fwds: [number, number][] = [];
  for (const [fwd, to] of fwdHints ?? []) if (fwd >= first && to >= first) fwds.push([fwd - first, to - first]);
  const ids = dedupInto(new TargetIndex(target), batch, { fwdResolutions: fwds });
  return { btf: target, map: (id: TypeId) => (id < first ? id : ids[id - first]) };
}
