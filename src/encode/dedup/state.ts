/**
 * Dedup state: the candidate index of a target BTF (persistent across runs)
 * and the per-run maps (canonical, processed, hypothetical).
 *
 * Id spaces. A run deduplicates a *batch* of new types into a *target* BTF
 * whose types are all canonical already (a base chain, and what earlier runs
 * appended). With `T = target.nrTypes`, an id below `T` is a target type and
 * `T + i` is `batch[i]`: the batch is built as if appended to the target, so
 * its references need no translation.
 */
import { BTF_KIND_FUNC, BTF_KIND_FWD, BTF_KIND_STRUCT, BTF_KIND_UNION } from "../../btf/kinds.js";
import type { Btf } from "../../btf/btf.js";
import { IntMultiMap } from "../../btf/intindex.js";
import type { BtfType, TypeId } from "../../btf/model.js";
import { DedupClass, dedupClass, dedupClassOfKind, hashRecord, hashType } from "./shape.js";

/**
 * A stack of int32 values that keeps its buffer from use to use: an array
 * cleared by `length = 0` gives its buffer back, and every equivalence
 * check (millions on a vmlinux) then grew a new one.
 */
export class IntStack {
  buf = new Int32Array(256);
  /** Values held: `buf[0 .. n)`. */
  n = 0;

  push(v: number): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[this.n++] = v;
  }

  /** Pushes `a`, then `b`. */
  push2(a: number, b: number): void {
    if (this.n + 2 > this.buf.length) this.grow();
    this.buf[this.n++] = a;
    this.buf[this.n++] = b;
  }

  pop(): number {
    return this.buf[--this.n]!;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const b = new Int32Array(this.buf.length * 2);
    b.set(this.buf);
    this.buf = b;
  }
}

/** hash → candidate ids, in insertion (= id) order so lookups are deterministic. */
export type Buckets = Map<number, TypeId[] | TypeId>;

/** Adds `id` under `h`. */
export function bucketAdd(b: Buckets, h: number, id: TypeId): void {
  const cur = b.get(h);
  if (cur === undefined) b.set(h, id);
  else if (typeof cur === "number") b.set(h, [cur, id]);
  else cur.push(id);
}

const EMPTY: readonly TypeId[] = [];
const ONE: TypeId[] = [0];

/** The ids under `h` (a shared scratch array for single hits: do not keep it). */
export function bucketGet(b: Buckets, h: number): readonly TypeId[] {
  const cur = b.get(h);
  if (cur === undefined) return EMPTY;
  if (typeof cur === "number") {
    ONE[0] = cur;
    return ONE;
  }
  return cur;
}

/**
 * Kinds whose base types a batch type of kind `k` is compared with. Every
 * pass rejects a candidate of another kind (equalTypes, isEnumFwdPair
 * compare kinds first), except the composite pass, whose equivalence walk
 * lets a STRUCT/UNION meet a FWD: so a composite's candidates come from
 * the STRUCT, UNION and FWD signatures, anything else's from its own kind.
 * Asking only these kinds returns exactly the ids the pass could accept.
 */
const COMPARED_KINDS: readonly (readonly number[])[] = Array.from({ length: 128 }, (_, k) =>
  k === BTF_KIND_STRUCT || k === BTF_KIND_UNION ? [BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_FWD] : dedupClassOfKind(k) === DedupClass.None ? [] : [k]);
const DEDUP_KINDS: readonly number[] = Array.from({ length: 32 }, (_, k) => k).filter((k) => dedupClassOfKind(k) !== DedupClass.None);
/**
 * Kinds indexed when the layer is first synced rather than on their first
 * lookup: every dedupable kind but FUNC (a func_info names its FUNCs by
 * name; vmlinux has 42k). The passes of one small module already ask for
 * INT, TYPEDEF and FUNC_PROTO, a bigger one for PTR, CONST, ARRAY and the
 * composites too; built during the DWARF walk those loops ran 3-5x slower,
 * unoptimised while wasm tier-up holds V8's compiler threads (crc7.ko).
 */
const WARM_KINDS: readonly number[] = DEDUP_KINDS.filter((k) => k !== BTF_KIND_FUNC);

/**
 * The signature and composite-name index of one lazily read layer's raw
 * records (btf/lazy.ts), built from the words, never decoding a type, and
 * per kind: those a module's dedup asks for ({@link WARM_KINDS}) at once,
 * the others (vmlinux's 42k FUNCs) when a lookup first needs them. Ids
 * ascend within each key.
 */
class RawLayerIndex {
  readonly first: TypeId;
  private readonly layer: Btf;
  /** Record indexes grouped by kind (counting sort), kind k at `[start[k], start[k + 1])`. */
  private readonly byKind: Uint32Array;
  private readonly start: Uint32Array;
  private readonly signatures: (IntMultiMap | undefined)[] = [];
  private compositeNames?: IntMultiMap;

  constructor(layer: Btf) {
    const raw = layer.raw!;
    this.layer = layer;
    this.first = layer.firstTypeId;
    const w = raw.words;
    const kinds = new Uint8Array(raw.count);
    const count = new Uint32Array(129);
    for (let i = 0; i < raw.count; i++) {
      const k = (w[raw.at[i] + 1] >>> 24) & 0x7f;
      kinds[i] = k;
      count[k + 1]++;
    }
    for (let k = 1; k < 129; k++) count[k] += count[k - 1];
    this.start = count.slice();
    this.byKind = new Uint32Array(raw.count);
    for (let i = 0; i < raw.count; i++) this.byKind[count[kinds[i]]++] = i;
    for (const k of WARM_KINDS) this.signatures[k] = this.buildSignatures(k);
  }

  /** The signature map of the records of kind `kind`. */
  private buildSignatures(kind: number): IntMultiMap {
    const raw = this.layer.raw!;
    const from = this.start[kind];
    const n = this.start[kind + 1] - from;
    const keys = new Int32Array(n);
    const vals = new Uint32Array(n);
    for (let j = 0; j < n; j++) {
      const i = this.byKind[from + j];
      keys[j] = hashRecord(raw.words, raw.at[i]);
      vals[j] = this.first + i;
    }
    return new IntMultiMap(keys, vals, n);
  }

  /** Ids of kind `kind` with signature `h`, ascending. */
  private signature(kind: number, h: number): readonly TypeId[] {
    const m = (this.signatures[kind] ??= this.buildSignatures(kind));
    return m.get(h);
  }

  /** Ids with signature `h` among `kinds` (default: every dedupable kind), ascending. */
  lookup(h: number, kinds: readonly number[] = DEDUP_KINDS): readonly TypeId[] {
    let out: readonly TypeId[] = [];
    let merged = false;
    for (const k of kinds) {
      if (k >= 128 || this.start[k] === this.start[k + 1]) continue;
      const got = this.signature(k, h);
      if (!got.length) continue;
      if (out.length) merged = true;
      out = joined(out, got);
    }
    return merged ? [...out].sort((a, b) => a - b) : out;
  }

  /** Structs/unions named `nameOff`, ascending. */
  composites(nameOff: number): readonly TypeId[] {
    if (!this.compositeNames) {
      const raw = this.layer.raw!;
      const keys = new Int32Array(raw.count);
      const vals = new Uint32Array(raw.count);
      let c = 0;
      for (let i = 0; i < raw.count; i++) {
        const p = raw.at[i];
        const kind = (raw.words[p + 1] >>> 24) & 0x7f;
        if ((kind === BTF_KIND_STRUCT || kind === BTF_KIND_UNION) && raw.words[p] !== 0) {
          keys[c] = raw.words[p];
          vals[c++] = this.first + i;
        }
      }
      this.compositeNames = new IntMultiMap(keys, vals, c);
    }
    return this.compositeNames.get(nameOff);
  }
}

/** `a` then `b`, sharing either when the other is empty. */
function joined(a: readonly TypeId[], b: readonly TypeId[]): readonly TypeId[] {
  if (!b.length) return a;
  if (!a.length) return b;
  return [...a, ...b];
}

/**
 * Hash index of every dedupable type of a target chain (base types included),
 * plus a name index of its structs and unions for FWD resolution. Extended
 * lazily with what runs append ({@link TargetIndex.sync}).
 *
 * Layers read lazily (a vmlinux base, its module) are indexed from their
 * raw records ({@link RawLayerIndex}) while they come first in id order,
 * so indexing the base decodes nothing; a lookup then decodes only the
 * candidates it compares.
 */
export class TargetIndex {
  /** The target indexed. */
  readonly target: Btf;
  /** Signature hash → ids (of this layer; see {@link parent}). */
  readonly buckets: Buckets = new Map();
  /** name offset → struct/union ids with that name (of this layer). */
  readonly composites = new Map<number, TypeId[]>();
  /**
   * FWDs of the target (its own types, not the base's) that a later run's
   * STRUCT/UNION met in a successful equivalence check → that type's final
   * id. Target types never change, so the FWD stays; a whole-output pass
   * ({@link dedupBtf}) resolves it there, as one libbpf run would have.
   */
  readonly fwdHints = new Map<TypeId, TypeId>();
  /**
   * An index of the target's base chain, shared and never extended here:
   * many short-lived splits on one big base (one per unit batch) then cost
   * their own types only, not a re-hash of the whole base each time.
   */
  readonly parent?: TargetIndex;
  /** Raw layers indexed so far: all their ids are below those in {@link buckets}. */
  private readonly rawLayers: RawLayerIndex[] = [];
  private indexedUpTo = 1;

  /**
   * Creates an empty index; {@link sync} fills it. With `parent` (an index of
   * `target.base`), this layer indexes only the target's own types.
   */
  constructor(target: Btf, parent?: TargetIndex) {
    this.target = target;
    if (parent) {
      if (parent.target !== target.base) throw new RangeError("TargetIndex parent must index the target's base");
      parent.sync();
      this.parent = parent;
      this.indexedUpTo = target.firstTypeId;
    }
  }

  /**
   * Candidates with signature `h`, the parent layer's first (lower ids).
   * With `kind` (of the type looked for), a lazily read layer answers from
   * the kinds a dedup pass could accept for it only (COMPARED_KINDS), and
   * indexes just those; the Map of decoded types answers in full.
   */
  lookup(h: number, kind?: number): readonly TypeId[] {
    if (!this.parent && !this.rawLayers.length) return bucketGet(this.buckets, h);
    // bucketGet's single-hit result is a shared scratch array: copy before the next lookup.
    let found = this.parent ? this.parent.lookup(h, kind) : [];
    const kinds = kind === undefined ? undefined : COMPARED_KINDS[kind];
    for (const r of this.rawLayers) found = joined(found, r.lookup(h, kinds));
    const cur = this.buckets.get(h);
    if (cur === undefined) return found;
    const own = typeof cur === "number" ? [cur] : cur;
    return found.length ? [...found, ...own] : own;
  }

  /** Structs/unions named `nameOff` in every layer, lower ids first. */
  compositesNamed(nameOff: number): readonly TypeId[] | undefined {
    let found = this.parent?.compositesNamed(nameOff) ?? [];
    for (const r of this.rawLayers) found = joined(found, r.composites(nameOff));
    const own = this.composites.get(nameOff);
    if (own) found = joined(found, own);
    return found.length ? found : undefined;
  }

  /** Indexes target-chain types added since the last call. */
  sync(): void {
    const end = this.target.nrTypes;
    // Leading raw layers: one pass over their words each.
    while (this.indexedUpTo < end && this.buckets.size === 0) {
      const layer = this.layerOf(this.indexedUpTo);
      if (!layer.raw || layer.firstTypeId !== this.indexedUpTo) break;
      this.rawLayers.push(new RawLayerIndex(layer));
      this.indexedUpTo += layer.raw.count;
    }
    for (let id = this.indexedUpTo; id < end; id++) this.addType(id, this.target.typeById(id));
    this.indexedUpTo = end;
  }

  /** The BTF of the target chain that owns `id`. */
  private layerOf(id: TypeId): Btf {
    let b: Btf | undefined = this.target;
    while (b.base && id < b.firstTypeId) b = b.base;
    return b;
  }

  private addType(id: TypeId, t: BtfType): void {
    const cls = dedupClass(t);
    if (cls === DedupClass.None) return;
    bucketAdd(this.buckets, hashType(t), id);
    if ((t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION) && t.nameOff !== 0) {
      const list = this.composites.get(t.nameOff);
      if (list) list.push(id);
      else this.composites.set(t.nameOff, [id]);
    }
  }
}

/**
 * The hypothetical map's storage, one per thread and reused by every run:
 * a run sized to its target's type count (a vmlinux split: 150k ids)
 * allocated and filled 600 KB per batch, for the few hundred keys an
 * equivalence check sets. Runs never overlap (each is synchronous); a run
 * starts by clearing what the last one left ({@link hypotDirty}).
 */
let hypotStore = new Int32Array(0);
const hypotDirty = new IntStack();

/** {@link hypotStore}, at least `size` entries, every one -1. */
function hypotScratch(size: number): Int32Array {
  for (let i = 0; i < hypotDirty.n; i++) hypotStore[hypotDirty.buf[i]!] = -1;
  hypotDirty.clear();
  if (hypotStore.length < size) hypotStore = new Int32Array(Math.max(size, 2 * hypotStore.length)).fill(-1);
  return hypotStore;
}

/** State of one run: the batch, its canonical map and bookkeeping. */
export class DedupRun {
  /** Target index (its types are canonical and never change). */
  readonly index: TargetIndex;
  /** Target.nrTypes when the run started: first batch id. */
  readonly T: number;
  /** The batch; references use the id spaces described above. Mutated in place. */
  readonly batch: BtfType[];
  /** canon[i]: id batch[i] maps to (itself when canonical); follow with {@link resolve}. */
  readonly canon: Int32Array;
  /** 1 once the pass owning batch[i] decided it. */
  readonly processed: Uint8Array;
  /** Signature buckets of canonical batch types, consulted after the target's. */
  readonly local: Buckets = new Map();
  /** name offset → canonical batch struct/union ids. */
  readonly localComposites = new Map<number, TypeId[]>();
  /** hypot[canon id] = candidate id during one equivalence check; -1 unset (a view of {@link hypotScratch}). */
  readonly hypot: Int32Array;
  /** Keys set in {@link hypot}, for clearing and merging. */
  readonly hypotKeys: IntStack = hypotDirty;
  /** Set by the equivalence check when it matched a batch composite with a target FWD. */
  hypotTargetFwd = false;
  /** (target FWD, batch STRUCT/UNION) pairs of successful checks, for {@link TargetIndex.fwdHints}. */
  readonly targetFwdMet: number[] = [];

  /** Starts a run of `batch` into `index.target`. */
  constructor(index: TargetIndex, batch: BtfType[]) {
    this.index = index;
    this.T = index.target.nrTypes;
    this.batch = batch;
    const n = batch.length;
    this.canon = new Int32Array(n);
    for (let i = 0; i < n; i++) this.canon[i] = this.T + i;
    this.processed = new Uint8Array(n);
    this.hypot = hypotScratch(this.T + n);
  }

  /** The type with id `id` in either space. */
  type(id: TypeId): BtfType {
    return id >= this.T ? this.batch[id - this.T] : this.index.target.typeById(id);
  }

  /** True if `id` is a batch id. */
  inBatch(id: TypeId): boolean {
    return id >= this.T;
  }

  /** The canonical id `id` maps to now (target ids map to themselves). Compresses paths. */
  resolve(id: TypeId): TypeId {
    if (id < this.T) return id;
    let r = id;
    for (;;) {
      const next = this.canon[r - this.T];
      if (next === r || next < this.T) {
        r = next;
        break;
      }
      r = next;
    }
    // Path compression.
    let p = id;
    while (p >= this.T && this.canon[p - this.T] !== r) {
      const next = this.canon[p - this.T];
      this.canon[p - this.T] = r;
      p = next;
    }
    return r;
  }

  /** Maps batch id `id` to `to`. */
  mapTo(id: TypeId, to: TypeId): void {
    this.canon[id - this.T] = to;
  }

  /**
   * Candidates with signature `h`: target ones first, then canonical batch
   * ones. With `kind` (the batch type's), target types that no pass could
   * accept for that kind may be left out (see {@link TargetIndex.lookup}).
   */
  candidates(h: number, kind?: number): TypeId[] {
    const a = this.index.lookup(h, kind);
    const out = a.length ? a.slice() : [];
    const b = bucketGet(this.local, h);
    for (const id of b) out.push(id);
    return out;
  }

  /** Records batch id `id` as canonical under its current signature. */
  addCanonical(id: TypeId): void {
    const t = this.type(id);
    bucketAdd(this.local, hashType(t), id);
    if ((t.kind === BTF_KIND_STRUCT || t.kind === BTF_KIND_UNION) && t.nameOff !== 0) {
      const list = this.localComposites.get(t.nameOff);
      if (list) list.push(id);
      else this.localComposites.set(t.nameOff, [id]);
    }
  }

  /** Clears the hypothetical map. */
  clearHypot(): void {
    const keys = this.hypotKeys;
    for (let i = 0; i < keys.n; i++) this.hypot[keys.buf[i]!] = -1;
    keys.clear();
    this.hypotTargetFwd = false;
  }

  /** True if `id` is a FWD. */
  isFwd(id: TypeId): boolean {
    return this.type(id).kind === BTF_KIND_FWD;
  }
}
