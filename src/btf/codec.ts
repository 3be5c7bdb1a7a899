/**
 * How each kind's record is read from and written to the wire: one row per
 * kind, next to the sizes {@link KIND_INFO} gives. The reader and the writer
 * are loops over this table, so a kind's decode and encode sit side by side
 * and a new kind fails to compile until its row exists
 * (`satisfies` over every {@link Kind} but UNKN).
 *
 * A row says which header words the kind uses: whether `kind_flag` means
 * anything (else it must be 0), what `vlen` holds (an element count, a
 * value such as FUNC's linkage, or nothing: 0), and whether `size_type` must
 * be 0. The reader refuses a record that sets a word its kind leaves unused
 * (libbpf's btf_type_size and the kernel's meta checks do the same); the
 * kernel's finer rules (names, linkage values, member order) are `check`'s.
 *
 * Records are read and written through one reusable cursor per pass
 * ({@link RecordIn}, {@link RecordOut}): offsets are relative to the data
 * after the 12-byte `struct btf_type`, the reader has already checked that
 * the whole record fits.
 */
import { MalformedError, type ErrorLocation } from "../errors.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT,
  BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPE_TAG, BTF_KIND_TYPEDEF, BTF_KIND_UNION, BTF_KIND_VAR,
  BTF_KIND_VOLATILE, BTF_TYPE_SIZE, type Kind,
} from "./kinds.js";
import type { BtfType, Const, Ptr, Restrict, TypeId, TypeOfKind, Typedef, Volatile } from "./model.js";

/** The record being read: its header words, and reads relative to its data. */
export class RecordIn {
  dv: DataView = new DataView(new ArrayBuffer(0));
  le = true;
  /** Byte offset of the data after the header. */
  body = 0;
  nameOff = 0;
  vlen = 0;
  kindFlag = false;
  sizeType = 0;
  /** The rfc-v1 shape of the LOC kinds. */
  v1 = false;
  /** File and section, for errors. */
  where: ErrorLocation = {};
  /** Type id of the record, for errors. */
  typeId = 0;

  u32(o: number): number {
    return this.dv.getUint32(this.body + o, this.le);
  }
  i32(o: number): number {
    return this.dv.getInt32(this.body + o, this.le);
  }
  u16(o: number): number {
    return this.dv.getUint16(this.body + o, this.le);
  }
  /** `n` elements of `size` bytes each, decoded by `one(offset)`. */
  elems<E>(size: number, one: (o: number) => E): E[] {
    const out = new Array<E>(this.vlen);
    for (let i = 0, o = 0; i < this.vlen; i++, o += size) out[i] = one(o);
    return out;
  }
  /** A MalformedError at `o` bytes into the record's data. */
  fail(message: string, o: number): never {
    throw new MalformedError(message, { ...this.where, offset: this.body + o, typeId: this.typeId });
  }
}

/** The record being written: `size_type` and writes relative to its data. */
export class RecordOut {
  dv: DataView = new DataView(new ArrayBuffer(0));
  le = true;
  /** Byte offset of the record (its `struct btf_type`). */
  start = 0;

  sizeType(v: number): void {
    this.dv.setUint32(this.start + 8, v >>> 0, this.le);
  }
  u32(o: number, v: number): void {
    this.dv.setUint32(this.start + BTF_TYPE_SIZE + o, v >>> 0, this.le);
  }
  u16(o: number, v: number): void {
    this.dv.setUint16(this.start + BTF_TYPE_SIZE + o, v, this.le);
  }
  /** Writes `items` as elements of `size` bytes, `one(item, offset)` each. */
  elems<E>(items: readonly E[], size: number, one: (e: E, o: number) => void): void {
    for (let i = 0, o = 0; i < items.length; i++, o += size) one(items[i], o);
  }
}

/** What `vlen` holds: an element count, a value of its own (FUNC linkage), or nothing (must be 0). */
export type VlenUse = "count" | "value" | "zero";

/** Which header words a kind uses; the reader refuses the others set. */
export interface HeaderUse {
  /** `kind_flag` carries meaning (else it must be 0). */
  readonly flag: boolean;
  readonly vlen: VlenUse;
  /** `size_type` is unused and must be 0. */
  readonly zeroSizeType?: boolean;
}

/** One row of {@link KIND_CODEC}. */
export interface KindCodec<T extends BtfType> extends HeaderUse {
  /** Header use of the rfc-v1 shape, where it differs. */
  readonly v1?: HeaderUse;
  /** The model object of the record under `r`. */
  decode(r: RecordIn): T;
  /** Writes `size_type` and the data after the header (name and info are the writer's). */
  encode(t: T, w: RecordOut): void;
  /** The `kind_flag` bit `t` is written with (default false). */
  kindFlag?(t: T): boolean;
}

type Modifier = Ptr | Typedef | Volatile | Const | Restrict;

/** PTR, TYPEDEF and the CV qualifiers: `size_type` is the referenced type. */
function modifier<M extends Modifier>(kind: M["kind"]): KindCodec<M> {
  return {
    flag: false,
    vlen: "zero",
    decode: (r) => ({ kind, nameOff: r.nameOff, type: r.sizeType }) as M,
    encode: (t, w) => w.sizeType(t.type),
  };
}

const byFlag = (t: { kindFlag: boolean }) => t.kindFlag;

/** The table: decode and encode of every kind but UNKN (the reader's skipped records). */
export const KIND_CODEC = {
  [BTF_KIND_INT]: {
    flag: false,
    vlen: "zero",
    decode(r) {
      const v = r.u32(0);
      if (v & 0xf000ff00) r.fail(`INT with reserved bits set (0x${v.toString(16)})`, 0);
      return { kind: BTF_KIND_INT, nameOff: r.nameOff, size: r.sizeType, encoding: (v >>> 24) & 0x0f, bitsOffset: (v >>> 16) & 0xff, nrBits: v & 0xff };
    },
    encode(t, w) {
      w.sizeType(t.size);
      w.u32(0, ((t.encoding & 0x0f) << 24) | ((t.bitsOffset & 0xff) << 16) | (t.nrBits & 0xff));
    },
  },
  [BTF_KIND_PTR]: modifier(BTF_KIND_PTR),
  [BTF_KIND_TYPEDEF]: modifier(BTF_KIND_TYPEDEF),
  [BTF_KIND_VOLATILE]: modifier(BTF_KIND_VOLATILE),
  [BTF_KIND_CONST]: modifier(BTF_KIND_CONST),
  [BTF_KIND_RESTRICT]: modifier(BTF_KIND_RESTRICT),
  [BTF_KIND_TYPE_TAG]: {
    flag: true,
    vlen: "zero",
    decode: (r) => ({ kind: BTF_KIND_TYPE_TAG, nameOff: r.nameOff, type: r.sizeType, kindFlag: r.kindFlag }),
    encode: (t, w) => w.sizeType(t.type),
    kindFlag: byFlag,
  },
  [BTF_KIND_ARRAY]: {
    flag: false,
    vlen: "zero",
    zeroSizeType: true,
    decode: (r) => ({ kind: BTF_KIND_ARRAY, nameOff: r.nameOff, type: r.u32(0), indexType: r.u32(4), nelems: r.u32(8) }),
    encode(t, w) {
      w.sizeType(0);
      w.u32(0, t.type);
      w.u32(4, t.indexType);
      w.u32(8, t.nelems);
    },
  },
  [BTF_KIND_STRUCT]: {
    flag: true,
    vlen: "count",
    decode: (r) => ({ kind: BTF_KIND_STRUCT, nameOff: r.nameOff, size: r.sizeType, members: readMembers(r), kindFlag: r.kindFlag }),
    encode: writeMembers,
    kindFlag: byFlag,
  },
  [BTF_KIND_UNION]: {
    flag: true,
    vlen: "count",
    decode: (r) => ({ kind: BTF_KIND_UNION, nameOff: r.nameOff, size: r.sizeType, members: readMembers(r), kindFlag: r.kindFlag }),
    encode: writeMembers,
    kindFlag: byFlag,
  },
  [BTF_KIND_ENUM]: {
    // kind_flag: signed values (kernel 6.0).
    flag: true,
    vlen: "count",
    decode: (r) => ({
      kind: BTF_KIND_ENUM,
      nameOff: r.nameOff,
      size: r.sizeType,
      signed: r.kindFlag,
      values: r.elems(8, (o) => ({ nameOff: r.u32(o), val: r.kindFlag ? r.i32(o + 4) : r.u32(o + 4) })),
    }),
    encode(t, w) {
      w.sizeType(t.size);
      w.elems(t.values, 8, (v, o) => {
        w.u32(o, v.nameOff);
        w.u32(o + 4, v.val);
      });
    },
    kindFlag: (t) => t.signed,
  },
  [BTF_KIND_ENUM64]: {
    flag: true,
    vlen: "count",
    decode: (r) => ({
      kind: BTF_KIND_ENUM64,
      nameOff: r.nameOff,
      size: r.sizeType,
      signed: r.kindFlag,
      values: r.elems(12, (o) => {
        const raw = (BigInt(r.u32(o + 8)) << 32n) | BigInt(r.u32(o + 4));
        return { nameOff: r.u32(o), val: r.kindFlag ? BigInt.asIntN(64, raw) : raw };
      }),
    }),
    encode(t, w) {
      w.sizeType(t.size);
      w.elems(t.values, 12, (v, o) => {
        const raw = BigInt.asUintN(64, v.val);
        w.u32(o, v.nameOff);
        w.u32(o + 4, Number(raw & 0xffffffffn));
        w.u32(o + 8, Number(raw >> 32n));
      });
    },
    kindFlag: (t) => t.signed,
  },
  [BTF_KIND_FWD]: {
    // kind_flag: a union.
    flag: true,
    vlen: "zero",
    zeroSizeType: true,
    decode: (r) => ({ kind: BTF_KIND_FWD, nameOff: r.nameOff, union: r.kindFlag }),
    encode: (_t, w) => w.sizeType(0),
    kindFlag: (t) => t.union,
  },
  [BTF_KIND_FUNC]: {
    // vlen: the linkage (kernel 5.6).
    flag: false,
    vlen: "value",
    decode: (r) => ({ kind: BTF_KIND_FUNC, nameOff: r.nameOff, type: r.sizeType, linkage: r.vlen }),
    encode: (t, w) => w.sizeType(t.type),
  },
  [BTF_KIND_FUNC_PROTO]: {
    flag: false,
    vlen: "count",
    decode: (r) => ({ kind: BTF_KIND_FUNC_PROTO, nameOff: r.nameOff, ret: r.sizeType, params: r.elems(8, (o) => ({ nameOff: r.u32(o), type: r.u32(o + 4) })) }),
    encode(t, w) {
      w.sizeType(t.ret);
      w.elems(t.params, 8, (a, o) => {
        w.u32(o, a.nameOff);
        w.u32(o + 4, a.type);
      });
    },
  },
  [BTF_KIND_VAR]: {
    flag: false,
    vlen: "zero",
    decode: (r) => ({ kind: BTF_KIND_VAR, nameOff: r.nameOff, type: r.sizeType, linkage: r.u32(0) }),
    encode(t, w) {
      w.sizeType(t.type);
      w.u32(0, t.linkage);
    },
  },
  [BTF_KIND_DATASEC]: {
    flag: false,
    vlen: "count",
    decode: (r) => ({
      kind: BTF_KIND_DATASEC,
      nameOff: r.nameOff,
      size: r.sizeType,
      vars: r.elems(12, (o) => ({ type: r.u32(o), offset: r.u32(o + 4), size: r.u32(o + 8) })),
    }),
    encode(t, w) {
      w.sizeType(t.size);
      w.elems(t.vars, 12, (v, o) => {
        w.u32(o, v.type);
        w.u32(o + 4, v.offset);
        w.u32(o + 8, v.size);
      });
    },
  },
  [BTF_KIND_FLOAT]: {
    flag: false,
    vlen: "zero",
    decode: (r) => ({ kind: BTF_KIND_FLOAT, nameOff: r.nameOff, size: r.sizeType }),
    encode: (t, w) => w.sizeType(t.size),
  },
  [BTF_KIND_DECL_TAG]: {
    flag: true,
    vlen: "zero",
    decode: (r) => ({ kind: BTF_KIND_DECL_TAG, nameOff: r.nameOff, type: r.sizeType, componentIdx: r.i32(0), kindFlag: r.kindFlag }),
    encode(t, w) {
      w.sizeType(t.type);
      w.u32(0, t.componentIdx);
    },
    kindFlag: byFlag,
  },
  [BTF_KIND_LOC_PARAM]: {
    // v2: u32 flags, then vlen u32 values. rfc-v1: s32 size, 8 payload bytes, kind_flag = constant.
    flag: false,
    vlen: "count",
    v1: { flag: true, vlen: "zero" },
    decode(r) {
      if (!r.v1) return { kind: BTF_KIND_LOC_PARAM, nameOff: r.nameOff, size: r.sizeType, flags: r.u32(0), values: r.elems(4, (o) => r.u32(4 + o)) };
      return {
        kind: BTF_KIND_LOC_PARAM,
        profile: "rfc-v1",
        nameOff: r.nameOff,
        size: r.sizeType | 0,
        value: r.kindFlag ? { lo: r.u32(0), hi: r.u32(4) } : { reg: r.u16(0), flags: r.u16(2), offset: r.i32(4) },
      };
    },
    encode(t, w) {
      w.sizeType(t.size);
      if (t.profile !== "rfc-v1") {
        w.u32(0, t.flags);
        w.elems(t.values, 4, (v, o) => w.u32(4 + o, v));
      } else if ("lo" in t.value) {
        w.u32(0, t.value.lo);
        w.u32(4, t.value.hi);
      } else {
        w.u16(0, t.value.reg);
        w.u16(2, t.value.flags);
        w.u32(4, t.value.offset);
      }
    },
    kindFlag: (t) => t.profile === "rfc-v1" && "lo" in t.value,
  },
  [BTF_KIND_LOC_PROTO]: {
    // v2: size_type unused (kept as read). rfc-v1: size_type = FUNC_PROTO id.
    flag: false,
    vlen: "count",
    decode: (r) => ({ kind: BTF_KIND_LOC_PROTO, nameOff: r.nameOff, params: r.elems<TypeId>(4, (o) => r.u32(o)), type: r.sizeType }),
    encode(t, w) {
      w.sizeType(t.type);
      w.elems(t.params, 4, (p, o) => w.u32(o, p));
    },
  },
  [BTF_KIND_LOCSEC]: {
    flag: false,
    vlen: "count",
    zeroSizeType: true,
    decode(r) {
      if (!r.v1) return { kind: BTF_KIND_LOCSEC, nameOff: r.nameOff, entries: r.elems(12, (o) => ({ func: r.u32(o), locProto: r.u32(o + 4), offset: r.u32(o + 8) })) };
      return {
        kind: BTF_KIND_LOCSEC,
        profile: "rfc-v1",
        nameOff: r.nameOff,
        entries: r.elems(16, (o) => ({ nameOff: r.u32(o), funcProto: r.u32(o + 4), locProto: r.u32(o + 8), offset: r.u32(o + 12) })),
      };
    },
    encode(t, w) {
      w.sizeType(0);
      if (t.profile !== "rfc-v1") {
        w.elems(t.entries, 12, (e, o) => {
          w.u32(o, e.func);
          w.u32(o + 4, e.locProto);
          w.u32(o + 8, e.offset);
        });
      } else {
        w.elems(t.entries, 16, (e, o) => {
          w.u32(o, e.nameOff);
          w.u32(o + 4, e.funcProto);
          w.u32(o + 8, e.locProto);
          w.u32(o + 12, e.offset);
        });
      }
    },
  },
} as const satisfies { [K in Exclude<Kind, 0>]: KindCodec<TypeOfKind<K>> };

/** STRUCT/UNION members: `{ name_off, type, offset }`, offset = `bitfield_size << 24 | bit_offset` under kind_flag. */
function readMembers(r: RecordIn) {
  return r.elems(12, (o) => {
    const off = r.u32(o + 8);
    return r.kindFlag
      ? { nameOff: r.u32(o), type: r.u32(o + 4), bitsOffset: off & 0xffffff, bitfieldSize: off >>> 24 }
      : { nameOff: r.u32(o), type: r.u32(o + 4), bitsOffset: off, bitfieldSize: 0 };
  });
}

function writeMembers(t: TypeOfKind<typeof BTF_KIND_STRUCT> | TypeOfKind<typeof BTF_KIND_UNION>, w: RecordOut): void {
  w.sizeType(t.size);
  w.elems(t.members, 12, (m, o) => {
    w.u32(o, m.nameOff);
    w.u32(o + 4, m.type);
    w.u32(o + 8, t.kindFlag ? (m.bitfieldSize << 24) | (m.bitsOffset & 0xffffff) : m.bitsOffset);
  });
}

/** The row of a known kind other than UNKN, typed loosely for the generic loops. */
export function codecOf(kind: Exclude<Kind, 0>): KindCodec<BtfType> {
  return KIND_CODEC[kind] as unknown as KindCodec<BtfType>;
}
