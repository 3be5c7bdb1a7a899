/**
 * `btfgen check`: the checks the kernel (`kernel/bpf/btf.c`) and libbpf
 * apply when they load a BTF blob, applied to raw bytes so that every
 * problem is reported, not only the first one a parser would throw on.
 *
 * Order of the checks, as the kernel runs them:
 *  1. the header and the section table (btf_parse_hdr, btf_check_sec_info):
 *     magic, version, flags, hdr_len and its zero tail, sections laid
 *     end to end with no gap, overlap or trailing bytes, strings last;
 *  2. the string section (btf_parse_str_sec);
 *  3. the layout section, if any (FORMAT.md 3.1): one entry per known kind
 *     agreeing with its size;
 *  4. each record's meta rules (btf_check_meta and the per-kind
 *     `*_check_meta`), on the raw words;
 *  5. the rules that need the referenced types (a cheap part of the
 *     kernel's resolve pass): ids in range, FUNC -> FUNC_PROTO, ARRAY index
 *     an INT, DATASEC entries VARs, and the LOC rules of FORMAT.md 3.1.1;
 *  6. the order of LOCSEC entries (FORMAT.md 4): by function name then
 *     offset, or by (func id, offset, loc_proto) as `resolve_btfids
 *     --inline` sorts them.
 * A structural failure in 1-3, or a record that cannot be sized, ends the
 * check there (nothing after it can be located).
 *
 * Every problem names a rule (`<kind>.<what>`), so tests and scripts match
 * rules, never message text.
 */
import type { Btf } from "./btf.js";
import {
  BTF_HDR_LEN, BTF_HDR_LEN_LAYOUT, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, BTF_KIND_MAX, BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG, BTF_KIND_TYPEDEF, BTF_KIND_UNION, BTF_KIND_UNKN, BTF_KIND_VAR, BTF_KIND_VOLATILE, BTF_LAYOUT_ENTRY_SIZE,
  BTF_MAGIC, BTF_VERSION, MAX_VLEN, isKnownKind, kindName, kindShape, type Kind, type LayoutEntry, type Profile,
} from "./kinds.js";
import { locParamBreak } from "./locrules.js";
import { isBtfIdentifier as isIdentifier, isBtfSectionName as isSectionName } from "./names.js";
import { decodeInfo, detectProfile, readLayoutSection, walkTypeSection, type RawRecord } from "./records.js";

/** One problem `check` found. */
export interface CheckProblem {
  /** Type id of the record, when the problem is in one. */
  typeId?: number;
  /** Kind name of that record. */
  kind?: string;
  /** Stable rule name, e.g. `header.magic`, `int.nr_bits`, `loc_param.const_lohi`. */
  rule: string;
  message: string;
  /** Byte offset in the blob. */
  offset?: number;
}

/** Which LOCSEC entry order `check` requires. */
export type LocsecOrder = "name" | "id" | "any";

/** Options of {@link checkBtf}. */
export interface CheckOptions {
  /** The base chain the blob is split on. */
  base?: Btf;
  /** Force the wire profile (default: layout section, else detected by parsing). */
  profile?: Profile;
  /** LOCSEC entry order to require (default `any`: name order or id order). */
  locsecOrder?: LocsecOrder;
}

/** What {@link checkBtf} found. */
export interface CheckReport {
  profile: Profile;
  /** Records checked (the blob's own types). */
  types: number;
  firstTypeId: number;
  problems: CheckProblem[];
}

/** Largest type id the kernel takes (BTF_MAX_TYPE). */
const MAX_TYPE_ID = 0xfffff;
/** Largest string offset the kernel takes (BTF_MAX_NAME_OFFSET). */
const MAX_NAME_OFFSET = 0xffffff;

/** Kind of a type id anywhere in the chain, and the words a resolve-level rule needs. */
interface TypeView {
  kind: number;
  /** FUNC and modifiers: their type; FUNC_PROTO: its parameter count; LOC_PROTO: its slot count. */
  ref: number;
  name: string;
}

/**
 * Checks the BTF blob `bytes` (split on `opts.base` when given) and returns
 * every problem found. Never throws on bad bytes.
 */
export function checkBtf(bytes: Uint8Array, opts: CheckOptions = {}): CheckReport {
  const problems: CheckProblem[] = [];
  const base = opts.base;
  const firstTypeId = base ? base.nrTypes : 1;
  const report = (profile: Profile, types = 0): CheckReport => ({ profile, types, firstTypeId, problems });
  const add: Add = (rule, message, offset, r) => problems.push({ rule, message, offset, ...(r ? { typeId: r.id, kind: kindName(r.kind) } : {}) });

  const h = checkHeader(bytes, add);
  if (!h || !checkSections(h, bytes.length, base, add)) return report(opts.profile ?? "v2");
  const strAt = checkStrings(bytes, h, base, add);
  const layout = readLayoutSection(h.dv, h.hdrLen + h.sec.layout.off, h.sec.layout.len, h.le);
  const tStart = h.hdrLen + h.sec.type.off;
  const tEnd = tStart + h.sec.type.len;
  let profile: Profile;
  if (opts.profile) profile = opts.profile;
  else if (layout || base?.hasLayout) profile = "v2";
  else profile = detectProfile(h.dv, tStart, tEnd, h.le).profile;
  if (layout) checkLayout(layout, h, profile, add);
  const types = checkRecords(h, tStart, tEnd, profile, layout, strAt, base, opts.locsecOrder ?? "any", add);
  return report(profile, types);
}

type Add = (rule: string, message: string, offset?: number, r?: { id: number; kind: number }) => void;

/** A section's place as the header gives it, and the header field that gives it. */
interface SectionPlace {
  off: number;
  len: number;
  field: number;
}

/** The header, as read once its byte order and length are known. */
interface Header {
  dv: DataView;
  le: boolean;
  hdrLen: number;
  sec: { type: SectionPlace; str: SectionPlace; layout: SectionPlace };
}

/** 1. Header: magic, version, flags, hdr_len and a zero tail (btf_parse_hdr). Undefined when nothing further can be read. */
function checkHeader(bytes: Uint8Array, add: Add): Header | undefined {
  if (bytes.length < BTF_HDR_LEN) {
    add("header.short", `${bytes.length} bytes, a BTF header needs ${BTF_HDR_LEN}`, 0);
    return undefined;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getUint16(0, true) === BTF_MAGIC ? true : dv.getUint16(0, false) === BTF_MAGIC ? false : undefined;
  if (le === undefined) {
    add("header.magic", `Invalid magic 0x${dv.getUint16(0, true).toString(16)}`, 0);
    return undefined;
  }
  if (bytes[2] !== BTF_VERSION) add("header.version", `Unsupported version ${bytes[2]}`, 2);
  if (bytes[3] !== 0) add("header.flags", `Unsupported flags 0x${bytes[3].toString(16)}`, 3);
  const u32 = (o: number) => dv.getUint32(o, le);
  const hdrLen = u32(4);
  if (hdrLen < BTF_HDR_LEN || hdrLen > bytes.length || hdrLen % 4 !== 0) {
    add("header.hdr_len", `hdr_len ${hdrLen} (at least ${BTF_HDR_LEN}, a multiple of 4, within the ${bytes.length} bytes)`, 4);
    return undefined;
  }
  const known = hdrLen >= BTF_HDR_LEN_LAYOUT ? BTF_HDR_LEN_LAYOUT : BTF_HDR_LEN;
  if (hdrLen > BTF_HDR_LEN && hdrLen < BTF_HDR_LEN_LAYOUT) add("header.hdr_len", `hdr_len ${hdrLen} cuts the layout fields`, 4);
  for (let i = known; i < hdrLen; i++) {
    if (bytes[i] !== 0) {
      add("header.tail", `Unsupported btf_header: byte ${i} beyond the known fields is not zero`, i);
      break;
    }
  }
  const withLayout = hdrLen >= BTF_HDR_LEN_LAYOUT;
  return {
    dv, le, hdrLen,
    sec: {
      type: { off: u32(8), len: u32(12), field: 8 },
      str: { off: u32(16), len: u32(20), field: 16 },
      layout: { off: withLayout ? u32(24) : 0, len: withLayout ? u32(28) : 0, field: 24 },
    },
  };
}

/** 2. Section table (btf_check_sec_info): in bounds, no gap, overlap or trailing bytes, strings last. False when the sections cannot be read. */
function checkSections(h: Header, total: number, base: Btf | undefined, add: Add): boolean {
  const { sec, hdrLen } = h;
  const dataLen = total - hdrLen;
  const present = (Object.entries(sec) as [string, SectionPlace][])
    .filter(([name, s]) => name !== "layout" || s.len > 0 || s.off > 0)
    .sort((a, b) => a[1].off - b[1].off || a[1].len - b[1].len);
  let end = 0;
  let fatal = false;
  for (const [name, s] of present) {
    if (s.off > dataLen || s.len > dataLen - s.off) {
      add("header.section_bounds", `${name} section [${s.off}, ${s.off + s.len}) beyond the data end ${dataLen}`, s.field);
      fatal = true;
    } else if (s.off > end) {
      add("header.section_gap", `Unsupported section found: ${s.off - end} bytes before the ${name} section`, s.field);
    } else if (s.off < end) {
      add("header.section_overlap", `Section overlap found: ${name} section starts at ${s.off}, before ${end}`, s.field);
    }
    end = Math.max(end, s.off + s.len);
  }
  const trailing = !fatal && end !== dataLen;
  if (trailing) add("header.trailing", `Unsupported section found: ${dataLen - end} bytes after the last section`, hdrLen + end);
  if (sec.type.off % 4 !== 0) add("header.type_align", `Unaligned type_off ${sec.type.off}`, 8);
  if (sec.type.len % 4 !== 0) add("header.type_len", `type_len ${sec.type.len} not a multiple of 4`, 12);
  if (sec.layout.len > 0 && sec.layout.off % 4 !== 0) add("header.layout_align", `layout_off ${sec.layout.off} not 4-aligned`, 24);
  if (sec.layout.len % BTF_LAYOUT_ENTRY_SIZE !== 0) add("header.layout_len", `layout_len ${sec.layout.len} not a multiple of ${BTF_LAYOUT_ENTRY_SIZE}`, 28);
  if (!fatal && !trailing && sec.str.off + sec.str.len !== dataLen) add("header.str_last", "String section is not at the end", 16);
  if (!base && sec.type.len === 0) add("header.no_types", "No type found", 12);
  return !fatal;
}

/** 3. Strings (btf_check_all_metas' string rules); returns the lookup of a chain string offset (undefined: invalid). */
function checkStrings(bytes: Uint8Array, h: Header, base: Btf | undefined, add: Add): (off: number) => string | undefined {
  const { str } = h.sec;
  const strStart = h.hdrLen + str.off;
  const strBytes = bytes.subarray(strStart, strStart + str.len);
  const startStr = base ? base.strings.end : 0;
  if (str.len === 0) {
    if (!base) add("str.empty", "Invalid string section: empty", strStart);
  } else {
    if (strBytes[str.len - 1] !== 0) add("str.nul_end", "Invalid string section: not NUL-terminated", strStart + str.len - 1);
    if (!base && strBytes[0] !== 0) add("str.nul_start", "Invalid string section: does not start with NUL (split BTF without its base?)", strStart);
    if (startStr + str.len - 1 > MAX_NAME_OFFSET) add("str.too_long", `string section ends past offset ${MAX_NAME_OFFSET}`, 20);
  }
  const decoder = new TextDecoder("utf-8", { fatal: false });
  return (off: number): string | undefined => {
    if (off < startStr) return base && base.strings.has(off) ? base.strings.get(off) : undefined;
    const local = off - startStr;
    if (local >= strBytes.length) return undefined;
    const nul = strBytes.indexOf(0, local);
    return nul < 0 ? undefined : decoder.decode(strBytes.subarray(local, nul));
  };
}

/** 4. Layout entries against the kinds' known sizes (FORMAT.md 3.1). */
function checkLayout(layout: LayoutEntry[], h: Header, profile: Profile, add: Add): void {
  const at = h.hdrLen + h.sec.layout.off;
  if (profile === "rfc-v1") add("layout.profile", "rfc-v1 BTF carries no layout section", at);
  for (let k = 1; k < layout.length && k <= BTF_KIND_MAX; k++) {
    const shape = kindShape(k as Kind, profile);
    const e = layout[k];
    if (e.infoSize !== shape.infoSize || e.elemSize !== shape.elemSize) {
      add("layout.entry", `layout of ${kindName(k)} says ${e.infoSize}/${e.elemSize}, the kind is ${shape.infoSize}/${shape.elemSize}`, at + 4 * k);
    }
  }
}

/** 5. Records, walked under the profile, each checked by its kind's meta rules; returns how many were walked. */
function checkRecords(
  h: Header, tStart: number, tEnd: number, profile: Profile, layout: LayoutEntry[] | undefined,
  strAt: (off: number) => string | undefined, base: Btf | undefined, order: LocsecOrder, add: Add,
): number {
  const { dv, le } = h;
  const firstTypeId = base ? base.nrTypes : 1;
  const walk = walkTypeSection(dv, tStart, tEnd, profile, le, layout);
  const recs = walk.records;
  if (!walk.ok) {
    const kind = walk.offset + 8 <= tEnd ? decodeInfo(dv.getUint32(walk.offset + 4, le), profile).kind : BTF_KIND_UNKN;
    add("type.walk", walk.reason, walk.offset, { id: firstTypeId + recs.length, kind });
  }
  if (firstTypeId + recs.length - 1 > MAX_TYPE_ID) add("type.too_many", `${firstTypeId + recs.length - 1} types, more than ${MAX_TYPE_ID}`);
  const nTypes = firstTypeId + recs.length;
  // Views are asked for again and again (a LOCSEC names each FUNC and LOC_PROTO many times): made once per id.
  const views: (TypeView | null | undefined)[] = new Array(nTypes);
  const view = (id: number): TypeView | undefined => {
    if (!(id >= 0 && id < nTypes)) return undefined;
    let v = views[id];
    if (v === undefined) views[id] = v = makeView(id) ?? null;
    return v ?? undefined;
  };
  const makeView = (id: number): TypeView | undefined => {
    if (id >= firstTypeId) {
      const r = recs[id - firstTypeId];
      if (!r) return undefined;
      const ref = r.kind === BTF_KIND_FUNC || MODIFIER_KINDS.has(r.kind) ? r.sizeType : r.kind === BTF_KIND_FUNC_PROTO || r.kind === BTF_KIND_LOC_PROTO ? r.vlen : 0;
      return { kind: r.kind, ref, name: strAt(r.nameOff) ?? "" };
    }
    const t = base?.maybeType(id);
    if (!t) return undefined;
    const ref = t.kind === BTF_KIND_FUNC || MODIFIER_KINDS.has(t.kind) ? (t as { type: number }).type : t.kind === BTF_KIND_FUNC_PROTO || t.kind === BTF_KIND_LOC_PROTO ? t.params.length : 0;
    return { kind: t.kind, ref, name: base!.str(t.nameOff) };
  };
  let current = recs[0];
  const ctx: RecordContext = {
    dv, le, profile, strAt, nTypes, view, selfId: 0, order,
    add: (rule, message, offset) => add(rule, message, offset ?? current!.off, { id: ctx.selfId, kind: current!.kind }),
  };
  recs.forEach((r, i) => {
    current = r;
    ctx.selfId = firstTypeId + i;
    checkRecord(r, ctx);
  });
  return recs.length;
}

interface RecordContext {
  dv: DataView;
  le: boolean;
  profile: Profile;
  strAt(off: number): string | undefined;
  /** One past the last type id of the chain. */
  nTypes: number;
  view(id: number): TypeView | undefined;
  add(rule: string, message: string, offset?: number): void;
  /** Id of the record being checked. */
  selfId: number;
  /** LOCSEC entry order to require. */
  order: LocsecOrder;
}

/** What btf_check_type_tags walks through (PTR ends a chain). */
const MODIFIER_KINDS = new Set<number>([BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_TYPE_TAG]);
/** Longest modifier chain the kernel follows. */
const MAX_MODIFIER_CHAIN = 32;

/** Kinds whose `type` word must be 0 or a valid id (btf_ref_type_check_meta). */
const REF_KINDS = new Set<number>([BTF_KIND_PTR, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_TYPE_TAG]);

/** The kernel's meta check of one record: what every kind shares, then its row of {@link META}. */
function checkRecord(r: RawRecord, c: RecordContext): void {
  const name = c.strAt(r.nameOff);
  if (name === undefined) c.add("type.name_off", `Invalid name_offset ${r.nameOff}`);
  if (!isKnownKind(r.kind) || r.kind === BTF_KIND_UNKN) {
    c.add("type.kind", `Invalid kind ${r.kind}`);
    return;
  }
  if (r.vlen > MAX_VLEN[c.profile]) c.add("type.vlen", `vlen ${r.vlen} over ${MAX_VLEN[c.profile]}`);
  META[r.kind](r, c, name ?? "");
}

/** A kind's meta check: `nm` is the record's name ("" when absent or invalid). */
type MetaCheck = (r: RawRecord, c: RecordContext, nm: string) => void;

const ruleOf = (r: RawRecord) => kindName(r.kind).toLowerCase();
const u32At = (c: RecordContext, o: number) => c.dv.getUint32(o, c.le);

/** A type id the record names: in range, and not void unless `voidOk`. */
function checkId(r: RawRecord, c: RecordContext, v: number, what: string, voidOk = true): void {
  if ((v === 0 && !voidOk) || v >= c.nTypes) c.add(`${ruleOf(r)}.type_id`, `Invalid ${what} type_id ${v}`);
}
function noVlen(r: RawRecord, c: RecordContext): void {
  if (r.vlen !== 0) c.add(`${ruleOf(r)}.vlen`, "vlen != 0");
}
function noFlag(r: RawRecord, c: RecordContext): void {
  if (r.kindFlag) c.add(`${ruleOf(r)}.kind_flag`, "Invalid btf_info kind_flag");
}
function noName(r: RawRecord, c: RecordContext): void {
  if (r.nameOff !== 0) c.add(`${ruleOf(r)}.name`, "Invalid name: must be anonymous");
}
/** The name is a C identifier (dots allowed), or empty when not `required`. */
function ident(r: RawRecord, c: RecordContext, nm: string, required: boolean): void {
  if (nm === "" ? required : !isIdentifier(nm)) c.add(`${ruleOf(r)}.name`, `Invalid name '${nm}'`);
}

/** PTR, TYPEDEF, the CV qualifiers and TYPE_TAG (btf_ref_type_check_meta, btf_check_type_tags). */
const checkRef: MetaCheck = (r, c, nm) => {
  const { kind, sizeType } = r;
  noVlen(r, c);
  if (kind !== BTF_KIND_TYPE_TAG) noFlag(r, c);
  if (kind === BTF_KIND_TYPEDEF) ident(r, c, nm, true);
  else if (kind === BTF_KIND_TYPE_TAG) {
    if (nm === "") c.add(`${ruleOf(r)}.name`, "Invalid name: empty");
  } else noName(r, c);
  checkId(r, c, sizeType, "referenced");
  // btf_check_type_tags also ends a modifier chain that loops or runs past 32 links (-ELOOP).
  if (kind !== BTF_KIND_PTR) {
    // A loop is reported once, at its lowest id.
    let cur = sizeType;
    let lowest = c.selfId;
    for (let steps = 0; ; steps++) {
      const v = c.view(cur);
      if (!v || !MODIFIER_KINDS.has(v.kind)) break;
      if (cur === c.selfId) {
        if (lowest === c.selfId) c.add("type.chain", `Loop detected: the modifier chain comes back to [${cur}]`);
        break;
      }
      if (steps >= MAX_MODIFIER_CHAIN) {
        c.add("type.chain", `Max chain length or cycle: more than ${MAX_MODIFIER_CHAIN} modifiers`);
        break;
      }
      lowest = Math.min(lowest, cur);
      cur = v.ref;
    }
  }
  // btf_check_type_tags: tags sit right under a PTR, before any other modifier (TYPEDEF counts).
  if (kind !== BTF_KIND_PTR && kind !== BTF_KIND_TYPE_TAG && c.view(sizeType)?.kind === BTF_KIND_TYPE_TAG) {
    c.add("type_tag.order", `Type tags don't precede modifiers: [${sizeType}] TYPE_TAG under a ${kindName(kind)}`);
  }
};

const checkMembers: MetaCheck = (r, c, nm) => {
  ident(r, c, nm, false);
  const rule = ruleOf(r);
  const isUnion = r.kind === BTF_KIND_UNION;
  let last = 0;
  for (let i = 0, q = r.body; i < r.vlen; i++, q += 12) {
    const mName = u32At(c, q), mType = u32At(c, q + 4), mOff = u32At(c, q + 8);
    const s = c.strAt(mName);
    if (s === undefined) c.add(`${rule}.member_name`, `member ${i}: Invalid name_offset ${mName}`, q);
    else if (s !== "" && !isIdentifier(s)) c.add(`${rule}.member_name`, `member ${i}: Invalid name '${s}'`, q);
    if (mType === 0 || mType >= c.nTypes) c.add(`${rule}.member_type`, `member ${i}: Invalid type_id ${mType}`, q + 4);
    const bitOff = r.kindFlag ? mOff & 0xffffff : mOff;
    if (isUnion && bitOff !== 0) c.add("union.member_offset", `member ${i}: Invalid member bits_offset ${bitOff}`, q + 8);
    else if (bitOff < last) c.add(`${rule}.member_order`, `member ${i}: Invalid member bits_offset ${bitOff}, before the previous member's ${last}`, q + 8);
    last = bitOff;
    if (Math.ceil(bitOff / 8) > r.sizeType) c.add(`${rule}.member_offset`, `member ${i}: bits_offset ${bitOff} exceeds its size ${r.sizeType}`, q + 8);
  }
};

const checkEnum: MetaCheck = (r, c, nm) => {
  ident(r, c, nm, false);
  const rule = ruleOf(r);
  const size = r.sizeType;
  if (size === 0 || size > 8 || (size & (size - 1)) !== 0) c.add(`${rule}.size`, `Unexpected size ${size}`);
  const step = r.kind === BTF_KIND_ENUM ? 8 : 12;
  for (let i = 0, q = r.body; i < r.vlen; i++, q += step) {
    const s = c.strAt(u32At(c, q));
    if (s === undefined || !isIdentifier(s)) c.add(`${rule}.value_name`, `value ${i}: Invalid name${s === undefined ? "_offset" : ` '${s}'`}`, q);
  }
};

/** One row per kind: the checks kernel/bpf/btf.c's `check_meta` of that kind makes (plus the LOC rules of FORMAT.md 3.1.1). */
const META: { [K in Exclude<Kind, 0>]: MetaCheck } = {
  [BTF_KIND_INT]: (r, c) => {
    noVlen(r, c);
    noFlag(r, c);
    const v = u32At(c, r.body);
    if (v & 0xf0000000) c.add("int.data", `Invalid int_data 0x${v.toString(16)}`, r.body);
    // The kernel counts the bit offset into nr_bits; the size has no other bound.
    const enc = (v >>> 24) & 0x0f, bits = (v & 0xff) + ((v >>> 16) & 0xff);
    if (bits > 128) c.add("int.nr_bits", `nr_bits ${bits} (with bits_offset) exceeds 128`, r.body);
    else if (Math.ceil(bits / 8) > r.sizeType) c.add("int.nr_bits", `nr_bits ${bits} (with bits_offset) exceeds type_size ${r.sizeType}`, r.body);
    if (enc !== 0 && enc !== BTF_INT_SIGNED && enc !== BTF_INT_CHAR && enc !== BTF_INT_BOOL) c.add("int.encoding", `Unsupported encoding 0x${enc.toString(16)}`, r.body);
  },
  [BTF_KIND_PTR]: checkRef,
  [BTF_KIND_TYPEDEF]: checkRef,
  [BTF_KIND_VOLATILE]: checkRef,
  [BTF_KIND_CONST]: checkRef,
  [BTF_KIND_RESTRICT]: checkRef,
  [BTF_KIND_TYPE_TAG]: checkRef,
  [BTF_KIND_ARRAY]: (r, c) => {
    noName(r, c);
    noVlen(r, c);
    noFlag(r, c);
    if (r.sizeType !== 0) c.add("array.size", "size != 0");
    const elem = u32At(c, r.body), index = u32At(c, r.body + 4);
    checkId(r, c, elem, "element", false);
    checkId(r, c, index, "index", false);
    const iv = c.view(index);
    if (iv && iv.kind !== BTF_KIND_INT && index < c.nTypes && index !== 0) {
      // The kernel resolves modifiers first; an index type is an INT in practice.
      if (!REF_KINDS.has(iv.kind)) c.add("array.index", `index type [${index}] is ${kindName(iv.kind)}, not an INT`);
    }
  },
  [BTF_KIND_STRUCT]: checkMembers,
  [BTF_KIND_UNION]: checkMembers,
  [BTF_KIND_ENUM]: checkEnum,
  [BTF_KIND_ENUM64]: checkEnum,
  [BTF_KIND_FWD]: (r, c, nm) => {
    noVlen(r, c);
    if (r.sizeType !== 0) c.add("fwd.type", "type != 0");
    ident(r, c, nm, true);
  },
  [BTF_KIND_FUNC]: (r, c, nm) => {
    ident(r, c, nm, true);
    noFlag(r, c);
    // static 0 and global 1; extern (2) is for BPF objects, which libbpf rewrites before loading.
    if (r.vlen > 1) c.add("func.linkage", `Invalid func linkage ${r.vlen}`);
    checkId(r, c, r.sizeType, "prototype", false);
    const t = c.view(r.sizeType);
    if (t && t.kind !== BTF_KIND_FUNC_PROTO) c.add("func.proto", `type [${r.sizeType}] is ${kindName(t.kind)}, not a FUNC_PROTO`);
  },
  [BTF_KIND_FUNC_PROTO]: (r, c) => {
    noName(r, c);
    noFlag(r, c);
    checkId(r, c, r.sizeType, "return");
    for (let i = 0, q = r.body; i < r.vlen; i++, q += 8) {
      const pName = u32At(c, q), pType = u32At(c, q + 4);
      const s = c.strAt(pName);
      if (s === undefined) c.add("func_proto.arg_name", `arg#${i}: Invalid name_offset ${pName}`, q);
      else if (s !== "" && !isIdentifier(s)) c.add("func_proto.arg_name", `arg#${i}: Invalid name '${s}'`, q);
      if (pType >= c.nTypes) c.add("func_proto.arg_type", `arg#${i}: Invalid type_id ${pType}`, q + 4);
      else if (pType === 0 && (i !== r.vlen - 1 || pName !== 0)) c.add("func_proto.arg_void", `arg#${i}: void argument (only a last, unnamed one means ...)`, q + 4);
    }
  },
  [BTF_KIND_VAR]: (r, c, nm) => {
    noVlen(r, c);
    noFlag(r, c);
    ident(r, c, nm, true);
    checkId(r, c, r.sizeType, "variable", false);
    const linkage = u32At(c, r.body);
    if (linkage > 1) c.add("var.linkage", `Linkage not supported: ${linkage}`, r.body);
  },
  [BTF_KIND_DATASEC]: (r, c, nm) => {
    noFlag(r, c);
    const size = r.sizeType;
    if (size === 0) c.add("datasec.size", "size == 0");
    if (!isSectionName(nm)) c.add("datasec.name", `Invalid name '${nm}'`);
    let end = 0;
    for (let i = 0, q = r.body; i < r.vlen; i++, q += 12) {
      const t = u32At(c, q), off = u32At(c, q + 4), vsize = u32At(c, q + 8);
      if (t === 0 || t >= c.nTypes) c.add("datasec.var_type", `entry ${i}: Invalid type_id ${t}`, q);
      else {
        const v = c.view(t);
        if (v && v.kind !== BTF_KIND_VAR) c.add("datasec.var_kind", `entry ${i}: [${t}] is ${kindName(v.kind)}, not a VAR`, q);
      }
      if (off < end || off >= size) c.add("datasec.var_offset", `entry ${i}: Invalid offset ${off}`, q + 4);
      if (vsize === 0 || vsize > size) c.add("datasec.var_size", `entry ${i}: Invalid size ${vsize}`, q + 8);
      else if (off + vsize > size) c.add("datasec.var_end", `entry ${i}: Invalid offset+size ${off}+${vsize}`, q + 4);
      end = off + vsize;
    }
  },
  [BTF_KIND_FLOAT]: (r, c) => {
    noVlen(r, c);
    noFlag(r, c);
    if (![2, 4, 8, 12, 16].includes(r.sizeType)) c.add("float.size", `Invalid type_size ${r.sizeType}`);
  },
  [BTF_KIND_DECL_TAG]: (r, c, nm) => {
    noVlen(r, c);
    if (nm === "") c.add("decl_tag.name", "Invalid value: empty");
    checkId(r, c, r.sizeType, "tagged", false);
    const idx = c.dv.getInt32(r.body, c.le);
    if (idx < -1) c.add("decl_tag.component_idx", `Invalid component_idx ${idx}`, r.body);
  },
  [BTF_KIND_LOC_PARAM]: (r, c) => {
    if (c.profile === "rfc-v1") {
      const size = r.sizeType | 0;
      if (r.nameOff !== 0) c.add("loc_param.name", "LOC_PARAM must have name_off 0");
      if (size === 0 || Math.abs(size) > 8) c.add("loc_param.size", `rfc-v1 size ${size} outside -8..8 (not 0)`);
      return;
    }
    const b = locParamBreak(r.sizeType, u32At(c, r.body), r.vlen, r.nameOff, r.kindFlag);
    if (b) c.add(b.rule, b.message);
  },
  [BTF_KIND_LOC_PROTO]: (r, c) => {
    if (r.nameOff !== 0) c.add("loc_proto.name", "LOC_PROTO must have name_off 0");
    noFlag(r, c);
    if (c.profile === "v2" && r.sizeType !== 0) c.add("loc_proto.type", `type ${r.sizeType}, must be 0`);
    if (c.profile === "rfc-v1") {
      const p = c.view(r.sizeType);
      if (!p || p.kind !== BTF_KIND_FUNC_PROTO) c.add("loc_proto.func_proto", `type [${r.sizeType}] is not a FUNC_PROTO`);
      else if (p.ref !== r.vlen) c.add("loc_proto.slots", `${r.vlen} slots for a FUNC_PROTO of ${p.ref} parameters`);
    }
    for (let i = 0, q = r.body; i < r.vlen; i++, q += 4) {
      const slot = u32At(c, q);
      if (slot === 0) continue;
      const v = c.view(slot);
      if (!v || v.kind !== BTF_KIND_LOC_PARAM) c.add("loc_proto.slot", `slot ${i}: [${slot}] is ${v ? kindName(v.kind) : "out of range"}, not a LOC_PARAM`, q);
    }
  },
  [BTF_KIND_LOCSEC]: (r, c, nm) => checkLocsec(r, c, nm),
};

function checkLocsec(r: RawRecord, c: RecordContext, nm: string): void {
  const u32 = (o: number) => c.dv.getUint32(o, c.le);
  const order = c.order;
  if (r.kindFlag) c.add("locsec.kind_flag", "Invalid btf_info kind_flag");
  if (r.sizeType !== 0) c.add("locsec.type", `type ${r.sizeType}, must be 0`);
  if (!isSectionName(nm)) c.add("locsec.name", `Invalid name '${nm}': a non-empty printable name is required`);
  const v1 = c.profile === "rfc-v1";
  const step = v1 ? 16 : 12;
  const keys: { name: string; func: number; offset: number; locProto: number }[] = [];
  for (let i = 0, q = r.body; i < r.vlen; i++, q += step) {
    let func: number, locProto: number, offset: number, fname: string, params: number | undefined;
    if (v1) {
      const nameOff = u32(q);
      const proto = u32(q + 4);
      locProto = u32(q + 8);
      offset = u32(q + 12);
      func = proto;
      fname = c.strAt(nameOff) ?? "";
      if (!isIdentifier(fname)) c.add("locsec.func_name", `entry ${i}: Invalid function name '${fname}'`, q);
      const p = c.view(proto);
      if (!p || p.kind !== BTF_KIND_FUNC_PROTO) c.add("locsec.func_proto", `entry ${i}: [${proto}] is not a FUNC_PROTO`, q + 4);
      else params = p.ref;
    } else {
      func = u32(q);
      locProto = u32(q + 4);
      offset = u32(q + 8);
      const f = c.view(func);
      fname = f?.name ?? "";
      if (!f || f.kind !== BTF_KIND_FUNC) c.add("locsec.func", `entry ${i}: func [${func}] is ${f ? kindName(f.kind) : "out of range"}, not a FUNC`, q);
      else {
        const p = c.view(f.ref);
        if (!p || p.kind !== BTF_KIND_FUNC_PROTO) c.add("locsec.func_proto", `entry ${i}: FUNC [${func}] '${fname}' has no FUNC_PROTO`, q);
        else params = p.ref;
      }
    }
    const lp = c.view(locProto);
    if (!lp || lp.kind !== BTF_KIND_LOC_PROTO) c.add("locsec.loc_proto", `entry ${i}: loc_proto [${locProto}] is ${lp ? kindName(lp.kind) : "out of range"}, not a LOC_PROTO`, q + (v1 ? 8 : 4));
    else if (params !== undefined && lp.ref !== params) c.add("locsec.slots", `entry ${i}: LOC_PROTO [${locProto}] has ${lp.ref} slots, '${fname}' has ${params} parameters`, q + (v1 ? 8 : 4));
    keys.push({ name: fname, func, offset, locProto });
  }
  // Order (FORMAT.md 4): name order, or resolve_btfids' id order.
  const byName = (a: (typeof keys)[0], b: (typeof keys)[0]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.offset - b.offset);
  const byId = (a: (typeof keys)[0], b: (typeof keys)[0]) => a.func - b.func || a.offset - b.offset || a.locProto - b.locProto;
  const firstUnsorted = (cmp: typeof byName) => {
    for (let i = 1; i < keys.length; i++) if (cmp(keys[i - 1], keys[i]) > 0) return i;
    return -1;
  };
  const n = order === "id" ? -1 : firstUnsorted(byName);
  const d = order === "name" || v1 ? -1 : firstUnsorted(byId);
  const bad = order === "name" ? n >= 0 : order === "id" ? d >= 0 : n >= 0 && (v1 || d >= 0);
  if (bad) {
    const at = order === "id" ? d : n;
    const what = order === "any" && !v1 ? "by function name then offset, nor by (func id, offset, loc_proto)" : order === "id" ? "by (func id, offset, loc_proto)" : "by function name then offset";
    c.add("locsec.order", `entries not sorted ${what}: entry ${at} ('${keys[at].name}' at ${keys[at].offset}) follows '${keys[at - 1].name}' at ${keys[at - 1].offset}`);
  }
}
