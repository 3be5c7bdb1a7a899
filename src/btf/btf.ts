/**
 * A BTF object: its types, its strings, and (for split BTF) the base it
 * continues.
 *
 * Split BTF is explicit (FORMAT.md 2): a split's first type id is
 * `base.nrTypes` (ids 1..nrTypes-1 belong to the chain below it) and its string
 * offsets start at the base's string end. Multi-split chains (vmlinux ←
 * module ← module.func_info) work the same way at every level. A base is never
 * mutated by its splits.
 */
import { NotFoundError } from "../errors.js";
import { IntMultiMap } from "./intindex.js";
import { BTF_KIND_UNKN, type Kind, type LayoutEntry, type Profile } from "./kinds.js";
import { rawKind, type RawTypes } from "./lazy.js";
import type { BtfType, StrOff, TypeId } from "./model.js";
import { StringTable } from "./strings.js";

/** Options of {@link Btf}'s constructor. */
export interface BtfOptions {
  /** Base BTF for a split; ids and string offsets continue after it. */
  base?: Btf;
  /** Byte order to write by default (default: the base's, else little). */
  endian?: "little" | "big";
  /** Wire profile (default: the base's, else v2). */
  profile?: Profile;
  /** Write a layout section by default (default: false). */
  hasLayout?: boolean;
  /** The string table to use (default: a new one continuing the base's). */
  strings?: StringTable;
}

/**
 * A BTF type graph. `types[i]` has id `firstTypeId + i`; `typeById` walks the
 * base chain for smaller ids.
 */
export class Btf {
  /** The BTF this one is split on, if any. */
  readonly base?: Btf;
  /** Id of `types[0]`: 1 for a base BTF, `base.nrTypes` for a split. */
  readonly firstTypeId: TypeId;
  /** First string offset owned by this BTF (`base`'s string end, or 0). */
  readonly startStrOff: StrOff;
  /**
   * This BTF's own types; index = id - firstTypeId. Of a lazily read BTF
   * (lazy.ts) the first call decodes every record: {@link typeById},
   * {@link maybeType} and {@link findAllByName} decode only what they return.
   */
  get types(): BtfType[] {
    if (this.undecoded > 0) this.decodeAll();
    return this.own;
  }
  /** String table; continues the base's for a split. */
  readonly strings: StringTable;
  /** Byte order the data was read in, and the writer's default. */
  endian: "little" | "big";
  /** Wire profile read or intended; the writer's default. */
  profile: Profile;
  /** Whether a layout section was read / will be written by default. */
  hasLayout: boolean;
  /** The layout entries as read (kept for exact round trip); undefined if none. */
  layout?: LayoutEntry[];
  /** Header length the data was read with (24 or 32; others are normalised). */
  hdrLen?: number;

  /** The types; holes (of a lazy read) are records not decoded yet. */
  private own: BtfType[] = [];
  /** The raw records of a lazy read, and its decoder of record i. */
  private rawTypes?: RawTypes;
  private decodeRecord?: (i: number) => BtfType;
  /** Records of {@link rawTypes} not decoded yet. */
  private undecoded = 0;
  private nameIndex?: Map<string, TypeId[]>;
  /** The raw records by name offset (lazy reads only), and those naming a string's tail. */
  private rawNames?: IntMultiMap;
  private rawTails?: number[];
  private indexedUpTo = 0;

  /** Creates an empty BTF (with a base: an empty split). */
  constructor(opts: BtfOptions = {}) {
    this.base = opts.base;
    this.firstTypeId = opts.base ? opts.base.nrTypes : 1;
    this.strings = opts.strings ?? new StringTable(opts.base?.strings);
    this.startStrOff = this.strings.start;
    this.endian = opts.endian ?? opts.base?.endian ?? "little";
    this.profile = opts.profile ?? opts.base?.profile ?? "v2";
    this.hasLayout = opts.hasLayout ?? false;
  }

  /**
   * Number of type ids in use in the whole chain, counting void (id 0): the
   * exclusive end of the id range and the next id `add` returns. This is
   * libbpf's `btf__type_cnt()`, i.e. FORMAT.md's `nr_types + 1`; a split on this
   * BTF starts at `nrTypes`.
   */
  get nrTypes(): number {
    return this.firstTypeId + this.own.length;
  }

  /**
   * The raw records of a lazy read (lazy.ts): ids `firstTypeId ..
   * firstTypeId + raw.count - 1`, as on the wire. Undefined for a BTF
   * built or read eagerly. Indexes of a big base (dedup's) read these
   * instead of decoding every type.
   */
  get raw(): RawTypes | undefined {
    return this.rawTypes;
  }

  /**
   * Makes this (empty) BTF hold the records `raw`, decoded by `decode(i)`
   * when first asked for. For the reader ({@link parseBtf}'s `lazy`).
   */
  setRaw(raw: RawTypes, decode: (i: number) => BtfType): void {
    if (this.own.length) throw new RangeError("setRaw on a BTF with types");
    this.rawTypes = raw;
    this.decodeRecord = decode;
    this.own = new Array<BtfType>(raw.count);
    this.undecoded = raw.count;
  }

  private decodeAt(i: number): BtfType {
    const t = this.decodeRecord!(i);
    this.own[i] = t;
    this.undecoded--;
    return t;
  }

  private decodeAll(): void {
    const n = this.rawTypes!.count;
    for (let i = 0; i < n && this.undecoded > 0; i++) if (this.own[i] === undefined) this.decodeAt(i);
  }

  /** True if `id` is this BTF's own (not the base's). */
  owns(id: TypeId): boolean {
    return id >= this.firstTypeId && id < this.nrTypes;
  }

  /**
   * The type with id `id` anywhere in the chain.
   * @throws NotFoundError for 0 (void) and ids out of range
   */
  typeById(id: TypeId): BtfType {
    const t = this.maybeType(id);
    if (!t) throw new NotFoundError(`type id ${id} out of range (1..${this.nrTypes - 1})`, { typeId: id });
    return t;
  }

  /** Like {@link typeById} but undefined for void and unknown ids. */
  maybeType(id: TypeId): BtfType | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let b: Btf | undefined = this;
    while (b) {
      if (id >= b.firstTypeId) {
        const i = id - b.firstTypeId;
        const t = b.own[i];
        if (t !== undefined || b.undecoded === 0 || !(i < b.rawTypes!.count)) return t;
        return b.decodeAt(i);
      }
      b = b.base;
    }
    return undefined;
  }

  /** The string at `off` anywhere in the chain. */
  str(off: StrOff): string {
    return this.strings.get(off);
  }

  /** Name of type `id` (`""` for void and anonymous types). */
  nameOf(id: TypeId): string {
    if (id === 0) return "";
    return this.strings.get(this.typeById(id).nameOff);
  }

  /** Appends a type and returns its id. The caller keeps its references valid. */
  add(type: BtfType): TypeId {
    this.own.push(type);
    return this.nrTypes - 1;
  }

  /** Adds (or finds) a string; shorthand for `strings.add`. */
  addStr(s: string): StrOff {
    return this.strings.add(s);
  }

  /**
   * Ids of the named types called `name` in the chain (base first), optionally
   * only of `kind`. The index is built on first use and extended as types are added.
   */
  findAllByName(name: string, kind?: Kind): TypeId[] {
    const fromBase = this.base ? this.base.findAllByName(name, kind) : [];
    const fromRaw = this.findRawByName(name, kind);
    const idx = this.buildNameIndex();
    const own = idx.get(name) ?? [];
    let filtered = kind === undefined ? own : own.filter((id) => this.typeById(id).kind === kind);
    if (fromRaw.length) filtered = filtered.length ? fromRaw.concat(filtered) : fromRaw;
    return fromBase.length ? fromBase.concat(filtered) : filtered;
  }

  /** The first type called `name` (of `kind` if given) in the chain, or undefined. */
  findByName(name: string, kind?: Kind): TypeId | undefined {
    return this.findAllByName(name, kind)[0];
  }

  /** Iterates `[id, type]` of this BTF's own types. */
  *entries(): IterableIterator<[TypeId, BtfType]> {
    const types = this.types;
    for (let i = 0; i < types.length; i++) yield [this.firstTypeId + i, types[i]];
  }

  /** The chain from the root base to this BTF. */
  chain(): Btf[] {
    const out: Btf[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let b: Btf | undefined = this;
    while (b) {
      out.unshift(b);
      b = b.base;
    }
    return out;
  }

  /**
   * The raw records named `name` (of `kind`). The index is by name offset,
   * built in one pass over the records when first asked; a name is looked
   * up as the offsets where it starts as a whole string (the string
   * table's own index), plus the few records naming the tail of a longer
   * string, checked by text. Only where the string tables are ASCII (every
   * kernel .BTF); else the records go through the decoded index.
   */
  private findRawByName(name: string, kind?: Kind): TypeId[] {
    const raw = this.rawTypes;
    if (!raw) return [];
    const offs = this.strings.findAllWhole(name);
    if (!offs) return [];
    if (!this.rawNames) this.buildRawNames(raw);
    const names = this.rawNames!;
    const out: TypeId[] = [];
    const w = raw.words;
    const take = (i: number) => {
      if (kind === undefined || rawKind(raw, i) === kind) out.push(this.firstTypeId + i);
    };
    for (const off of offs) for (let e = names.first(off); e >= 0; e = names.nextOf(e)) take(names.valueOf(e));
    for (const i of this.rawTails!) if (this.strings.get(w[raw.at[i]]) === name) take(i);
    if (offs.length > 1 || this.rawTails!.length) out.sort((a, b) => a - b);
    return out;
  }

  private buildRawNames(raw: RawTypes): void {
    const keys = new Int32Array(raw.count);
    const vals = new Uint32Array(raw.count);
    const tails: number[] = [];
    let n = 0;
    for (let i = 0; i < raw.count; i++) {
      const off = raw.words[raw.at[i]];
      if (off === 0) continue;
      if (!this.strings.startsString(off)) tails.push(i);
      keys[n] = off;
      vals[n++] = i;
    }
    this.rawNames = new IntMultiMap(keys, vals, n);
    this.rawTails = tails;
    this.indexedUpTo = Math.max(this.indexedUpTo, raw.count);
  }

  /**
   * Builds now, for every lazily read BTF of the chain, the indexes a split
   * on it uses: the string index (`add` looks in the base first) and the
   * name index ({@link findAllByName}). Each is one typed-array loop over
   * megabytes, ~20 ms when V8 optimises it at once; built later, during
   * the DWARF walk, they took 60-110 ms, the loops left unoptimised while
   * the wasm module's tier-up compiles hold V8's background threads
   * (measured on ip_vti.ko and crc7.ko, 2 cores). The result is the same
   * either way.
   */
  prepareIndexes(): void {
    for (const b of this.chain()) {
      if (!b.rawTypes) continue;
      b.strings.prepareIndex();
      if (!b.rawNames && b.strings.allAscii()) b.buildRawNames(b.rawTypes);
    }
  }

  private buildNameIndex(): Map<string, TypeId[]> {
    const idx = (this.nameIndex ??= new Map());
    if (this.rawTypes && !this.rawNames) this.findRawByName("");
    for (; this.indexedUpTo < this.own.length; this.indexedUpTo++) {
      const t = this.typeById(this.firstTypeId + this.indexedUpTo);
      if (t.nameOff === 0 || t.kind === BTF_KIND_UNKN) continue;
      let name: string;
      try {
        name = this.strings.get(t.nameOff);
      } catch {
        continue;
      }
      const id = this.firstTypeId + this.indexedUpTo;
      const list = idx.get(name);
      if (list) list.push(id);
      else idx.set(name, [id]);
    }
    return idx;
  }
}
