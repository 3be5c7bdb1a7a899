/**
 * The type section as a list of raw records: where each `struct btf_type`
 * starts, its three header words and how many bytes follow it — nothing
 * decoded beyond that. Both the profile detection (which profile walks the
 * section exactly?) and `btfgen check` (which reports every broken record
 * rather than stopping at the first) start from this walk.
 *
 * ```
 * | name_off u32 | info u32 | size/type u32 | info_sz + vlen * elem_sz bytes |
 * ```
 * v2 info: vlen bits 0-23, kind bits 24-30, kind_flag bit 31.
 * rfc-v1 info: vlen bits 0-15, kind bits 24-28, kind_flag bit 31, the rest 0.
 */
import {
  BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, BTF_KIND_MAX, BTF_KIND_UNKN, BTF_LAYOUT_ENTRY_SIZE, BTF_TYPE_SIZE,
  isKnownKind, kindName, kindShape, type LayoutEntry, type Profile,
} from "./kinds.js";

/** One record of the type section. */
export interface RawRecord {
  /** Byte offset of the record in the whole BTF blob. */
  off: number;
  nameOff: number;
  info: number;
  kind: number;
  vlen: number;
  kindFlag: boolean;
  sizeType: number;
  /** Byte offset of the data after the 12-byte header. */
  body: number;
  /** Bytes of data after the header. */
  len: number;
}

/** Result of {@link walkTypeSection}: the records, or where and why the walk failed. */
export type WalkResult =
  | { ok: true; records: RawRecord[] }
  | { ok: false; records: RawRecord[]; offset: number; reason: string };

/**
 * The v2 layout section at `[start, start + len)`: one `{ u8 info_sz, u8
 * elem_sz, u16 flags }` per kind (undefined when `len` is 0). The reader
 * and `check` both start from it.
 */
export function readLayoutSection(dv: DataView, start: number, len: number, littleEndian: boolean): LayoutEntry[] | undefined {
  if (len === 0) return undefined;
  const layout: LayoutEntry[] = [];
  for (let p = start; p < start + len; p += BTF_LAYOUT_ENTRY_SIZE) {
    layout.push({ infoSize: dv.getUint8(p), elemSize: dv.getUint8(p + 1), flags: dv.getUint16(p + 2, littleEndian) });
  }
  return layout;
}

/** Bits of the info word a profile leaves reserved (must be zero). */
export const RESERVED_INFO_BITS: Record<Profile, number> = { v2: 0, "rfc-v1": 0x60ff0000 };

/** Splits an info word into kind, vlen and kind_flag under `profile`. */
export function decodeInfo(info: number, profile: Profile): { kind: number; vlen: number; kindFlag: boolean } {
  const v2 = profile === "v2";
  return { kind: (info >>> 24) & (v2 ? 0x7f : 0x1f), vlen: info & (v2 ? 0xffffff : 0xffff), kindFlag: info >>> 31 === 1 };
}

/**
 * Walks the type section `[start, end)` of `dv` under `profile`. A record of
 * a kind this code does not know is sized from `layout` when one is given.
 * Stops at the first record that cannot be sized or does not fit.
 */
export function walkTypeSection(dv: DataView, start: number, end: number, profile: Profile, littleEndian: boolean, layout?: LayoutEntry[]): WalkResult {
  const records: RawRecord[] = [];
  const reserved = RESERVED_INFO_BITS[profile];
  let p = start;
  while (p < end) {
    const fail = (reason: string): WalkResult => ({ ok: false, records, offset: p, reason });
    if (end - p < BTF_TYPE_SIZE) return fail("type record cut short");
    const info = dv.getUint32(p + 4, littleEndian);
    if (info & reserved) return fail(`reserved info bits set (0x${info.toString(16)})`);
    const { kind, vlen, kindFlag } = decodeInfo(info, profile);
    let len: number;
    if (isKnownKind(kind) && kind !== BTF_KIND_UNKN && kind <= BTF_KIND_MAX) {
      const shape = kindShape(kind, profile);
      if (profile === "rfc-v1" && kind === BTF_KIND_LOC_PARAM && vlen !== 0) return fail(`rfc-v1 LOC_PARAM with vlen ${vlen}`);
      len = shape.infoSize + (shape.elemSize ? vlen * shape.elemSize : 0);
    } else if (layout && kind < layout.length && kind !== BTF_KIND_UNKN) {
      len = layout[kind].infoSize + vlen * layout[kind].elemSize;
    } else {
      return fail(`unknown BTF kind ${kind}${layout ? "" : " and no layout section"}`);
    }
    const body = p + BTF_TYPE_SIZE;
    if (end - body < len) return fail(`${kindName(kind)} record cut short`);
    records.push({ off: p, nameOff: dv.getUint32(p, littleEndian), info, kind, vlen, kindFlag, sizeType: dv.getUint32(p + 8, littleEndian), body, len });
    p = body + len;
  }
  return { ok: true, records };
}

const isLocKind = (k: number) => k === BTF_KIND_LOC_PARAM || k === BTF_KIND_LOC_PROTO || k === BTF_KIND_LOCSEC;

/**
 * The wire profile of a type section that carries no layout section
 * (FORMAT.md 3.1 vs 3.2), decided by parsing: the profile under which the
 * section decodes exactly, record by record to its end. Without LOC kinds
 * both profiles are the same bytes (`v2`). When both walk (possible only by
 * coincidence) the one whose LOC records are well-formed for it wins: v2
 * LOC_PARAMs carry at least one value and LOC_PROTOs a zero type word,
 * rfc-v1 LOC_PROTOs name a type. When neither walks, `exact` is false and
 * the profile is the one that got further, so its parse reports the precise
 * broken record.
 */
export function detectProfile(dv: DataView, start: number, end: number, littleEndian: boolean): { profile: Profile; exact: boolean } {
  const v2 = walkTypeSection(dv, start, end, "v2", littleEndian);
  // Without LOC records a section that walks as v2 is v2 whatever rfc-v1 makes of it (all of the kernel's .BTF).
  if (v2.ok && !v2.records.some((r) => isLocKind(r.kind))) return { profile: "v2", exact: true };
  const v1 = walkTypeSection(dv, start, end, "rfc-v1", littleEndian);
  if (v2.ok && !v1.ok) return { profile: "v2", exact: true };
  if (v1.ok && !v2.ok) return { profile: "rfc-v1", exact: true };
  if (v1.ok && v2.ok) {
    const v2Shaped = v2.records.every((r) => (r.kind === BTF_KIND_LOC_PARAM ? r.vlen >= 1 : r.kind === BTF_KIND_LOC_PROTO ? r.sizeType === 0 : true));
    return { profile: v2Shaped ? "v2" : "rfc-v1", exact: true };
  }
  const reach = (w: WalkResult) => (w.ok ? end : w.offset);
  return { profile: reach(v1) > reach(v2) ? "rfc-v1" : "v2", exact: false };
}
