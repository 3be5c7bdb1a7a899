/**
 * The BTF data model: one plain object per type, discriminated by `kind`.
 * Names are string offsets ({@link StrOff}) into the owning {@link Btf}'s
 * string table; references are {@link TypeId}s, which may point into the base
 * BTF of a split. Objects hold no back-pointers, so the model can be copied,
 * compared and serialised freely.
 *
 * The three LOC kinds exist in two wire profiles (FORMAT.md 3.1/3.2); LOC_PARAM
 * and LOCSEC have a separate model shape per profile, told apart by
 * `profile: "rfc-v1"` (absent means v2).
 */
import {
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
} from "./kinds.js";

/** A type id; 0 is `void`. In a split BTF ids continue after the base's. */
export type TypeId = number & { readonly __brand?: "TypeId" };
/** A byte offset into a BTF string section (continuing after the base's in a split). */
export type StrOff = number & { readonly __brand?: "StrOff" };

/** `void`. */
export const VOID_ID: TypeId = 0;

/** Fields every type has. */
interface Named {
  /** Name, 0 for anonymous. */
  nameOff: StrOff;
}

/** BTF_KIND_INT. */
export interface Int extends Named {
  kind: typeof BTF_KIND_INT;
  /** Size in bytes. */
  size: number;
  /** BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL. */
  encoding: number;
  bitsOffset: number;
  nrBits: number;
}

/** BTF_KIND_PTR. */
export interface Ptr extends Named {
  kind: typeof BTF_KIND_PTR;
  type: TypeId;
}
/** BTF_KIND_TYPEDEF. */
export interface Typedef extends Named {
  kind: typeof BTF_KIND_TYPEDEF;
  type: TypeId;
}
/** BTF_KIND_VOLATILE. */
export interface Volatile extends Named {
  kind: typeof BTF_KIND_VOLATILE;
  type: TypeId;
}
/** BTF_KIND_CONST. */
export interface Const extends Named {
  kind: typeof BTF_KIND_CONST;
  type: TypeId;
}
/** BTF_KIND_RESTRICT. */
export interface Restrict extends Named {
  kind: typeof BTF_KIND_RESTRICT;
  type: TypeId;
}
/** BTF_KIND_TYPE_TAG; `kindFlag` marks an attribute-style tag (kernel 6.12). */
export interface TypeTag extends Named {
  kind: typeof BTF_KIND_TYPE_TAG;
  type: TypeId;
  kindFlag: boolean;
}

/** BTF_KIND_ARRAY. */
export interface Array_ extends Named {
  kind: typeof BTF_KIND_ARRAY;
  type: TypeId;
  indexType: TypeId;
  nelems: number;
}

/** A STRUCT/UNION member. */
export interface Member {
  nameOff: StrOff;
  type: TypeId;
  /** Bit offset from the start of the aggregate. */
  bitsOffset: number;
  /** Bitfield width; only representable when the owner's `kindFlag` is set, else 0. */
  bitfieldSize: number;
}

/** BTF_KIND_STRUCT. */
export interface Struct extends Named {
  kind: typeof BTF_KIND_STRUCT;
  size: number;
  members: Member[];
  /** Members' offset word is `bitfield_size << 24 | bit_offset`. */
  kindFlag: boolean;
}
/** BTF_KIND_UNION. */
export interface Union extends Named {
  kind: typeof BTF_KIND_UNION;
  size: number;
  members: Member[];
  kindFlag: boolean;
}

/** An ENUM value; `val` is s32 when the enum is signed, else u32. */
export interface EnumValue {
  nameOff: StrOff;
  val: number;
}
/** BTF_KIND_ENUM. */
export interface Enum extends Named {
  kind: typeof BTF_KIND_ENUM;
  size: number;
  /** kind_flag. */
  signed: boolean;
  values: EnumValue[];
}
/** An ENUM64 value; `val` is s64 when the enum is signed, else u64. */
export interface Enum64Value {
  nameOff: StrOff;
  val: bigint;
}
/** BTF_KIND_ENUM64. */
export interface Enum64 extends Named {
  kind: typeof BTF_KIND_ENUM64;
  size: number;
  signed: boolean;
  values: Enum64Value[];
}

/** BTF_KIND_FWD. */
export interface Fwd extends Named {
  kind: typeof BTF_KIND_FWD;
  /** kind_flag: forward of a union rather than a struct. */
  union: boolean;
}

/** BTF_KIND_FUNC. */
export interface Func extends Named {
  kind: typeof BTF_KIND_FUNC;
  /** FUNC_PROTO id. */
  type: TypeId;
  /** BTF_FUNC_STATIC/GLOBAL/EXTERN (stored in vlen). */
  linkage: number;
}

/** A FUNC_PROTO parameter; `{0, 0}` last means `...`. */
export interface Param {
  nameOff: StrOff;
  type: TypeId;
}
/** BTF_KIND_FUNC_PROTO. */
export interface FuncProto extends Named {
  kind: typeof BTF_KIND_FUNC_PROTO;
  ret: TypeId;
  params: Param[];
}

/** BTF_KIND_VAR. */
export interface Var extends Named {
  kind: typeof BTF_KIND_VAR;
  type: TypeId;
  /** 0 static, 1 global, 2 extern. */
  linkage: number;
}

/** A DATASEC entry. */
export interface VarSecInfo {
  type: TypeId;
  offset: number;
  size: number;
}
/** BTF_KIND_DATASEC. */
export interface Datasec extends Named {
  kind: typeof BTF_KIND_DATASEC;
  size: number;
  vars: VarSecInfo[];
}

/** BTF_KIND_FLOAT. */
export interface Float extends Named {
  kind: typeof BTF_KIND_FLOAT;
  size: number;
}

/** BTF_KIND_DECL_TAG. */
export interface DeclTag extends Named {
  kind: typeof BTF_KIND_DECL_TAG;
  type: TypeId;
  /** -1 for the type itself, else member/param index. */
  componentIdx: number;
  /** Attribute-style tag (kernel 6.12). */
  kindFlag: boolean;
}

/**
 * BTF_KIND_LOC_PARAM, profile v2: `size` bytes of value described by
 * `flags` (BTF_LOC_*) and `values` (u32 words; vlen = values.length).
 */
export interface LocParam extends Named {
  kind: typeof BTF_KIND_LOC_PARAM;
  profile?: "v2";
  /** Byte size of the value (1, 2, 4, 8, 16). */
  size: number;
  flags: number;
  /** u32 words, stored unsigned. */
  values: number[];
}

/** rfc-v1 LOC_PARAM payload: a constant (kind_flag=1). */
export interface LocParamV1Const {
  lo: number;
  hi: number;
}
/** rfc-v1 LOC_PARAM payload: a register location (kind_flag=0). */
export interface LocParamV1Reg {
  reg: number;
  /** BTF_LOC_V1_REG_DEREF | BTF_LOC_V1_CONTINUE. */
  flags: number;
  /** s32. */
  offset: number;
}
/** BTF_KIND_LOC_PARAM, profile rfc-v1 (vlen 0, s32 size, 8 payload bytes). */
export interface LocParamV1 extends Named {
  kind: typeof BTF_KIND_LOC_PARAM;
  profile: "rfc-v1";
  /** s32: negative means a signed value; |size| is 1..8. */
  size: number;
  /** kind_flag: `value` is {@link LocParamV1Const}, else {@link LocParamV1Reg}. */
  value: LocParamV1Const | LocParamV1Reg;
}

/**
 * BTF_KIND_LOC_PROTO: one LOC_PARAM id per parameter (0 = unknown).
 * `type` is the FUNC_PROTO id in rfc-v1 and 0 in v2.
 */
export interface LocProto extends Named {
  kind: typeof BTF_KIND_LOC_PROTO;
  params: TypeId[];
  type: TypeId;
}

/** A v2 LOCSEC entry (`struct btf_loc`). */
export interface LocsecEntry {
  /** FUNC id. */
  func: TypeId;
  /** LOC_PROTO id. */
  locProto: TypeId;
  /** Site address minus the runtime start of the section. */
  offset: number;
}
/** BTF_KIND_LOCSEC, profile v2; name `inline.<section>`. */
export interface Locsec extends Named {
  kind: typeof BTF_KIND_LOCSEC;
  profile?: "v2";
  entries: LocsecEntry[];
}
/** An rfc-v1 LOCSEC entry. */
export interface LocsecEntryV1 {
  /** Function name. */
  nameOff: StrOff;
  /** FUNC_PROTO id. */
  funcProto: TypeId;
  locProto: TypeId;
  offset: number;
}
/** BTF_KIND_LOCSEC, profile rfc-v1. */
export interface LocsecV1 extends Named {
  kind: typeof BTF_KIND_LOCSEC;
  profile: "rfc-v1";
  entries: LocsecEntryV1[];
}

/**
 * A record of a kind the reader did not know, skipped with the help of the
 * layout section. Its bytes are kept (in the byte order read) so the id space
 * stays intact and the writer can put it back.
 */
export interface UnknownType extends Named {
  kind: typeof BTF_KIND_UNKN;
  /** The kind value found on the wire. */
  rawKind: number;
  /** The raw `info` word. */
  info: number;
  /** The raw `size_type` word. */
  sizeType: number;
  /** `info_sz + vlen * elem_sz` bytes after `btf_type`. */
  data: Uint8Array;
  /** Byte order of `data`. */
  littleEndian: boolean;
}

/** Any BTF type. */
export type BtfType =
  | Int
  | Ptr
  | Array_
  | Struct
  | Union
  | Enum
  | Fwd
  | Typedef
  | Volatile
  | Const
  | Restrict
  | Func
  | FuncProto
  | Var
  | Datasec
  | Float
  | DeclTag
  | TypeTag
  | Enum64
  | LocParam
  | LocParamV1
  | LocProto
  | Locsec
  | LocsecV1
  | UnknownType;

/** The model type of a kind value. */
export type TypeOfKind<K extends BtfType["kind"]> = Extract<BtfType, { kind: K }>;

/** True for the kinds whose only reference is `type` (PTR, TYPEDEF, CV, TYPE_TAG). */
export function isModifier(t: BtfType): t is Ptr | Typedef | Volatile | Const | Restrict | TypeTag {
  switch (t.kind) {
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
      return true;
    default:
      return false;
  }
}

/** True for the `{ name 0, type 0 }` parameter that ends a variadic FUNC_PROTO (`...`). */
export function isVariadicParam(p: Param): boolean {
  return p.nameOff === 0 && p.type === 0;
}

/** True when the FUNC_PROTO ends in `...`. */
export function isVariadicProto(t: FuncProto): boolean {
  return t.params.length > 0 && isVariadicParam(t.params[t.params.length - 1]);
}

/** True for the rfc-v1 shapes of LOC_PARAM/LOCSEC. */
export function isRfcV1Shape(t: BtfType): t is LocParamV1 | LocsecV1 {
  return (t.kind === BTF_KIND_LOC_PARAM || t.kind === BTF_KIND_LOCSEC) && t.profile === "rfc-v1";
}

/** Number of vlen elements the type has on the wire (FUNC: its linkage). */
export function vlenOf(t: BtfType): number {
  switch (t.kind) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return t.members.length;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return t.values.length;
    case BTF_KIND_FUNC:
      return t.linkage;
    case BTF_KIND_FUNC_PROTO:
      return t.params.length;
    case BTF_KIND_DATASEC:
      return t.vars.length;
    case BTF_KIND_LOC_PARAM:
      return t.profile === "rfc-v1" ? 0 : t.values.length;
    case BTF_KIND_LOC_PROTO:
      return t.params.length;
    case BTF_KIND_LOCSEC:
      return t.entries.length;
    case BTF_KIND_UNKN:
      return t.info & 0xffffff;
    default:
      return 0;
  }
}

/** Size in bytes of the described object, for kinds that have one. */
export function sizeOf(t: BtfType): number | undefined {
  switch (t.kind) {
    case BTF_KIND_INT:
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_DATASEC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_LOC_PARAM:
      return t.size;
    default:
      return undefined;
  }
}
