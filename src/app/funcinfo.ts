/**
 * The main job: an object's DWARF to its BTF.func_info split BTF, and
 * `btfgen encode` (base BTF only, like `pahole -J`).
 *
 * func_info pipeline (data flows one way):
 *  1. ELF open; DWARF walk with sites and type DIEs (src/dwarf)
 *  2. the base chain: `--btf_base` files (vmlinux first), then the object's
 *     own `.BTF` split on them (a module); without either, base BTF encoded
 *     from the object's DWARF (src/encode)
 *  3. lowering of every site (src/lower), asking the TypeEncoder for each
 *     site function's FUNC_PROTO on first use (deduplicated against the base,
 *     so existing types keep their base ids), which also gives each
 *     parameter's size and signedness
 *  4. FUNCs: a base FUNC of the same name and prototype is reused; the rest
 *     are added to the split in name order
 *  5. LOC_PARAM / LOC_PROTO / LOCSEC emission, write (raw or ELF), atomic
 */
import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { Btf } from "../btf/btf.js";
import { BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO } from "../btf/kinds.js";
import { isVariadicParam, type TypeId } from "../btf/model.js";
import { writeBtf } from "../btf/write.js";
import { DwarfReader } from "../dwarf/load.js";
import { WALK_SITES, WALK_TYPES } from "../dwarf/wasm.js";
import { StringBlob, type DwarfRecords } from "../dwarf/records.js";
import type { ElfFile } from "../elf/elf.js";
import { writeElf } from "../elf/write.js";
import { TargetIndex } from "../encode/dedup/index.js";
import { encodeBtf, encodeBtfByUnits, encodeBtfByUnitsAsync, type EncodeResult } from "../encode/object.js";
import type { EncodeStats } from "../encode/stats.js";
import { BtfgenError, MalformedError } from "../errors.js";
import { emitLocations, type EmitOptions, type EmitStats, type SiteFunc } from "../lower/emit.js";
import { compareSites, type ParamNames } from "../lower/print.js";
import { addLowerStats, newLowerStats, type LowerStats, type LoweredSite } from "../lower/sites.js";
import { SiteTable } from "../lower/site-table.js";
import { integrateBatch, lowerUnitBatch, walkAndLower, type BatchContext } from "./batch.js";
import type { BatchRequest, BatchWorkerInit, BatchWorkReply, BatchWorkRequest } from "./batch-worker.js";
import type { WalkedRange, WalkReply, WalkRequest, WalkWorkerInit } from "./walk-worker.js";
import { btfIdentifier } from "../btf/names.js";
import { assertAccepted } from "./check.js";
import { typeText } from "./ctype.js";
import { checkOutputs, elfSections, loadBtfChain, openElf, ownBtf, writeFileAtomic, writeFilesAtomic } from "./io.js";
import { OrderedPool, workerScript } from "./pool.js";
import { appendWire, type WireBatch } from "./batch-wire.js";
import { scanEntryReferencesAsync } from "./entryrefs.js";
import { Timings } from "./timings.js";
import { formatLowerStats, lowerStatsJson } from "./report.js";
import { functionSymbols, requireDwarf } from "./sites.js";
import { packFunctionSymbols } from "../dwarf/clones.js";

/** Options of the main command. */
export interface FuncInfoOptions {
  file: string;
  output?: string;
  /** Base chain files, root first. */
  base?: string[];
  format?: "v2" | "rfc-v1";
  locsecMax?: number;
  /** LOCSEC entry order (FORMAT.md 4; see {@link EmitOptions.locsecOrder}). */
  locsecOrder?: "name" | "id";
  /**
   * v2: write the layout section (default true; older libbpf needs it to
   * skip the LOC kinds). false writes what the kernel's `resolve_btfids
   * --inline` writes: a 24-byte header and no layout.
   */
  layout?: boolean;
  /** Write an ELF object holding the BTF as `sectionName`. */
  elf?: boolean;
  sectionName?: string;
  json?: boolean;
  quiet?: boolean;
  /** Worker threads walking unit batches; the output does not depend on it. */
  jobs?: number;
  /** The supplementary (dwz) DWARF file, instead of the one the input's `.gnu_debugaltlink` / `.debug_sup` names. */
  alt?: string;
  /** Units per batch (default {@link UNITS_PER_BATCH}); part of what the output depends on, like the input. */
  unitsPerBatch?: number;
  /** `--timings`: print how long each stage took (stderr; in the JSON with `json`). */
  timings?: boolean;
  /** Per-stage timers filled by {@link buildFuncInfo} when given. */
  timers?: Timings;
  /** Called after each unit batch (the CLI draws progress on a TTY with it). */
  onProgress?: (done: number, total: number) => void;
  /**
   * The `base` chain already parsed and indexed, shared by many inputs of
   * one run (batch mode): each input then costs its own types only.
   */
  shared?: SharedBase;
  /**
   * Without a `.BTF`: encode the base range by range and lower in batches,
   * as for a big object, even when the object is small (tests; default:
   * over 32 MB of `.debug_info`).
   */
  baseByUnits?: boolean;
}

/** A parsed base chain and its dedup index, for many inputs on one base. */
export interface SharedBase {
  chain: Btf;
  index: TargetIndex;
}

/** Parses and indexes the chain `paths` once ({@link FuncInfoOptions.shared}); undefined for an empty chain. */
export function loadSharedBase(paths: string[]): SharedBase | undefined {
  const chain = loadBtfChain(paths);
  if (!chain) return undefined;
  const index = new TargetIndex(chain);
  index.sync();
  return { chain, index };
}

/** Where the func_info's base came from. */
export type BaseSource = "btf_base" | "own .BTF" | "btf_base + own .BTF" | "encoded from DWARF";

/** Result of {@link buildFuncInfo}. */
export interface FuncInfoResult {
  /** The split BTF (its base chain attached). */
  btf: Btf;
  /** The bytes of the raw BTF. */
  bytes: Uint8Array;
  baseSource: BaseSource;
  lower: LowerStats;
  emit: EmitStats;
  /** FUNCs reused from the base / added to the split. */
  funcsReused: number;
  funcsAdded: number;
  /** Sites dropped because their function had no usable prototype. */
  noProto: number;
  encode?: EncodeStats;
  /** The base BTF bytes when the base was encoded here (a reader needs it). */
  encodedBase?: Uint8Array;
  /** The lowered sites, sorted by name then address (what the LOCSECs say). */
  sites: LoweredSite[];
  /** Parameter names and C types of a site's function, from its FUNC_PROTO. */
  paramNames(site: LoweredSite): ParamNames;
}

/**
 * The base the func_info splits on, per FORMAT.md 2: the `--btf_base` chain,
 * with the object's own `.BTF` split on it when the object has one (a module),
 * or the object's own `.BTF` alone (vmlinux), or BTF encoded from its DWARF.
 */
function resolveBase(elf: ElfFile, records: DwarfRecords | undefined, chain: Btf | undefined): { base: Btf; source: BaseSource; encode?: EncodeStats } {
  const own = elf.section(".BTF");
  if (own && own.size > 0) {
    try {
      return chain
        ? { base: ownBtf(elf, chain), source: "btf_base + own .BTF" }
        : { base: ownBtf(elf, undefined), source: "own .BTF" };
    } catch (e) {
      if (e instanceof BtfgenError && !chain) {
        throw new MalformedError(`${e.message} (if this .BTF is split BTF, give its base with --btf_base)`, { file: elf.path, section: ".BTF" }, { cause: e });
      }
      throw e;
    }
  }
  if (!records) throw new MalformedError("no .BTF and no DWARF types to encode a base from", { file: elf.path });
  if (chain) {
    const enc = encodeBtf(records, { base: chain, elf });
    return { base: enc.btf, source: "btf_base", encode: enc.stats };
  }
  const enc = encodeBtf(records, { elf });
  return { base: enc.btf, source: "encoded from DWARF", encode: enc.stats };
}

/** `.debug_info` size above which an object is big: encoded range by range, and given workers. */
const BIG_DEBUG_INFO = 32 << 20;

/**
 * The base of a big object without `.BTF`, encoded from its DWARF range by
 * range (memory follows the output, as `btfgen encode`); undefined when a
 * DIE refers across ranges (LTO): the caller walks the whole object then.
 */
function encodeBaseByUnits(elf: ElfFile, reader: DwarfReader, chain: Btf | undefined): ReturnType<typeof resolveBase> | undefined {
  const walk = (from: number, to: number) => reader.walk(from, to, WALK_TYPES, false);
  const enc = encodeBtfByUnits(walk, reader.unitCount, ENCODE_UNITS_PER_RANGE, { base: chain, elf });
  if (!enc) return undefined;
  return { base: enc.btf, source: chain ? "btf_base" : "encoded from DWARF", encode: enc.stats };
}

/**
 * Units walked per func_info batch. A batch's type DIEs are dropped once its
 * sites are lowered and its prototypes encoded, so memory follows the
 * output, not the 12 million type DIEs of a vmlinux. Fixed (never derived
 * from `-j`), so the bytes do not depend on the machine. Small: a worker's
 * memory holds one batch's walk, and the last batches even out between the
 * workers (vmlinux, -j2, median of 3: 8 units 4.46 s and 748 MB, 64 units
 * 4.95 s and 841 MB, the same bytes for 8 to 256).
 */
export const UNITS_PER_BATCH = 8;

/**
 * Units per range of `btfgen encode`: each range is encoded and
 * deduplicated into the output before the next, so fewer, larger ranges
 * cost less (vmlinux: 9.0 s at 64, 10.3 s at 8).
 */
export const ENCODE_UNITS_PER_RANGE = 64;

/**
 * Threads for an object with `debugInfoBytes` of `.debug_info`: `-j` if
 * given (0, pahole's bare `-j`, means the default), else the machine's
 * cores (at most 4) for big objects (a worker costs a copy of the debug
 * sections and the base; small objects are done before workers would have
 * started). func_info runs N - 1 workers beside the main thread.
 */
export function defaultJobs(debugInfoBytes: number, jobs?: number): number {
  if (jobs !== undefined && jobs > 0) return Math.floor(jobs);
  return debugInfoBytes > BIG_DEBUG_INFO ? Math.min(4, availableParallelism()) : 1;
}

/**
 * Builds the func_info split BTF of `path`. With more than one job the unit
 * batches are walked in worker threads and consumed here in batch order, so
 * the bytes are the same for any job count.
 */
export async function buildFuncInfo(path: string, opts: Omit<FuncInfoOptions, "file" | "output"> = {}): Promise<FuncInfoResult> {
  const profile = opts.format ?? "v2";
  const tm = opts.timers ?? new Timings();
  const tOpen = performance.now();
  const elf = openElf(path);
  // The main thread loads the DWARF only when it walks it itself (no
  // workers, a base encoded from DWARF, or the cross-unit fallback).
  let reader: DwarfReader | undefined;
  let lanes: Lanes | undefined;
  try {
    requireDwarf(elf);
    const funcSyms = functionSymbols(elf);
    // Lazy .debug_info: when this thread is one of the lanes, it reads the units of its own batches only.
    const mainReader = (): DwarfReader => (reader ??= DwarfReader.open(elf, { alt: opts.alt, functionSymbols: funcSyms, lazyInfo: true }));
    const infoBytes = elf.sectionSize(elf.debugSection(".debug_info")!);
    const hasOwnBtf = (elf.section(".BTF")?.size ?? 0) > 0;
    // This thread's lane of the batches (it runs once the scan is made, after ctx is set).
    let ctx: BatchContext | undefined;
    const runHere = (req: BatchWorkRequest): BatchWorkReply =>
      "count" in req ? mainReader().unitCount : (loweredHere(walkAndLower(mainReader(), ctx!, req)) ?? null);
    // With a .BTF to split on, the workers read the base from the same files
    // as this thread: they start now and open the object while it does. (A
    // shared chain, parsed once for many inputs, goes to them as bytes below.)
    // With N jobs, N - 1 workers and this thread lower the batches.
    const workers = defaultJobs(infoBytes, opts.jobs) - 1;
    if (hasOwnBtf && !opts.shared) lanes = startLanes(path, opts, workers, { paths: opts.base ?? [] }, funcSyms, runHere);
    const chain = opts.shared?.chain ?? loadBtfChain(opts.base ?? []);
    // Without a .BTF to split on, the base is encoded from all the DWARF types. A small
    // object: one walk serves both. A big one (a kernel built without BTF): the base range
    // by range as `btfgen encode` makes it, then the batches as on a .BTF (a whole walk of
    // a ppc64le vmlinux held 3 GB).
    const big = opts.baseByUnits ?? infoBytes > BIG_DEBUG_INFO;
    const byUnits = hasOwnBtf || !big ? undefined : encodeBaseByUnits(elf, mainReader(), chain);
    const whole = hasOwnBtf || byUnits ? undefined : mainReader().walk(0, mainReader().unitCount, WALK_SITES | WALK_TYPES);
    const { base, source, encode } = byUnits ?? resolveBase(elf, whole, chain);
    const addrSize = elf.is64 ? 8 : 4;
    tm.add("main: open, base chain", performance.now() - tOpen);

    // Batches: lowered here or in workers, folded into the split in batch order.
    const baseIndex = opts.shared && base.base === opts.shared.chain ? new TargetIndex(base, opts.shared.index) : new TargetIndex(base);
    ctx = { elf, base, baseIndex, funcSyms, addrSize };
    // A base encoded here (or a shared chain) goes to the workers as bytes (one whole walk: no workers).
    if (!lanes && !whole && workers > 0) {
      const bytes = base.chain().map((b) => writeBtf(b, { profile: "v2", littleEndian: true, layout: false }));
      lanes = startLanes(path, opts, workers, { bytes }, funcSyms, runHere);
    }
    // The scan runs here in steps while the batches go out to the workers,
    // which wait for it only when a batch has entry values to prove.
    // Once scanned, nothing here needs the decoded symbols (the function symbols are a map of their own).
    const scanned = lanes
      ? shareScan(elf, lanes.channels, new Int32Array(lanes.scanReady), tm).finally(() => {
        elf.forgetSymbols();
        lanes!.scanDone();
      })
      : undefined;
    let lowered: LoweredUnits;
    try {
      lowered = await lowerAllUnits(path, ctx, lanes?.pool, whole, opts, mainReader);
    } finally {
      await scanned;
      await lanes?.close();
    }
    const { split, stats } = lowered;
    const { siteFuncs, reused, added } = tm.time("main: FUNCs", () => assignFuncs(split, lowered));
    const table = lowered.sites;
    const noProto = siteFuncs.filter((f) => !f).length;
    const emit = tm.time("main: LOC emission", () => emitLocations(split, table, siteFuncs, { profile, locsecMax: opts.locsecMax, locsecOrder: opts.locsecOrder }));
    split.hasLayout = profile === "v2" && opts.layout !== false;
    const bytes = tm.time("main: BTF writing", () => writeBtf(split, { profile, littleEndian: elf.littleEndian, layout: split.hasLayout }));
    const encodedBase = encode ? writeBtf(base, { profile: "v2", littleEndian: elf.littleEndian, layout: false }) : undefined;
    // Never hand out a file the kernel would refuse (FORMAT.md 3.1.1).
    tm.time("main: check (kernel rules)", () => {
      if (encodedBase) assertAccepted(encodedBase, chain, `the base BTF encoded from ${path}'s DWARF`);
      assertAccepted(bytes, base, `the func_info of ${path}`);
    });
    // The sites as objects, made when first asked (the main command never asks: 312k vmlinux sites).
    let objects: { sorted: LoweredSite[]; funcOf: Map<LoweredSite, SiteFunc> } | undefined;
    const siteObjects = () => {
      if (!objects) {
        const funcOf = new Map<LoweredSite, SiteFunc>();
        for (let i = 0; i < table.count; i++) {
          const f = siteFuncs[i];
          if (f) funcOf.set(table.site(i), f);
        }
        objects = { sorted: [...funcOf.keys()].sort(compareSites), funcOf };
      }
      return objects;
    };
    return {
      btf: split, bytes, baseSource: source, lower: stats, emit,
      funcsReused: reused, funcsAdded: added, noProto, encode, encodedBase,
      get sites() {
        return siteObjects().sorted;
      },
      paramNames(site) {
        const t = split.maybeType(siteObjects().funcOf.get(site)?.proto ?? 0);
        if (t?.kind !== BTF_KIND_FUNC_PROTO) return { names: [], types: [] };
        return {
          names: t.params.map((p) => (isVariadicParam(p) ? "..." : split.str(p.nameOff))),
          types: t.params.map((p) => (isVariadicParam(p) ? "" : typeText(split, p.type))),
        };
      },
    };
  } finally {
    await lanes?.close();
    reader?.release();
    elf.close();
  }
}

/** The worker lanes of a func_info run: the pool, and how the entry reference scan reaches the workers. */
interface Lanes {
  pool: OrderedPool<BatchWorkRequest, BatchWorkReply>;
  /** Each worker's channel for the scan (this thread holds `port1`). */
  channels: MessageChannel[];
  /** Int32 flag the scan raises once posted to every worker. */
  scanReady: SharedArrayBuffer;
  /** Lets this thread's lane take batches (it has made the scan). */
  scanDone(): void;
  /** Stops the workers (once; later calls do nothing). */
  close(): Promise<void>;
}

/**
 * Starts `workers` batch workers on `base` (see {@link BatchWorkerInit.base}),
 * with this thread as one more lane running `runHere` once the scan is made.
 * With N jobs, N - 1 worker threads and this one lower the batches; the
 * workers get the entry reference scan (entry values through call sites)
 * from here, made once while they open the object, not once per worker.
 * Undefined for no workers.
 */
function startLanes(
  path: string, opts: Pick<FuncInfoOptions, "alt">, workers: number, base: BatchWorkerInit["base"],
  funcSyms: Map<bigint, string[]>, runHere: (req: BatchWorkRequest) => BatchWorkReply,
): Lanes | undefined {
  if (workers <= 0) return undefined;
  const channels = Array.from({ length: workers }, () => new MessageChannel());
  const scanReady = new SharedArrayBuffer(4);
  let scanDone = (): void => undefined;
  const ready = new Promise<void>((resolve) => (scanDone = resolve));
  const pool = new OrderedPool<BatchWorkRequest, BatchWorkReply>(workerScript("batch-worker.js"), {
    path, alt: opts.alt, base, scanReady, functionSymbols: packFunctionSymbols(funcSyms),
  } satisfies BatchWorkerInit, workers, {
    own: (i) => ({ data: { scanPort: channels[i]!.port2 }, transfer: [channels[i]!.port2] }),
    // This thread lowers batches too once it has made the scan (its own batches use it).
    local: { ready, run: runHere },
  });
  let closing: Promise<void> | undefined;
  return {
    pool, channels, scanReady, scanDone: () => scanDone(),
    close: () => (closing ??= pool.close().finally(() => {
      for (const c of channels) c.port1.close();
    })),
  };
}

/**
 * Scans `elf` for entry references (a step at a time, between the main
 * thread's other work), posts the scan to every worker's channel and raises
 * `flag`. Never fails: a scan that throws is posted as unsupported, so no
 * worker is left waiting and every entry is then unprovable.
 */
async function shareScan(elf: ElfFile, channels: MessageChannel[], flag: Int32Array, tm: Timings): Promise<void> {
  const scan = await scanEntryReferencesAsync(elf, (ms) => tm.add("main: entry reference scan", ms));
  for (const c of channels) c.port1.postMessage(scan);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** Batches lowered on this thread (their --timings are "batch: ", not "worker: "). */
const here = new WeakSet<WireBatch>();
function loweredHere(wire: WireBatch | undefined): WireBatch | undefined {
  if (wire) here.add(wire);
  return wire;
}

/** The sites of every unit batch, lowered and folded into one split in batch order, with their prototypes. */
interface LoweredUnits {
  split: Btf;
  stats: LowerStats;
  /** The sites, with each one's FUNC_PROTO in the split and FUNC linkage. */
  sites: SiteTable;
}

/**
 * Walks and lowers every unit batch (here, or in `pool`'s workers) and folds
 * each batch's prototypes into one split in batch order. When a reference
 * crosses batch boundaries (e.g. LTO) all units are redone as one batch.
 */
async function lowerAllUnits(
  path: string, ctx: BatchContext, pool: OrderedPool<BatchWorkRequest, BatchWorkReply> | undefined, whole: DwarfRecords | undefined,
  opts: Omit<FuncInfoOptions, "file" | "output">, mainReader: () => DwarfReader,
): Promise<LoweredUnits> {
  const base = ctx.base;
  const baseIndex = ctx.baseIndex;
  const tm = opts.timers ?? new Timings();
  const fresh = (): LoweredUnits => ({ split: new Btf({ base }), stats: newLowerStats(), sites: new SiteTable() });
  let r = fresh();
  const unitCount = pool ? ((await pool.map([{ count: true }]).next()).value as number) : mainReader().unitCount;
  const per = whole ? unitCount : Math.max(1, opts.unitsPerBatch ?? UNITS_PER_BATCH);
  const ranges: BatchRequest[] = [];
  for (let u = 0; u < unitCount; u += per) ranges.push({ from: u, to: Math.min(u + per, unitCount) });

  // Batches read the type DIEs their prototypes need (demandTypes); the
  // all-units fallback reads every one, as a whole walk does. Worker
  // batches arrive as columns (batch-wire.ts).
  async function* outputs(list: BatchRequest[], parallel: boolean, demand: boolean): AsyncGenerator<WireBatch | undefined> {
    if (!parallel || !pool) {
      for (const q of list) yield loweredHere(whole ? lowerUnitBatch(whole, ctx) : walkAndLower(mainReader(), ctx, q, demand));
      return;
    }
    for await (const out of pool.map(list)) yield out === null ? undefined : (out as WireBatch);
  }
  // The table keeps one copy of each string, location and cause list (312k
  // vmlinux sites name ~33k functions in 3 sections with a few thousand
  // distinct locations), whether a batch was lowered here or in a worker.
  const fold = async (list: BatchRequest[], parallel: boolean, demand: boolean): Promise<boolean> => {
    const index = new TargetIndex(r.split, baseIndex);
    let k = 0;
    for await (const out of outputs(list, parallel, demand)) {
      if (!out) return false;
      tm.addAll(out.timings, here.has(out) ? "batch: " : "worker: ");
      const protoOf = tm.time("main: batch types into the split", () => integrateBatch(r.split, index, out.types));
      addLowerStats(r.stats, out.stats);
      tm.time("main: sites into the table", () => appendWire(r.sites, out, protoOf));
      opts.onProgress?.(list[k++].to, unitCount);
    }
    return true;
  };
  if (!(await fold(ranges, ranges.length > 1, true))) {
    r = fresh();
    if (!(await fold([{ from: 0, to: unitCount }], false, false))) {
      throw new MalformedError("DWARF references a DIE outside every unit", { file: path, section: ".debug_info" });
    }
  }
  return r;
}

/**
 * Gives each site its FUNC: a FUNC of the same name and prototype in the
 * base (or already added) is reused; the others are added to the split in
 * name order. Sites are renamed to C identifiers first, as the kernel wants
 * FUNC names. Returns each site's FUNC (undefined: no usable prototype).
 */
function assignFuncs(split: Btf, u: LoweredUnits): { siteFuncs: (SiteFunc | undefined)[]; reused: number; added: number } {
  const T = u.sites;
  const n = T.count;
  // A site is named by its FUNC, whose name the kernel wants a C identifier
  // (sites share their name strings: each is converted once).
  const ident = new Int32Array(T.strings.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const s = T.name[i]!;
    if (ident[s]! < 0) ident[s] = T.str(btfIdentifier(T.strings[s]!));
    T.name[i] = ident[s]!;
  }
  // A key is a site's (name, prototype): each distinct one gets a pair
  // index, its first site giving the linkage. A name's pairs are chained
  // from `headOf` (a name has one prototype, rarely a few), so finding a
  // site's pair costs no hashing.
  const headOf = new Int32Array(T.strings.length).fill(-1);
  const pairs: { name: number; proto: TypeId; first: number; next: number }[] = [];
  const sitePair = new Int32Array(n).fill(-1);
  // Per type id: 0 not asked yet, 1 a FUNC_PROTO, 2 not.
  const protoKind = new Uint8Array(split.nrTypes + 1);
  for (let i = 0; i < n; i++) {
    const p = T.proto[i]!;
    if (!(p < protoKind.length)) continue;
    if (protoKind[p] === 0) protoKind[p] = split.maybeType(p)?.kind === BTF_KIND_FUNC_PROTO ? 1 : 2;
    if (protoKind[p] !== 1) continue;
    const nm = T.name[i]!;
    let k = headOf[nm]!;
    while (k >= 0 && pairs[k]!.proto !== p) k = pairs[k]!.next;
    if (k < 0) {
      k = pairs.push({ name: nm, proto: p, first: i, next: headOf[nm]! }) - 1;
      headOf[nm] = k;
    }
    sitePair[i] = k;
  }
  // FUNCs: a FUNC of the same name and prototype in the base (or already
  // added) is reused; the others are added to the split in name order,
  // then prototype id.
  const S = T.strings;
  const order = pairs.map((_, k) => k).sort((x, y) => {
    const a = S[pairs[x]!.name]!, b = S[pairs[y]!.name]!;
    return a < b ? -1 : a > b ? 1 : pairs[x]!.proto - pairs[y]!.proto;
  });
  const pairFunc: SiteFunc[] = new Array(pairs.length);
  let reused = 0;
  let added = 0;
  for (const k of order) {
    const { name: nameId, proto: p, first } = pairs[k]!;
    const name = S[nameId]!;
    let func = split.findAllByName(name, BTF_KIND_FUNC).find((id) => {
      const t = split.typeById(id);
      return t.kind === BTF_KIND_FUNC && t.type === p;
    });
    if (func !== undefined && !split.owns(func)) reused++;
    else added++;
    // Added straight to the split: the lookup above already searched the
    // base and the split for an equal FUNC, so no dedup run is needed.
    func ??= split.add({ kind: BTF_KIND_FUNC, nameOff: split.addStr(name), type: p, linkage: T.linkage[first]! });
    pairFunc[k] = { func, proto: p };
  }
  const siteFuncs = new Array<SiteFunc | undefined>(n);
  for (let i = 0; i < n; i++) siteFuncs[i] = sitePair[i]! < 0 ? undefined : pairFunc[sitePair[i]!];
  return { siteFuncs, reused, added };
}

/**
 * Output file bytes: raw BTF, or an ELF object of the input's class, byte
 * order and machine holding it as `sectionName` — plus `.BTF` with the base
 * when the base was encoded here, so the object is self-contained.
 */
export function outputBytes(path: string, r: FuncInfoResult, asElf: boolean, sectionName: string): Uint8Array {
  if (!asElf) return r.bytes;
  const elf = openElf(path);
  try {
    const sections = [
      ...(r.encodedBase ? [{ name: ".BTF", type: 1, flags: 0, addralign: 4, data: r.encodedBase }] : []),
      { name: sectionName, type: 1, flags: 0, addralign: 4, data: r.bytes },
    ];
    return writeElf({ is64: elf.is64, littleEndian: elf.littleEndian, machine: elf.machine, osabi: elf.osabi, flags: elf.flags, sections });
  } finally {
    elf.close();
  }
}

/** Where the encoded base goes beside a raw output: `x.btf` -> `x.base.btf`. */
export function baseFileFor(out: string): string {
  return out.endsWith(".btf") ? out.slice(0, -4) + ".base.btf" : out + ".base.btf";
}

/**
 * The files one input's run writes to `out`: the func_info (raw BTF, or an
 * ELF object with `elf`), and before it, for a raw output whose base was
 * encoded from DWARF, that base beside it ({@link baseFileFor}).
 */
export function outputFiles(file: string, out: string, r: FuncInfoResult, elf: boolean, sectionName: string): { path: string; data: Uint8Array }[] {
  const files = [{ path: out, data: outputBytes(file, r, elf, sectionName) }];
  if (r.encodedBase && !elf) files.unshift({ path: baseFileFor(out), data: r.encodedBase });
  return files;
}

/** `btfgen FILE`: writes the func_info and returns the summary to print. */
export async function funcInfoCommand(o: FuncInfoOptions): Promise<string> {
  const out = o.output ?? `${o.file}.func_info.${o.elf ? "o" : "btf"}`;
  // Before any work: no output may be an input, and every output directory must exist.
  const willEncodeBase = !o.elf && !((elfSections(o.file)?.get(".BTF") ?? 0) > 0);
  checkOutputs([{ path: out, what: "output" }, ...(willEncodeBase ? [{ path: baseFileFor(out), what: "base BTF output" }] : [])], [o.file, ...(o.base ?? [])]);
  const timings = o.timings ? new Timings() : undefined;
  const r = await buildFuncInfo(o.file, { ...o, timers: timings });
  const files = outputFiles(o.file, out, r, o.elf ?? false, o.sectionName ?? ".BTF.func_info");
  if (timings) timings.time("main: output files", () => writeFilesAtomic(files));
  else writeFilesAtomic(files);
  const data = files[files.length - 1].data;
  const baseOut = files.length > 1 ? files[0].path : undefined;
  const summary = {
    output: out,
    baseOutput: baseOut ?? null,
    bytes: data.length,
    format: o.format ?? "v2",
    base: r.baseSource,
    sites: r.emit.entries,
    bytesPerSite: r.emit.entries ? Math.round((r.bytes.length / r.emit.entries) * 100) / 100 : 0,
    locParams: r.emit.locParams,
    locProtos: r.emit.locProtos,
    locsecs: r.emit.locsecs,
    funcsReused: r.funcsReused,
    funcsAdded: r.funcsAdded,
    sitesWithoutPrototype: r.noProto,
    notExpressibleInProfile: r.emit.notExpressible,
    lowering: lowerStatsJson(r.lower),
    ...(timings ? { timingsMs: timings.json() } : {}),
  };
  if (o.json) return JSON.stringify(summary, null, 1);
  // Timings go to stderr, so they show with -q and stay out of piped output.
  if (timings) process.stderr.write(timings.lines().join("\n") + "\n");
  if (o.quiet) return "";
  return [
    `wrote ${out}: ${data.length} bytes, ${summary.sites} sites (${summary.bytesPerSite} bytes/site), ${r.emit.locParams} LOC_PARAM, ${r.emit.locProtos} LOC_PROTO, ${r.emit.locsecs} LOCSEC`,
    `base: ${r.baseSource}${baseOut ? ` (written to ${baseOut}: read the func_info with ${[...(o.base ?? []), baseOut].map((f) => `--base ${f}`).join(" ")})` : ""}; FUNCs reused from base ${r.funcsReused}, added ${summary.funcsAdded}`,
    ...formatLowerStats(r.lower),
    ...(r.noProto ? [`without prototype:   ${r.noProto} (left out)`] : []),
  ].join("\n");
}

/**
 * {@link encodeBtfByUnits} with the walk in one worker thread ({@link
 * WalkWorkerInit}): ranges come back in order, at most two ahead of the
 * encoder, their string blob rebuilt here from the bytes each adds.
 */
async function encodeWalkedInWorker(path: string, per: number, opts: Parameters<typeof encodeBtfByUnitsAsync>[1]): Promise<EncodeResult | undefined> {
  // One range walked ahead: this thread encodes slower than the worker walks,
  // and every range waiting here holds its DIE columns (~35 MB on vmlinux).
  const pool = new OrderedPool<WalkRequest, WalkReply>(workerScript("walk-worker.js"), { path, flags: WALK_TYPES } satisfies WalkWorkerInit, 1, { window: 1 });
  try {
    const unitCount = (await pool.map([{ count: true }]).next()).value as number;
    const ranges: WalkRequest[] = [];
    for (let u = 0; u < unitCount; u += per) ranges.push({ from: u, to: Math.min(u + per, unitCount) });
    const blob = new StringBlob();
    async function* walked(): AsyncGenerator<DwarfRecords> {
      for await (const reply of pool.map(ranges)) {
        const w = reply as WalkedRange;
        if (w.stringsFrom !== blob.length) throw new Error(`walk worker strings out of step (${w.stringsFrom} != ${blob.length})`);
        yield { ...w.records, strings: blob.append(w.stringsAdded) };
      }
    }
    return await encodeBtfByUnitsAsync(walked(), opts);
  } finally {
    await pool.close();
  }
}

/** Options of {@link encodeCommand}. */
export interface EncodeCommandOptions {
  file: string;
  output?: string;
  base?: string[];
  json?: boolean;
  quiet?: boolean;
  /** Threads: with more than one, a worker walks the next unit range while this thread encodes (the bytes do not depend on it). */
  jobs?: number;
  /** Encode range by range even when the object is small (tests; default: over 32 MB of `.debug_info`). */
  byUnits?: boolean;
  /** Units per range (default {@link ENCODE_UNITS_PER_RANGE}). */
  unitsPerBatch?: number;
}

/**
 * `btfgen encode FILE`: base (or split) BTF from DWARF, like `pahole -J
 * --btf_encode_detached`. A big object is encoded unit range by unit range
 * (memory follows the output); with more than one job (the default for a
 * big object, as for func_info) a worker thread walks the next range's DIEs
 * while this one is encoded. Output bytes do not depend on `-j`.
 */
export async function encodeCommand(o: EncodeCommandOptions): Promise<string> {
  const out = o.output ?? `${o.file}.btf`;
  checkOutputs([{ path: out, what: "output" }], [o.file, ...(o.base ?? [])]);
  const elf = openElf(o.file);
  let reader: DwarfReader | undefined;
  let bytes: Uint8Array;
  let summary: object;
  try {
    requireDwarf(elf);
    const chain = loadBtfChain(o.base ?? []);
    const opts = { base: chain, elf };
    const infoBytes = elf.sectionSize(elf.debugSection(".debug_info")!);
    const big = o.byUnits ?? infoBytes > BIG_DEBUG_INFO;
    const jobs = big ? defaultJobs(infoBytes, o.jobs) : 1;
    const per = Math.max(1, o.unitsPerBatch ?? ENCODE_UNITS_PER_RANGE);
    const local = () => (reader ??= DwarfReader.open(elf));
    // Small objects, and any whose DIEs refer across ranges, at once.
    const r = (big ? (jobs > 1 ? await encodeWalkedInWorker(o.file, per, opts) : encodeBtfByUnits((from, to) => local().walk(from, to, WALK_TYPES, false), local().unitCount, per, opts)) : undefined)
      ?? encodeBtf(local().walk(0, local().unitCount, WALK_TYPES, false), opts);
    bytes = writeBtf(r.btf, { profile: "v2", littleEndian: elf.littleEndian, layout: false });
    assertAccepted(bytes, chain, `the BTF encoded from ${o.file} (to ${out})`);
    summary = { ...r.stats, types: r.btf.types.length };
  } finally {
    reader?.release();
    elf.close();
  }
  writeFileAtomic(out, bytes);
  if (o.json) return JSON.stringify({ output: out, bytes: bytes.length, ...summary }, null, 1);
  if (o.quiet) return "";
  return `wrote ${out}: ${bytes.length} bytes, ${(summary as { types: number }).types} types`;
}
