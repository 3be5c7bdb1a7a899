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
import { causeKey, type SiteTable } from "../lower/site-table.js";
import type { BatchOutput } from "./batch.js";

/** {@link BatchOutput} on the wire. */
export interface WireBatch {
  types: Uint8Array;
  stats: BatchOutput["stats"];
  strings: string[];
  locs: LocParam[];
  /** Distinct cause lists; `null` stands for a slot with no cause. */
  causeLists: (string | null)[][];
  u32: Uint32Array;
  u64: BigUint64Array;
  i64: BigInt64Array;
  timings?: Record<string, number>;
}

/** Fixed words of a site row before its parameters. */
const HEAD = 9;

/** Encodes a lowered batch for the trip to the main thread; {@link wireTransfer} lists the buffers to move. */
export function encodeWire(out: BatchOutput): WireBatch {
  const strings: string[] = [];
  const strIndex = new Map<string, number>();
  const str = (s: string): number => {
    let i = strIndex.get(s);
    if (i === undefined) strIndex.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const locs: LocParam[] = [];
  const locIndex = new Map<string, number>();
  const causeLists: (string | null)[][] = [];
  const causeIndex = new Map<string, number>();
  let words = 0;
  for (const s of out.sites) words += HEAD + s.params.length;
  const u32 = new Uint32Array(words);
  const u64 = new BigUint64Array(out.sites.length * 2);
  const i64 = new BigInt64Array(out.sites.length);
  let w = 0;
  out.sites.forEach((s, i) => {
    // Most sites have a location for every slot: their cause list is keyed by its length alone.
    const ck = s.causes.every((c) => c === undefined) ? "\u0002" + s.causes.length : causeKey(s.causes);
    let ci = causeIndex.get(ck);
    if (ci === undefined) causeIndex.set(ck, (ci = causeLists.push(s.causes.map((c) => c ?? null)) - 1));
    u32[w++] = s.kind;
    u32[w++] = s.func;
    u32[w++] = str(s.name);
    u32[w++] = str(s.section);
    u32[w++] = str(s.caller);
    u32[w++] = out.protos[i];
    u32[w++] = out.linkage[i];
    u32[w++] = ci;
    u32[w++] = s.params.length;
    for (const p of s.params) {
      if (!p) {
        u32[w++] = 0;
        continue;
      }
      const key = locParamKey(p);
      let li = locIndex.get(key);
      if (li === undefined) locIndex.set(key, (li = locs.push(p) - 1));
      u32[w++] = li + 1;
    }
    u64[2 * i] = s.addr;
    u64[2 * i + 1] = s.offset;
    i64[i] = s.callerOffset;
  });
  return { types: out.types, stats: out.stats, strings, locs, causeLists, u32, u64, i64, timings: out.timings };
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
    // The 64-bit columns are copied as words below.
    table.push({
      kind: u32[r]!, func: u32[r + 1]!, name: strings[u32[r + 2]!]!, section: strings[u32[r + 3]!]!, caller: strings[u32[r + 4]!]!,
      proto: protoOf(u32[r + 5]!), linkage: u32[r + 6]!, causes: causeLists[u32[r + 7]!]!, addr: 0n, offset: 0n, callerOffset: 0n,
    });
    const np = u32[r + 8]!;
    r += HEAD;
    for (let k = 0; k < np; k++) {
      const li = u32[r++]!;
      table.param(li === 0 ? 0 : 1 + locs[li - 1]!);
    }
  }
  const words = (a: BigUint64Array | BigInt64Array) => new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  table.set64(from, words(u64), 2, 0, 1, words(i64));
}
