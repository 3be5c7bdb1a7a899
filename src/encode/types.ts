/**
 * DIE → raw BTF: one BTF type per type DIE (more for multi-dimensional
 * arrays and type tags), before dedup, like pahole's per-CU encoder.
 *
 * Types are built into a *batch* (see `dedup/index.ts` for the id spaces):
 * `ref(row)` returns the id of the DIE's type, allocating a placeholder and
 * queueing the DIE when it is new, and `drain()` fills the queued DIEs, which
 * queues what they reference. No recursion, so arbitrarily deep type graphs
 * are fine. After a dedup run (`flush`) the DIE's final id is remembered, so
 * later batches reference it directly.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { Array_, BtfType, FuncProto, Member, Param, StrOff, Struct, TypeId, Union } from "../btf/model.js";
import { btfIdentifier } from "../btf/names.js";
import { MalformedError } from "../errors.js";
import { DIE_DECLARATION, DIE_SIGNED_VALUE, NONE, u64 } from "../dwarf/records.js";
import { dedupInto, type TargetIndex } from "./dedup/index.js";
import {
  DieIndex,
  DW_ATE_boolean,
  DW_ATE_complex_float,
  DW_ATE_float,
  DW_ATE_signed,
  DW_ATE_signed_char,
  DW_TAG_array_type,
  DW_TAG_atomic_type,
  DW_TAG_base_type,
  DW_TAG_class_type,
  DW_TAG_const_type,
  DW_TAG_enumeration_type,
  DW_TAG_enumerator,
  DW_TAG_formal_parameter,
  DW_TAG_GNU_annotation,
  DW_TAG_LLVM_annotation,
  DW_TAG_member,
  DW_TAG_pointer_type,
  DW_TAG_reference_type,
  DW_TAG_restrict_type,
  DW_TAG_rvalue_reference_type,
  DW_TAG_structure_type,
  DW_TAG_subrange_type,
  DW_TAG_subroutine_type,
  DW_TAG_typedef,
  DW_TAG_union_type,
  DW_TAG_unspecified_parameters,
  DW_TAG_unspecified_type,
  DW_TAG_volatile_type,
} from "./dies.js";
import type { EncodeStats } from "./stats.js";

/** Name pahole gives the index type of every array. */
export const ARRAY_SIZE_TYPE_NAME = "__ARRAY_SIZE_TYPE__";

/** Kinds whose one `type` reference a reader follows when it resolves a type (as btf/read.ts checks them for loops). */
const LOOP_KINDS: ReadonlySet<number> = new Set([
  BTF_KIND_PTR, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_TYPE_TAG, BTF_KIND_ARRAY,
]);
/** {@link LOOP_KINDS} by kind number (1: one of them), for the loop over every raw type. */
const IS_LOOP_KIND = Uint8Array.from({ length: 32 }, (_, k) => (LOOP_KINDS.has(k) ? 1 : 0));

/** True for the tags {@link TypeBuilder.ref} turns into a type of their own. */
export function isTypeTag(tag: number): boolean {
  switch (tag) {
    case DW_TAG_base_type:
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_typedef:
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type:
    case DW_TAG_enumeration_type:
    case DW_TAG_array_type:
    case DW_TAG_subroutine_type:
      return true;
    default:
      return false;
  }
}

/** An annotation child: `btf_decl_tag` / `btf_type_tag` and its value. */
interface Annotation {
  kind: "decl" | "type";
  value: string;
}

/**
 * DWARF string (by its offset in the blob) to target string offset. Dense
 * (an array by offset, zeroed pages costing nothing until a name lands on
 * them) when the blob is small beside the DIE table, as for a unit range of
 * a whole-object encode, where `name` runs for every member of every
 * unit's structs; a map when it is not, as for a func_info batch, which
 * reads a few thousand DIEs of a blob of tens of megabytes.
 */
export class StrOffCache {
  /** Offset + 1 (0: not yet). */
  private readonly dense: Int32Array | undefined;
  private readonly sparse: Map<number, StrOff> | undefined;

  constructor(blobBytes: number, dies: number) {
    if (blobBytes <= 32 * dies) this.dense = new Int32Array(blobBytes + 1);
    else this.sparse = new Map();
  }

  get(id: number): StrOff | undefined {
    if (!this.dense) return this.sparse!.get(id);
    const v = id < this.dense.length ? this.dense[id]! : 0;
    return v === 0 ? undefined : v - 1;
  }

  set(id: number, off: StrOff): void {
    if (!this.dense) this.sparse!.set(id, off);
    else if (id < this.dense.length) this.dense[id] = off + 1;
  }
}

/**
 * A {@link StrOffCache} over a blob that grows from walk to walk (the
 * ranges of one encode): open addressing on the string id in two typed
 * arrays, doubled at half load, so it holds one slot pair per name looked
 * up, not one per blob byte (a vmlinux blob of 3.6 MB holds ~280k names).
 */
export class HashedStrOffCache {
  /** Per slot: a string id (-1: empty), and its target offset. */
  private keys = new Int32Array(1 << 12).fill(-1);
  private vals = new Int32Array(1 << 12);
  private bits = 12;
  private count = 0;

  private slot(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> (32 - this.bits);
  }

  get(id: number): StrOff | undefined {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = this.slot(id); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === id) return this.vals[i]!;
      if (k === -1) return undefined;
    }
  }

  set(id: number, off: StrOff): void {
    if (2 * (this.count + 1) > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = this.slot(id);
    while (keys[i] !== -1 && keys[i] !== id) i = (i + 1) & mask;
    if (keys[i] === -1) this.count++;
    keys[i] = id;
    this.vals[i] = off;
  }

  private grow(): void {
    const { keys, vals } = this;
    this.bits++;
    this.keys = new Int32Array(1 << this.bits).fill(-1);
    this.vals = new Int32Array(1 << this.bits);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) this.set(keys[i]!, vals[i]!);
  }
}

/**
 * The two string caches of a {@link TypeBuilder} (names made identifiers,
 * names as they are), by DWARF string id. Builders of one target whose
 * records come from one reader (the unit ranges of one encode) share them:
 * its string ids stay valid from walk to walk, and the target's string
 * offsets never change, so each name is looked up in the target once, not
 * once per range.
 */
export interface BuilderStrings {
  ids: StrOffCache | HashedStrOffCache;
  raw: StrOffCache | HashedStrOffCache;
}

/** String caches to share between the builders of one encode (see {@link BuilderStrings}). */
export function sharedBuilderStrings(): BuilderStrings {
  return { ids: new HashedStrOffCache(), raw: new HashedStrOffCache() };
}

/** Builds raw BTF for DIEs into batches and runs dedup on them. */
export class TypeBuilder {
  /** DIE indexes. */
  readonly ix: DieIndex;
  /** The target BTF batches are deduplicated into. */
  readonly target: Btf;
  /** Dedup index of the target. */
  readonly index: TargetIndex;
  /** The current batch. */
  batch: BtfType[] = [];
  /** First id of the current batch (`target.nrTypes` when it started). */
  T: number;
  private readonly stats: EncodeStats;
  /** Final id of a DIE row once flushed; -1 unknown. */
  private readonly finalId: Int32Array;
  /** Batch id of a DIE row in the current batch; -1 none. */
  private readonly batchId: Int32Array;
  private readonly touched: number[] = [];
  private readonly queue: number[] = [];
  /** Target string offset of each DWARF string, made an identifier / as is. */
  private readonly strCache: StrOffCache | HashedStrOffCache;
  private readonly rawStrCache: StrOffCache | HashedStrOffCache;
  /** fillComposite's members (and their rows) while it reads a struct's children. */
  private readonly memberScratch: Member[] = [];
  private memberRowScratch = new Uint32Array(64);
  private arraySizeType = -1;
  /** Multi-dimensional arrays as nested ARRAYs (clang BPF style) instead of pahole's flat one. */
  nestArrays = false;
  private arrayIntType = -1;
  /** Per unit: 1 if it has a signed 4-byte `int` base type (pahole indexes arrays with it). */
  private readonly unitHasInt: Uint8Array;
  private anyUnitHasInt = false;

  /** Creates a builder appending to `index.target`. */
  constructor(ix: DieIndex, index: TargetIndex, stats: EncodeStats, strings?: BuilderStrings) {
    this.ix = ix;
    this.index = index;
    this.target = index.target;
    this.stats = stats;
    this.T = this.target.nrTypes;
    this.finalId = new Int32Array(ix.dies.count).fill(-1);
    this.batchId = new Int32Array(ix.dies.count).fill(-1);
    this.strCache = strings?.ids ?? new StrOffCache(ix.strings.length, ix.dies.count);
    this.rawStrCache = strings?.raw ?? new StrOffCache(ix.strings.length, ix.dies.count);
    const d = ix.dies;
    let units = 0;
    for (let r = 0; r < d.count; r++) if (d.unit[r] + 1 > units) units = d.unit[r] + 1;
    this.unitHasInt = new Uint8Array(units);
    for (let r = 0; r < d.count; r++) {
      if (d.tag[r] === DW_TAG_base_type && d.byteSize[r] === 4 && d.encoding[r] === DW_ATE_signed && ix.str(d.name[r]) === "int") {
        this.unitHasInt[d.unit[r]] = 1;
        this.anyUnitHasInt = true;
      }
    }
  }

  /**
   * Makes DIE `row` stand for the existing type `id` of the target chain
   * (encoded no further), as {@link presetFromBase} finds them.
   */
  preset(row: number, id: TypeId): void {
    this.finalId[row] = id;
  }

  /**
   * Offset in the target's strings of DWARF string `id`, made a C identifier
   * the kernel accepts ({@link btfIdentifier}) unless `asIs` (INT and FLOAT
   * names such as `long unsigned int`, which the kernel does not check).
   */
  name(id: number, asIs = false): StrOff {
    if (id === 0 || id === NONE) return 0;
    const cache = asIs ? this.rawStrCache : this.strCache;
    let off = cache.get(id);
    if (off === undefined) {
      const s = this.ix.str(id);
      off = this.target.addStr(asIs ? s : btfIdentifier(s));
      cache.set(id, off);
    }
    return off;
  }

  /** Appends `t` to the batch; returns its batch id. */
  alloc(t: BtfType): TypeId {
    this.batch.push(t);
    return this.T + this.batch.length - 1;
  }

  /** The final id of `row` if a flushed batch decided it, else undefined. */
  finalOf(row: number): TypeId | undefined {
    const f = this.finalId[row];
    return f >= 0 ? f : undefined;
  }

  /** Id (final, or in the current batch) of the type of DIE `row`; NONE is void. */
  ref(row: number): TypeId {
    const d = this.ix.dies;
    // Aliases stand for the type they name: _Atomic is dropped, and so is a
    // typedef without a name (BTF requires one). Followed in a loop, not by
    // recursion (chains may be long); each is marked void on the way, so an
    // alias cycle ends in void.
    // Made when the first alias is met (most references meet none).
    let aliases: number[] | undefined;
    let id: TypeId;
    for (;;) {
      if (row === NONE) {
        id = 0;
        break;
      }
      const f = this.finalId[row];
      if (f >= 0) {
        id = f;
        break;
      }
      const b = this.batchId[row];
      if (b >= 0) {
        id = b;
        break;
      }
      const tag = d.tag[row];
      const alias = tag === DW_TAG_atomic_type || (tag === DW_TAG_typedef && this.ix.str(d.name[row]) === "");
      if (alias) {
        if (tag === DW_TAG_typedef) this.stats.unnamed++;
        this.setBatchId(row, 0);
        (aliases ??= []).push(row);
        const next = d.type[row] === NONE ? NONE : this.ix.row(d.type[row]);
        if (next === NONE && d.type[row] !== NONE) this.stats.missingDies++;
        row = next;
        continue;
      }
      if (!isTypeTag(tag)) {
        // Unspecified types are void; other tags BTF cannot express too.
        if (tag !== DW_TAG_unspecified_type) this.stats.unsupported++;
        this.setBatchId(row, 0);
        id = 0;
        break;
      }
      id = this.alloc(placeholder(tag));
      this.setBatchId(row, id);
      this.queue.push(row);
      break;
    }
    if (aliases) for (const a of aliases) this.batchId[a] = id;
    return id;
  }

  /** {@link ref} of the DIE at `.debug_info` offset `off` (NONE / unknown → void). */
  refOff(off: number): TypeId {
    if (off === NONE) return 0;
    const row = this.ix.row(off);
    if (row === NONE) {
      this.stats.missingDies++;
      return 0;
    }
    return this.ref(row);
  }

  private setBatchId(row: number, id: TypeId): void {
    this.batchId[row] = id;
    this.touched.push(row);
  }

  /** Fills every queued DIE (and what they queue). */
  drain(): void {
    while (this.queue.length) this.fill(this.queue.pop()!);
  }

  /**
   * Deduplicates the current batch into the target and starts a new one.
   * Returns the final id of every id of the flushed batch (index `id - T`).
   */
  flush(): { T: number; ids: Uint32Array } {
    this.drain();
    this.cutLoops();
    const T = this.T;
    this.stats.rawTypes += this.batch.length;
    this.stats.batches++;
    const ids = dedupInto(this.index, this.batch);
    for (const row of this.touched) {
      const b = this.batchId[row];
      this.finalId[row] = b < T ? b : ids[b - T];
      this.batchId[row] = -1;
    }
    this.touched.length = 0;
    this.batch = [];
    this.T = this.target.nrTypes;
    this.arraySizeType = -1;
    this.arrayIntType = -1;
    return { T, ids };
  }

  /**
   * Cuts every reference loop among the batch's chain kinds (DWARF whose
   * typedef, qualifier, pointer or array chain comes back to itself, which
   * only corrupt DWARF has): the kernel and btfgen's reader refuse such BTF.
   * The loop's last edge not out of an ARRAY goes to void; a loop of ARRAYs
   * only gets its last element type set to its index type. Earlier batches
   * never point into this one, so a loop lies inside the batch.
   */
  private cutLoops(): void {
    const batch = this.batch;
    const T = this.T;
    const state = new Int32Array(batch.length); // 0 new, -1 done, w > 0 on walk w
    // The chain being walked: batch indexes path[0 .. len).
    const path = new Int32Array(batch.length);
    let walk = 0;
    for (let i = 0; i < batch.length; i++) {
      if (state[i] !== 0) continue;
      walk++;
      let len = 0;
      for (let j = i; ; ) {
        const t = batch[j];
        if (IS_LOOP_KIND[t.kind] !== 1) break;
        state[j] = walk;
        path[len++] = j;
        const next = (t as { type: TypeId }).type - T;
        if (next < 0 || next >= batch.length) break;
        if (state[next] === walk) {
          // The loop is the path from `next` on; its last edge not out of an ARRAY is cut.
          let from = len - 1;
          while (path[from] !== next) from--;
          let cut = len - 1;
          while (cut >= from && batch[path[cut]!].kind === BTF_KIND_ARRAY) cut--;
          if (cut >= from) (batch[path[cut]!] as { type: TypeId }).type = 0;
          else {
            const a = batch[path[len - 1]!] as Array_;
            a.type = a.indexType;
          }
          this.stats.typeLoops++;
          break;
        }
        if (state[next] !== 0) break;
        j = next;
      }
      for (let q = 0; q < len; q++) state[path[q]!] = -1;
    }
  }


  /**
   * The index type of arrays of unit `unit`: like pahole, the unit's `int`
   * when it has one, else an INT named `__ARRAY_SIZE_TYPE__`.
   */
  private arrayIndexType(unit: number): TypeId {
    // pahole keeps the first `int` it finds for every later unit, so in practice all units share it.
    if (this.unitHasInt[unit] || this.anyUnitHasInt) {
      if (this.arrayIntType < 0) {
        this.arrayIntType = this.alloc({
          kind: BTF_KIND_INT,
          nameOff: this.target.addStr("int"),
          size: 4,
          encoding: BTF_INT_SIGNED,
          bitsOffset: 0,
          nrBits: 32,
        });
      }
      return this.arrayIntType;
    }
    if (this.arraySizeType < 0) {
      this.arraySizeType = this.alloc({
        kind: BTF_KIND_INT,
        nameOff: this.target.addStr(ARRAY_SIZE_TYPE_NAME),
        size: 4,
        encoding: 0,
        bitsOffset: 0,
        nrBits: 32,
      });
    }
    return this.arraySizeType;
  }

  /** Annotation children of `row`. */
  annotations(row: number): readonly Annotation[] {
    // Most DIEs (members, pointers) have no children: no array for them.
    if (this.ix.firstChild[row] === NONE) return NO_ANNOTATIONS;
    const out: Annotation[] = [];
    const d = this.ix.dies;
    for (let c = this.ix.firstChild[row]; c !== NONE; c = this.ix.nextSibling[c]) {
      const tag = d.tag[c];
      if (tag !== DW_TAG_LLVM_annotation && tag !== DW_TAG_GNU_annotation) continue;
      const name = this.ix.str(d.name[c]);
      const value = this.ix.str(d.valLo[c]);
      if (name === "btf_decl_tag") out.push({ kind: "decl", value });
      else if (name === "btf_type_tag") out.push({ kind: "type", value });
    }
    return out;
  }

  /** Adds DECL_TAGs for `row`'s `btf_decl_tag` annotations on type `owner` (component `idx`). */
  declTags(row: number, owner: TypeId, idx: number): void {
    for (const a of this.annotations(row)) {
      if (a.kind !== "decl") continue;
      this.alloc({ kind: BTF_KIND_DECL_TAG, nameOff: this.target.addStr(a.value), type: owner, componentIdx: idx, kindFlag: false });
    }
  }

  /** The `btf_type_tag`s of pointer `row` wrapped around `pointee`, first tag outermost. */
  private typeTags(row: number, pointee: TypeId): TypeId {
    if (this.ix.firstChild[row] === NONE) return pointee;
    const tags = this.annotations(row).filter((a) => a.kind === "type");
    let inner = pointee;
    for (let i = tags.length - 1; i >= 0; i--) {
      inner = this.alloc({ kind: BTF_KIND_TYPE_TAG, nameOff: this.target.addStr(tags[i].value), type: inner, kindFlag: false });
    }
    return inner;
  }

  /**
   * Return type and parameters of a subprogram or subroutine type:
   * parameters are the `formal_parameter` children of `protoRow` (names kept
   * when `named`), `...` from `unspecified_parameters`.
   */
  protoParts(protoRow: number, named: boolean): { ret: TypeId; params: Param[] } {
    const d = this.ix.dies;
    const params: Param[] = [];
    for (let c = this.ix.firstChild[protoRow]; c !== NONE; c = this.ix.nextSibling[c]) {
      const tag = d.tag[c];
      if (tag === DW_TAG_formal_parameter) {
        const type = this.refOff(d.type[c]);
        // C has no void parameter: BTF would read it as `...` in the middle (the kernel refuses it).
        // (A type DIE outside the walked units also gives 0 for now; the caller redoes those.)
        if (type === 0 && (d.type[c] === NONE || this.ix.row(d.type[c]) !== NONE)) {
          throw new MalformedError(`formal parameter DIE 0x${d.off[c].toString(16)} has no type`, { section: ".debug_info", offset: d.off[c] });
        }
        params.push({ nameOff: named ? this.name(d.name[c]) : 0, type });
      } else if (tag === DW_TAG_unspecified_parameters) {
        params.push({ nameOff: 0, type: 0 });
      }
    }
    return { ret: this.refOff(d.type[protoRow]), params };
  }

  /** A raw FUNC_PROTO for {@link protoParts}; returns its batch id. */
  protoOf(protoRow: number, named: boolean): TypeId {
    const { ret, params } = this.protoParts(protoRow, named);
    const p: FuncProto = { kind: BTF_KIND_FUNC_PROTO, nameOff: 0, ret, params };
    return this.alloc(p);
  }

  /** Fills the placeholder of `row` (queued by {@link ref}). */
  private fill(row: number): void {
    const d = this.ix.dies;
    const id = this.batchId[row];
    const t = this.batch[id - this.T] as unknown as Record<string, unknown> & BtfType;
    const tag = d.tag[row];
    switch (tag) {
      case DW_TAG_base_type:
        this.fillBase(row, id);
        return;
      case DW_TAG_pointer_type:
      case DW_TAG_reference_type:
      case DW_TAG_rvalue_reference_type:
        t.type = this.typeTags(row, this.refOff(d.type[row]));
        return;
      case DW_TAG_const_type:
      case DW_TAG_volatile_type:
      case DW_TAG_restrict_type:
        t.type = this.refOff(d.type[row]);
        return;
      case DW_TAG_typedef:
        t.nameOff = this.name(d.name[row]);
        t.type = this.refOff(d.type[row]);
        this.declTags(row, id, -1);
        return;
      case DW_TAG_structure_type:
      case DW_TAG_class_type:
      case DW_TAG_union_type:
        this.fillComposite(row, id);
        return;
      case DW_TAG_enumeration_type:
        this.fillEnum(row, id);
        return;
      case DW_TAG_array_type:
        this.fillArray(row, t as unknown as Array_);
        return;
      case DW_TAG_subroutine_type: {
        Object.assign(t, this.protoParts(row, true));
        return;
      }
    }
  }

  private fillBase(row: number, id: TypeId): void {
    const d = this.ix.dies;
    const size = d.byteSize[row] === NONE ? 0 : d.byteSize[row];
    const enc = d.encoding[row];
    const nameOff = this.name(d.name[row], true);
    if (enc === DW_ATE_float || enc === DW_ATE_complex_float) {
      if (size === 2 || size === 4 || size === 8 || size === 12 || size === 16) {
        this.batch[id - this.T] = { kind: BTF_KIND_FLOAT, nameOff, size };
        return;
      }
      this.stats.badBaseType++;
    }
    // pahole sets BOOL or SIGNED, never CHAR.
    const encoding = enc === DW_ATE_boolean ? BTF_INT_BOOL : enc === DW_ATE_signed || enc === DW_ATE_signed_char ? BTF_INT_SIGNED : 0;
    const nrBits = d.bitSize[row] ? d.bitSize[row] : size * 8;
    if (nrBits > 128 || Math.ceil(nrBits / 8) > size) {
      // No INT has more than 128 bits or more bits than bytes: an opaque anonymous struct of its size.
      this.stats.badBaseType++;
      this.batch[id - this.T] = { kind: BTF_KIND_STRUCT, nameOff: 0, size, members: [], kindFlag: false };
      return;
    }
    this.batch[id - this.T] = { kind: BTF_KIND_INT, nameOff, size, encoding, bitsOffset: 0, nrBits };
  }

  private fillComposite(row: number, id: TypeId): void {
    const d = this.ix.dies;
    const isUnion = d.tag[row] === DW_TAG_union_type;
    const nameOff = this.name(d.name[row]);
    if (d.flags[row] & DIE_DECLARATION || d.byteSize[row] === NONE) {
      if (nameOff === 0) {
        // A FWD needs a name: an anonymous declaration is an empty anonymous struct/union.
        this.stats.unnamed++;
        this.batch[id - this.T] = { kind: isUnion ? BTF_KIND_UNION : BTF_KIND_STRUCT, nameOff: 0, size: 0, members: [], kindFlag: false };
        return;
      }
      this.batch[id - this.T] = { kind: BTF_KIND_FWD, nameOff, union: isUnion };
      return;
    }
    // Members gather in scratch arrays kept from struct to struct, then are
    // copied out at their final length (no array regrown per member).
    const scratch = this.memberScratch;
    let rows = this.memberRowScratch;
    let n = 0;
    let kindFlag = false;
    // Member rows matter only for their DECL_TAGs: used once a member has children (annotations).
    let tagged = false;
    let last = 0;
    for (let c = this.ix.firstChild[row]; c !== NONE; c = this.ix.nextSibling[c]) {
      if (d.tag[c] !== DW_TAG_member || d.flags[c] & DIE_DECLARATION) continue;
      const bitfieldSize = d.bitSize[c];
      const off = d.bitOffset[c];
      const bitsOffset = off === NONE ? 0 : off;
      const type = this.refOff(d.type[c]);
      // Members the kernel refuses (only corrupt DWARF has them) are left
      // out: of no type, before the previous one, past the end, not at 0 in
      // a union, a bitfield wider than the 8 bits BTF gives its size.
      if (type === 0 || (isUnion ? bitsOffset !== 0 : bitsOffset < last) || Math.ceil(bitsOffset / 8) > d.byteSize[row] || bitfieldSize > 255) {
        this.stats.badMembers++;
        continue;
      }
      last = bitsOffset;
      if (bitfieldSize) kindFlag = true;
      if (n === rows.length) {
        const more = new Uint32Array(2 * n);
        more.set(rows);
        rows = this.memberRowScratch = more;
      }
      scratch[n] = { nameOff: this.name(d.name[c]), type, bitsOffset, bitfieldSize };
      rows[n++] = c;
      if (this.ix.firstChild[c] !== NONE) tagged = true;
    }
    let members = scratch.slice(0, n);
    let memberRows = tagged ? Array.from(rows.subarray(0, n)) : [];
    if (kindFlag && members.some((m) => m.bitsOffset > 0xffffff)) {
      // With bitfields the offset has 24 bits.
      const keep = members.map((m) => m.bitsOffset <= 0xffffff);
      this.stats.badMembers += keep.filter((k) => !k).length;
      members = members.filter((_m, i) => keep[i]);
      memberRows = memberRows.filter((_r, i) => keep[i]);
    }
    // Filled in place: the placeholder is already a STRUCT/UNION of this kind.
    const t = this.batch[id - this.T] as Struct | Union;
    t.nameOff = nameOff;
    t.size = d.byteSize[row];
    t.members = members;
    t.kindFlag = kindFlag;
    this.declTags(row, id, -1);
    if (tagged) for (let i = 0; i < memberRows.length; i++) this.declTags(memberRows[i], id, i);
  }

  private fillEnum(row: number, id: TypeId): void {
    const d = this.ix.dies;
    const nameOff = this.name(d.name[row]);
    let size = d.byteSize[row] === NONE ? 4 : d.byteSize[row];
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
      // An enum is 1, 2, 4 or 8 bytes: the next of those (8 at most).
      this.stats.badBaseType++;
      size = size < 4 ? (size <= 1 ? 1 : size <= 2 ? 2 : 4) : 8;
    }
    let signed = (d.flags[row] & DIE_SIGNED_VALUE) !== 0;
    const rows: number[] = [];
    for (let c = this.ix.firstChild[row]; c !== NONE; c = this.ix.nextSibling[c]) {
      if (d.tag[c] !== DW_TAG_enumerator) continue;
      if (this.name(d.name[c]) === 0) {
        // BTF enumerators need a name.
        this.stats.unnamed++;
        continue;
      }
      rows.push(c);
      if (d.flags[c] & DIE_SIGNED_VALUE && (d.valHi[c] & 0x80000000) !== 0) signed = true;
    }
    if (size > 4) {
      this.batch[id - this.T] = {
        kind: BTF_KIND_ENUM64,
        nameOff,
        size,
        signed,
        values: rows.map((c) => {
          const u = u64(d.valLo[c]!, d.valHi[c]!);
          return { nameOff: this.name(d.name[c]), val: signed ? BigInt.asIntN(64, u) : u };
        }),
      };
      return;
    }
    this.batch[id - this.T] = {
      kind: BTF_KIND_ENUM,
      nameOff,
      size,
      signed,
      values: rows.map((c) => ({ nameOff: this.name(d.name[c]), val: signed ? d.valLo[c] | 0 : d.valLo[c] >>> 0 })),
    };
  }

  private fillArray(row: number, t: Array_): void {
    const d = this.ix.dies;
    const dims: number[] = [];
    for (let c = this.ix.firstChild[row]; c !== NONE; c = this.ix.nextSibling[c]) {
      if (d.tag[c] !== DW_TAG_subrange_type) continue;
      dims.push(d.count_[c] === NONE ? 0 : d.count_[c]);
    }
    if (dims.length === 0) dims.push(0);
    const index = this.arrayIndexType(d.unit[row]);
    let inner = this.refOff(d.type[row]);
    if (inner === 0) {
      // An array of void (no element type, or one BTF cannot express) has no BTF form: elements of an empty anonymous struct.
      this.stats.unsupported++;
      inner = this.alloc({ kind: BTF_KIND_STRUCT, nameOff: 0, size: 0, members: [], kindFlag: false });
    }
    if (!this.nestArrays) {
      // pahole 1.24 flattens int a[2][3] into one ARRAY of 6 ints; base BTF built by it
      // (every kernel .BTF) only dedups with the same shape.
      let n = 1;
      for (const x of dims) n *= x;
      t.type = inner;
      t.indexType = index;
      t.nelems = n;
      return;
    }
    // int a[2][3] is an array of 2 arrays of 3 ints: the innermost dimension is last.
    for (let i = dims.length - 1; i >= 1; i--) {
      inner = this.alloc({ kind: BTF_KIND_ARRAY, nameOff: 0, type: inner, indexType: index, nelems: dims[i] });
    }
    t.type = inner;
    t.indexType = index;
    t.nelems = dims[0];
  }
}

/** What {@link TypeBuilder.annotations} answers for a DIE without children. */
const NO_ANNOTATIONS: readonly Annotation[] = Object.freeze([]);

/** An empty type of the kind `tag` will become (filled later). */
function placeholder(tag: number): BtfType {
  switch (tag) {
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
      return { kind: BTF_KIND_PTR, nameOff: 0, type: 0 };
    case DW_TAG_const_type:
      return { kind: BTF_KIND_CONST, nameOff: 0, type: 0 };
    case DW_TAG_volatile_type:
      return { kind: BTF_KIND_VOLATILE, nameOff: 0, type: 0 };
    case DW_TAG_restrict_type:
      return { kind: BTF_KIND_RESTRICT, nameOff: 0, type: 0 };
    case DW_TAG_typedef:
      return { kind: BTF_KIND_TYPEDEF, nameOff: 0, type: 0 };
    case DW_TAG_array_type:
      return { kind: BTF_KIND_ARRAY, nameOff: 0, type: 0, indexType: 0, nelems: 0 };
    case DW_TAG_subroutine_type:
      return { kind: BTF_KIND_FUNC_PROTO, nameOff: 0, ret: 0, params: [] };
    case DW_TAG_union_type:
      return { kind: BTF_KIND_UNION, nameOff: 0, size: 0, members: [], kindFlag: false };
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
      return { kind: BTF_KIND_STRUCT, nameOff: 0, size: 0, members: [], kindFlag: false };
    case DW_TAG_enumeration_type:
      return { kind: BTF_KIND_ENUM, nameOff: 0, size: 4, signed: false, values: [] };
    default:
      return { kind: BTF_KIND_INT, nameOff: 0, size: 0, encoding: 0, bitsOffset: 0, nrBits: 0 };
  }
}

