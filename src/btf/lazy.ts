/**
 * The lazy read of a base BTF: the bytes are kept, one pass over the type
 * section as u32 words records where each record starts and checks
 * everything {@link parseBtf} checks (sizes, header words, type ids and
 * string offsets in range, no reference loop), and a record becomes a model
 * object only when something asks for its id. libbpf reads vmlinux the same
 * way (`btf->type_offs` over the raw data, `btf_sanity_check`); a module's
 * func_info touches a few thousand of vmlinux's 95k types.
 *
 * The pass only says yes or no. Anything it does not handle (another
 * profile, the LOC kinds, kinds this reader does not know, a forced
 * `maxKnownKind`) or any problem sends the caller to the eager parse, which
 * then accepts the same input or throws its precise error: the lazy read
 * never accepts what the eager one refuses, and decodes each record with
 * the same codec row.
 *
 * ```
 * words: the type section, host order   | name_off | info | size_type | data ... | name_off | ...
 * at[i]: word index of record i         ^ at[0]                                   ^ at[1]
 * ```
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_DATASEC, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FUNC_PROTO, BTF_KIND_INT, BTF_KIND_STRUCT,
  BTF_KIND_UNION, kindShape, type Kind, type LayoutEntry,
} from "./kinds.js";
import type { BtfType } from "./model.js";
import { codecOf, RecordIn } from "./codec.js";
import type { ErrorLocation } from "../errors.js";

/** The raw type records of a lazily read BTF. */
export interface RawTypes {
  /** The type section as u32 words in host byte order (a view of the bytes, or a copy). */
  readonly words: Uint32Array;
  /** Word index in {@link words} of each record's `struct btf_type`. */
  readonly at: Uint32Array;
  /** Number of records. */
  readonly count: number;
}

/** Kinds the lazy pass reads: 1-19 (the LOC kinds, 20-22, take the eager path). */
type BaseKind = Exclude<Kind, 0 | 20 | 21 | 22>;

/**
 * Where a kind's type ids and string offsets sit on the wire besides the
 * name (always a string) and `size_type` (a type id when the kind table's
 * `sizeType` is `"type"`): byte offsets into the data after `struct
 * btf_type` (`info`), and into each element (`elemType`, `elemStr`). The
 * model side of the same facts is {@link KIND_INFO}'s `typeFields`/`elems`;
 * a test holds the two together on every fixture and the vmlinux.
 */
interface WireRefs {
  readonly info?: readonly number[];
  readonly elemType?: number;
  readonly elemStr?: number;
}

const MEMBER_REFS: WireRefs = { elemStr: 0, elemType: 4 };

/** The wire reference positions of each kind the lazy pass reads. */
export const WIRE_REFS = {
  1: {}, 2: {}, [BTF_KIND_ARRAY]: { info: [0, 4] }, [BTF_KIND_STRUCT]: MEMBER_REFS, [BTF_KIND_UNION]: MEMBER_REFS,
  [BTF_KIND_ENUM]: { elemStr: 0 }, 7: {}, 8: {}, 9: {}, 10: {}, 11: {}, 12: {}, [BTF_KIND_FUNC_PROTO]: { elemStr: 0, elemType: 4 },
  14: {}, [BTF_KIND_DATASEC]: { elemType: 0 }, 16: {}, 17: {}, 18: {}, [BTF_KIND_ENUM64]: { elemStr: 0 },
} as const satisfies Record<BaseKind, WireRefs>;

/** Kinds whose one outgoing `type` edge a reference loop would run through (read.ts's CHAIN_KINDS). */
const CHAIN = new Uint8Array(32);
for (const k of [2, 3, 8, 9, 10, 11, 12, 14, 17, 18]) CHAIN[k] = 1;

/**
 * Per kind (index), the facts the pass needs, flattened into typed arrays
 * for speed: sizes in words, the header-word rules of the codec row, and
 * the word offsets of element references (-1: none). KNOWN[k] is 0 for a
 * kind the pass leaves to the eager parse.
 */
const KNOWN = new Uint8Array(128);
const INFO_W = new Uint8Array(128);
const ELEM_W = new Uint8Array(128);
const SIZE_TYPE_IS_TYPE = new Uint8Array(128);
const FLAG_OK = new Uint8Array(128);
const VLEN_ZERO = new Uint8Array(128);
const ZERO_SIZE_TYPE = new Uint8Array(128);
const ELEM_TYPE_W = new Int8Array(128).fill(-1);
const ELEM_STR_W = new Int8Array(128).fill(-1);
/** Byte sizes, for the layout section's check. */
const INFO_SIZE = new Uint8Array(128);
const ELEM_SIZE = new Uint8Array(128);
for (const key of Object.keys(WIRE_REFS)) {
  const k = Number(key) as BaseKind;
  const shape = kindShape(k, "v2");
  const codec = codecOf(k);
  const refs: WireRefs = WIRE_REFS[k];
  KNOWN[k] = 1;
  INFO_SIZE[k] = shape.infoSize;
  ELEM_SIZE[k] = shape.elemSize;
  INFO_W[k] = shape.infoSize >>> 2;
  ELEM_W[k] = shape.elemSize >>> 2;
  SIZE_TYPE_IS_TYPE[k] = shape.sizeType === "type" ? 1 : 0;
  FLAG_OK[k] = codec.flag ? 1 : 0;
  VLEN_ZERO[k] = codec.vlen === "zero" ? 1 : 0;
  ZERO_SIZE_TYPE[k] = codec.zeroSizeType ? 1 : 0;
  if (refs.elemType !== undefined) ELEM_TYPE_W[k] = refs.elemType >>> 2;
  if (refs.elemStr !== undefined) ELEM_STR_W[k] = refs.elemStr >>> 2;
  // ARRAY's info words (type, index_type) are checked in the pass itself.
  if (refs.info && k !== BTF_KIND_ARRAY) throw new Error(`lazy.ts: info references of kind ${k} are not read`);
}

const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The type section `[start, start + len)` of `bytes` as host-order words: a view when it can be, else a copy. */
function wordsOf(bytes: Uint8Array, start: number, len: number, le: boolean): Uint32Array {
  const abs = bytes.byteOffset + start;
  if (le === HOST_LE && abs % 4 === 0) return new Uint32Array(bytes.buffer, abs, len / 4);
  const dv = new DataView(bytes.buffer, abs, len);
  const w = new Uint32Array(len / 4);
  for (let i = 0; i < w.length; i++) w[i] = dv.getUint32(i * 4, le);
  return w;
}

/** What {@link scanTypes} needs to know of the BTF being read. */
export interface ScanInput {
  bytes: Uint8Array;
  /** Absolute offset and length of the type section. */
  typeStart: number;
  typeLen: number;
  littleEndian: boolean;
  /** The layout section, when there is one (its entries must agree with the known sizes). */
  layout?: LayoutEntry[];
  /** First type id (1, or the base's nrTypes). */
  firstTypeId: number;
  /** One past the last string offset of the chain. */
  strEnd: number;
}

/**
 * The one pass: record offsets, or undefined when the eager parse has to
 * decide (see the file comment).
 */
export function scanTypes(inp: ScanInput): RawTypes | undefined {
  const { typeLen, layout, strEnd } = inp;
  const w = wordsOf(inp.bytes, inp.typeStart, typeLen, inp.littleEndian);
  const nw = w.length;
  // Over-allocated (a record is at least 3 words), trimmed at the end.
  let at = new Uint32Array(Math.max(1, Math.ceil(nw / 3)));
  const next = new Int32Array(at.length);
  let n = 0;
  let maxRef = 0;
  let p = 0;
  while (p < nw) {
    if (nw - p < 3) return undefined;
    const nameOff = w[p];
    const info = w[p + 1];
    const sizeType = w[p + 2];
    const kind = (info >>> 24) & 0x7f;
    if (KNOWN[kind] === 0) return undefined;
    if (layout) {
      const e = layout[kind];
      if (!e || e.infoSize !== INFO_SIZE[kind] || e.elemSize !== ELEM_SIZE[kind]) return undefined;
    }
    const vlen = info & 0xffffff;
    const ew = ELEM_W[kind];
    const elems = ew > 0 ? vlen : 0;
    const body = p + 3;
    const lenWords = INFO_W[kind] + elems * ew;
    if (nw - body < lenWords) return undefined;
    if ((info >>> 31 === 1 && FLAG_OK[kind] === 0) || (vlen !== 0 && VLEN_ZERO[kind] === 1) || (sizeType !== 0 && ZERO_SIZE_TYPE[kind] === 1)) return undefined;
    if (nameOff >= strEnd) return undefined;
    let ref = SIZE_TYPE_IS_TYPE[kind] === 1 ? sizeType : 0;
    let to = CHAIN[kind] === 1 ? sizeType : 0;
    if (kind === BTF_KIND_INT) {
      if (w[body] & 0xf000ff00) return undefined;
    } else if (kind === BTF_KIND_ARRAY) {
      ref = w[body] > w[body + 1] ? w[body] : w[body + 1];
      to = w[body];
    } else if (elems) {
      const first = body + INFO_W[kind];
      const et = ELEM_TYPE_W[kind];
      const es = ELEM_STR_W[kind];
      if (et >= 0) {
        for (let q = first + et, end = q + elems * ew; q < end; q += ew) if (w[q] > ref) ref = w[q];
      }
      if (es >= 0) {
        for (let q = first + es, end = q + elems * ew; q < end; q += ew) if (w[q] >= strEnd) return undefined;
      }
    }
    if (ref > maxRef) maxRef = ref;
    if (n === at.length) return undefined; // cannot happen: records are >= 3 words
    at[n] = p;
    next[n] = to;
    n++;
    p = body + lenWords;
  }
  if (maxRef >= inp.firstTypeId + n) return undefined;
  if (hasLoop(next, n, inp.firstTypeId)) return undefined;
  at = at.slice(0, n);
  return { words: w, at, count: n };
}

/**
 * True if following the single `type` edge of chain kinds (next[i]: the id,
 * 0 when none) within this BTF's own ids meets a node twice on one walk.
 */
function hasLoop(next: Int32Array, n: number, first: number): boolean {
  const state = new Int32Array(n);
  let walk = 0;
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    walk++;
    let j = i;
    for (;;) {
      state[j] = walk;
      const to = next[j] - first;
      if (next[j] === 0 || to < 0 || to >= n) break;
      if (state[to] === walk) return true;
      if (state[to] !== 0) break;
      j = to;
    }
    for (let q = i; q >= 0 && q < n && state[q] === walk; ) {
      state[q] = -1;
      q = next[q] === 0 ? -1 : next[q] - first;
    }
  }
  return false;
}

/**
 * A decoder of record `i` of `raw` (absolute byte offsets into `bytes`
 * from `typeStart`), through the kind's codec row as the eager parse does.
 */
export function recordDecoder(raw: RawTypes, bytes: Uint8Array, typeStart: number, littleEndian: boolean, firstTypeId: number, where: ErrorLocation): (i: number) => BtfType {
  const rec = new RecordIn();
  rec.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  rec.le = littleEndian;
  rec.where = where;
  const w = raw.words;
  return (i) => {
    const p = raw.at[i];
    const info = w[p + 1];
    rec.body = typeStart + (p + 3) * 4;
    rec.nameOff = w[p];
    rec.vlen = info & 0xffffff;
    rec.kindFlag = info >>> 31 === 1;
    rec.sizeType = w[p + 2];
    rec.v1 = false;
    rec.typeId = firstTypeId + i;
    return codecOf(((info >>> 24) & 0x7f) as Exclude<Kind, 0>).decode(rec);
  };
}

/** The kind of raw record `i`. */
export function rawKind(raw: RawTypes, i: number): number {
  return (raw.words[raw.at[i] + 1] >>> 24) & 0x7f;
}
