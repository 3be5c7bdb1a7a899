/**
 * From the DWARF record stream to lowered sites: for every inline site and
 * every out-of-line function entry, the ELF section and offset of its
 * address and one {@link LocParam} (or a cause for its absence) per origin
 * parameter slot. Pure data in, data out; the emitter and the `sites`
 * printer both start from here.
 */
import {
  ADDR_NONE, LOC_ABSENT, namedParamCount, LOC_CONST_BLOCK, LOC_CONST_S, LOC_CONST_U,
  LOC_EXPR, LOC_LIST_NO_ENTRY, LOC_NO_ADDR, LOC_NONE, NONE, SITE_FRAME_CFA, SITE_FUNC, SITE_OPTIMIZED, u64, type DwarfRecords,
} from "../dwarf/records.js";
import { strAt } from "../dwarf/load.js";
import { EntryValues, type EntryCallers } from "./entryvalues.js";
import { lowerConstBlock, lowerConstValue, lowerExpr, type Lowered, type LowerContext } from "./expr.js";
import type { kernelRefusal, LocParam } from "./locparam.js";

/** How addresses of the object map to ELF sections (built from the ELF by the caller). */
export interface AddressMap {
  /** ET_REL: addresses name no load-time location, so DW_OP_addr is unknown. */
  relocatable: boolean;
  /** Lowest non-zero sh_addr of the SHF_ALLOC sections (FORMAT.md 3.1). */
  loadBase: bigint;
  littleEndian: boolean;
  /** The SHF_ALLOC section holding `addr`, with its start address. */
  sectionOf(addr: bigint): { name: string; addr: bigint } | undefined;
  /**
   * The ways into the function whose entry is `entry` (src/app/entryrefs.ts),
   * for DW_OP_entry_value through call sites; absent: entry values are taken
   * only at the function's entry.
   */
  entryCallers?: (entry: bigint) => EntryCallers;
}

/** Size and signedness of a parameter's type; size 0 and signed undefined when unknown. */
export interface ParamTypeInfo {
  size: number;
  signed?: boolean;
}

/** One site after lowering. */
export interface LoweredSite {
  /** SITE_INLINE or SITE_FUNC. */
  kind: number;
  /** Row of the origin in `records.funcs`. */
  func: number;
  name: string;
  addr: bigint;
  /** ELF section holding the address, "" when none does. */
  section: string;
  /** addr minus the section start. */
  offset: bigint;
  /** Name of the enclosing out-of-line function and the site's offset in it. */
  caller: string;
  callerOffset: bigint;
  /** One slot per origin parameter (`...` included); null = no location. */
  params: (LocParam | null)[];
  /** Why a slot is null (parallel to params). */
  causes: (string | undefined)[];
}

/** Adds `b`'s counts into `a`. */
export function addLowerStats(a: LowerStats, b: LowerStats): void {
  a.inlineSites += b.inlineSites;
  a.funcSites += b.funcSites;
  a.noAddress += b.noAddress;
  a.noSection += b.noSection;
  a.noName += b.noName;
  a.noOrigin += b.noOrigin;
  a.notOptimized += b.notOptimized;
  a.full += b.full;
  a.partial += b.partial;
  a.none += b.none;
  a.noParams += b.noParams;
  for (const [k, v] of b.causes) a.causes.set(k, (a.causes.get(k) ?? 0) + v);
}

/** Counts for `btfgen stats`. */
export interface LowerStats {
  inlineSites: number;
  funcSites: number;
  /** Sites without an entry address (dropped from the output). */
  noAddress: number;
  /** Sites whose address lies in no ELF section (dropped). */
  noSection: number;
  /** Sites of a function without a name (corrupt DWARF; a BTF FUNC needs one: dropped). */
  noName: number;
  /** Inline sites without a DW_AT_abstract_origin the reader could follow (no function to name: dropped). */
  noOrigin: number;
  /**
   * Out-of-line functions with code that the optimiser did not change: not
   * func_info's (FORMAT.md), left out. With {@link funcSites} they are every
   * concrete DW_TAG_subprogram with code.
   */
  notOptimized: number;
  full: number;
  partial: number;
  none: number;
  /** Sites of functions without parameters. */
  noParams: number;
  /** Missing locations by cause (DWARF operation or attribute form). */
  causes: Map<string, number>;
}

/** Zeroed {@link LowerStats}. */
export function newLowerStats(): LowerStats {
  return {
    inlineSites: 0, funcSites: 0, noAddress: 0, noSection: 0, noName: 0, noOrigin: 0, notOptimized: 0,
    full: 0, partial: 0, none: 0, noParams: 0, causes: new Map(),
  };
}

/** {@link strAt} with a cache: the same function names are asked for once per site. */
export class StringReader {
  private cache = new Map<number, string>();
  constructor(private readonly records: DwarfRecords) {}
  get(id: number): string {
    let s = this.cache.get(id);
    if (s === undefined) {
      s = strAt(this.records, id);
      this.cache.set(id, s);
    }
    return s;
  }
}

const toAddr = u64;

/** Which sites are kept, and how out-of-line ones are named. */
export interface SiteSelection {
  /**
   * Which out-of-line function rows to keep (by SiteTable row and entry
   * address); default: those the walker flagged SITE_OPTIMIZED.
   */
  keepFunc?: (row: number, addr: bigint) => boolean;
  /** Name to show for an out-of-line function at `addr` (its ELF symbol, e.g. `foo.isra.0`). */
  symbolAt?: (addr: bigint) => string | undefined;
  /**
   * The wire's acceptance rule: a location it refuses becomes "no location"
   * counted under the returned cause (the func_info pipeline passes
   * {@link kernelRefusal}; the DWARF-only listing, without sizes, none).
   */
  refuse?: (loc: LocParam) => string | undefined;
}

/** Why a SiteTable row is left out ({@link siteDispositions}); KEPT: it is not. */
const KEPT = 0, NOT_OPTIMISED = 1, NO_ADDRESS = 2, NO_SECTION = 3;

/** What becomes of each SiteTable row of a walk: kept in a section, or left out (and why). */
export interface SiteDispositions {
  /** Per row: KEPT, or why not. */
  code: Uint8Array;
  /** Per kept row: the section holding its address. */
  section: ({ name: string; addr: bigint } | undefined)[];
}

/** The {@link SiteDispositions} of `rec`'s sites (made once, read by {@link keptFuncRows} and {@link lowerSitesTo}). */
export function siteDispositions(rec: DwarfRecords, map: AddressMap, opts: SiteSelection = {}): SiteDispositions {
  const S = rec.sites;
  const code = new Uint8Array(S.count);
  const section: SiteDispositions["section"] = new Array(S.count);
  for (let i = 0; i < S.count; i++) {
    const addr = toAddr(S.addrLo[i], S.addrHi[i]);
    // Out-of-line functions belong in func_info only when the optimiser changed them.
    if (S.kind[i] === SITE_FUNC) {
      const keep = opts.keepFunc ? opts.keepFunc(i, addr) : (S.flags[i] & SITE_OPTIMIZED) !== 0;
      if (!keep) {
        code[i] = NOT_OPTIMISED;
        continue;
      }
    }
    if (S.addrSource[i] === ADDR_NONE) {
      code[i] = NO_ADDRESS;
      continue;
    }
    const sec = map.sectionOf(addr);
    if (sec) section[i] = sec;
    else code[i] = NO_SECTION;
  }
  return { code, section };
}

/**
 * The FuncTable rows of the sites {@link lowerSites} keeps, without lowering
 * anything (so their types can be prepared first), in row order.
 */
export function keptFuncRows(rec: DwarfRecords, disp: SiteDispositions): number[] {
  const seen = new Uint8Array(rec.funcs.count);
  for (let i = 0; i < rec.sites.count; i++) {
    if (rec.sites.func[i] !== NONE && disp.code[i] === KEPT) seen[rec.sites.func[i]] = 1;
  }
  const rows: number[] = [];
  seen.forEach((v, f) => v && rows.push(f));
  return rows;
}

/**
 * Where {@link lowerSitesTo} puts each kept site, in site order: the
 * fields of a {@link LoweredSite}. `params` and `causes` are the lowering's
 * scratch arrays, valid during the call only.
 */
export interface SiteSink {
  site(
    kind: number, func: number, name: string, addr: bigint, section: string, offset: bigint, caller: string, callerOffset: bigint,
    params: readonly (LocParam | null)[], causes: readonly (string | undefined)[],
  ): void;
}

/**
 * Lowers every site of `rec`. Sites with no address or outside every
 * section are counted and left out; everything else keeps one slot per
 * origin parameter.
 */
export function lowerSites(
  rec: DwarfRecords,
  map: AddressMap,
  paramInfo: (paramRow: number) => ParamTypeInfo,
  opts: SiteSelection = {},
): { sites: LoweredSite[]; stats: LowerStats } {
  const sites: LoweredSite[] = [];
  const stats = lowerSitesTo(rec, map, paramInfo, opts, {
    site(kind, func, name, addr, section, offset, caller, callerOffset, params, causes) {
      sites.push({ kind, func, name, addr, section, offset, caller, callerOffset, params: params.slice(), causes: causes.slice() });
    },
  });
  return { sites, stats };
}

/** {@link lowerSites}, handing each kept site to `sink` instead of making an object of it. */
export function lowerSitesTo(
  rec: DwarfRecords,
  map: AddressMap,
  paramInfo: (paramRow: number) => ParamTypeInfo,
  opts: SiteSelection,
  sink: SiteSink,
  disp: SiteDispositions = siteDispositions(rec, map, opts),
): LowerStats {
  const { sites: S, funcs: F, units: U } = rec;
  const strings = new StringReader(rec);
  const stats = newLowerStats();
  const miss = (cause: string) => stats.causes.set(cause, (stats.causes.get(cause) ?? 0) + 1);
  const params: (LocParam | null)[] = [];
  const causes: (string | undefined)[] = [];
  const entryValues = map.entryCallers ? new EntryValues(rec, map.entryCallers, map.littleEndian) : undefined;
  const relocateAddr = (a: bigint): { value: bigint; relative: boolean } | undefined => {
    if (map.relocatable) return undefined;
    const sec = map.sectionOf(a);
    if (!sec) return undefined;
    return sec.addr === 0n ? { value: a, relative: false } : { value: a - map.loadBase, relative: true };
  };
  // One context for all sites: set per site here, per parameter by lowerOne
  // (its entry values are those of site row `current`).
  let current = 0;
  const ctx: LowerContext = {
    addrSize: 0, littleEndian: map.littleEndian, size: 0, relocateAddr, atFunctionEntry: false,
    entryValue: entryValues && ((reg: number) => entryValues.at(current, reg)),
  };

  for (let i = 0; i < S.count; i++) {
    const kind = S.kind[i];
    const f = S.func[i];
    const code = disp.code[i];
    if (code === NOT_OPTIMISED) {
      stats.notOptimized++;
      continue;
    }
    if (kind === SITE_FUNC) stats.funcSites++;
    else stats.inlineSites++;
    if (code !== KEPT) {
      if (code === NO_ADDRESS) stats.noAddress++;
      else stats.noSection++;
      continue;
    }
    if (f === NONE) {
      stats.noOrigin++;
      continue;
    }
    const name = strings.get(F.name[f]);
    if (name === "") {
      stats.noName++;
      continue;
    }
    const addr = toAddr(S.addrLo[i], S.addrHi[i]);
    const sec = disp.section[i]!;
    const callerAddr = S.caller[i] === NONE ? undefined : toAddr(S.callerLo[i], S.callerHi[i]);
    const atFunctionEntry = kind === SITE_FUNC || callerAddr === addr;
    const unit = S.unit[i];
    current = i;
    const nParams = F.paramCount[f];
    const named = namedParamCount(F, f);
    params.length = nParams;
    causes.length = nParams;
    let known = 0;
    ctx.addrSize = U.addrSize[unit];
    ctx.atFunctionEntry = atFunctionEntry;
    ctx.frameBaseIsCfa = (S.flags[i] & SITE_FRAME_CFA) !== 0;
    for (let p = 0; p < nParams; p++) {
      const row = S.locStart[i] + p;
      const paramRow = F.paramStart[f] + p;
      const variadic = p >= named;
      let r: Lowered = variadic ? VARIADIC : lowerOne(rec, row, paramInfo(paramRow), ctx);
      const refused = r.loc && opts.refuse?.(r.loc);
      if (refused) r = { cause: refused };
      params[p] = r.loc ?? null;
      causes[p] = r.cause;
      if (r.loc) known++;
      else if (!variadic) miss(r.cause);
    }
    if (named === 0) stats.noParams++;
    else if (known === named) stats.full++;
    else if (known === 0) stats.none++;
    else stats.partial++;
    sink.site(
      kind, f, name, addr, sec.name, addr - sec.addr,
      (kind === SITE_FUNC ? opts.symbolAt?.(addr) : undefined) ?? (S.caller[i] === NONE ? "" : strings.get(F.name[S.caller[i]])),
      callerAddr === undefined ? 0n : addr - callerAddr, params, causes,
    );
  }
  return stats;
}

/** Results without a location that every slot of that cause shares (read only). */
const VARIADIC: Lowered = { cause: "variadic" };
const ABSENT: Lowered = { cause: "no parameter DIE" };
const LIST_GAP: Lowered = { cause: "location list gap" };
const NO_ADDR: Lowered = { cause: "no address" };
const OPTIMIZED_OUT: Lowered = { cause: "optimized out" };

/** Lowers location row `row`; `ctx` is the site's, its size and sign set here for this parameter. */
function lowerOne(rec: DwarfRecords, row: number, info: ParamTypeInfo, ctx: LowerContext): Lowered {
  const L = rec.locs;
  ctx.size = info.size;
  ctx.signed = info.signed;
  switch (L.kind[row]) {
    case LOC_ABSENT: return ABSENT;
    case LOC_LIST_NO_ENTRY: return LIST_GAP;
    case LOC_NO_ADDR: return NO_ADDR;
    case LOC_NONE: return OPTIMIZED_OUT;
    case LOC_EXPR: return lowerExpr(rec.exprs.subarray(L.exprOff[row], L.exprOff[row] + L.exprLen[row]), ctx);
    case LOC_CONST_U:
    case LOC_CONST_S:
      return lowerConstValue(toAddr(L.valLo[row], L.valHi[row]), info.size, info.signed, L.kind[row] === LOC_CONST_S);
    case LOC_CONST_BLOCK:
      return lowerConstBlock(rec.exprs.subarray(L.exprOff[row], L.exprOff[row] + L.exprLen[row]), info.size, info.signed, ctx.littleEndian);
    default: return { cause: "unknown location kind" };
  }
}
