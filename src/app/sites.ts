/**
 * `btfgen sites FILE`: the inline sites (and optimised functions) of an
 * object's DWARF, lowered and sorted by function name then address.
 */
import { functionSymbols, isCloneName } from "../dwarf/clones.js";
import { entryCallersOf } from "./entryrefs.js";
import { readDwarf, requireWholeDwarf } from "../dwarf/load.js";
import { NotFoundError } from "../errors.js";
import type { DwarfRecords } from "../dwarf/records.js";
import type { ElfFile } from "../elf/elf.js";
import { ET_REL } from "../elf/constants.js";
import { LOC_ABSENT, SITE_OPTIMIZED, namedParamCount } from "../dwarf/records.js";
import { compareSites, type ParamNames } from "../lower/print.js";
import { unknownPrototypes } from "../dwarf/prototype.js";
import {
  lowerSites, StringReader, type AddressMap, type LowerStats, type LoweredSite, type SiteSelection,
} from "../lower/sites.js";

/** The address facts of an ELF file the lowering needs. */
export function addressMapOf(elf: ElfFile): AddressMap {
  return {
    relocatable: elf.type === ET_REL,
    loadBase: elf.loadBase(),
    littleEndian: elf.littleEndian,
    sectionOf: (addr) => elf.sectionAt(addr),
    entryCallers: (entry) => entryCallersOf(elf, entry),
  };
}

export { functionSymbols } from "../dwarf/clones.js";

/** Sites of one object, read from its DWARF. */
export interface ObjectSites {
  records: DwarfRecords;
  sites: LoweredSite[];
  stats: LowerStats;
  /** Parameter names (and type text when known) of a site's function. */
  paramNames(site: LoweredSite): ParamNames;
}

/** Options of {@link readObjectSites}. */
export interface ObjectSitesOptions {
  /** Include every out-of-line function, not only optimiser-changed ones. */
  allFunctions?: boolean;
  /** Leave out-of-line functions out entirely. */
  inlineOnly?: boolean;
}

/** Throws a one-line {@link NotFoundError} when `elf` carries no DWARF. */
export function requireDwarf(elf: ElfFile): void {
  requireWholeDwarf(elf);
  if (!elf.debugSection(".debug_info")) {
    // gcc -flto objects hold GIMPLE (.gnu.lto_*); their code and DWARF are made at link time.
    const lto = elf.sections.some((s) => s.name.startsWith(".gnu.lto_"));
    const what = lto
      ? "no DWARF: a gcc -flto object (no .debug_info; its DWARF is made at link time: give the linked output)"
      : "no DWARF: no .debug_info section (built without -g, or stripped?)";
    throw new NotFoundError(what, { file: elf.path });
  }
}

/**
 * Which sites of `records` func_info keeps: every inline site, and the
 * out-of-line functions the optimiser changed — the walker says so
 * (DW_CC_nocall, clone name in DWARF), an ELF function symbol at the entry is
 * a clone (`foo.isra.0`, `foo.constprop.0`, `foo.part.0`, `foo.cold`: gcc
 * puts clone names only in the symbol table), or the instance lacks one of
 * the origin's parameters (dropped by the optimiser).
 */
export function siteSelection(records: DwarfRecords, funcSyms: Map<bigint, string[]>, allFunctions = false): SiteSelection {
  const { sites: S, locs: L, funcs: F } = records;
  const isOptimizedFunction = (row: number, addr: bigint): boolean => {
    if (S.flags[row] & SITE_OPTIMIZED) return true;
    if (funcSyms.get(addr)?.some(isCloneName)) return true;
    const f = S.func[row];
    const n = namedParamCount(F, f);
    for (let p = 0; p < n; p++) if (L.kind[S.locStart[row] + p] === LOC_ABSENT) return true;
    return false;
  };
  return {
    keepFunc: (row, addr) => allFunctions || isOptimizedFunction(row, addr),
    symbolAt: (addr) => funcSyms.get(addr)?.[0],
  };
}

/** Reads and lowers the sites of `elf`, sorted by function name then address. */
export function readObjectSites(elf: ElfFile, opts: ObjectSitesOptions = {}): ObjectSites {
  requireDwarf(elf);
  const records = readDwarf(elf);
  // DWARF only: parameter types are unknown, so locations that need a size stay unknown.
  const { sites, stats } = lowerSites(records, addressMapOf(elf), () => ({ size: 0 }), siteSelection(records, functionSymbols(elf), opts.allFunctions));
  const kept = opts.inlineOnly ? sites.filter((s) => s.kind === 0) : sites;
  kept.sort(compareSites);
  const strings = new StringReader(records);
  const { funcs, params } = records;
  const cache = new Map<number, ParamNames>();
  const unknown = unknownPrototypes(records);
  return {
    records,
    sites: kept,
    stats,
    paramNames(site) {
      let p = cache.get(site.func);
      if (!p) {
        const names: string[] = [];
        for (let i = 0; i < funcs.paramCount[site.func]; i++) {
          const row = funcs.paramStart[site.func] + i;
          names.push(params.die[row] === 0xffffffff && params.name[row] === 0 ? "..." : strings.get(params.name[row]));
        }
        p = unknown[site.func] ? { names, types: [], unknown: true } : { names, types: [] };
        cache.set(site.func, p);
      }
      return p;
    },
  };
}
