/**
 * A lowered batch as it crosses from a worker thread: columns instead of an
 * object per site. Structured-cloning 312k {@link LoweredSite}s of a vmlinux
 * (each with its parameter and cause arrays, LOC_PARAM objects and three
 * bigints) cost the main thread more than folding them; here a batch is
 * two transferred typed arrays plus its distinct strings, LOC_PARAMs and
 * cause lists, and the main thread builds each site from them with the
 * strings, locations and cause lists shared across batches ({@link
 * WireDecoder}).
 *
 * Row layout of `u32` (per site): kind, func, name, section, caller (string
 * indexes), proto, linkage, cause list index, parameter count n, then n
 * words: 0 for no location, else 1 + the LOC_PARAM index. `u64` holds
 * addr and offset per site, `i64` callerOffset (a site in a cold part may
 * lie before its function's entry).
 */
import type { LocParam } from "../lower/locparam.js";
import { locParamKey } from "../lower/locparam.js";
import type { LoweredSite } from "../lower/sites.js";
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

/** The key of a cause list: equal lists, equal keys (a slot without a cause is "\u0001"). */
function causeKey(list: readonly (string | null | undefined)[]): string {
  return list.map((c) => (c === null || c === undefined ? "\u0001" : c)).join("\0");
}

/**
 * Rebuilds batches on the main thread, keeping one copy of each string,
 * LOC_PARAM and cause list across all batches (read only: sites share them);
 * {@link share} does the same for sites lowered on the main thread.
 */
export class WireDecoder {
  private readonly texts = new Map<string, string>();
  private readonly locs = new Map<string, LocParam>();
  private readonly causeLists = new Map<string, (string | undefined)[]>();

  /** The kept copy of `s`. */
  private text(s: string): string {
    const seen = this.texts.get(s);
    if (seen !== undefined) return seen;
    this.texts.set(s, s);
    return s;
  }

  /** The kept LOC_PARAM equal to `p`. */
  private loc(p: LocParam): LocParam {
    const key = locParamKey(p);
    const seen = this.locs.get(key);
    if (seen) return seen;
    this.locs.set(key, p);
    return p;
  }

  /** The kept cause list equal to `l`. */
  private causeList(l: readonly (string | null | undefined)[]): (string | undefined)[] {
    const key = causeKey(l);
    const seen = this.causeLists.get(key);
    if (seen) return seen;
    const list = l.map((c) => (c === null || c === undefined ? undefined : this.text(c)));
    this.causeLists.set(key, list);
    return list;
  }

  /** `s` (lowered on this thread) with its strings, locations and cause list swapped for the kept copies. */
  share(s: LoweredSite): LoweredSite {
    s.name = this.text(s.name);
    s.section = this.text(s.section);
    s.caller = this.text(s.caller);
    s.causes = this.causeList(s.causes);
    for (let k = 0; k < s.params.length; k++) {
      const p = s.params[k];
      if (p) s.params[k] = this.loc(p);
    }
    return s;
  }

  decode(w: WireBatch): BatchOutput {
    const strings = w.strings.map((s) => this.text(s));
    const locs = w.locs.map((p) => this.loc(p));
    const causeLists = w.causeLists.map((l) => this.causeList(l));
    const n = w.i64.length;
    const sites: LoweredSite[] = new Array(n);
    const protos: number[] = new Array(n);
    const linkage: number[] = new Array(n);
    const { u32, u64, i64 } = w;
    let r = 0;
    for (let i = 0; i < n; i++) {
      const kind = u32[r];
      const func = u32[r + 1];
      const name = strings[u32[r + 2]];
      const section = strings[u32[r + 3]];
      const caller = strings[u32[r + 4]];
      protos[i] = u32[r + 5];
      linkage[i] = u32[r + 6];
      const causes = causeLists[u32[r + 7]];
      const np = u32[r + 8];
      r += HEAD;
      const params: (LocParam | null)[] = new Array(np);
      for (let k = 0; k < np; k++) {
        const li = u32[r++];
        params[k] = li === 0 ? null : locs[li - 1];
      }
      sites[i] = {
        kind, func, name, addr: u64[2 * i], section, offset: u64[2 * i + 1], caller, callerOffset: i64[i], params, causes,
      };
    }
    return { types: w.types, stats: w.stats, sites, protos, linkage, ...(w.timings ? { timings: w.timings } : {}) };
  }

}
