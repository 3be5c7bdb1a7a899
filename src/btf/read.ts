/**
 * Parsing raw BTF bytes into a {@link Btf}.
 *
 * ```
 * 0       2    3     4        8         12        16       20       24          28          32
 * | magic | ver | flags | hdr_len | type_off | type_len | str_off | str_len | layout_off | layout_len |
 *                                  (offsets relative to the end of the header; layout: hdr_len >= 32)
 * ```
 *
 * Byte order is decided once from the magic (0xeB9F read either way). Every
 * read is bounds-checked up front (header, section ranges, then each type
 * record as a whole), so corrupt input ends in a {@link TruncatedError} or
 * {@link MalformedError} carrying file/section/offset/type id, never in a
 * `RangeError`, a crash or a hang.
 *
 * Profile detection (FORMAT.md 3), in order:
 *  1. `options.profile` when given;
 *  2. a layout section (or, for a split without one, its immediate base having
 *     one, which libbpf would fall back to) means `v2`;
 *  3. otherwise by parsing: the profile under which the type section decodes
 *     exactly ({@link detectProfile}); the kernel's own `.BTF.inline` is v2
 *     with no layout section. Neither fitting is a MalformedError.
 *
 * Unknown kinds (above {@link BTF_KIND_MAX}, or above `maxKnownKind`) are
 * skipped with the layout's `info_sz + vlen * elem_sz` when
 * `unknownKinds: "skip"` (the default) and kept as {@link UnknownType}
 * records so ids stay intact; without a layout they are a MalformedError.
 */
import { MalformedError, TruncatedError, UnsupportedError, type ErrorLocation } from "../errors.js";
import { Btf } from "./btf.js";
import {
  BTF_HDR_LEN,
  BTF_HDR_LEN_LAYOUT,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DECL_TAG,
  BTF_KIND_FUNC,
  BTF_KIND_LOC_PARAM,
  BTF_KIND_LOC_PROTO,
  BTF_KIND_LOCSEC,
  BTF_KIND_MAX,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_LAYOUT_ENTRY_SIZE,
  BTF_MAGIC,
  BTF_TYPE_SIZE,
  BTF_VERSION,
  kindName,
  kindShape,
  type Kind,
  type Profile,
} from "./kinds.js";
import type { TypeId } from "./model.js";
import { codecOf, RecordIn } from "./codec.js";
import { recordDecoder, scanTypes } from "./lazy.js";
import { detectProfile, readLayoutSection, RESERVED_INFO_BITS } from "./records.js";
import { StringTable } from "./strings.js";
import { forEachStrRef, forEachTypeRef, recordSize } from "./visit.js";

/** Options of {@link parseBtf}. */
export interface ParseOptions {
  /** Base BTF when the bytes are a split BTF. */
  base?: Btf;
  /** File name, for error messages. */
  file?: string;
  /** Section name, for error messages (default `.BTF`). */
  section?: string;
  /** Force the wire profile instead of detecting it. */
  profile?: Profile;
  /**
   * What to do with a record of an unknown kind when a layout section can size
   * it: `"skip"` (default) keeps it as an UNKNOWN record, `"error"` throws
   * UnsupportedError. Without a layout an unknown kind is always MalformedError.
   */
  unknownKinds?: "error" | "skip";
  /**
   * Highest kind to decode (default {@link BTF_KIND_MAX}); higher kinds count
   * as unknown. Lets tests play a reader that predates kinds 20-22.
   */
  maxKnownKind?: number;
  /** Check type ids, string offsets and reference loops (default true). */
  validate?: boolean;
  /**
   * Keep the bytes and decode each type when it is first asked for
   * (lazy.ts), after one checking pass over the raw records: for a base
   * chain, of which a split touches little. The result is the same BTF;
   * input the lazy pass does not take is parsed eagerly.
   */
  lazy?: boolean;
}

/** The fixed header fields, as read. */
export interface BtfHeader {
  /** Byte order found from the magic. */
  littleEndian: boolean;
  /** Always 1. */
  version: number;
  /** Always 0. */
  flags: number;
  /** 24, 32, or more with a zero tail. */
  hdrLen: number;
  /** Type section offset, relative to the end of the header. */
  typeOff: number;
  /** Type section length. */
  typeLen: number;
  /** String section offset, relative to the end of the header. */
  strOff: number;
  /** String section length. */
  strLen: number;
  /** Layout section offset (0 when hdr_len < 32). */
  layoutOff: number;
  /** Layout section length (0 when absent). */
  layoutLen: number;
}

/** Kinds whose single `type` reference is followed when resolving a type. */
const CHAIN_KINDS: ReadonlySet<number> = new Set([
  BTF_KIND_PTR,
  BTF_KIND_TYPEDEF,
  BTF_KIND_VOLATILE,
  BTF_KIND_CONST,
  BTF_KIND_RESTRICT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_ARRAY,
  BTF_KIND_FUNC,
  BTF_KIND_VAR,
  BTF_KIND_DECL_TAG,
]);

/**
 * Reads and checks the BTF header.
 * @throws TruncatedError, MalformedError, UnsupportedError
 */
export function readBtfHeader(bytes: Uint8Array, where: ErrorLocation = {}): BtfHeader {
  const at = (offset: number): ErrorLocation => ({ ...where, offset });
  if (bytes.length < 8) throw new TruncatedError(`BTF header needs 8 bytes, have ${bytes.length}`, at(0));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  if (dv.getUint16(0, true) === BTF_MAGIC) le = true;
  else if (dv.getUint16(0, false) === BTF_MAGIC) le = false;
  else throw new MalformedError(`bad BTF magic 0x${dv.getUint16(0, true).toString(16)}`, at(0));
  const version = bytes[2];
  const flags = bytes[3];
  if (version !== BTF_VERSION) throw new UnsupportedError(`BTF version ${version}`, at(2));
  if (flags !== 0) throw new UnsupportedError(`BTF header flags 0x${flags.toString(16)}`, at(3));
  const hdrLen = dv.getUint32(4, le);
  if (hdrLen < BTF_HDR_LEN || (hdrLen > BTF_HDR_LEN && hdrLen < BTF_HDR_LEN_LAYOUT) || hdrLen % 4 !== 0) {
    throw new MalformedError(`bad BTF hdr_len ${hdrLen}`, at(4));
  }
  if (hdrLen > bytes.length) throw new TruncatedError(`BTF header of ${hdrLen} bytes, have ${bytes.length}`, at(4));
  for (let i = BTF_HDR_LEN_LAYOUT; i < hdrLen; i++) {
    if (bytes[i] !== 0) throw new UnsupportedError(`unknown BTF header field at ${i} is not zero`, at(i));
  }
  const u = (o: number) => dv.getUint32(o, le);
  const h: BtfHeader = {
    littleEndian: le,
    version,
    flags,
    hdrLen,
    typeOff: u(8),
    typeLen: u(12),
    strOff: u(16),
    strLen: u(20),
    layoutOff: hdrLen >= BTF_HDR_LEN_LAYOUT ? u(24) : 0,
    layoutLen: hdrLen >= BTF_HDR_LEN_LAYOUT ? u(28) : 0,
  };
  const body = bytes.length - hdrLen;
  const secs: [string, number, number, number][] = [
    ["type", h.typeOff, h.typeLen, 8],
    ["string", h.strOff, h.strLen, 16],
  ];
  if (h.layoutLen > 0) secs.push(["layout", h.layoutOff, h.layoutLen, 24]);
  for (const [name, off, len, field] of secs) {
    if (off + len > body) {
      throw new TruncatedError(`BTF ${name} section [${off}, ${off + len}) beyond data end ${body}`, at(field));
    }
  }
  if (h.typeOff % 4 !== 0) throw new MalformedError(`BTF type section offset ${h.typeOff} not 4-aligned`, at(8));
  if (h.typeLen % 4 !== 0) throw new MalformedError(`BTF type section length ${h.typeLen} not a multiple of 4`, at(12));
  if (h.layoutLen > 0 && h.layoutOff % 4 !== 0) {
    throw new MalformedError(`BTF layout section offset ${h.layoutOff} not 4-aligned`, at(24));
  }
  if (h.layoutLen % BTF_LAYOUT_ENTRY_SIZE !== 0) {
    throw new MalformedError(`BTF layout section length ${h.layoutLen} not a multiple of 4`, at(28));
  }
  for (let i = 0; i < secs.length; i++) {
    for (let j = i + 1; j < secs.length; j++) {
      const [an, ao, al] = secs[i];
      const [bn, bo, bl] = secs[j];
      if (al > 0 && bl > 0 && ao < bo + bl && bo < ao + al) {
        throw new MalformedError(`BTF ${an} and ${bn} sections overlap`, at(secs[j][3]));
      }
    }
  }
  return h;
}

/**
 * Parses raw BTF (a `.BTF` section or a raw `.btf` file).
 * @throws TruncatedError, MalformedError, UnsupportedError (all carry file/section/offset/typeId)
 */
export function parseBtf(bytes: Uint8Array, options: ParseOptions = {}): Btf {
  const where: ErrorLocation = { file: options.file, section: options.section ?? ".BTF" };
  const h = readBtfHeader(bytes, where);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layout = readLayoutSection(dv, h.hdrLen + h.layoutOff, h.layoutLen, h.littleEndian);
  const strings = readStrings(bytes, h, options.base, where);
  let profile: Profile | undefined = options.profile;
  if (!profile && (layout || options.base?.hasLayout)) profile = "v2";
  const make = (p: Profile) => {
    const b = new Btf({ base: options.base, strings, endian: h.littleEndian ? "little" : "big", profile: p, hasLayout: !!layout });
    b.layout = layout;
    b.hdrLen = h.hdrLen;
    return b;
  };
  // A section the lazy pass takes walks as v2 without LOC records: v2 is what detectProfile would say.
  if (options.lazy && (profile ?? "v2") === "v2" && options.maxKnownKind === undefined && (options.validate ?? true)) {
    const typeStart = h.hdrLen + h.typeOff;
    const firstTypeId = options.base ? options.base.nrTypes : 1;
    const raw = scanTypes({ bytes, typeStart, typeLen: h.typeLen, littleEndian: h.littleEndian, layout, firstTypeId, strEnd: strings.end });
    if (raw) {
      const btf = make("v2");
      btf.setRaw(raw, recordDecoder(raw, bytes, typeStart, h.littleEndian, firstTypeId, where));
      return btf;
    }
  }
  profile ??= detectProfile(dv, h.hdrLen + h.typeOff, h.hdrLen + h.typeOff + h.typeLen, h.littleEndian).profile;
  const btf = make(profile);
  readTypes(btf, bytes, dv, h, options, where);
  if (options.validate ?? true) validateBtf(btf, where, h.hdrLen + h.typeOff);
  return btf;
}

/** The string section, continuing the base's: NUL-terminated, and starting with NUL unless a split's. */
function readStrings(bytes: Uint8Array, h: BtfHeader, base: Btf | undefined, where: ErrorLocation): StringTable {
  const strStart = h.hdrLen + h.strOff;
  const strBytes = bytes.subarray(strStart, strStart + h.strLen);
  if (h.strLen === 0) {
    if (!base) throw new MalformedError("empty BTF string section", { ...where, offset: strStart });
  } else {
    if (strBytes[h.strLen - 1] !== 0) {
      throw new MalformedError("BTF string section not NUL-terminated", { ...where, offset: strStart + h.strLen - 1 });
    }
    if (!base && strBytes[0] !== 0) {
      throw new MalformedError("BTF string section does not start with NUL (split BTF without base?)", {
        ...where,
        offset: strStart,
      });
    }
  }
  return new StringTable(base?.strings, strBytes);
}

/**
 * The type section, record by record into `btf`: each sized by the kind
 * table (or the layout, for a kind this reader does not know), its header
 * words checked against the kind's use of them, then decoded by its row of
 * {@link KIND_CODEC}.
 */
function readTypes(btf: Btf, bytes: Uint8Array, dv: DataView, h: BtfHeader, options: ParseOptions, where: ErrorLocation): void {
  const le = h.littleEndian;
  const layout = btf.layout;
  const profile = btf.profile;
  const maxKnown = Math.min(options.maxKnownKind ?? BTF_KIND_MAX, BTF_KIND_MAX);
  const skipUnknown = (options.unknownKinds ?? "skip") === "skip";
  const wide = profile === "v2";
  const kindMask = wide ? 0x7f : 0x1f;
  const vlenMask = wide ? 0xffffff : 0xffff;
  const reservedMask = RESERVED_INFO_BITS[profile];

  const tStart = h.hdrLen + h.typeOff;
  const tEnd = tStart + h.typeLen;
  const rec = new RecordIn();
  rec.dv = dv;
  rec.le = le;
  rec.where = where;
  let p = tStart;
  while (p < tEnd) {
    const id = btf.nrTypes;
    const loc = (offset: number): ErrorLocation => ({ ...where, offset, typeId: id });
    if (tEnd - p < BTF_TYPE_SIZE) throw new TruncatedError("type record cut short", loc(p));
    const nameOff = dv.getUint32(p, le);
    const info = dv.getUint32(p + 4, le);
    const sizeType = dv.getUint32(p + 8, le);
    if (info & reservedMask) {
      throw new MalformedError(`reserved info bits set (0x${info.toString(16)})`, loc(p + 4));
    }
    const kind = (info >>> 24) & kindMask;
    const vlen = info & vlenMask;
    const kflag = info >>> 31 === 1;
    const body = p + BTF_TYPE_SIZE;

    if (kind > maxKnown || kind === BTF_KIND_UNKN) {
      if (!layout) throw new MalformedError(`unknown BTF kind ${kind} and no layout section`, loc(p + 4));
      if (kind >= layout.length) throw new MalformedError(`BTF kind ${kind} missing from layout`, loc(p + 4));
      if (!skipUnknown) throw new UnsupportedError(`unknown BTF kind ${kind}`, loc(p + 4));
      const len = layout[kind].infoSize + vlen * layout[kind].elemSize;
      if (tEnd - body < len) throw new TruncatedError(`${kindName(kind)} record cut short`, loc(p));
      btf.add({
        kind: BTF_KIND_UNKN,
        nameOff,
        rawKind: kind,
        info,
        sizeType,
        data: bytes.slice(body, body + len),
        littleEndian: le,
      });
      p = body + len;
      continue;
    }

    const k = kind as Exclude<Kind, 0>;
    const v1 = profile === "rfc-v1" && (k === BTF_KIND_LOC_PARAM || k === BTF_KIND_LOC_PROTO || k === BTF_KIND_LOCSEC);
    const shape = kindShape(k, v1 ? "rfc-v1" : "v2");
    if (layout && !v1) {
      const le_ = layout[k];
      if (!le_ || le_.infoSize !== shape.infoSize || le_.elemSize !== shape.elemSize) {
        throw new MalformedError(`layout entry of ${kindName(k)} disagrees with its known size`, loc(p + 4));
      }
    }
    const len = shape.infoSize + (shape.elemSize > 0 ? vlen : 0) * shape.elemSize;
    if (tEnd - body < len) throw new TruncatedError(`${kindName(k)} record cut short`, loc(p));
    const codec = codecOf(k);
    const use = (v1 && codec.v1) || codec;
    if (kflag && !use.flag) throw new MalformedError(`${kindName(k)} with kind_flag set`, loc(p + 4));
    if (vlen !== 0 && use.vlen === "zero") throw new MalformedError(`${kindName(k)} with vlen ${vlen}`, loc(p + 4));
    if (sizeType !== 0 && codec.zeroSizeType) throw new MalformedError(`${kindName(k)} with non-zero size/type`, loc(p + 8));
    rec.body = body;
    rec.nameOff = nameOff;
    rec.vlen = vlen;
    rec.kindFlag = kflag;
    rec.sizeType = sizeType;
    rec.v1 = v1;
    rec.typeId = id;
    const t = codec.decode(rec);
    btf.add(t);
    p = body + len;
  }
}

/**
 * Checks what the record-by-record parse cannot: every type id in range, every
 * string offset inside the chain's strings, and no reference loop that does
 * not pass through a STRUCT/UNION (or another kind that ends type resolution).
 * @throws MalformedError
 */
export function validateBtf(btf: Btf, where: ErrorLocation = {}, typesStart?: number): void {
  const n = btf.nrTypes;
  let offsets: number[] | undefined;
  const loc = (i: number): ErrorLocation => {
    if (typesStart !== undefined) offsets ??= recordOffsets(btf, typesStart);
    return { ...where, typeId: btf.firstTypeId + i, offset: offsets?.[i] };
  };
  for (let i = 0; i < btf.types.length; i++) {
    const t = btf.types[i];
    forEachTypeRef(t, (ref) => {
      if (!(ref >= 0 && ref < n)) throw new MalformedError(`type id ${ref} out of range (max ${n - 1})`, loc(i));
    });
    forEachStrRef(t, (off) => {
      if (!btf.strings.has(off)) throw new MalformedError(`string offset ${off} out of range`, loc(i));
    });
  }
  // Each chain kind has exactly one outgoing `type` edge, so a walk that meets
  // a node of its own walk has found a cycle. state: 0 new, -1 done, w>0 on walk w.
  const state = new Int32Array(btf.types.length);
  let walk = 0;
  for (let i = 0; i < btf.types.length; i++) {
    if (state[i] !== 0) continue;
    walk++;
    let j = i;
    for (;;) {
      const t = btf.types[j];
      if (!CHAIN_KINDS.has(t.kind)) break;
      state[j] = walk;
      const next = (t as { type: TypeId }).type - btf.firstTypeId;
      if (next < 0 || next >= btf.types.length) break; // void or base: already valid
      if (state[next] === walk) throw new MalformedError(`reference loop through type [${next + btf.firstTypeId}]`, loc(j));
      if (state[next] !== 0) break;
      j = next;
    }
    // Mark the walk done.
    for (let q = i; q >= 0 && q < btf.types.length && state[q] === walk; ) {
      state[q] = -1;
      const t = btf.types[q];
      if (!CHAIN_KINDS.has(t.kind)) break;
      q = (t as { type: TypeId }).type - btf.firstTypeId;
    }
  }
}

/** Absolute offset of each record, for error locations. */
function recordOffsets(btf: Btf, start: number): number[] {
  const out = new Array<number>(btf.types.length);
  let p = start;
  for (let i = 0; i < btf.types.length; i++) {
    out[i] = p;
    p += recordSize(btf.types[i]);
  }
  return out;
}
