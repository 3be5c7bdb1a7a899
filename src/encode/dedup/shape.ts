/**
 * Per-kind signatures for dedup: a 32-bit hash and a shallow equality.
 *
 * "Shallow" means: everything but the referenced types of composites
 * (STRUCT/UNION), whose member types are compared by the graph walk in
 * `equiv.ts`. For reference kinds (PTR, TYPEDEF, ARRAY, FUNC_PROTO, ...) the
 * referenced ids ARE part of the signature, but only once they have been
 * replaced by their canonical ids (the reference pass does that before it
 * hashes), so equal ids mean equal types.
 */
import {
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DECL_TAG,
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
import type { BtfType, Struct, Union } from "../../btf/model.js";

/** How dedup treats a kind. */
export const enum DedupClass {
  /** Not deduplicated (VAR, DATASEC, LOC kinds, unknown records): always kept. */
  None = 0,
  /** INT, FLOAT, ENUM, ENUM64, FWD: equal by value. */
  Primitive = 1,
  /** STRUCT, UNION: equal by graph equivalence. */
  Composite = 2,
  /** PTR, TYPEDEF, CV, TYPE_TAG, ARRAY, FUNC_PROTO, FUNC, DECL_TAG: equal by value once references are canonical. */
  Reference = 3,
}

/** The dedup class of `t`. */
export function dedupClass(t: BtfType): DedupClass {
  return dedupClassOfKind(t.kind);
}

/** The dedup class of a kind. */
export function dedupClassOfKind(kind: number): DedupClass {
  switch (kind) {
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_FWD:
      return DedupClass.Primitive;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return DedupClass.Composite;
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_ARRAY:
    case BTF_KIND_FUNC_PROTO:
    case BTF_KIND_FUNC:
    case BTF_KIND_DECL_TAG:
      return DedupClass.Reference;
    default:
      return DedupClass.None;
  }
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

/**
 * The signature hash of `t`. Composites hash name, size and the members'
 * names, offsets and bitfield sizes but not their types. Enums hash name and
 * size only, so a value-less enum declaration could meet its definition.
 */
export function hashType(t: BtfType): number {
  let h = mix(0x811c9dc5, t.kind);
  h = mix(h, t.nameOff);
  switch (t.kind) {
    case BTF_KIND_INT:
      h = mix(mix(mix(h, t.size), t.encoding), mix(t.bitsOffset, t.nrBits));
      return h;
    case BTF_KIND_FLOAT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return mix(h, t.size);
    case BTF_KIND_FWD:
      return mix(h, t.union ? 1 : 0);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      h = mix(mix(h, t.size), t.members.length);
      for (const m of t.members) h = mix(mix(mix(h, m.nameOff), m.bitsOffset), m.bitfieldSize);
      return h;
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
      return mix(h, t.type);
    case BTF_KIND_TYPE_TAG:
      return mix(mix(h, t.type), t.kindFlag ? 1 : 0);
    case BTF_KIND_FUNC:
      return mix(mix(h, t.type), t.linkage);
    case BTF_KIND_ARRAY:
      return mix(mix(mix(h, t.type), t.indexType), t.nelems);
    case BTF_KIND_FUNC_PROTO:
      h = mix(mix(h, t.ret), t.params.length);
      for (const p of t.params) h = mix(mix(h, p.nameOff), p.type);
      return h;
    case BTF_KIND_DECL_TAG:
      return mix(mix(mix(h, t.type), t.componentIdx), t.kindFlag ? 1 : 0);
    default:
      return h;
  }
}

/**
 * {@link hashType} of the raw record at word `p` of `w` (a lazily read
 * base's {@link RawTypes}: `| name_off | info | size_type | data ... |`),
 * without decoding it: the same mixes of the same fields in the same
 * order, read from where the codec would read them. A test holds it equal
 * to `hashType` of the decoded record on the fixtures and the vmlinux.
 */
export function hashRecord(w: Uint32Array, p: number): number {
  const info = w[p + 1];
  const kind = (info >>> 24) & 0x7f;
  const kflag = info >>> 31;
  const vlen = info & 0xffffff;
  const st = w[p + 2];
  const d = p + 3;
  let h = mix(0x811c9dc5, kind);
  h = mix(h, w[p]);
  switch (kind) {
    case BTF_KIND_INT: {
      const v = w[d];
      return mix(mix(mix(h, st), (v >>> 24) & 0x0f), mix((v >>> 16) & 0xff, v & 0xff));
    }
    case BTF_KIND_FLOAT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return mix(h, st);
    case BTF_KIND_FWD:
      return mix(h, kflag);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      h = mix(mix(h, st), vlen);
      for (let i = 0, q = d; i < vlen; i++, q += 3) {
        const off = w[q + 2];
        h = kflag ? mix(mix(mix(h, w[q]), off & 0xffffff), off >>> 24) : mix(mix(mix(h, w[q]), off), 0);
      }
      return h;
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
      return mix(h, st);
    case BTF_KIND_TYPE_TAG:
      return mix(mix(h, st), kflag);
    case BTF_KIND_FUNC:
      return mix(mix(h, st), vlen);
    case BTF_KIND_ARRAY:
      return mix(mix(mix(h, w[d]), w[d + 1]), w[d + 2]);
    case BTF_KIND_FUNC_PROTO:
      h = mix(mix(h, st), vlen);
      for (let i = 0, q = d; i < vlen; i++, q += 2) h = mix(mix(h, w[q]), w[q + 1]);
      return h;
    case BTF_KIND_DECL_TAG:
      return mix(mix(mix(h, st), w[d]), kflag);
    default:
      return h;
  }
}

/** Struct/union equality ignoring member types (libbpf calls it "shallow"). */
export function shallowEqualComposite(a: Struct | Union, b: Struct | Union): boolean {
  if (a.kind !== b.kind || a.nameOff !== b.nameOff || a.size !== b.size || a.kindFlag !== b.kindFlag) return false;
  const n = a.members.length;
  if (n !== b.members.length) return false;
  for (let i = 0; i < n; i++) {
    const x = a.members[i];
    const y = b.members[i];
    if (x.nameOff !== y.nameOff || x.bitsOffset !== y.bitsOffset || x.bitfieldSize !== y.bitfieldSize) return false;
  }
  return true;
}

/**
 * Full value equality of two types whose references are compared as plain
 * ids: exact for primitives, and for reference kinds once both sides'
 * references are canonical. Composites compare shallowly.
 */
export function equalTypes(a: BtfType, b: BtfType): boolean {
  if (a.kind !== b.kind || a.nameOff !== b.nameOff) return false;
  switch (a.kind) {
    case BTF_KIND_INT: {
      const o = b as typeof a;
      return a.size === o.size && a.encoding === o.encoding && a.bitsOffset === o.bitsOffset && a.nrBits === o.nrBits;
    }
    case BTF_KIND_FLOAT:
      return a.size === (b as typeof a).size;
    case BTF_KIND_FWD:
      return a.union === (b as typeof a).union;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
      const o = b as typeof a;
      if (a.size !== o.size || a.signed !== o.signed || a.values.length !== o.values.length) return false;
      for (let i = 0; i < a.values.length; i++) {
        if (a.values[i].nameOff !== o.values[i].nameOff || a.values[i].val !== o.values[i].val) return false;
      }
      return true;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return shallowEqualComposite(a, b as typeof a);
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
      return a.type === (b as typeof a).type;
    case BTF_KIND_TYPE_TAG:
      return a.type === (b as typeof a).type && a.kindFlag === (b as typeof a).kindFlag;
    case BTF_KIND_FUNC:
      return a.type === (b as typeof a).type && a.linkage === (b as typeof a).linkage;
    case BTF_KIND_ARRAY: {
      const o = b as typeof a;
      return a.type === o.type && a.indexType === o.indexType && a.nelems === o.nelems;
    }
    case BTF_KIND_FUNC_PROTO: {
      const o = b as typeof a;
      if (a.ret !== o.ret || a.params.length !== o.params.length) return false;
      for (let i = 0; i < a.params.length; i++) {
        if (a.params[i].nameOff !== o.params[i].nameOff || a.params[i].type !== o.params[i].type) return false;
      }
      return true;
    }
    case BTF_KIND_DECL_TAG: {
      const o = b as typeof a;
      return a.type === o.type && a.componentIdx === o.componentIdx && a.kindFlag === o.kindFlag;
    }
    default:
      return false;
  }
}
