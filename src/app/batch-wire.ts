/**
 * A lowered batch as it crosses from a worker thread: columns instead of an
 * object per site. Structured-cloning 312k {@link LoweredSite}s of a vmlinux
 * (each with its parameter and cause arrays, LOC_PARAM objects and three
 * bigints) cost the main thread more than folding them; here a batch is
 * two transferred typed arrays plus its distinct strings, LOC_PARAMs and
 * cause lists, and the main thread appends each site to its columns with the
 * strings, locations and cause lists shared across batches ({@link
 * appendWire}).
 *
 * Row layout of `u32` (per site): kind, func, name, section, caller (string
 * indexes), proto, linkage, cause list index, parameter count n, then n
 * words: 0 for no location, else 1 + the LOC_PARAM index. `u64` holds
 * addr and offset per site, `i64` callerOffset (a site in a cold part may
 * lie before its function's entry).
 */
import type { LocParam } from "../lower/locparam.js";
import { locParamKey } from "../lower/locparam.js";
import { causeKey, grown, Interned, type SiteTable } from "../lower/site-table.js";
import type { LowerStats, SiteSink } from "../lower/sites.js";

/** A lowered batch as it crosses from a worker (see the file comment); what {@link lowerUnitBatch} returns. */
export interface WireBatch {
  /** The batch split (types the prototypes need beyond the base) as raw BTF on the base. */
  types: Uint8Array;
  stats: LowerStats;
  strings: string[];
  locs: LocParam[];
  /** Distinct cause lists; `null` stands for a slot with no cause. */
  causeLists: (string | null)[][];
  u32: Uint32Array;
  u64: BigUint64Array;
  i64: BigInt64Array;
  /** Milliseconds per stage (see {@link Timings}), for `--timings`; the caller names where they ran. */
  timings?: Record<string, number>;
}

/** Fixed words of a site row before its parameters. */
const HEAD = 9;

/**
 * Writes lowered sites straight into the wire form (a {@link SiteSink} of
 * the lowering: no object per site), each with its FUNC_PROTO and linkage
 * from `protoOf` / `linkageOf` (by FuncTable row).
 */
export class WireWriter implements SiteSink {
  private readonly strings = new Interned<string>();
  private readonly locs = new Interned<LocParam>();
  private readonly causeLists = new Interned<(string | null)[]>();
  private u32 = new Uint32Array(0);
  private words = 0;
  private u64 = new BigUint64Array(0);
  private i64 = new BigInt64Array(0);
  private count = 0;
  private lastSection: string | undefined;
  private lastSectionId = 0;
  private lastCaller: string | undefined;
  private lastCallerId = 0;

  constructor(private readonly protoOf: (func: number) => number, private readonly linkageOf: (func: number) => number) {}

  site(
    kind: number, func: number, name: string, addr: bigint, section: string, offset: bigint, caller: string, callerOffset: bigint,
    params: readonly (LocParam | null)[], causes: readonly (string | undefined)[],
  ): void {
    // Most sites have a location for every slot: their cause list is keyed by its length alone.
    const ck = causes.every((c) => c === undefined) ? "\u0002" + causes.length : causeKey(causes);
    const ci = this.causeLists.find(ck) ?? this.causeLists.add(ck, causes.map((c) => c ?? null));
    const i = this.count++;
    const u = (this.u32 = grown(this.u32, this.words + HEAD + params.length));
    this.u64 = grown(this.u64, 2 * i + 2);
    this.i64 = grown(this.i64, i + 1);
    const S = this.strings;
    let w = this.words;
    u[w++] = kind;
    u[w++] = func;
    u[w++] = S.id(name, name);
    // Runs of sites share their section and, mostly, their caller.
    if (section !== this.lastSection) this.lastSectionId = S.id((this.lastSection = section), section);
    u[w++] = this.lastSectionId;
    if (caller !== this.lastCaller) this.lastCallerId = S.id((this.lastCaller = caller), caller);
    u[w++] = this.lastCallerId;
    u[w++] = this.protoOf(func);
    u[w++] = this.linkageOf(func);
    u[w++] = ci;
    u[w++] = params.length;
    for (const p of params) u[w++] = p ? this.locs.id(locParamKey(p), p) + 1 : 0;
    this.words = w;
    this.u64[2 * i] = addr;
    this.u64[2 * i + 1] = offset;
    this.i64[i] = callerOffset;
  }

  /** The batch: the sites written so far with the batch split `types` and `stats`. */
  finish(types: Uint8Array, stats: LowerStats, timings?: Record<string, number>): WireBatch {
    return {
      types, stats, strings: this.strings.values, locs: this.locs.values, causeLists: this.causeLists.values,
      u32: this.u32.slice(0, this.words), u64: this.u64.slice(0, 2 * this.count), i64: this.i64.slice(0, this.count),
      ...(timings ? { timings } : {}),
    };
  }
}

/** The buffers of `w` to transfer (not copy) with postMessage. */
export function wireTransfer(w: WireBatch): ArrayBuffer[] {
  return [w.u32.buffer as ArrayBuffer, w.u64.buffer as ArrayBuffer, w.i64.buffer as ArrayBuffer];
}

/**
 * Appends the sites of a wire batch to `table` (one copy of each string,
 * LOC_PARAM and cause list across all batches), their FUNC_PROTO ids mapped
 * by `protoOf` (batch ids to ids of the run's split).
 */
export function appendWire(table: SiteTable, w: WireBatch, protoOf: (batchProto: number) => number): void {
  const strings = w.strings.map((s) => table.str(s));
  const locs = w.locs.map((p) => table.loc(p));
  const causeLists = w.causeLists.map((l) => table.causeList(l));
  const { u32, u64, i64 } = w;
  const from = table.count;
  let r = 0;
  for (let i = 0; i < i64.length; i++) {
    table.push({
      kind: u32[r]!, func: u32[r + 1]!, name: strings[u32[r + 2]!]!, section: strings[u32[r + 3]!]!, caller: strings[u32[r + 4]!]!,
      proto: protoOf(u32[r + 5]!), linkage: u32[r + 6]!, causes: causeLists[u32[r + 7]!]!,
    });
    const np = u32[r + 8]!;
    r += HEAD;
    for (let k = 0; k < np; k++) {
      const li = u32[r++]!;
      table.param(li === 0 ? 0 : 1 + locs[li - 1]!);
    }
  }
  table.copy64(from, u64, i64);
}
