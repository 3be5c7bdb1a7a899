/**
 * {@link encodeBtf}: a whole object's DWARF types → BTF, like `pahole -J`.
 *
 * 1. every type DIE, unit by unit, is built into a batch; at a unit boundary
 *    a batch larger than `batchTypes` is deduplicated into the output, which
 *    bounds memory on vmlinux (millions of DIEs) — later batches see the
 *    earlier types as canonical;
 * 2. the FUNCs pahole keeps (`funcs.ts`), then per-cpu VARs + DATASEC
 *    (`vars.ts`), in a last batch;
 * 3. when there was more than one batch, a final whole-output dedup: a FWD
 *    a batch could not resolve (its STRUCT came in a later batch) is
 *    resolved now, and the types that differed only by it merge.
 */
import { MalformedError, NotFoundError } from "../errors.js";
import { Btf } from "../btf/btf.js";
import type { ElfFile } from "../elf/index.js";
import type { ElfSymbol } from "../elf/symbols.js";
import type { DwarfRecords } from "../dwarf/records.js";
import { dedupBtf, TargetIndex } from "./dedup/index.js";
import { DieIndex } from "./dies.js";
import { buildFuncs, funcFilterFromSymbols, selectFuncs, type FuncFilter } from "./funcs.js";
import { countKinds, newStats, type EncodeStats } from "./stats.js";
import { isTypeTag, sharedBuilderStrings, TypeBuilder } from "./types.js";
import { buildPercpuVars, collectPercpuVars, PERCPU_SECTION, percpuDatasec, percpuFromSymbols, type PercpuInfo } from "./vars.js";
import type { VarSecInfo } from "../btf/model.js";

/** Options of {@link encodeBtf}. */
export interface EncodeOptions {
  /** Encode as a split on this BTF (a module on vmlinux `.BTF`); base types are not repeated. */
  base?: Btf;
  /** The object the records come from: its symbols, per-cpu section and `__mcount_loc`. */
  elf?: ElfFile;
  /** Symbols to use instead of `elf.symbols()`. */
  symbols?: readonly ElfSymbol[];
  /** Emit FUNCs (default true). */
  funcs?: boolean;
  /** Emit per-cpu VARs and the DATASEC (default true; needs `elf`). */
  vars?: boolean;
  /**
   * Keep only ftrace-able functions when the ELF has `__mcount_loc` (pahole
   * 1.22/1.23 did; default false: 1.24 does not — the Debian 6.1 `.BTF` has
   * FUNCs for assembly functions such as `verify_cpu`, which ftrace cannot see).
   */
  ftraceFilter?: boolean;
  /** Multi-dimensional arrays as nested ARRAYs (default false: one flat ARRAY, as pahole 1.24 and kernel .BTF). */
  nestArrays?: boolean;
  /** Raw types per dedup batch (default 400,000). */
  batchTypes?: number;
}

/** Result of {@link encodeBtf}. */
export interface EncodeResult {
  /** The BTF (split on `base` when given). */
  btf: Btf;
  /** Counters, skip reasons, timing. */
  stats: EncodeStats;
}

/**
 * Encodes the type DIEs of `records` (a walk with `types: true`) into
 * deduplicated BTF, with FUNCs and per-cpu VARs as pahole 1.24 emits them.
 */
export function encodeBtf(records: DwarfRecords, opts: EncodeOptions = {}): EncodeResult {
  const t0 = performance.now();
  const stats = newStats();
  const ix = new DieIndex(records);
  stats.dies = ix.dies.count;
  const out = new Btf({ base: opts.base });
  const b = new TypeBuilder(ix, new TargetIndex(out), stats);
  b.nestArrays = opts.nestArrays ?? false;
  const batchTypes = opts.batchTypes ?? 400_000;
  let dedupMs = 0;
  const flush = (): void => {
    const s = performance.now();
    b.flush();
    dedupMs += performance.now() - s;
  };

  // 1. Types, unit by unit.
  const d = ix.dies;
  for (let r = 0; r < d.count; r++) {
    if (r > 0 && d.unit[r] !== d.unit[r - 1]) {
      b.drain();
      if (b.batch.length >= batchTypes) flush();
    }
    if (isTypeTag(d.tag[r])) b.ref(r);
  }
  flush();

  // 2. FUNCs, then per-cpu variables.
  const symbols = opts.symbols ?? opts.elf?.symbols();
  if (opts.funcs ?? true) {
    const choices = selectFuncs(ix, funcFilterOf(opts, symbols), stats);
    buildFuncs(b, choices);
    stats.funcs = choices.length;
  }
  const percpu = (opts.vars ?? true) && opts.elf && symbols ? percpuInfo(opts.elf, symbols) : undefined;
  if (percpu) buildPercpuVars(b, records.exprs, percpu, stats);
  flush();

  // Every unit was walked: a reference to no DIE is corrupt DWARF (or a form
  // btfgen does not follow yet), never silently `void`.
  if (stats.missingDies) {
    throw new MalformedError(`${stats.missingDies} DWARF type reference(s) point at no DIE`, { file: opts.elf?.path, section: ".debug_info" });
  }
  // 3. Final pass over the output when batches could not see each other's FWDs.
  let btf = out;
  if (stats.batches > 2) {
    const s = performance.now();
    btf = dedupBtf(out, b.index.fwdHints).btf;
    dedupMs += performance.now() - s;
  }
  return finish(btf, stats, t0, dedupMs, opts);
}

/**
 * {@link encodeBtf} over unit ranges walked one after the other (`walk`
 * returns the type DIEs of units `[from, to)`): each range's DIEs are built
 * and deduplicated into the output, then dropped, so memory follows the
 * output rather than the millions of DIEs of a vmlinux. FUNC choice (first
 * prototype of a name wins) and per-cpu VARs carry over between ranges; the
 * DATASEC is added at the end. Returns undefined when a DIE refers outside
 * its range (cross-unit references, e.g. LTO): encode all units at once then.
 * Every range must come from one reader (its string ids hold from walk to
 * walk: the ranges share their name lookups).
 */
export function encodeBtfByUnits(
  walk: (from: number, to: number) => DwarfRecords, unitCount: number, unitsPerBatch: number, opts: EncodeOptions = {},
): EncodeResult | undefined {
  const enc = new UnitsEncoder(opts);
  for (let from = 0; from < unitCount; from += unitsPerBatch) {
    if (!enc.add(walk(from, Math.min(from + unitsPerBatch, unitCount)))) return undefined;
  }
  return enc.finish();
}

/**
 * {@link encodeBtfByUnits} for ranges that arrive one by one (walked in a
 * worker thread while the previous range is encoded here): the ranges, in
 * unit order, may be any (async) iterable.
 */
export async function encodeBtfByUnitsAsync(ranges: AsyncIterable<DwarfRecords>, opts: EncodeOptions = {}): Promise<EncodeResult | undefined> {
  const enc = new UnitsEncoder(opts);
  for await (const records of ranges) if (!enc.add(records)) return undefined;
  return enc.finish();
}

/**
 * The state {@link encodeBtfByUnits} carries from range to range: the
 * output and its dedup index, the FUNC names chosen so far (the first
 * prototype of a name wins), the per-cpu VARs seen.
 */
class UnitsEncoder {
  private readonly t0 = performance.now();
  private readonly stats = newStats();
  private readonly out: Btf;
  private readonly index: TargetIndex;
  private readonly filter: FuncFilter;
  private readonly percpu: ReturnType<typeof percpuInfo> | undefined;
  private readonly chosen = new Map<string, { sig: string }>();
  private readonly seenVars = new Set<number>();
  private readonly varEntries: VarSecInfo[] = [];
  /** Every range's records come from one reader: its string ids hold across ranges. */
  private readonly strings = sharedBuilderStrings();
  private dedupMs = 0;

  constructor(private readonly opts: EncodeOptions) {
    this.out = new Btf({ base: opts.base });
    this.index = new TargetIndex(this.out, opts.base ? new TargetIndex(opts.base) : undefined);
    const symbols = opts.symbols ?? opts.elf?.symbols();
    this.filter = funcFilterOf(opts, symbols);
    this.percpu = (opts.vars ?? true) && opts.elf && symbols ? percpuInfo(opts.elf, symbols) : undefined;
  }

  /** Builds and deduplicates one range's types into the output; false when a DIE refers outside it. */
  add(records: DwarfRecords): boolean {
    const { stats } = this;
    const ix = new DieIndex(records);
    stats.dies += ix.dies.count;
    const b = new TypeBuilder(ix, this.index, stats, this.strings);
    const d = ix.dies;
    for (let r = 0; r < d.count; r++) if (isTypeTag(d.tag[r])) b.ref(r);
    b.drain();
    if (this.opts.funcs ?? true) {
      const choices = selectFuncs(ix, this.filter, stats, this.chosen);
      buildFuncs(b, choices);
      stats.funcs += choices.length;
    }
    const vars = this.percpu ? collectPercpuVars(b, records.exprs, this.percpu, stats, this.seenVars) : [];
    const s = performance.now();
    const { T, ids } = b.flush();
    this.dedupMs += performance.now() - s;
    for (const v of vars) this.varEntries.push({ ...v, type: v.type >= T ? ids[v.type - T] : v.type });
    return !stats.missingDies;
  }

  /** The per-cpu DATASEC, then a last whole-output pass for FWDs one range could not resolve (its STRUCT came later). */
  finish(): EncodeResult {
    const { out, stats } = this;
    if (this.percpu && this.varEntries.length) out.add(percpuDatasec(out, this.percpu, this.varEntries));
    stats.vars = this.varEntries.length;
    const s = performance.now();
    const btf = dedupBtf(out, this.index.fwdHints).btf;
    this.dedupMs += performance.now() - s;
    return finish(btf, stats, this.t0, this.dedupMs, this.opts);
  }
}

/**
 * Fills the output counts and phase times of `stats` for the finished `btf`.
 * @throws NotFoundError when a base BTF (no `base`) has no type: the kernel refuses an empty one
 */
function finish(btf: Btf, stats: EncodeStats, t0: number, dedupMs: number, opts: EncodeOptions): EncodeResult {
  if (!opts.base && btf.types.length === 0) {
    throw new NotFoundError("no type in the DWARF to encode (BTF needs one; built with -g1 or -gline-tables-only?)", { file: opts.elf?.path, section: ".debug_info" });
  }
  stats.types = btf.types.length;
  stats.perKind = countKinds(btf);
  stats.timeMs.total = performance.now() - t0;
  stats.timeMs.dedup = dedupMs;
  stats.timeMs.build = stats.timeMs.total - dedupMs;
  return { btf, stats };
}

/** Which subprograms may get a FUNC: those with a function symbol (and an mcount entry with `ftraceFilter`). */
function funcFilterOf(opts: EncodeOptions, symbols: readonly ElfSymbol[] | undefined): FuncFilter {
  if (!symbols) return {};
  return funcFilterFromSymbols(symbols, (opts.ftraceFilter ?? false) && opts.elf ? readMcount(opts.elf) : undefined);
}

function percpuInfo(elf: ElfFile, symbols: readonly ElfSymbol[]): PercpuInfo | undefined {
  const sec = elf.section(PERCPU_SECTION);
  if (!sec) return undefined;
  return percpuFromSymbols(symbols, sec.index, BigInt(sec.addr), sec.size, elf.littleEndian);
}

/**
 * Sorted `__mcount_loc` entries of a linked kernel (between the symbols
 * `__start_mcount_loc` and `__stop_mcount_loc`), or undefined.
 */
export function readMcount(elf: ElfFile): Float64Array | undefined {
  if (elf.type === 1 /* ET_REL */) return undefined;
  const syms = elf.symbols();
  const start = syms.find((s) => s.name === "__start_mcount_loc");
  const stop = syms.find((s) => s.name === "__stop_mcount_loc");
  if (!start || !stop || stop.value <= start.value) return undefined;
  const sec = elf.sectionAt(start.value);
  if (!sec) return undefined;
  const data = elf.sectionData(sec);
  const from = Number(start.value - sec.addr);
  const n = Number(stop.value - start.value) / 8;
  const v = new DataView(data.buffer, data.byteOffset + from, n * 8);
  const out = new Float64Array(n);
  const le = elf.littleEndian;
  for (let i = 0; i < n; i++) {
    const lo = v.getUint32(i * 8 + (le ? 0 : 4), le);
    const hi = v.getUint32(i * 8 + (le ? 4 : 0), le);
    out[i] = (hi & 0xffff) * 0x1_0000_0000 + lo; // low 48 bits, like addr48()
  }
  out.sort();
  return out;
}
