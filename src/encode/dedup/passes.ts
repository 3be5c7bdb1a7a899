/**
 * The dedup passes, one function each, in the order the driver
 * (`dedup/index.ts`) runs them. See the essay there.
 */
import { BTF_KIND_ARRAY, BTF_KIND_DATASEC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_VAR, isKnownKind, kindShape } from "../../btf/kinds.js";
import type { Btf } from "../../btf/btf.js";
import type { BtfType, TypeId } from "../../btf/model.js";
import { cloneType, remapTypeIds } from "../../btf/visit.js";
import { isEnumFwd, isEnumFwdPair, isEquiv } from "./equiv.js";
import { DedupClass, dedupClass, equalTypes, hashType } from "./shape.js";
import { bucketGet, type DedupRun } from "./state.js";

/** Pass 2: INT, FLOAT, ENUM, ENUM64 and FWD map to the first equal type (target first). */
export function dedupPrimitives(run: DedupRun): void {
  const { batch, T } = run;
  for (let i = 0; i < batch.length; i++) {
    const t = batch[i];
    if (run.processed[i] || dedupClass(t) !== DedupClass.Primitive) continue;
    const id = T + i;
    const found = firstEqual(run, t, id, false);
    run.processed[i] = 1;
    if (found !== id) run.mapTo(id, found);
    else run.addCanonical(id);
  }
}

/**
 * The first candidate of `t`'s signature, in {@link DedupRun.candidates}
 * order (target types, then the batch's canonical ones), that is not `id`,
 * is its own canonical type when `canonicalOnly`, and equals `t` by value;
 * `id` when none does. The buckets are read in place, not copied into a
 * list per lookup (a vmlinux encode makes millions): each is done with
 * before the next is looked up, as bucketGet's scratch result requires.
 */
function firstEqual(run: DedupRun, t: BtfType, id: TypeId, canonicalOnly: boolean): TypeId {
  const h = hashType(t);
  const inTarget = run.index.lookup(h, t.kind);
  for (let k = 0; k < inTarget.length; k++) {
    const c = inTarget[k]!;
    if (c !== id && (!canonicalOnly || run.resolve(c) === c) && equalTypes(t, run.type(c))) return c;
  }
  const local = bucketGet(run.local, h);
  for (let k = 0; k < local.length; k++) {
    const c = local[k]!;
    if (c !== id && (!canonicalOnly || run.resolve(c) === c) && equalTypes(t, run.type(c))) return c;
  }
  return id;
}

/**
 * Pass 3: each STRUCT/UNION is compared, by graph equivalence, with the
 * canonical composites of the same signature; the first equivalent one
 * becomes its canonical type and the pairs met on the way are merged.
 */
export function dedupComposites(run: DedupRun): void {
  const { batch, T } = run;
  for (let i = 0; i < batch.length; i++) {
    if (run.processed[i]) continue;
    const t = batch[i];
    if (dedupClass(t) !== DedupClass.Composite) continue;
    const id = T + i;
    let found = id;
    for (const c of run.candidates(hashType(t), t.kind)) {
      if (c === id || run.resolve(c) !== c) continue;
      if (isEquiv(run, id, c)) {
        mergeHypot(run);
        found = c;
        break;
      }
    }
    run.processed[i] = 1;
    if (found !== id) run.mapTo(id, found);
    else run.addCanonical(id);
  }
}

/**
 * Turns the pairs of a successful equivalence check into canonical mappings
 * where that is safe: a FWD meets its STRUCT/UNION (either side), or an
 * undecided batch composite meets a decided canonical one. Target types
 * never change, so a target FWD that met a batch struct stays a FWD.
 */
function mergeHypot(run: DedupRun): void {
  const keys = run.hypotKeys;
  for (let k = 0; k < keys.n; k++) {
    const canonKey = keys.buf[k]!;
    const c = run.resolve(canonKey);
    const t = run.resolve(run.hypot[canonKey]);
    if (c === t) continue;
    const ct = run.type(c);
    const tt = run.type(t);
    const ck = ct.kind;
    const tk = tt.kind;
    if (isEnumFwdPair(ct, tt)) {
      // The enum declaration side maps to the definition (batch side only).
      if (isEnumFwd(tt) && run.inBatch(t)) run.mapTo(t, c);
      else if (isEnumFwd(ct) && run.inBatch(c)) run.mapTo(c, t);
    } else if (tk === BTF_KIND_FWD && ck !== BTF_KIND_FWD) {
      if (run.inBatch(t)) run.mapTo(t, c);
    } else if (ck === BTF_KIND_FWD && tk !== BTF_KIND_FWD) {
      if (run.inBatch(c)) run.mapTo(c, t);
      else if (run.inBatch(t)) run.targetFwdMet.push(c, t);
    } else if ((tk === BTF_KIND_STRUCT || tk === BTF_KIND_UNION) && ck === tk) {
      if (run.inBatch(t) && !run.processed[t - run.T] && (!run.inBatch(c) || run.processed[c - run.T])) {
        run.mapTo(t, c);
        run.processed[t - run.T] = 1;
      }
    }
  }
}

/**
 * Pass 4: a FWD still canonical resolves to the STRUCT/UNION of its name and
 * flavour when exactly one canonical such type exists (target or batch); an
 * enum declaration (ENUM without values) likewise to the one definition.
 */
export function resolveFwds(run: DedupRun): void {
  resolveStructFwds(run);
  resolveEnumFwds(run);
}

function resolveEnumFwds(run: DedupRun): void {
  const { batch, T } = run;
  for (let i = 0; i < batch.length; i++) {
    const t = batch[i];
    if (!isEnumFwd(t) || t.nameOff === 0 || run.resolve(T + i) !== T + i) continue;
    let only = -1;
    let count = 0;
    for (const c of run.candidates(hashType(t), t.kind)) {
      if (run.resolve(c) !== c || !isEnumFwdPair(t, run.type(c))) continue;
      count++;
      only = c;
    }
    if (count === 1) run.mapTo(T + i, only);
  }
}

/**
 * A FWD still canonical resolves to the STRUCT/UNION of its name and
 * flavour when exactly one canonical such type exists (target or batch).
 */
function resolveStructFwds(run: DedupRun): void {
  const { batch, T } = run;
  for (let i = 0; i < batch.length; i++) {
    const t = batch[i];
    if (t.kind !== BTF_KIND_FWD || run.resolve(T + i) !== T + i) continue;
    const want = t.union ? BTF_KIND_UNION : BTF_KIND_STRUCT;
    let only = -1;
    let count = 0;
    // The target's structs/unions of the name, then the batch's (no closure per FWD).
    for (let list = 0; list < 2; list++) {
      const ids = list === 0 ? run.index.compositesNamed(t.nameOff) : run.localComposites.get(t.nameOff);
      if (!ids) continue;
      for (const c of ids) {
        if (run.resolve(c) !== c) continue;
        const k = run.type(c).kind;
        if (k !== BTF_KIND_STRUCT && k !== BTF_KIND_UNION) continue;
        count++;
        if (k === want && count === 1) only = c;
      }
    }
    if (count === 1 && only !== -1) run.mapTo(T + i, only);
  }
}

/** 1 for the kinds whose only type reference is their `type` field (as {@link remapTypeIds} sees them). */
const ONE_TYPE_REF = Uint8Array.from({ length: 32 }, (_, k) => {
  if (!isKnownKind(k)) return 0;
  const shape = kindShape(k);
  return shape.typeFields.length === 1 && shape.typeFields[0] === "type" && !shape.elems ? 1 : 0;
});

/**
 * Pass 5: reference types, depth first: a type's references are made
 * canonical (written back into it) before its own signature is looked up,
 * so equal ids mean equal types and a hash lookup suffices.
 */
export function dedupReferences(run: DedupRun): void {
  const inProgress = new Uint8Array(run.batch.length);
  for (let i = 0; i < run.batch.length; i++) dedupRef(run, run.T + i, inProgress);
}

function dedupRef(run: DedupRun, id: TypeId, inProgress: Uint8Array): TypeId {
  if (!run.inBatch(id)) return id;
  const i = id - run.T;
  if (run.processed[i] || inProgress[i]) return run.resolve(id);
  const t = run.batch[i];
  const cls = dedupClass(t);
  if (cls !== DedupClass.Reference) {
    // VAR and DATASEC are kept as they are; only their references become canonical.
    if (t.kind === BTF_KIND_VAR || t.kind === BTF_KIND_DATASEC) {
      inProgress[i] = 1;
      remapTypeIds(t, (r) => (r === 0 ? 0 : dedupRef(run, r, inProgress)));
      inProgress[i] = 0;
    }
    run.processed[i] = 1;
    return run.resolve(id);
  }
  inProgress[i] = 1;
  // References made canonical first, in remapTypeIds' order, without its
  // generic walk (or a closure) for the kinds nearly every reference type is.
  if (ONE_TYPE_REF[t.kind] === 1) {
    // PTR, TYPEDEF, qualifiers, TYPE_TAG, FUNC, DECL_TAG: their one reference.
    const r = t as { type: TypeId };
    if (r.type !== 0) r.type = dedupRef(run, r.type, inProgress);
  } else if (t.kind === BTF_KIND_ARRAY) {
    if (t.type !== 0) t.type = dedupRef(run, t.type, inProgress);
    if (t.indexType !== 0) t.indexType = dedupRef(run, t.indexType, inProgress);
  } else if (t.kind === BTF_KIND_FUNC_PROTO) {
    if (t.ret !== 0) t.ret = dedupRef(run, t.ret, inProgress);
    for (const p of t.params) if (p.type !== 0) p.type = dedupRef(run, p.type, inProgress);
  } else {
    remapTypeIds(t, (r) => (r === 0 ? 0 : dedupRef(run, r, inProgress)));
  }
  inProgress[i] = 0;
  const found = firstEqual(run, t, id, true);
  run.processed[i] = 1;
  if (found !== id) run.mapTo(id, found);
  else run.addCanonical(id);
  return found;
}

/**
 * Pass 6: appends the canonical batch types to the target in batch order,
 * references rewritten to final ids, and returns the final id of every
 * batch type.
 */
export function emitCanonical(run: DedupRun, target: Btf): Uint32Array {
  const { batch, T } = run;
  const n = batch.length;
  const newId = new Uint32Array(n);
  let next = T;
  for (let i = 0; i < n; i++) if (run.resolve(T + i) === T + i) newId[i] = next++;
  const final = (r: TypeId): TypeId => {
    if (r === 0) return 0;
    const c = run.resolve(r);
    return c < T ? c : newId[c - T];
  };
  for (let i = 0; i < n; i++) {
    if (run.resolve(T + i) !== T + i) continue;
    const t: BtfType = cloneType(batch[i]);
    remapTypeIds(t, final);
    target.add(t);
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = final(T + i);
  return out;
}
