/**
 * `readDwarf`: sizes and places each debug section of an ELF file in wasm
 * memory (the ELF reader decompresses and, for ET_REL, relocates straight
 * into it), walks the units, and wraps the columns as {@link DwarfRecords}.
 */
import type { ElfFile } from "../elf/index.js";
import { BtfgenError, MalformedError } from "../errors.js";
import {
  ADDR_NONE,
  FUNC_OPTIMIZED,
  NONE,
  SITE_FUNC,
  SITE_OPTIMIZED,
  type DieTable,
  type DwarfRecords,
  type FuncTable,
  type LocTable,
  type ParamTable,
  type SiteTable,
  type StrId,
  type UnitTable,
} from "./records.js";
import { type Column, DwarfWasm, SECTION_IDS, WALK_SITES, WALK_TYPES } from "./wasm.js";

/** Options of {@link readDwarf}. */
export interface ReadDwarfOptions {
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

  private constructor(wasm: DwarfWasm, unitCount: number, elf: ElfFile) {
    this.wasm = wasm;
    this.unitCount = unitCount;
    this.file = elf.path;
    this.elf = elf;
  }

  /** Loads the debug sections of `elf`. Throws {@link MalformedError} for bad DWARF. */
  static open(elf: ElfFile): DwarfReader {
    const wasm = new DwarfWasm(elf.path);
    for (const name of SECTION_IDS) {
      const sec = elf.debugSection(name);
      if (sec === undefined) continue;
      const size = elf.sectionSize(sec);
      wasm.addSection(name, size, (target) => elf.readSectionInto(sec, target));
    }
    return new DwarfReader(wasm, wasm.init(elf.littleEndian), elf);
  }

  /**
   * Walks units `[from, to)` (clamped); `flags` = WALK_SITES | WALK_TYPES.
   * With `symbols` (default), SITE_FUNC rows are completed from the ELF
   * symbol table ({@link nameClones}); the ELF file must still be open.
   */
  walk(from = 0, to = this.unitCount, flags = WALK_SITES, symbols = true): DwarfRecords {
    const clamp = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.min(Math.floor(n), this.unitCount)) : n > 0 ? this.unitCount : 0);
    try {
      const rec = toRecords(this.wasm.walk(clamp(from), clamp(to), flags), (flags & WALK_TYPES) !== 0);
      if (symbols && (flags & WALK_SITES) !== 0) {
        this.clones ??= cloneSymbols(this.elf);
        if (nameClones(rec, this.clones, (t) => this.wasm.intern(t))) rec.strings = this.wasm.strings();
      }
      return rec;
    } catch (e) {
      if (e instanceof BtfgenError) throw e.at({ file: this.file });
      throw e;
    }
  }
}

/** Reads sites (and, with `types`, type DIEs) of `elf`'s DWARF in one walk. */
export function readDwarf(elf: ElfFile, opts: ReadDwarfOptions = {}): DwarfRecords {
  const reader = DwarfReader.open(elf);
  const sites = opts.sites ?? true;
  const flags = (sites ? WALK_SITES : 0) | (opts.types ? WALK_TYPES : 0);
  if (flags === 0) throw new RangeError("readDwarf: neither sites nor types asked for");
  const [from, to] = opts.units ?? [0, reader.unitCount];
  return reader.walk(from, to, flags, opts.symbols ?? true);
}

const CLONE_NAME = /\.(isra|constprop|part)\.|\.cold(\.|$)/;

/** STT_FUNC symbols with a `.` in their name, by value. */
function cloneSymbols(elf: ElfFile): Map<bigint, string[]> {
  const m = new Map<bigint, string[]>();
  for (const s of elf.symbols()) {
    if (s.type !== 2 /* STT_FUNC */ || !s.name.includes(".")) continue;
    const l = m.get(s.value);
    if (l) l.push(s.name);
    else m.set(s.value, [s.name]);
  }
  return m;
}

/**
 * gcc gives its out-of-line clones (`foo.isra.0`, `foo.constprop.0`,
 * `foo.part.0`) a DW_TAG_subprogram with DW_AT_abstract_origin and code but
 * no name of its own, and (gcc 12) no DW_AT_calling_convention: only the ELF
 * symbol at the entry address says the calling convention changed. For each
 * SITE_FUNC without a siteName, a function symbol at its entry address named
 * `<origin name>.<suffix>` becomes its siteName (interned in the
 * instance's string table, so the id is stable across walks); a clone name
 * sets SITE_OPTIMIZED on the row and FUNC_OPTIMIZED on the origin. In ET_REL files symbol values and addresses are both section
 * offsets; requiring the origin-name prefix keeps that unambiguous enough.
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
    if (CLONE_NAME.test(hit)) {
      S.flags[i]! |= SITE_OPTIMIZED;
      rec.funcs.flags[f]! |= FUNC_OPTIMIZED;
    }
  }
  return changed;
}

function toRecords(cols: Map<string, Column>, types: boolean): DwarfRecords {
  const get = <T extends Column>(name: string): T => {
    const c = cols.get(name);
    if (c === undefined) throw new MalformedError(`wasm module lacks column ${name}`);
    return c as T;
  };
  const u8 = (n: string) => get<Uint8Array>(n);
  const u16 = (n: string) => get<Uint16Array>(n);
  const u32 = (n: string) => get<Uint32Array>(n);

  const units: UnitTable = {
    count: u32("units.offset").length,
    offset: u32("units.offset"),
    version: u8("units.version"),
    addrSize: u8("units.addrSize"),
    offsetSize: u8("units.offsetSize"),
    name: u32("units.name"),
    producer: u32("units.producer"),
    language: u32("units.language"),
  };
  const funcs: FuncTable = {
    count: u32("funcs.die").length,
    die: u32("funcs.die"),
    name: u32("funcs.name"),
    linkageName: u32("funcs.linkageName"),
    type: u32("funcs.type"),
    flags: u32("funcs.flags"),
    declFile: u32("funcs.declFile"),
    declLine: u32("funcs.declLine"),
    paramStart: u32("funcs.paramStart"),
    paramCount: u32("funcs.paramCount"),
  };
  const params: ParamTable = {
    count: u32("params.die").length,
    die: u32("params.die"),
    name: u32("params.name"),
    type: u32("params.type"),
  };
  const sites: SiteTable = {
    count: u8("sites.kind").length,
    kind: u8("sites.kind"),
    func: u32("sites.func"),
    die: u32("sites.die"),
    addrLo: u32("sites.addrLo"),
    addrHi: u32("sites.addrHi"),
    addrSource: u8("sites.addrSource"),
    caller: u32("sites.caller"),
    callerLo: u32("sites.callerLo"),
    callerHi: u32("sites.callerHi"),
    callFile: u32("sites.callFile"),
    callLine: u32("sites.callLine"),
    depth: u8("sites.depth"),
    unit: u32("sites.unit"),
    locStart: u32("sites.locStart"),
    siteName: u32("sites.siteName"),
    flags: u8("sites.flags"),
  };
  const locs: LocTable = {
    count: u8("locs.kind").length,
    kind: u8("locs.kind"),
    exprOff: u32("locs.exprOff"),
    exprLen: u32("locs.exprLen"),
    valLo: u32("locs.valLo"),
    valHi: u32("locs.valHi"),
  };
  const rec: DwarfRecords = {
    units,
    funcs,
    params,
    sites,
    locs,
    strings: u8("blob.strings"),
    exprs: u8("blob.exprs"),
  };
  if (types) {
    const dies: DieTable = {
      count: u32("dies.off").length,
      off: u32("dies.off"),
      tag: u16("dies.tag"),
      parent: u32("dies.parent"),
      unit: u32("dies.unit"),
      name: u32("dies.name"),
      type: u32("dies.type"),
      origin: u32("dies.origin"),
      byteSize: u32("dies.byteSize"),
      bitSize: u32("dies.bitSize"),
      bitOffset: u32("dies.bitOffset"),
      encoding: u8("dies.encoding"),
      count_: u32("dies.count_"),
      valLo: u32("dies.valLo"),
      valHi: u32("dies.valHi"),
      flags: u32("dies.flags"),
      exprOff: u32("dies.exprOff"),
      exprLen: u32("dies.exprLen"),
      addrLo: u32("dies.addrLo"),
      addrHi: u32("dies.addrHi"),
    };
    rec.dies = dies;
  }
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
  return (BigInt(sites.addrHi[i]) << 32n) | BigInt(sites.addrLo[i]);
}

/** Entry address of the enclosing out-of-line function of site row `i`. */
export function callerAddrOf(sites: SiteTable, i: number): bigint {
  return (BigInt(sites.callerHi[i]) << 32n) | BigInt(sites.callerLo[i]);
}
