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
  type Kind,
} from "./kinds.js";
import type { BtfType, LocParam, LocParamV1, StrOff, TypeId, TypeOfKind } from "./model.js";

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
 * One `key=value` of a dump line and the JSON field of the same name, for
 * the text and JSON dumps to share: `text` replaces the `key=value` text
 * (`""`: JSON only), and a field without `json` is text only.
 */
interface Field {
  key: string;
  json?: DumpJson;
  text?: string;
}

/** What a type's dump holds: the fields after `[id] KIND 'name'`, then one line (JSON: object) per element. */
interface Description {
  fields: Field[];
  elems?: { key: string; rows: Field[][] };
}

const f = (key: string, json: DumpJson, text?: string): Field => ({ key, json, text });
const textOnly = (text: string): Field => ({ key: "", text });
const jsonOnly = (key: string, json: DumpJson): Field => ({ key, json, text: "" });
const quoted = (key: string, v: string): Field => f(key, v, `${key}='${v}'`);

type Describe<T extends BtfType> = (btf: Btf, t: T) => Description;

const typeOnly: Describe<BtfType & { type: TypeId }> = (_b, t) => ({ fields: [f("type_id", t.type)] });

const members: Describe<TypeOfKind<typeof BTF_KIND_STRUCT> | TypeOfKind<typeof BTF_KIND_UNION>> = (btf, t) => ({
  fields: [f("size", t.size), f("vlen", t.members.length)],
  elems: {
    key: "members",
    rows: t.members.map((m) => {
      const name = strOf(btf, m.nameOff);
      const row = [f("name", name, `'${name}'`), f("type_id", m.type), f("bits_offset", m.bitsOffset)];
      if (t.kindFlag && m.bitfieldSize) row.push(f("bitfield_size", m.bitfieldSize));
      return row;
    }),
  },
});

const encodingOf = (signed: boolean) => f("encoding", signed ? "SIGNED" : "UNSIGNED");

/** The dump of every kind, one row each (the text and JSON dumps both read it). */
const DESCRIBE: { [K in Kind]: Describe<TypeOfKind<K>> } = {
  [BTF_KIND_UNKN]: (_b, t) => ({ fields: [f("raw_kind", t.rawKind, `kind=${t.rawKind}`), f("vlen", t.info & 0xffffff)] }),
  [BTF_KIND_INT]: (_b, t) => ({
    fields: [f("size", t.size), f("bits_offset", t.bitsOffset), f("nr_bits", t.nrBits), f("encoding", intEncoding(t.encoding))],
  }),
  [BTF_KIND_PTR]: typeOnly,
  [BTF_KIND_CONST]: typeOnly,
  [BTF_KIND_VOLATILE]: typeOnly,
  [BTF_KIND_RESTRICT]: typeOnly,
  [BTF_KIND_TYPEDEF]: typeOnly,
  [BTF_KIND_TYPE_TAG]: typeOnly,
  [BTF_KIND_ARRAY]: (_b, t) => ({ fields: [f("type_id", t.type), f("index_type_id", t.indexType), f("nr_elems", t.nelems)] }),
  [BTF_KIND_STRUCT]: members,
  [BTF_KIND_UNION]: members,
  [BTF_KIND_ENUM]: (btf, t) => ({
    fields: [encodingOf(t.signed), f("size", t.size), f("vlen", t.values.length)],
    elems: {
      key: "values",
      rows: t.values.map((v) => {
        const name = strOf(btf, v.nameOff);
        // bpftool v7.1 passes the s32 `val` to a u64 JSON field: unsigned values
        // >= 2^31 come out sign-extended (0xefffffff -> 18446744073441116159).
        const json = t.signed || (v.val | 0) >= 0 ? v.val | 0 : BigInt.asUintN(64, BigInt(v.val | 0));
        return [f("name", name, `'${name}'`), f("val", json, `val=${t.signed ? v.val | 0 : v.val >>> 0}`)];
      }),
    },
  }),
  [BTF_KIND_ENUM64]: (btf, t) => ({
    fields: [encodingOf(t.signed), f("size", t.size), f("vlen", t.values.length)],
    elems: {
      key: "values",
      rows: t.values.map((v) => {
        const name = strOf(btf, v.nameOff);
        const val = t.signed ? BigInt.asIntN(64, v.val) : BigInt.asUintN(64, v.val);
        return [f("name", name, `'${name}'`), f("val", val, `val=${val}${t.signed ? "LL" : "ULL"}`)];
      }),
    },
  }),
  [BTF_KIND_FWD]: (_b, t) => ({ fields: [f("fwd_kind", t.union ? "union" : "struct")] }),
  [BTF_KIND_FUNC]: (_b, t) => ({ fields: [f("type_id", t.type), f("linkage", linkageName(t.linkage, false))] }),
  [BTF_KIND_FUNC_PROTO]: (btf, t) => ({
    fields: [f("ret_type_id", t.ret), f("vlen", t.params.length)],
    elems: {
      key: "params",
      rows: t.params.map((p) => {
        const name = strOf(btf, p.nameOff);
        return [f("name", name, `'${name}'`), f("type_id", p.type)];
      }),
    },
  }),
  // bpftool prints a comma after a VAR's type id.
  [BTF_KIND_VAR]: (_b, t) => ({ fields: [f("type_id", t.type, `type_id=${t.type},`), f("linkage", linkageName(t.linkage, true))] }),
  [BTF_KIND_DATASEC]: (btf, t) => ({
    fields: [f("size", t.size), f("vlen", t.vars.length)],
    elems: {
      key: "vars",
      rows: t.vars.map((v) => {
        const row = [f("type_id", v.type), f("offset", v.offset), f("size", v.size)];
        const vt = v.type < btf.nrTypes ? btf.maybeType(v.type) : undefined;
        if (vt) row.push(textOnly(`(${kindLabel(vt)} '${strOf(btf, vt.nameOff)}')`));
        else if (v.type === 0) row.push(textOnly(`(UNKNOWN '(anon)')`));
        return row;
      }),
    },
  }),
  [BTF_KIND_FLOAT]: (_b, t) => ({ fields: [f("size", t.size)] }),
  [BTF_KIND_DECL_TAG]: (_b, t) => ({ fields: [f("type_id", t.type), f("component_idx", t.componentIdx)] }),
  [BTF_KIND_LOC_PARAM]: (_b, t) => {
    if (t.profile !== "rfc-v1") {
      return {
        fields: [
          f("size", t.size),
          f("flags", t.flags >>> 0, `flags=0x${(t.flags >>> 0).toString(16)}`),
          f("vlen", t.values.length),
          jsonOnly("values", t.values.map((v) => v >>> 0)),
          f("value", locParamValueText(t), `values='${locParamValueText(t)}'`),
        ],
      };
    }
    const v = t.value;
    const fields = [f("size", t.size)];
    if ("lo" in v) {
      const raw = BigInt(v.lo >>> 0) | (BigInt(v.hi >>> 0) << 32n);
      fields.push(f("const", raw, `const=0x${raw.toString(16)}`));
    } else {
      fields.push(f("reg", v.reg), f("flags", v.flags, `flags=0x${v.flags.toString(16)}`), f("offset", v.offset));
    }
    fields.push(f("value", locParamV1ValueText(t), `values='${locParamV1ValueText(t)}'`));
    return { fields };
  },
  [BTF_KIND_LOC_PROTO]: (btf, t) => ({
    fields: [...(btf.profile === "rfc-v1" || t.type !== 0 ? [f("type_id", t.type)] : []), f("vlen", t.params.length)],
    elems: { key: "params", rows: t.params.map((p) => [f("type_id", p), quoted("value", slotText(btf, p))]) },
  }),
  [BTF_KIND_LOCSEC]: (btf, t) => {
    const rows =
      t.profile === "rfc-v1"
        ? t.entries.map((e) => [
            quoted("name", strOf(btf, e.nameOff)),
            f("func_proto_type_id", e.funcProto),
            f("loc_proto_type_id", e.locProto),
            f("offset", e.offset >>> 0),
          ])
        : t.entries.map((e) => {
            const fn = btf.maybeType(e.func);
            return [
              quoted("name", fn ? strOf(btf, fn.nameOff) : "(invalid)"),
              f("func_type_id", e.func),
              f("loc_proto_type_id", e.locProto),
              f("offset", e.offset >>> 0),
            ];
          });
    return { fields: [f("vlen", t.entries.length)], elems: { key: "locs", rows } };
  },
};

function describe(btf: Btf, t: BtfType): Description {
  return (DESCRIBE[t.kind] as Describe<BtfType>)(btf, t);
}

const fieldText = (x: Field) => x.text ?? `${x.key}=${String(x.json)}`;

function fieldsJson(fields: Field[], into: { [key: string]: DumpJson } = {}): { [key: string]: DumpJson } {
  for (const x of fields) if (x.json !== undefined) into[x.key] = x.json;
  return into;
}

/**
 * One type as bpftool prints it: the `[id] KIND 'name' ...` line, then one
 * `\t...` line per member/value/param/var/entry, joined with `\n` (no trailing newline).
 */
export function dumpType(btf: Btf, id: TypeId): string {
  const t = btf.typeById(id);
  const d = describe(btf, t);
  let s = `[${id}] ${kindLabel(t)} '${strOf(btf, t.nameOff)}'`;
  for (const x of d.fields) if (x.text !== "") s += " " + fieldText(x);
  for (const row of d.elems?.rows ?? []) s += "\n\t" + row.filter((x) => x.text !== "").map(fieldText).join(" ");
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
  const d = describe(btf, t);
  const o = fieldsJson(d.fields, { id, kind: kindLabel(t), name: strOf(btf, t.nameOff) });
  if (d.elems) o[d.elems.key] = d.elems.rows.map((row) => fieldsJson(row));
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
