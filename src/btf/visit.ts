/**
 * Traversal and remapping of the type ids and string offsets inside a model
 * type, driven by {@link KIND_INFO} (`typeFields`, `elems`) so a new kind
 * only needs its table row.
 */
import { BTF_KIND_FUNC, BTF_KIND_UNKN, BTF_TYPE_SIZE, kindShape, type KindShape } from "./kinds.js";
import { isRfcV1Shape, vlenOf, type BtfType, type StrOff, type TypeId } from "./model.js";

type Rec = Record<string, unknown>;

function shapeOf(t: BtfType): KindShape {
  return kindShape(t.kind, isRfcV1Shape(t) ? "rfc-v1" : "v2");
}

/**
 * Calls `fn` for every type id `t` references, in wire order. For LOC_PROTO
 * the v2 `type` word (0) is reported too; callers skip 0 (void) themselves.
 * UNKNOWN (skipped) records report nothing.
 */
export function forEachTypeRef(t: BtfType, fn: (id: TypeId) => void): void {
  if (t.kind === BTF_KIND_UNKN) return;
  const shape = shapeOf(t);
  const r = t as unknown as Rec;
  for (const f of shape.typeFields) fn(r[f] as TypeId);
  const el = shape.elems;
  if (!el) return;
  const arr = r[el.field] as unknown[];
  if (el.typeFields.length === 1 && el.typeFields[0] === ".") {
    for (const id of arr as TypeId[]) fn(id);
    return;
  }
  for (const e of arr as Rec[]) for (const f of el.typeFields) fn(e[f] as TypeId);
}

/**
 * Replaces every type id in `t` by `map(id)`, in place, and returns `t`.
 * `map` is called for void (0) too; return 0 to keep it.
 */
export function remapTypeIds<T extends BtfType>(t: T, map: (id: TypeId) => TypeId): T {
  if (t.kind === BTF_KIND_UNKN) return t;
  const shape = shapeOf(t);
  const r = t as unknown as Rec;
  for (const f of shape.typeFields) r[f] = map(r[f] as TypeId);
  const el = shape.elems;
  if (!el) return t;
  const arr = r[el.field] as unknown[];
  if (el.typeFields.length === 1 && el.typeFields[0] === ".") {
    for (let i = 0; i < arr.length; i++) arr[i] = map(arr[i] as TypeId);
    return t;
  }
  for (const e of arr as Rec[]) for (const f of el.typeFields) e[f] = map(e[f] as TypeId);
  return t;
}

/** Calls `fn` for every string offset in `t`: its name, then its elements' names. */
export function forEachStrRef(t: BtfType, fn: (off: StrOff) => void): void {
  fn(t.nameOff);
  if (t.kind === BTF_KIND_UNKN) return;
  const el = shapeOf(t).elems;
  if (!el || el.strFields.length === 0) return;
  for (const e of (t as unknown as Rec)[el.field] as Rec[]) for (const f of el.strFields) fn(e[f] as StrOff);
}

/** Replaces every string offset in `t` by `map(off)`, in place, and returns `t`. */
export function remapStrOffs<T extends BtfType>(t: T, map: (off: StrOff) => StrOff): T {
  t.nameOff = map(t.nameOff);
  if (t.kind === BTF_KIND_UNKN) return t;
  const el = shapeOf(t).elems;
  if (!el || el.strFields.length === 0) return t;
  for (const e of (t as unknown as Rec)[el.field] as Rec[]) for (const f of el.strFields) e[f] = map(e[f] as StrOff);
  return t;
}

/** A deep copy of `t` (element arrays and objects copied; bytes of UNKNOWN shared). */
export function cloneType<T extends BtfType>(t: T): T {
  const out = { ...t } as Rec;
  if (t.kind === BTF_KIND_UNKN) return out as T;
  const el = shapeOf(t).elems;
  if (el) {
    const arr = (t as unknown as Rec)[el.field] as unknown[];
    out[el.field] = arr.map((e) => (typeof e === "object" && e !== null ? { ...(e as Rec) } : e));
  }
  if ("values" in t && !el) out.values = [...(t.values as number[])];
  if ("value" in t) out.value = { ...t.value };
  return out as T;
}


/** Bytes the type occupies on the wire, `struct btf_type` included (sized by the kind table). */
export function recordSize(t: BtfType): number {
  if (t.kind === BTF_KIND_UNKN) return BTF_TYPE_SIZE + t.data.length;
  const shape = shapeOf(t);
  const vlen = t.kind === BTF_KIND_FUNC ? 0 : vlenOf(t);
  return BTF_TYPE_SIZE + shape.infoSize + vlen * shape.elemSize;
}
