/**
 * BTF kinds and the one table that describes each of them.
 *
 * Every pass that has to know "how big is this record, which model fields are
 * type ids, which are string offsets" reads {@link KIND_INFO}: sizing and
 * skipping in the reader, the writer's length check, id remapping,
 * traversal, cloning, and the v2 layout section (FORMAT.md 3.1). How each
 * kind is decoded and encoded is the same kind's row of `KIND_CODEC`
 * (codec.ts), and how it is dumped its row of `DESCRIBE` (dump.ts). Adding a
 * kind to {@link Kind} fails to compile until its rows are filled in
 * (`satisfies Record<Kind, KindInfo>` and the like).
 *
 * Wire record (`struct btf_type`, 12 bytes, then the kind's own data):
 *
 * ```
 *  0: u32 name_off
 *  4: u32 info      v2:     bits 0-23 vlen, 24-30 kind, 31 kind_flag
 *                   rfc-v1: bits 0-15 vlen, 24-28 kind, 31 kind_flag
 *  8: u32 size|type
 * 12: info_sz bytes, then vlen * elem_sz bytes
 * ```
 */

/** Not a type; id 0 is `void`. Also the model kind of a record the reader skipped. */
export const BTF_KIND_UNKN = 0;
/** Integer: size, then `u32` encoding/offset/bits. */
export const BTF_KIND_INT = 1;
/** Pointer to `type`. */
export const BTF_KIND_PTR = 2;
/** Array: `struct btf_array { type, index_type, nelems }`. */
export const BTF_KIND_ARRAY = 3;
/** Struct: size, vlen members of `{ name_off, type, offset }`. */
export const BTF_KIND_STRUCT = 4;
/** Union: same record as STRUCT. */
export const BTF_KIND_UNION = 5;
/** 32-bit enum: size, vlen `{ name_off, val }`; kind_flag = signed (kernel 6.0). */
export const BTF_KIND_ENUM = 6;
/** Forward declaration; kind_flag = union. */
export const BTF_KIND_FWD = 7;
/** Typedef of `type`. */
export const BTF_KIND_TYPEDEF = 8;
/** `volatile type`. */
export const BTF_KIND_VOLATILE = 9;
/** `const type`. */
export const BTF_KIND_CONST = 10;
/** `restrict type`. */
export const BTF_KIND_RESTRICT = 11;
/** Function: `type` = FUNC_PROTO, vlen = linkage (kernel 5.0/5.6). */
export const BTF_KIND_FUNC = 12;
/** Function prototype: `type` = return type, vlen `{ name_off, type }`. */
export const BTF_KIND_FUNC_PROTO = 13;
/** Variable: `type`, then `u32 linkage` (kernel 5.2). */
export const BTF_KIND_VAR = 14;
/** Data section: size, vlen `{ type, offset, size }`. */
export const BTF_KIND_DATASEC = 15;
/** Floating point: size (kernel 5.13). */
export const BTF_KIND_FLOAT = 16;
/** Declaration tag on `type`, then `s32 component_idx` (kernel 5.16). */
export const BTF_KIND_DECL_TAG = 17;
/** Type tag on `type` (kernel 5.17). */
export const BTF_KIND_TYPE_TAG = 18;
/** 64-bit enum: size, vlen `{ name_off, val_lo32, val_hi32 }` (kernel 6.0). */
export const BTF_KIND_ENUM64 = 19;
/** Location of one argument (FORMAT.md 3.1/3.2). */
export const BTF_KIND_LOC_PARAM = 20;
/** Locations of all arguments at one site: vlen LOC_PARAM ids. */
export const BTF_KIND_LOC_PROTO = 21;
/** Inline sites of one ELF section: vlen `{ func, loc_proto, offset }`. */
export const BTF_KIND_LOCSEC = 22;

/** Highest kind this module knows. */
export const BTF_KIND_MAX = 22;

/** Every kind value this module knows, 0 (UNKN) included. */
export type Kind =
  | typeof BTF_KIND_UNKN
  | typeof BTF_KIND_INT
  | typeof BTF_KIND_PTR
  | typeof BTF_KIND_ARRAY
  | typeof BTF_KIND_STRUCT
  | typeof BTF_KIND_UNION
  | typeof BTF_KIND_ENUM
  | typeof BTF_KIND_FWD
  | typeof BTF_KIND_TYPEDEF
  | typeof BTF_KIND_VOLATILE
  | typeof BTF_KIND_CONST
  | typeof BTF_KIND_RESTRICT
  | typeof BTF_KIND_FUNC
  | typeof BTF_KIND_FUNC_PROTO
  | typeof BTF_KIND_VAR
  | typeof BTF_KIND_DATASEC
  | typeof BTF_KIND_FLOAT
  | typeof BTF_KIND_DECL_TAG
  | typeof BTF_KIND_TYPE_TAG
  | typeof BTF_KIND_ENUM64
  | typeof BTF_KIND_LOC_PARAM
  | typeof BTF_KIND_LOC_PROTO
  | typeof BTF_KIND_LOCSEC;

/** `struct btf_type` size in bytes. */
export const BTF_TYPE_SIZE = 12;
/** Magic number `0xeB9F`, read as u16 in the file's byte order. */
export const BTF_MAGIC = 0xeb9f;
/** The only BTF version. */
export const BTF_VERSION = 1;
/** Header length without a layout section. */
export const BTF_HDR_LEN = 24;
/** Header length with `layout_off, layout_len` (v2). */
export const BTF_HDR_LEN_LAYOUT = 32;
/** Bytes of one layout entry: `u8 info_sz; u8 elem_sz; u16 flags`. */
export const BTF_LAYOUT_ENTRY_SIZE = 4;

/** `BTF_INT_ENCODING` bits. */
export const BTF_INT_SIGNED = 0x1;
/** `char` encoding bit. */
export const BTF_INT_CHAR = 0x2;
/** `_Bool` encoding bit. */
export const BTF_INT_BOOL = 0x4;

/** FUNC linkage (vlen) and VAR linkage values. */
export const BTF_FUNC_STATIC = 0;
/** Global linkage. */
export const BTF_FUNC_GLOBAL = 1;
/** Extern linkage. */
export const BTF_FUNC_EXTERN = 2;

/** v2 LOC_PARAM flag: the value (or the offset) is signed. */
export const BTF_LOC_SIGNED = 0x1;
/** v2 LOC_PARAM flag: values hold a constant (64-bit as lo, hi). */
export const BTF_LOC_CONST = 0x2;
/** v2 LOC_PARAM flag: with CONST, the constant is a load-base-relative address. */
export const BTF_LOC_ADDR = 0x4;
/** v2 LOC_PARAM flag: values[0] (and [1] for a pair) is a DWARF register. */
export const BTF_LOC_REG = 0x8;
/** v2 LOC_PARAM flag: the value is in memory at the computed address. */
export const BTF_LOC_DEREF = 0x10;
/** v2 LOC_PARAM flag: values[1] is an offset added to the register. */
export const BTF_LOC_OFFSET = 0x20;
/** Register number standing for the frame base (DW_OP_fbreg). */
export const BTF_LOC_REG_FRAME_BASE = 0xffffffff;

/** rfc-v1 LOC_PARAM register flag: dereference reg + offset. */
export const BTF_LOC_V1_REG_DEREF = 0x1;
/** rfc-v1 LOC_PARAM register flag: the next LOC_PARAM continues this value. */
export const BTF_LOC_V1_CONTINUE = 0x2;

/** Wire profile (FORMAT.md 3): `v2` (24-bit vlen, layout) or the posted `rfc-v1`. */
export type Profile = "v2" | "rfc-v1";

/** Largest vlen of each profile. */
export const MAX_VLEN: Record<Profile, number> = { v2: 0xffffff, "rfc-v1": 0xffff };

/** What the third word of `struct btf_type` holds for a kind. */
export type SizeType = "size" | "type" | "none";

/** How a kind's elements appear in the model (see model.ts). */
export interface ElemInfo {
  /** Model field holding the element array. */
  readonly field: string;
  /** Element fields holding a type id; `"."` means the element itself is the id. */
  readonly typeFields: readonly string[];
  /** Element fields holding a string offset. */
  readonly strFields: readonly string[];
}

/** Shape of one kind on the wire and in the model. */
export interface KindShape {
  /** Meaning of `btf_type.size_type`. */
  readonly sizeType: SizeType;
  /** Bytes after `btf_type` independent of vlen (layout `info_sz`). */
  readonly infoSize: number;
  /** Bytes per vlen element (layout `elem_sz`). */
  readonly elemSize: number;
  /** Model fields (on the type itself) holding a type id. */
  readonly typeFields: readonly string[];
  /** The element array, if vlen counts elements. */
  readonly elems?: ElemInfo;
}

/** One row of {@link KIND_INFO}. */
export interface KindInfo extends KindShape {
  /** Name as bpftool prints it (`btf_kind_str`). */
  readonly name: string;
  /** Differences of the rfc-v1 profile, if any (LOC kinds only). */
  readonly rfcV1?: KindShape;
}

const NO_REFS: readonly string[] = [];

function plain(name: string, sizeType: SizeType, infoSize = 0): KindInfo {
  return {
    name,
    sizeType,
    infoSize,
    elemSize: 0,
    typeFields: sizeType === "type" ? ["type"] : NO_REFS,
  };
}

const MEMBERS: ElemInfo = {
  field: "members",
  typeFields: ["type"],
  strFields: ["nameOff"],
};

/**
 * The table. `infoSize`/`elemSize` are the v2 layout values of FORMAT.md 3.1
 * (and the sizes libbpf's `btf_type_size` computes for kinds 1-19).
 */
export const KIND_INFO = {
  [BTF_KIND_UNKN]: plain("UNKNOWN", "none"),
  [BTF_KIND_INT]: plain("INT", "size", 4),
  [BTF_KIND_PTR]: plain("PTR", "type"),
  [BTF_KIND_ARRAY]: {
    name: "ARRAY",
    sizeType: "none",
    infoSize: 12,
    elemSize: 0,
    typeFields: ["type", "indexType"],
  },
  [BTF_KIND_STRUCT]: { ...plain("STRUCT", "size"), elemSize: 12, elems: MEMBERS },
  [BTF_KIND_UNION]: { ...plain("UNION", "size"), elemSize: 12, elems: MEMBERS },
  [BTF_KIND_ENUM]: {
    ...plain("ENUM", "size"),
    elemSize: 8,
    elems: { field: "values", typeFields: NO_REFS, strFields: ["nameOff"]},
  },
  [BTF_KIND_FWD]: plain("FWD", "none"),
  [BTF_KIND_TYPEDEF]: plain("TYPEDEF", "type"),
  [BTF_KIND_VOLATILE]: plain("VOLATILE", "type"),
  [BTF_KIND_CONST]: plain("CONST", "type"),
  [BTF_KIND_RESTRICT]: plain("RESTRICT", "type"),
  [BTF_KIND_FUNC]: plain("FUNC", "type"),
  [BTF_KIND_FUNC_PROTO]: {
    name: "FUNC_PROTO",
    sizeType: "type",
    infoSize: 0,
    elemSize: 8,
    typeFields: ["ret"],
    elems: { field: "params", typeFields: ["type"], strFields: ["nameOff"]},
  },
  [BTF_KIND_VAR]: plain("VAR", "type", 4),
  [BTF_KIND_DATASEC]: {
    ...plain("DATASEC", "size"),
    elemSize: 12,
    elems: { field: "vars", typeFields: ["type"], strFields: NO_REFS},
  },
  [BTF_KIND_FLOAT]: plain("FLOAT", "size"),
  [BTF_KIND_DECL_TAG]: plain("DECL_TAG", "type", 4),
  [BTF_KIND_TYPE_TAG]: plain("TYPE_TAG", "type"),
  [BTF_KIND_ENUM64]: {
    ...plain("ENUM64", "size"),
    elemSize: 12,
    elems: { field: "values", typeFields: NO_REFS, strFields: ["nameOff"]},
  },
  [BTF_KIND_LOC_PARAM]: {
    // v2: u32 flags; u32 values[vlen]. rfc-v1: s32 size, then 8 bytes, vlen 0.
    ...plain("LOC_PARAM", "size", 4),
    elemSize: 4,
    rfcV1: { ...plain("LOC_PARAM", "size", 8) },
  },
  [BTF_KIND_LOC_PROTO]: {
    // v2: size_type unused (0). rfc-v1: size_type = FUNC_PROTO id.
    ...plain("LOC_PROTO", "none"),
    elemSize: 4,
    elems: { field: "params", typeFields: ["."], strFields: NO_REFS},
    rfcV1: {
      sizeType: "type",
      infoSize: 0,
      elemSize: 4,
      typeFields: ["type"],
      elems: { field: "params", typeFields: ["."], strFields: NO_REFS},
    },
  },
  [BTF_KIND_LOCSEC]: {
    ...plain("LOCSEC", "none"),
    elemSize: 12,
    elems: {
      field: "entries",
      typeFields: ["func", "locProto"],
      strFields: NO_REFS,
    },
    rfcV1: {
      sizeType: "none",
      infoSize: 0,
      elemSize: 16,
      typeFields: NO_REFS,
      elems: {
        field: "entries",
        typeFields: ["funcProto", "locProto"],
        strFields: ["nameOff"],
      },
    },
  },
} as const satisfies Record<Kind, KindInfo>;

/** True if `k` is a kind this module knows (0..22). */
export function isKnownKind(k: number): k is Kind {
  return Number.isInteger(k) && k >= 0 && k <= BTF_KIND_MAX;
}

/** The row for `kind` in `profile` (rfc-v1 overrides applied). */
export function kindShape(kind: Kind, profile: Profile = "v2"): KindShape {
  const info: KindInfo = KIND_INFO[kind];
  return profile === "rfc-v1" && info.rfcV1 ? info.rfcV1 : info;
}

/** bpftool's name of a kind value (`UNKNOWN` for values it does not know). */
export function kindName(kind: number): string {
  return isKnownKind(kind) ? KIND_INFO[kind].name : "UNKNOWN";
}

/** One entry of the v2 layout section. */
export interface LayoutEntry {
  /** Bytes after `btf_type` independent of vlen. */
  infoSize: number;
  /** Bytes per vlen element. */
  elemSize: number;
  /** Reserved, 0. */
  flags: number;
}

/** The layout section btfgen writes: one entry per kind 0..22 (92 bytes). */
export function defaultLayout(): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  for (let k = 0; k <= BTF_KIND_MAX; k++) {
    const info = KIND_INFO[k as Kind];
    out.push({ infoSize: info.infoSize, elemSize: info.elemSize, flags: 0 });
  }
  return out;
}

/** The linkage names bpftool prints for FUNC and VAR. */
export function linkageName(linkage: number, forVar: boolean): string {
  if (forVar) {
    switch (linkage) {
      case 0:
        return "static";
      case 1:
        return "global";
      case 2:
        return "extern";
      default:
        return "(unknown)";
    }
  }
  switch (linkage) {
    case BTF_FUNC_STATIC:
      return "static";
    case BTF_FUNC_GLOBAL:
      return "global";
    case BTF_FUNC_EXTERN:
      return "extern";
    default:
      return "(unknown)";
  }
}
