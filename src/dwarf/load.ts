/**
 * `readDwarf`: sizes and places each debug section of an ELF file in wasm
 * memory (the ELF reader decompresses and, for ET_REL, relocates straight
 * into it), walks the units, and wraps the columns as {@link DwarfRecords}.
 */
import type { ElfFile, ElfSection } from "../elf/index.js";
import { BtfgenError, MalformedError, NotFoundError, UnsupportedError } from "../errors.js";
import {
  ADDR_NONE,
  COLUMNS,
  FUNC_OPTIMIZED,
  NONE,
  SITE_FUNC,
  SITE_OPTIMIZED,
  u64,
  type DieTable,
  type DwarfRecords,
  type ElementType,
  type SiteTable,
  type StrId,
} from "./records.js";
import { openSupplementary } from "./alt.js";
import { functionSymbols, isCloneName } from "./clones.js";
import { type Column, DwarfWasm, WALK_SITES, WALK_TYPES } from "./wasm.js";

/** Options of {@link DwarfReader.open}. */
export interface OpenDwarfOptions {
  /**
   * The supplementary (dwz) file, instead of looking for the one the
   * object's `.gnu_debugaltlink` / `.debug_sup` names ({@link openSupplementary}).
   */
  alt?: string;
  /**
   * Read `.debug_info` unit by unit as walks reach them (only when it is
   * stored plain: not compressed, not relocated on reading, one section):
   * a reader that walks some units reads only those, and holds only the
   * units of its last walk and the demand walks after it (func_info's
   * batches: memory follows one batch, not the object).
   */
  lazyInfo?: boolean;
  /** {@link functionSymbols} of the object when the caller has it (else made on the first walk that needs it). */
  functionSymbols?: Map<bigint, string[]>;
}

/** Options of {@link readDwarf}. */
export interface ReadDwarfOptions extends OpenDwarfOptions {
  /** Walk sites (default true unless only `types` is asked for). */
  sites?: boolean;
  /** Also build the type DIE table. */
  types?: boolean;
  /** Unit index range `[from, to)`; default all units. */
  units?: [number, number];
  /**
   * Name out-of-line clones from the ELF symbol table (default true): see
   * {@link nameClones}.
   */
  symbols?: boolean;
}

/** The instance a released reader handed back (at most one per thread). */
let spare: DwarfWasm | undefined;

/**
 * A DWARF reader over one ELF file: the sections stay in one wasm instance,
 * so several walks (unit ranges) share the string interner and their StrIds.
 * Each walk returns the whole string blob so far.
 */
export class DwarfReader {
  /** Number of `.debug_info` units. */
  readonly unitCount: number;
  private readonly wasm: DwarfWasm;
  private readonly file: string;
  private readonly elf: ElfFile;
  private clones?: Map<bigint, string[]>;

  private constructor(wasm: DwarfWasm, unitCount: number, elf: ElfFile, clones: Map<bigint, string[]> | undefined) {
    this.wasm = wasm;
    this.unitCount = unitCount;
    this.file = elf.path;
    this.elf = elf;
    this.clones = clones;
  }

  /**
   * Loads the debug sections of `elf`, and of its supplementary file when it
   * names one. Throws {@link MalformedError} for bad DWARF, {@link NotFoundError}
   * when the supplementary file is not found.
   */
  static open(elf: ElfFile, opts: OpenDwarfOptions = {}): DwarfReader {
    // A released instance of an earlier file is reused (batch runs): see release().
    const wasm = spare?.reset(elf.path) ? spare : new DwarfWasm(elf.path);
    spare = undefined;
    let lazy: ElfSection | undefined;
    let lazyLine = false;
    let locParts: Uint32Array | undefined;
    const load = (from: ElfFile, sup: boolean) => {
      for (const name of wasm.sectionIds.keys()) {
        const secs = unitSections(from, name);
        if (secs.length === 0) continue;
        const sizes = secs.map((s) => from.sectionSize(s));
        const byRange = opts.lazyInfo && !sup && secs.length === 1 && from.canReadRange(secs[0]!);
        if (byRange && name === ".debug_info") {
          lazy = secs[0]!;
          wasm.addSection(name, sizes[0]!, (target) => fillUnitHeaders(from, lazy!, target));
          continue;
        }
        // Line program headers and location list contributions, in place as units need them.
        const parts = byRange && name === ".debug_loclists" ? contributions(from, secs[0]!) : undefined;
        if (byRange && (name === ".debug_line" || parts)) {
          const sec = secs[0]!;
          wasm.addRangeSection(name, sizes[0]!, (off, target) => (from.readSectionRangeInto(sec, off, target), true));
          if (parts) locParts = parts;
          else lazyLine = true;
          continue;
        }
        wasm.addSection(name, sizes.reduce((a, b) => a + b, 0), (target) => {
          let at = 0;
          secs.forEach((s, i) => {
            from.readSectionInto(s, target.subarray(at, at + sizes[i]!));
            at += sizes[i]!;
          });
        }, sup);
      }
    };
    requireWholeDwarf(elf);
    load(elf, false);
    const alt = openSupplementary(elf, opts.alt);
    if (alt) {
      try {
        if (alt.littleEndian !== elf.littleEndian) {
          throw new MalformedError(`supplementary file ${alt.path} has the other byte order`, { file: elf.path });
        }
        load(alt, true);
      } finally {
        alt.close();
      }
    }
    const units = wasm.init(elf.littleEndian);
    if (lazyLine) wasm.lazyLine();
    if (locParts) wasm.lazyLocLists(locParts);
    if (lazy) {
      const sec = lazy;
      wasm.lazyInfo((off, target) => {
        elf.readSectionRangeInto(sec, off, target);
        return true;
      });
    }
    return new DwarfReader(wasm, units, elf, opts.functionSymbols);
  }

  /**
   * Hands the wasm instance back for the next {@link DwarfReader.open} of
   * this thread, which resets and reuses it (its memory stays, so a batch of
   * modules does not make V8 account, and collect, a new wasm memory per
   * module). Records walked before stay valid; this reader cannot walk again.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    spare = this.wasm;
  }

  private released = false;

  /**
   * Walks units `[from, to)` (clamped); `flags` = WALK_SITES | WALK_TYPES.
   * With `symbols` (default), SITE_FUNC rows are completed from the ELF
   * symbol table ({@link nameClones}); the ELF file must still be open.
   */
  walk(from = 0, to = this.unitCount, flags = WALK_SITES, symbols = true): DwarfRecords {
    if (this.released) throw new Error("DwarfReader used after release()");
    const clamp = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.min(Math.floor(n), this.unitCount)) : n > 0 ? this.unitCount : 0);
    try {
      const rec = toRecords(this.wasm.walk(clamp(from), clamp(to), flags), (flags & WALK_TYPES) !== 0);
      markCloneSites(rec);
      if (symbols && (flags & WALK_SITES) !== 0) {
        this.clones ??= functionSymbols(this.elf);
        if (nameClones(rec, this.clones, (t) => this.wasm.intern(t))) rec.strings = this.wasm.strings();
      }
      return rec;
    } catch (e) {
      if (e instanceof BtfgenError) throw e.at({ file: this.file });
      throw e;
    }
  }

  /**
   * The type DIE table of what the DIEs at `roots` (global `.debug_info`
   * offsets: subprograms, types) reach, for a caller that needs a few
   * prototypes rather than every type DIE of the units (the func_info
   * batches): each root's row and its parts (members, enumerators,
   * subranges, parameters, annotations), then what they refer to, wherever
   * it is, except the member types of complete named structs, classes and
   * unions, which a later call with `fresh` false adds on request (the
   * caller's base may hold the aggregate). A `fresh` table also holds the
   * unit-level `int` DIEs of the units the last {@link walk} read (the
   * array index type rule). `strings` is the whole blob, as after a walk.
   */
  demandTypes(roots: ArrayLike<number>, fresh: boolean): { dies: DieTable; strings: Uint8Array } {
    if (this.released) throw new Error("DwarfReader used after release()");
    try {
      const cols = this.wasm.demandTypes(Uint32Array.from(roots), fresh);
      return { dies: table(cols, "dies"), strings: column(cols, "blob.strings", COLUMNS.blob.strings) as Uint8Array };
    } catch (e) {
      if (e instanceof BtfgenError) throw e.at({ file: this.file });
      throw e;
    }
  }
}

/**
 * Writes the start of every unit of `.debug_info` (its header) into
 * `target`, the rest being read when a walk first needs the unit (see
 * {@link OpenDwarfOptions.lazyInfo}). Unit lengths are followed as gimli
 * does; where they stop making sense (a corrupt length), the rest of the
 * section is read whole, so the header parser reports what it finds there.
 */
function fillUnitHeaders(elf: ElfFile, sec: ElfSection, target: Uint8Array): void {
  const size = target.length;
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const le = elf.littleEndian;
  let off = 0;
  while (off < size) {
    // The longest header (64-bit DWARF 5 type or skeleton unit) is 40 bytes.
    const n = Math.min(64, size - off);
    elf.readSectionRangeInto(sec, off, target.subarray(off, off + n));
    const total = initialLength(view, off, n, le)?.total ?? -1;
    if (total <= 12 || off + total > size) {
      elf.readSectionRangeInto(sec, off, target.subarray(off));
      return;
    }
    off += total;
  }
}

/**
 * The DWARF initial length at `at` of `view` (`avail` bytes readable
 * there): the unit's size including the length field itself, and whether
 * it is 64-bit DWARF; undefined for a reserved value or too few bytes.
 */
function initialLength(view: DataView, at: number, avail: number, le: boolean): { total: number; wide: boolean } | undefined {
  if (avail < 4) return undefined;
  const len32 = view.getUint32(at, le);
  if (len32 < 0xfffffff0) return { total: 4 + len32, wide: false };
  if (len32 === 0xffffffff && avail >= 12) return { total: 12 + Number(view.getBigUint64(at + 4, le)), wide: true };
  return undefined;
}

/**
 * The contributions of a DWARF 5 `.debug_loclists` (start, end pairs), each
 * a header with its unit length; undefined when the lengths do not tile the
 * section exactly (then it is read whole).
 */
function contributions(elf: ElfFile, sec: ElfSection): Uint32Array | undefined {
  const size = elf.sectionSize(sec);
  const head = new Uint8Array(14);
  const view = new DataView(head.buffer);
  const le = elf.littleEndian;
  const out: number[] = [];
  let off = 0;
  while (off < size) {
    // The shortest header (32-bit) is 12 bytes; 14 reach a 64-bit one's version.
    if (size - off < 12) return undefined;
    const n = Math.min(14, size - off);
    elf.readSectionRangeInto(sec, off, head.subarray(0, n));
    const len = initialLength(view, 0, n, le);
    if (!len || (len.wide && n < 14)) return undefined;
    const total = len.total;
    // A DWARF 5 header: version 5, then the sizes and the offset count.
    if (total < 12 || off + total > size || view.getUint16(len.wide ? 12 : 4, le) !== 5) return undefined;
    out.push(off, off + total);
    off += total;
  }
  return out.length > 0 && size < 2 ** 32 ? Uint32Array.from(out) : undefined;
}

/**
 * The sections read as `name`. In relocatable objects compilers put each
 * type unit in a COMDAT group of its own `.debug_info` (DWARF 5) or
 * `.debug_types` (DWARF 4) section, which the linker concatenates (keeping
 * one copy per group); they are concatenated here in section order, so the
 * units are those of the linked file. Every other section is the one of that
 * name (or its `.zdebug_` form).
 */
function unitSections(elf: ElfFile, name: string): ElfSection[] {
  if (name === ".debug_info" || name === ".debug_types") {
    const all = elf.sections.filter((s) => s.name === name && s.type !== 8 /* SHT_NOBITS */);
    if (all.length > 1) return all;
  }
  const one = elf.debugSection(name);
  return one ? [one] : [];
}

/**
 * Split DWARF is not read (issue 11: a clear error, never a partial
 * result): a `.dwo` or `.dwp` given as the input is refused here, and a
 * skeleton unit (DW_UT_skeleton, DW_AT_dwo_name / DW_AT_GNU_dwo_name) of a
 * linked object when the walk reaches it.
 */
export function requireWholeDwarf(elf: ElfFile): void {
  const dwo = elf.section(".debug_info.dwo") ?? elf.section(".debug_cu_index");
  if (dwo) {
    throw new UnsupportedError(
      `split DWARF ${elf.section(".debug_cu_index") ? "package (.dwp)" : "object (.dwo)"} is not supported: give the linked object built without -gsplit-dwarf`,
      { file: elf.path, section: dwo.name },
    );
  }
}

/** Reads sites (and, with `types`, type DIEs) of `elf`'s DWARF in one walk. */
export function readDwarf(elf: ElfFile, opts: ReadDwarfOptions = {}): DwarfRecords {
  const reader = DwarfReader.open(elf, opts);
  const sites = opts.sites ?? true;
  const flags = (sites ? WALK_SITES : 0) | (opts.types ? WALK_TYPES : 0);
  if (flags === 0) throw new RangeError("readDwarf: neither sites nor types asked for");
  const [from, to] = opts.units ?? [0, reader.unitCount];
  return reader.walk(from, to, flags, opts.symbols ?? true);
}

/**
 * Flags the SITE_FUNC rows whose own DWARF name (the concrete instance's
 * DW_AT_linkage_name or DW_AT_name, `siteName`) is a clone name
 * ({@link isCloneName}): SITE_OPTIMIZED on the row, FUNC_OPTIMIZED on the
 * origin. The walk itself flags only DW_CC_nocall, so the rule lives in one
 * place.
 */
export function markCloneSites(rec: DwarfRecords): void {
  const S = rec.sites;
  const blob = rec.strings;
  for (let i = 0; i < S.count; i++) {
    const id = S.siteName[i]!;
    if (S.kind[i] !== SITE_FUNC || id === 0 || id === NONE) continue;
    // Most names have no dot: look at the bytes before decoding any.
    let end = id;
    let dot = false;
    // (Not `dot ||= blob[end++] === 0x2e`: once a dot is seen, `||=` would
    // skip the increment and spin forever.)
    for (; end < blob.length && blob[end] !== 0; end++) if (blob[end] === 0x2e) dot = true;
    if (dot && isCloneName(utf8.decode(blob.subarray(id, end)))) {
      S.flags[i]! |= SITE_OPTIMIZED;
      rec.funcs.flags[S.func[i]!]! |= FUNC_OPTIMIZED;
    }
  }
}

/**
 * gcc gives its out-of-line clones (`foo.isra.0`, `foo.constprop.0`,
 * `foo.part.0`) a DW_TAG_subprogram with DW_AT_abstract_origin and code but
 * no name of its own, and (gcc 12) no DW_AT_calling_convention: only the ELF
 * symbol at the entry address says the calling convention changed. For each
 * SITE_FUNC without a siteName, a function symbol at its entry address named
 * `<origin name>.<suffix>` becomes its siteName (interned in the
 * instance's string table, so the id is stable across walks); a clone name
 * ({@link isCloneName}) sets SITE_OPTIMIZED on the row and FUNC_OPTIMIZED on
 * the origin. `symbols` is {@link functionSymbols} of the same ELF file: in
 * ET_REL files both its keys and the site addresses are laid-out section
 * addresses, and the origin-name prefix keeps two sections' offsets apart
 * when they are not laid out.
 */
export function nameClones(
  rec: DwarfRecords,
  symbols: Map<bigint, string[]>,
  intern: (text: string) => StrId,
): boolean {
  if (symbols.size === 0) return false;
  const S = rec.sites;
  let changed = false;
  for (let i = 0; i < S.count; i++) {
    if (S.kind[i] !== SITE_FUNC || S.siteName[i] !== 0 || S.addrSource[i] === ADDR_NONE) continue;
    const names = symbols.get(addrOf(S, i));
    if (!names) continue;
    const f = S.func[i]!;
    const base = strAt(rec, rec.funcs.name[f]!);
    if (!base) continue;
    const hit = names.find((n) => n.startsWith(base + "."));
    if (!hit) continue;
    S.siteName[i] = intern(hit);
    changed = true;
    if (isCloneName(hit)) {
      S.flags[i]! |= SITE_OPTIMIZED;
      rec.funcs.flags[f]! |= FUNC_OPTIMIZED;
    }
  }
  return changed;
}

/** The typed array of an element type. */
type ArrayOf<T> = T extends "u8" ? Uint8Array : T extends "u16" ? Uint16Array : Uint32Array;
/** A table as {@link COLUMNS} describes it: one array per field, and the row count. */
type TableOf<S> = { count: number } & { -readonly [K in keyof S]: ArrayOf<S[K]> };

const ARRAY_OF: Record<ElementType, new (n: number) => Column> = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array };

/** Column `name` of a walk, checked to be an array of `type`. */
function column(cols: Map<string, Column>, name: string, type: ElementType): Column {
  const c = cols.get(name);
  if (c === undefined) throw new Error(`the wasm walk returned no column ${name}`);
  if (!(c instanceof ARRAY_OF[type])) throw new Error(`wasm column ${name} is not ${type}`);
  return c;
}

/** Table `name` from the walk's columns: every field of {@link COLUMNS}, each checked, all of one length. */
function table<K extends Exclude<keyof typeof COLUMNS, "blob">>(cols: Map<string, Column>, name: K): TableOf<(typeof COLUMNS)[K]> {
  const t: Record<string, Column | number> = {};
  let count = -1;
  for (const [field, type] of Object.entries(COLUMNS[name]) as [string, ElementType][]) {
    const c = column(cols, `${name}.${field}`, type);
    if (count < 0) count = c.length;
    else if (c.length !== count) throw new Error(`wasm column ${name}.${field} has ${c.length} rows, ${name} has ${count}`);
    t[field] = c;
  }
  t.count = Math.max(count, 0);
  // Each field was checked above against the schema the type is built from.
  return t as TableOf<(typeof COLUMNS)[K]>;
}

function toRecords(cols: Map<string, Column>, types: boolean): DwarfRecords {
  const rec: DwarfRecords = {
    units: table(cols, "units"),
    funcs: table(cols, "funcs"),
    params: table(cols, "params"),
    sites: table(cols, "sites"),
    locs: table(cols, "locs"),
    calls: table(cols, "calls"),
    callParams: table(cols, "callParams"),
    strings: column(cols, "blob.strings", COLUMNS.blob.strings) as Uint8Array,
    exprs: column(cols, "blob.exprs", COLUMNS.blob.exprs) as Uint8Array,
  };
  if (types) rec.dies = table(cols, "dies");
  return rec;
}

const utf8 = new TextDecoder();

/** The string with id `id` (NONE and 0 give ""). */
export function strAt(records: DwarfRecords, id: StrId): string {
  if (id === 0 || id === NONE) return "";
  const blob = records.strings;
  let end = id;
  while (end < blob.length && blob[end] !== 0) end++;
  return utf8.decode(blob.subarray(id, end));
}

/** Entry address of site row `i`. */
export function addrOf(sites: SiteTable, i: number): bigint {
  return u64(sites.addrLo[i]!, sites.addrHi[i]!);
}

/** Entry address of the enclosing out-of-line function of site row `i`. */
export function callerAddrOf(sites: SiteTable, i: number): bigint {
  return u64(sites.callerLo[i]!, sites.callerHi[i]!);
}
