/**
 * Serialising a {@link Btf} to raw bytes.
 *
 * Placement is the one libbpf writes and requires (FORMAT.md 3.1):
 *
 * ```
 * | header (24, or 32 with layout) | types | layout (v2, 4-aligned) | strings |
 *   type_off = 0, layout_off = type_len, str_off = type_len + layout_len
 * ```
 *
 * Only this BTF's own types and strings are written (a split stays split).
 * By default the profile, byte order and presence of a layout are those the
 * BTF was read with, so read → write of an unchanged BTF gives the same bytes
 * when the input used this placement (pahole and libbpf output does; the
 * Debian vmlinux `.BTF` has hdr_len 24 and no layout).
 */
import { UnsupportedError } from "../errors.js";
import type { Btf } from "./btf.js";
import { codecOf, RecordOut } from "./codec.js";
import {
  BTF_HDR_LEN, BTF_HDR_LEN_LAYOUT, BTF_KIND_LOC_PARAM, BTF_KIND_LOCSEC, BTF_KIND_UNKN, BTF_LAYOUT_ENTRY_SIZE, BTF_MAGIC,
  BTF_TYPE_SIZE, BTF_VERSION, MAX_VLEN, defaultLayout, kindName, type LayoutEntry, type Profile,
} from "./kinds.js";
import { isRfcV1Shape, vlenOf, type BtfType } from "./model.js";
import { recordSize } from "./visit.js";

/** Options of {@link writeBtf}; each defaults to what the BTF was read with. */
export interface WriteOptions {
  /** Wire profile (default `btf.profile`). */
  profile?: Profile;
  /** Byte order (default `btf.endian`). */
  littleEndian?: boolean;
  /** Write a layout section (v2 only; default `btf.hasLayout`). */
  layout?: boolean;
}

/**
 * Encodes `btf`'s own types and strings.
 * @throws UnsupportedError for a vlen the profile cannot hold, an rfc-v1
 *   shape in a v2 BTF (or the reverse), a layout in rfc-v1, or a skipped
 *   UNKNOWN record written in the other byte order
 */
export function writeBtf(btf: Btf, options: WriteOptions = {}): Uint8Array {
  const profile = options.profile ?? btf.profile;
  const le = options.littleEndian ?? btf.endian === "little";
  const withLayout = options.layout ?? btf.hasLayout;
  if (withLayout && profile !== "v2") throw new UnsupportedError("a layout section exists only in profile v2");

  let typeLen = 0;
  for (const t of btf.types) typeLen += recordSize(t);
  const layout: LayoutEntry[] | undefined = withLayout ? (btf.layout ?? defaultLayout()) : undefined;
  const layoutLen = layout ? layout.length * BTF_LAYOUT_ENTRY_SIZE : 0;
  const strData = btf.strings.data();
  const hdrLen = withLayout ? BTF_HDR_LEN_LAYOUT : BTF_HDR_LEN;
  const out = new Uint8Array(hdrLen + typeLen + layoutLen + strData.length);
  const dv = new DataView(out.buffer);

  dv.setUint16(0, BTF_MAGIC, le);
  out[2] = BTF_VERSION;
  out[3] = 0;
  dv.setUint32(4, hdrLen, le);
  dv.setUint32(8, 0, le);
  dv.setUint32(12, typeLen, le);
  dv.setUint32(16, typeLen + layoutLen, le);
  dv.setUint32(20, strData.length, le);
  if (withLayout) {
    dv.setUint32(24, typeLen, le);
    dv.setUint32(28, layoutLen, le);
  }

  let p = hdrLen;
  let id = btf.firstTypeId;
  const w = new RecordOut();
  w.dv = dv;
  w.le = le;
  for (const t of btf.types) {
    p = writeType(w, out, p, t, profile, id++);
  }
  if (layout) {
    for (const e of layout) {
      out[p] = e.infoSize;
      out[p + 1] = e.elemSize;
      dv.setUint16(p + 2, e.flags, le);
      p += BTF_LAYOUT_ENTRY_SIZE;
    }
  }
  out.set(strData, p);
  return out;
}

/**
 * Writes `t` at `p` and returns where the next record starts: the header
 * words here, `size_type` and the data by the kind's row of {@link KIND_CODEC}.
 */
function writeType(w: RecordOut, out: Uint8Array, p: number, t: BtfType, profile: Profile, id: number): number {
  const dv = w.dv;
  const le = w.le;
  if (t.kind === BTF_KIND_UNKN) {
    if (t.littleEndian !== le && t.data.length > 0) {
      throw new UnsupportedError(`cannot byte-swap skipped kind ${t.rawKind}`, { typeId: id });
    }
    dv.setUint32(p, t.nameOff, le);
    dv.setUint32(p + 4, t.info, le);
    dv.setUint32(p + 8, t.sizeType, le);
    out.set(t.data, p + BTF_TYPE_SIZE);
    return p + BTF_TYPE_SIZE + t.data.length;
  }
  if ((t.kind === BTF_KIND_LOC_PARAM || t.kind === BTF_KIND_LOCSEC) && isRfcV1Shape(t) !== (profile === "rfc-v1")) {
    throw new UnsupportedError(`${kindName(t.kind)} shape does not match profile ${profile}`, { typeId: id });
  }
  const vlen = vlenOf(t);
  if (vlen > MAX_VLEN[profile] || vlen < 0) {
    throw new UnsupportedError(`${kindName(t.kind)} vlen ${vlen} exceeds profile ${profile}`, { typeId: id });
  }
  const codec = codecOf(t.kind);
  const info = ((codec.kindFlag?.(t) ? 0x80000000 : 0) | (t.kind << 24) | vlen) >>> 0;
  dv.setUint32(p, t.nameOff >>> 0, le);
  dv.setUint32(p + 4, info, le);
  w.start = p;
  codec.encode(t, w);
  return p + recordSize(t);
}
