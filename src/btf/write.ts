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
import {
  BTF_HDR_LEN,
  BTF_HDR_LEN_LAYOUT,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_LOC_PARAM,
  BTF_KIND_LOC_PROTO,
  BTF_KIND_LOCSEC,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_LAYOUT_ENTRY_SIZE,
  BTF_MAGIC,
  BTF_TYPE_SIZE,
  BTF_VERSION,
  MAX_VLEN,
  defaultLayout,
  kindName,
  type LayoutEntry,
  type Profile,
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
  for (const t of btf.types) {
    p = writeType(dv, out, p, t, profile, le, id++);
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

function kindFlagOf(t: BtfType): boolean {
  switch (t.kind) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_DECL_TAG:
      return t.kindFlag;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return t.signed;
    case BTF_KIND_FWD:
      return t.union;
    case BTF_KIND_LOC_PARAM:
      return t.profile === "rfc-v1" && "lo" in t.value;
    default:
      return false;
  }
}

function writeType(dv: DataView, out: Uint8Array, p: number, t: BtfType, profile: Profile, le: boolean, id: number): number {
  const u32 = (o: number, v: number) => dv.setUint32(o, v >>> 0, le);
  if (t.kind === BTF_KIND_UNKN) {
    if (t.littleEndian !== le && t.data.length > 0) {
      throw new UnsupportedError(`cannot byte-swap skipped kind ${t.rawKind}`, { typeId: id });
    }
    u32(p, t.nameOff);
    u32(p + 4, t.info);
    u32(p + 8, t.sizeType);
    out.set(t.data, p + BTF_TYPE_SIZE);
    return p + BTF_TYPE_SIZE + t.data.length;
  }
  const v1 = isRfcV1Shape(t);
  if ((t.kind === BTF_KIND_LOC_PARAM || t.kind === BTF_KIND_LOCSEC) && v1 !== (profile === "rfc-v1")) {
    throw new UnsupportedError(`${kindName(t.kind)} shape does not match profile ${profile}`, { typeId: id });
  }
  const vlen = vlenOf(t);
  if (vlen > MAX_VLEN[profile] || vlen < 0) {
    throw new UnsupportedError(`${kindName(t.kind)} vlen ${vlen} exceeds profile ${profile}`, { typeId: id });
  }
  const info = ((kindFlagOf(t) ? 0x80000000 : 0) | (t.kind << 24) | vlen) >>> 0;
  u32(p, t.nameOff);
  u32(p + 4, info);
  const b = p + BTF_TYPE_SIZE;
  switch (t.kind) {
    case BTF_KIND_INT:
      u32(p + 8, t.size);
      u32(b, ((t.encoding & 0x0f) << 24) | ((t.bitsOffset & 0xff) << 16) | (t.nrBits & 0xff));
      break;
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_FUNC:
      u32(p + 8, t.type);
      break;
    case BTF_KIND_ARRAY:
      u32(p + 8, 0);
      u32(b, t.type);
      u32(b + 4, t.indexType);
      u32(b + 8, t.nelems);
      break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      u32(p + 8, t.size);
      let q = b;
      for (const m of t.members) {
        u32(q, m.nameOff);
        u32(q + 4, m.type);
        u32(q + 8, t.kindFlag ? ((m.bitfieldSize << 24) | (m.bitsOffset & 0xffffff)) : m.bitsOffset);
        q += 12;
      }
      break;
    }
    case BTF_KIND_ENUM: {
      u32(p + 8, t.size);
      let q = b;
      for (const v of t.values) {
        u32(q, v.nameOff);
        u32(q + 4, v.val);
        q += 8;
      }
      break;
    }
    case BTF_KIND_ENUM64: {
      u32(p + 8, t.size);
      let q = b;
      for (const v of t.values) {
        const raw = BigInt.asUintN(64, v.val);
        u32(q, v.nameOff);
        u32(q + 4, Number(raw & 0xffffffffn));
        u32(q + 8, Number(raw >> 32n));
        q += 12;
      }
      break;
    }
    case BTF_KIND_FWD:
      u32(p + 8, 0);
      break;
    case BTF_KIND_FUNC_PROTO: {
      u32(p + 8, t.ret);
      let q = b;
      for (const a of t.params) {
        u32(q, a.nameOff);
        u32(q + 4, a.type);
        q += 8;
      }
      break;
    }
    case BTF_KIND_VAR:
      u32(p + 8, t.type);
      u32(b, t.linkage);
      break;
    case BTF_KIND_DATASEC: {
      u32(p + 8, t.size);
      let q = b;
      for (const v of t.vars) {
        u32(q, v.type);
        u32(q + 4, v.offset);
        u32(q + 8, v.size);
        q += 12;
      }
      break;
    }
    case BTF_KIND_FLOAT:
      u32(p + 8, t.size);
      break;
    case BTF_KIND_DECL_TAG:
      u32(p + 8, t.type);
      u32(b, t.componentIdx);
      break;
    case BTF_KIND_LOC_PARAM:
      u32(p + 8, t.size);
      if (t.profile === "rfc-v1") {
        if ("lo" in t.value) {
          u32(b, t.value.lo);
          u32(b + 4, t.value.hi);
        } else {
          dv.setUint16(b, t.value.reg, le);
          dv.setUint16(b + 2, t.value.flags, le);
          u32(b + 4, t.value.offset);
        }
      } else {
        u32(b, t.flags);
        for (let i = 0; i < t.values.length; i++) u32(b + 4 + 4 * i, t.values[i]);
      }
      break;
    case BTF_KIND_LOC_PROTO:
      u32(p + 8, t.type);
      for (let i = 0; i < t.params.length; i++) u32(b + 4 * i, t.params[i]);
      break;
    case BTF_KIND_LOCSEC: {
      u32(p + 8, 0);
      let q = b;
      if (t.profile === "rfc-v1") {
        for (const e of t.entries) {
          u32(q, e.nameOff);
          u32(q + 4, e.funcProto);
          u32(q + 8, e.locProto);
          u32(q + 12, e.offset);
          q += 16;
        }
      } else {
        for (const e of t.entries) {
          u32(q, e.func);
          u32(q + 4, e.locProto);
          u32(q + 8, e.offset);
          q += 12;
        }
      }
      break;
    }
    default: {
      const never: never = t;
      throw new UnsupportedError(`cannot write ${String(never)}`, { typeId: id });
    }
  }
  return p + recordSize(t);
}
