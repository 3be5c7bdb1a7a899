/**
 * Text and JSON dumps in the style of `bpftool btf dump file X [-B base]`
 * (bpftool v7.1 raw format), line for line for kinds 1-19, plus the LOC kinds
 * as FORMAT.md section 7 prints them:
 *
 * ```
 * [5] LOC_PARAM '(anon)' size=8 flags=0x38 vlen=2 values='*(reg2 + 0x10)'
 * [10] LOC_PROTO '(anon)' vlen=2
 * 	type_id=4 value='reg1'
 * [11] LOCSEC 'inline.text' vlen=1
 * 	name='foo' func_type_id=3 loc_proto_type_id=10 offset=64
 * ```
 *
 * Choices FORMAT.md leaves open, documented here:
 *  - a LOC_PROTO slot with id 0 prints `value='unavailable'` (the word the
 *    `sites` listing uses); an id that is not a LOC_PARAM prints `value='(invalid)'`;
 *  - a signed constant prints as `-0x5`, an unsigned one as `0x5`;
 *  - flags that fit no FORMAT.md shape print the raw words, e.g. `values='0x1 0x2'`;
 *  - rfc-v1 LOC_PARAM: `size=-8 reg=5 flags=0x1 offset=-16 values='*(reg5 - 0x10)'`
 *    or `size=8 const=0x2 values='0x2'`; a CONTINUE flag renders as `, ...`, and a
 *    LOC_PROTO slot follows the continuation (`reg0, reg1`);
 *  - rfc-v1 LOC_PROTO adds ` type_id=N` (its FUNC_PROTO) before ` vlen=`; rfc-v1
 *    LOCSEC entries print `func_proto_type_id=` instead of `func_type_id=`;
 *  - a record skipped as unknown prints `[id] UNKNOWN 'name' kind=K vlen=V`.
 *
 * Like bpftool, a split BTF dumps only its own types (ids from `firstTypeId`),
 * and name offset 0 prints `(anon)`, a bad one `(invalid)`.
 */
import type { Btf } from "./btf.js";
import {
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
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
  BTF_LOC_ADDR,
  BTF_LOC_CONST,
  BTF_LOC_DEREF,
  BTF_LOC_OFFSET,
  BTF_LOC_REG,
  BTF_LOC_REG_FRAME_BASE,
  BTF_LOC_SIGNED,
  BTF_LOC_V1_CONTINUE,
  BTF_LOC_V1_REG_DEREF,
  kindName,
  linkageName,
} from "./kinds.js";
import type { BtfType, LocParam, LocParamV1, StrOff, TypeId } from "./model.js";

function strOf(btf: Btf, off: StrOff): string {
  if (off === 0) return "(anon)";
  try {
    return btf.strings.get(off);
  } catch {
    return "(invalid)";
  }
}

function intEncoding(enc: number): string {
  switch (enc) {
    case 0:
      return "(none)";
    case BTF_INT_SIGNED:
      return "SIGNED";
    case BTF_INT_CHAR:
      return "CHAR";
    case BTF_INT_BOOL:
      return "BOOL";
    default:
      return "UNKN";
  }
}

function hexSigned(v: bigint): string {
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

function regName(n: number): string {
  return n >>> 0 === BTF_LOC_REG_FRAME_BASE ? "fbreg" : `reg${n >>> 0}`;
}

function withOffset(base: string, off: number): string {
  return off < 0 ? `${base} - 0x${(-off).toString(16)}` : `${base} + 0x${off.toString(16)}`;
}

/**
 * Text of a v2 LOC_PARAM value as FORMAT.md 7 prints it: `reg1`,
 * `*(reg2 + 0x10)`, `fbreg - 0x10`, `0x... (addr)`, `0xdeadbeef`, `reg0, reg1`.
 */
export function locParamValueText(p: Pick<LocParam, "flags" | "values">): string {
  const f = p.flags >>> 0;
  const vals = p.values;
  if (f & BTF_LOC_CONST) {
    if (vals.length < 1 || vals.length > 2) return rawWords(vals);
    let v = BigInt(vals[0] >>> 0);
    if (vals.length === 2) v |= BigInt(vals[1] >>> 0) << 32n;
    if (f & BTF_LOC_SIGNED) v = BigInt.asIntN(vals.length * 32, v);
    const s = hexSigned(v);
    return f & BTF_LOC_ADDR ? `${s} (addr)` : s;
  }
  if (f & BTF_LOC_REG) {
    if (vals.length < 1) return rawWords(vals);
    const reg = regName(vals[0]);
    let s: string;
    if (f & BTF_LOC_OFFSET) {
      if (vals.length !== 2) return rawWords(vals);
      const off = f & BTF_LOC_SIGNED ? vals[1] | 0 : vals[1] >>> 0;
      s = withOffset(reg, off);
    } else if (vals.length === 2 && !(f & BTF_LOC_DEREF)) {
      return `${reg}, ${regName(vals[1])}`;
    } else if (vals.length === 1) {
      s = reg;
    } else {
      return rawWords(vals);
    }
    return f & BTF_LOC_DEREF ? `*(${s})` : s;
  }
  return rawWords(vals);
}

function rawWords(vals: readonly number[]): string {
  return vals.map((v) => `0x${(v >>> 0).toString(16)}`).join(" ");
}

/** Text of an rfc-v1 LOC_PARAM value (see the module comment). */
export function locParamV1ValueText(p: LocParamV1): string {
  const bytes = Math.min(Math.abs(p.size | 0), 8) || 8;
  if ("lo" in p.value) {
    let v = BigInt(p.value.lo >>> 0) | (BigInt(p.value.hi >>> 0) << 32n);
    v = p.size < 0 ? BigInt.asIntN(bytes * 8, v) : BigInt.asUintN(bytes * 8, v);
    return hexSigned(v);
  }
  const { reg, flags, offset } = p.value;
  let s = regName(reg);
  if (offset !== 0) s = withOffset(s, offset);
  if (flags & BTF_LOC_V1_REG_DEREF) s = `*(${s})`;
  if (flags & BTF_LOC_V1_CONTINUE) s += ", ...";
  return s;
}

/** Text of the location a LOC_PROTO slot names (follows rfc-v1 continuations). */
function slotText(btf: Btf, id: TypeId): string {
  if (id === 0) return "unavailable";
  const parts: string[] = [];
  for (let cur = id, guard = 0; guard < 16; guard++, cur++) {
    const t = btf.maybeType(cur);
    if (!t || t.kind !== BTF_KIND_LOC_PARAM) return parts.length ? parts.join(", ") : "(invalid)";
    if (t.profile !== "rfc-v1") return locParamValueText(t);
    const v = t.value;
    const cont = !("lo" in v) && (v.flags & BTF_LOC_V1_CONTINUE) !== 0;
    const text =
      cont && !("lo" in v)
        ? locParamV1ValueText({ ...t, value: { ...v, flags: v.flags & ~BTF_LOC_V1_CONTINUE } })
        : locParamV1ValueText(t);
    parts.push(text);
    if (!cont) break;
  }
  return parts.join(", ");
}

/** Kind name for the dump header of type `t`. */
function kindLabel(t: BtfType): string {
  return t.kind === BTF_KIND_UNKN ? "UNKNOWN" : kindName(t.kind);
}

/**
 * One type as bpftool prints it: the `[id] KIND 'name' ...` line, then one
 * `\t...` line per member/value/param/var/entry, joined with `\n` (no trailing newline).
 */
export function dumpType(btf: Btf, id: TypeId): string {
  const t = btf.typeById(id);
  let s = `[${id}] ${kindLabel(t)} '${strOf(btf, t.nameOff)}'`;
  switch (t.kind) {
    case BTF_KIND_INT:
      s += ` size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.nrBits} encoding=${intEncoding(t.encoding)}`;
      break;
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_TYPE_TAG:
      s += ` type_id=${t.type}`;
      break;
    case BTF_KIND_ARRAY:
      s += ` type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
      break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t'${strOf(btf, m.nameOff)}' type_id=${m.type} bits_offset=${m.bitsOffset}`;
        if (t.kindFlag && m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      break;
    case BTF_KIND_ENUM:
      s += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t'${strOf(btf, v.nameOff)}' val=${t.signed ? v.val | 0 : v.val >>> 0}`;
      break;
    case BTF_KIND_ENUM64:
      s += ` encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) {
        s += t.signed
          ? `\n\t'${strOf(btf, v.nameOff)}' val=${BigInt.asIntN(64, v.val)}LL`
          : `\n\t'${strOf(btf, v.nameOff)}' val=${BigInt.asUintN(64, v.val)}ULL`;
      }
      break;
    case BTF_KIND_FWD:
      s += ` fwd_kind=${t.union ? "union" : "struct"}`;
      break;
    case BTF_KIND_FUNC:
      s += ` type_id=${t.type} linkage=${linkageName(t.linkage, false)}`;
      break;
    case BTF_KIND_FUNC_PROTO:
      s += ` ret_type_id=${t.ret} vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\t'${strOf(btf, p.nameOff)}' type_id=${p.type}`;
      break;
    case BTF_KIND_VAR:
      s += ` type_id=${t.type}, linkage=${linkageName(t.linkage, true)}`;
      break;
    case BTF_KIND_DATASEC:
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        const vt = v.type < btf.nrTypes ? btf.maybeType(v.type) : undefined;
        if (vt) s += ` (${kindLabel(vt)} '${strOf(btf, vt.nameOff)}')`;
        else if (v.type === 0) s += ` (UNKNOWN '(anon)')`;
      }
      break;
    case BTF_KIND_FLOAT:
      s += ` size=${t.size}`;
      break;
    case BTF_KIND_DECL_TAG:
      s += ` type_id=${t.type} component_idx=${t.componentIdx}`;
      break;
    case BTF_KIND_LOC_PARAM:
      if (t.profile === "rfc-v1") {
        if ("lo" in t.value) {
          const raw = BigInt(t.value.lo >>> 0) | (BigInt(t.value.hi >>> 0) << 32n);
          s += ` size=${t.size} const=0x${raw.toString(16)}`;
        } else {
          s += ` size=${t.size} reg=${t.value.reg} flags=0x${t.value.flags.toString(16)} offset=${t.value.offset}`;
        }
        s += ` values='${locParamV1ValueText(t)}'`;
      } else {
        s += ` size=${t.size} flags=0x${(t.flags >>> 0).toString(16)} vlen=${t.values.length} values='${locParamValueText(t)}'`;
      }
      break;
    case BTF_KIND_LOC_PROTO:
      if (btf.profile === "rfc-v1" || t.type !== 0) s += ` type_id=${t.type}`;
      s += ` vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\ttype_id=${p} value='${slotText(btf, p)}'`;
      break;
    case BTF_KIND_LOCSEC:
      s += ` vlen=${t.entries.length}`;
      if (t.profile === "rfc-v1") {
        for (const e of t.entries) {
          s += `\n\tname='${strOf(btf, e.nameOff)}' func_proto_type_id=${e.funcProto} loc_proto_type_id=${e.locProto} offset=${e.offset >>> 0}`;
        }
      } else {
        for (const e of t.entries) {
          const f = btf.maybeType(e.func);
          const name = f ? strOf(btf, f.nameOff) : "(invalid)";
          s += `\n\tname='${name}' func_type_id=${e.func} loc_proto_type_id=${e.locProto} offset=${e.offset >>> 0}`;
        }
      }
      break;
    case BTF_KIND_UNKN:
      s += ` kind=${t.rawKind} vlen=${t.info & 0xffffff}`;
      break;
    default: {
      const never: never = t;
      void never;
    }
  }
  return s;
}

/** The whole raw dump of `btf`'s own types, one line per array element. */
export function dumpBtfLines(btf: Btf): string[] {
  const out: string[] = [];
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) {
    for (const line of dumpType(btf, id).split("\n")) out.push(line);
  }
  return out;
}

/** The whole raw dump as `bpftool btf dump file X` prints it (trailing newline). */
export function dumpBtf(btf: Btf): string {
  const parts: string[] = [];
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) parts.push(dumpType(btf, id));
  return parts.length ? parts.join("\n") + "\n" : "";
}

/** A JSON value of the dump; ENUM64 values are bigint to keep all 64 bits. */
export type DumpJson = string | number | bigint | boolean | null | DumpJson[] | { [key: string]: DumpJson };

/** One type in the `bpftool -j btf dump` object form (same keys, same order). */
export function dumpTypeJson(btf: Btf, id: TypeId): { [key: string]: DumpJson } {
  const t = btf.typeById(id);
  const o: { [key: string]: DumpJson } = { id, kind: kindLabel(t), name: strOf(btf, t.nameOff) };
  switch (t.kind) {
    case BTF_KIND_INT:
      Object.assign(o, { size: t.size, bits_offset: t.bitsOffset, nr_bits: t.nrBits, encoding: intEncoding(t.encoding) });
      break;
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_TYPE_TAG:
      o.type_id = t.type;
      break;
    case BTF_KIND_ARRAY:
      Object.assign(o, { type_id: t.type, index_type_id: t.indexType, nr_elems: t.nelems });
      break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      o.size = t.size;
      o.vlen = t.members.length;
      o.members = t.members.map((m) => {
        const e: { [key: string]: DumpJson } = { name: strOf(btf, m.nameOff), type_id: m.type, bits_offset: m.bitsOffset };
        if (t.kindFlag && m.bitfieldSize) e.bitfield_size = m.bitfieldSize;
        return e;
      });
      break;
    case BTF_KIND_ENUM:
      Object.assign(o, { encoding: t.signed ? "SIGNED" : "UNSIGNED", size: t.size, vlen: t.values.length });
      // bpftool v7.1 passes the s32 `val` to a u64 JSON field: unsigned values
      // >= 2^31 come out sign-extended (0xefffffff -> 18446744073441116159).
      o.values = t.values.map((v) => ({
        name: strOf(btf, v.nameOff),
        val: t.signed || (v.val | 0) >= 0 ? v.val | 0 : BigInt.asUintN(64, BigInt(v.val | 0)),
      }));
      break;
    case BTF_KIND_ENUM64:
      Object.assign(o, { encoding: t.signed ? "SIGNED" : "UNSIGNED", size: t.size, vlen: t.values.length });
      o.values = t.values.map((v) => ({
        name: strOf(btf, v.nameOff),
        val: t.signed ? BigInt.asIntN(64, v.val) : BigInt.asUintN(64, v.val),
      }));
      break;
    case BTF_KIND_FWD:
      o.fwd_kind = t.union ? "union" : "struct";
      break;
    case BTF_KIND_FUNC:
      Object.assign(o, { type_id: t.type, linkage: linkageName(t.linkage, false) });
      break;
    case BTF_KIND_FUNC_PROTO:
      Object.assign(o, { ret_type_id: t.ret, vlen: t.params.length });
      o.params = t.params.map((p) => ({ name: strOf(btf, p.nameOff), type_id: p.type }));
      break;
    case BTF_KIND_VAR:
      Object.assign(o, { type_id: t.type, linkage: linkageName(t.linkage, true) });
      break;
    case BTF_KIND_DATASEC:
      Object.assign(o, { size: t.size, vlen: t.vars.length });
      o.vars = t.vars.map((v) => ({ type_id: v.type, offset: v.offset, size: v.size }));
      break;
    case BTF_KIND_FLOAT:
      o.size = t.size;
      break;
    case BTF_KIND_DECL_TAG:
      Object.assign(o, { type_id: t.type, component_idx: t.componentIdx });
      break;
    case BTF_KIND_LOC_PARAM:
      if (t.profile === "rfc-v1") {
        o.size = t.size;
        if ("lo" in t.value) o.const = BigInt(t.value.lo >>> 0) | (BigInt(t.value.hi >>> 0) << 32n);
        else Object.assign(o, { reg: t.value.reg, flags: t.value.flags, offset: t.value.offset });
        o.value = locParamV1ValueText(t);
      } else {
        Object.assign(o, { size: t.size, flags: t.flags >>> 0, vlen: t.values.length, values: t.values.map((v) => v >>> 0) });
        o.value = locParamValueText(t);
      }
      break;
    case BTF_KIND_LOC_PROTO:
      if (btf.profile === "rfc-v1" || t.type !== 0) o.type_id = t.type;
      o.vlen = t.params.length;
      o.params = t.params.map((p) => ({ type_id: p, value: slotText(btf, p) }));
      break;
    case BTF_KIND_LOCSEC:
      o.vlen = t.entries.length;
      if (t.profile === "rfc-v1") {
        o.locs = t.entries.map((e) => ({
          name: strOf(btf, e.nameOff),
          func_proto_type_id: e.funcProto,
          loc_proto_type_id: e.locProto,
          offset: e.offset >>> 0,
        }));
      } else {
        o.locs = t.entries.map((e) => {
          const f = btf.maybeType(e.func);
          return {
            name: f ? strOf(btf, f.nameOff) : "(invalid)",
            func_type_id: e.func,
            loc_proto_type_id: e.locProto,
            offset: e.offset >>> 0,
          };
        });
      }
      break;
    case BTF_KIND_UNKN:
      Object.assign(o, { raw_kind: t.rawKind, vlen: t.info & 0xffffff });
      break;
    default: {
      const never: never = t;
      void never;
    }
  }
  return o;
}

/** `{ types: [...] }` as `bpftool -j btf dump file X` prints it, as data. */
export function dumpBtfJsonObject(btf: Btf): { types: { [key: string]: DumpJson }[] } {
  const types: { [key: string]: DumpJson }[] = [];
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) types.push(dumpTypeJson(btf, id));
  return { types };
}

/** Serialises a {@link DumpJson} compactly (bpftool `-j` style); bigints as plain digits. */
export function stringifyDumpJson(v: DumpJson): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `\u0000${x.toString()}\u0000` : x)).replace(
    /"\\u0000(-?\d+)\\u0000"/g,
    "$1",
  );
}

/** The `bpftool -j btf dump file X` text (compact JSON and a newline). */
export function dumpBtfJson(btf: Btf): string {
  return stringifyDumpJson(dumpBtfJsonObject(btf)) + "\n";
}
