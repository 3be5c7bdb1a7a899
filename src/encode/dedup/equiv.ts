/**
 * Type-graph equivalence with a hypothetical map (pass 3's core).
 *
 * `isEquiv(run, cand, canon)` asks: if `cand` (a batch struct) were the same
 * type as `canon` (a canonical struct), would every pair of types reached
 * through both graphs in lock step be the same too? Each pair visited is
 * written into `hypot[canon] = cand`; meeting `canon` again with a different
 * candidate is a contradiction (one canonical type cannot stand for two
 * different candidates), meeting it with the same one closes a cycle
 * consistently. The walk uses an explicit stack: kernel type graphs reach
 * thousands of types deep through pointers.
 */
import {
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_VOLATILE,
} from "../../btf/kinds.js";
import type { BtfType, TypeId } from "../../btf/model.js";
import { equalTypes, shallowEqualComposite } from "./shape.js";
import { IntStack, type DedupRun } from "./state.js";

/** The pairs still to visit, shared by every call (isEquiv never runs inside itself). */
const stack = new IntStack();

/** True if `cand`'s graph is equivalent to `canon`'s; leaves the pairs in `run.hypot`. */
export function isEquiv(run: DedupRun, candRoot: TypeId, canonRoot: TypeId): boolean {
  run.clearHypot();
  stack.clear();
  stack.push2(candRoot, canonRoot);
  while (stack.n > 0) {
    const canon = stack.pop();
    const cand = stack.pop();
    if (run.resolve(cand) === run.resolve(canon)) continue;
    if (cand === 0 || canon === 0) return false; // void against a type
    const seen = run.hypot[canon];
    if (seen !== -1) {
      if (seen === cand || identicalTypes(run, seen, cand, 0)) continue;
      return false;
    }
    run.hypot[canon] = cand;
    run.hypotKeys.push(canon);
    // Two distinct target types are distinct canonical types.
    if (!run.inBatch(cand) && !run.inBatch(canon) && !isFwdPair(run, cand, canon)) return false;
    const a = run.type(cand);
    const b = run.type(canon);
    if (a.nameOff !== b.nameOff) return false;
    if (a.kind !== b.kind) {
      if (!fwdCompatible(a, b)) return false;
      if (b.kind === BTF_KIND_FWD && !run.inBatch(canon)) run.hypotTargetFwd = true;
      continue;
    }
    if (!pushChildren(a, b, stack)) return false;
  }
  return true;
}

function isFwdPair(run: DedupRun, x: TypeId, y: TypeId): boolean {
  return run.isFwd(x) !== run.isFwd(y);
}

/** A FWD and a STRUCT/UNION of the same name are equivalent when the FWD's flavour matches. */
function fwdCompatible(a: BtfType, b: BtfType): boolean {
  if (a.kind === BTF_KIND_FWD) return (b.kind === BTF_KIND_STRUCT && !a.union) || (b.kind === BTF_KIND_UNION && a.union);
  if (b.kind === BTF_KIND_FWD) return (a.kind === BTF_KIND_STRUCT && !b.union) || (a.kind === BTF_KIND_UNION && b.union);
  return false;
}

/**
 * An enum declaration (`enum e;`, encoded as an ENUM without values, like
 * pahole does) stands for the definition of the same name and size.
 */
export function isEnumFwdPair(a: BtfType, b: BtfType): boolean {
  if (a.kind !== b.kind || (a.kind !== BTF_KIND_ENUM && a.kind !== BTF_KIND_ENUM64)) return false;
  const o = b as typeof a;
  return a.nameOff === o.nameOff && a.size === o.size && (a.values.length === 0) !== (o.values.length === 0);
}

/** True for an ENUM/ENUM64 without values. */
export function isEnumFwd(t: BtfType): boolean {
  return (t.kind === BTF_KIND_ENUM || t.kind === BTF_KIND_ENUM64) && t.values.length === 0;
}

/** Compares the non-reference parts of same-kind `a`, `b` and pushes their reference pairs. */
function pushChildren(a: BtfType, b: BtfType, stack: IntStack): boolean {
  switch (a.kind) {
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_FWD:
      return equalTypes(a, b);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return equalTypes(a, b) || isEnumFwdPair(a, b as typeof a);
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
      stack.push2(a.type, (b as typeof a).type);
      return true;
    case BTF_KIND_TYPE_TAG:
      if (a.kindFlag !== (b as typeof a).kindFlag) return false;
      stack.push2(a.type, (b as typeof a).type);
      return true;
    case BTF_KIND_FUNC:
      if (a.linkage !== (b as typeof a).linkage) return false;
      stack.push2(a.type, (b as typeof a).type);
      return true;
    case BTF_KIND_ARRAY: {
      const o = b as typeof a;
      if (a.nelems !== o.nelems) return false;
      stack.push2(a.indexType, o.indexType);
      stack.push2(a.type, o.type);
      return true;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      const o = b as typeof a;
      if (!shallowEqualComposite(a, o)) return false;
      // Push in reverse so members are visited in order.
      for (let i = a.members.length - 1; i >= 0; i--) stack.push2(a.members[i].type, o.members[i].type);
      return true;
    }
    case BTF_KIND_FUNC_PROTO: {
      const o = b as typeof a;
      if (a.params.length !== o.params.length) return false;
      for (let i = 0; i < a.params.length; i++) if (a.params[i].nameOff !== o.params[i].nameOff) return false;
      for (let i = a.params.length - 1; i >= 0; i--) stack.push2(a.params[i].type, o.params[i].type);
      stack.push2(a.ret, o.ret);
      return true;
    }
    default:
      return false;
  }
}

/**
 * Structural identity of two types already met under one canonical id.
 * Compilers emit distinct DWARF types for identical declarators (two `char
 * x[16]` members get two array DIEs); a canonical graph that shares one type
 * where the candidate has two identical ones is still the same C type.
 */
export function identicalTypes(run: DedupRun, x: TypeId, y: TypeId, depth: number): boolean {
  const rx = run.resolve(x);
  const ry = run.resolve(y);
  if (rx === ry) return true;
  if (rx === 0 || ry === 0 || depth > 8) return false;
  const a = run.type(rx);
  const b = run.type(ry);
  if (a.kind !== b.kind || a.nameOff !== b.nameOff) return false;
  switch (a.kind) {
    case BTF_KIND_ARRAY: {
      const o = b as typeof a;
      return (
        a.nelems === o.nelems &&
        identicalTypes(run, a.indexType, o.indexType, depth + 1) &&
        identicalTypes(run, a.type, o.type, depth + 1)
      );
    }
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
      return identicalTypes(run, a.type, (b as typeof a).type, depth + 1);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      const o = b as typeof a;
      if (!shallowEqualComposite(a, o)) return false;
      for (let i = 0; i < a.members.length; i++) {
        if (!identicalTypes(run, a.members[i].type, o.members[i].type, depth + 1)) return false;
      }
      return true;
    }
    case BTF_KIND_FUNC_PROTO: {
      const o = b as typeof a;
      if (a.params.length !== o.params.length || !identicalTypes(run, a.ret, o.ret, depth + 1)) return false;
      for (let i = 0; i < a.params.length; i++) {
        if (a.params[i].nameOff !== o.params[i].nameOff) return false;
        if (!identicalTypes(run, a.params[i].type, o.params[i].type, depth + 1)) return false;
      }
      return true;
    }
    default:
      return equalTypes(a, b);
  }
}
