// Location views (gcc -gvariable-location-views) for the llvm-dwarfdump-19
// oracle. llvm-dwarfdump prints DW_AT_GNU_entry_view and DW_AT_GNU_locviews
// but does not resolve views, so the view pairs are read here from the raw
// section bytes (llvm-objcopy-19 dumps them). No btfgen code.
//
// gcc writes, at the DW_AT_GNU_locviews offset, one (begin view, end view)
// uleb128 pair per location-list entry, immediately before the list itself
// (the DW_AT_location offset). An entry [lo, hi) with views (vb, ve) is in
// effect at (address a, view v) iff (lo, vb) <= (a, v) < (hi, ve).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DWARFDUMP, locationAt, type InlineSite, type LocEntry, type SiteParam } from "./helpers/dwarfdump.ts";

const OBJCOPY = process.env.LLVM_OBJCOPY ?? "llvm-objcopy-19";

/** View attributes of the DIEs that have any, by DIE offset. */
export interface ViewAttrs {
  entryView?: bigint;
  locviews?: number;
}

export interface ObjViews {
  dies: Map<number, ViewAttrs>;
  /** Raw (decompressed) .debug_loclists and .debug_loc. */
  loclists: Uint8Array;
  loc: Uint8Array;
}

const cache = new Map<string, ObjViews>();

function dumpSection(obj: string, name: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "btfgen-views-"));
  try {
    const plain = join(dir, "plain");
    execFileSync(OBJCOPY, ["--decompress-debug-sections", obj, plain]);
    const out = join(dir, "sec");
    try {
      execFileSync(OBJCOPY, [`--dump-section=${name}=${out}`, plain, join(dir, "x")], { stdio: "pipe" });
    } catch {
      return new Uint8Array(0); // no such section
    }
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function objViews(obj: string): ObjViews {
  const hit = cache.get(obj);
  if (hit) return hit;
  const text = execFileSync(DWARFDUMP, ["--debug-info", obj], { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
  const dies = new Map<number, ViewAttrs>();
  let cur = -1;
  for (const line of text.split("\n")) {
    const d = /^0x([0-9a-f]+):\s+(DW_TAG_|NULL)/.exec(line);
    if (d) {
      cur = parseInt(d[1]!, 16);
      continue;
    }
    const ev = /^\s+DW_AT_GNU_entry_view\s+\((0x[0-9a-f]+)\)/.exec(line);
    if (ev) (dies.get(cur) ?? dies.set(cur, {}).get(cur)!).entryView = BigInt(ev[1]!);
    const lv = /^\s+DW_AT_GNU_locviews\s+\((0x[0-9a-f]+)\)/.exec(line);
    if (lv) (dies.get(cur) ?? dies.set(cur, {}).get(cur)!).locviews = parseInt(lv[1]!, 16);
  }
  const v = { dies, loclists: dumpSection(obj, ".debug_loclists"), loc: dumpSection(obj, ".debug_loc") };
  cache.set(obj, v);
  return v;
}

function uleb(b: Uint8Array, pos: { p: number }): bigint {
  let r = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.p >= b.length) throw new Error("uleb128 past the section end");
    const x = b[pos.p++]!;
    r |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if ((x & 0x80) === 0) return r;
  }
}

/** The (begin, end) view pairs between `from` and `to`, which they must fill exactly. */
export function viewPairs(sec: Uint8Array, from: number, to: number): Array<[bigint, bigint]> {
  const pos = { p: from };
  const out: Array<[bigint, bigint]> = [];
  while (pos.p < to) out.push([uleb(sec, pos), uleb(sec, pos)]);
  if (pos.p !== to) throw new Error(`view pairs at 0x${from.toString(16)} overrun the list at 0x${to.toString(16)}`);
  return out;
}

type ViewEntry = LocEntry & { vb: bigint; ve: bigint };

function inEffect(e: ViewEntry, a: bigint, v: bigint): boolean {
  if (e.lo === undefined || e.hi === undefined) return true; // <default>
  const geBegin = e.lo < a || (e.lo === a && e.vb <= v);
  const ltEnd = a < e.hi || (a === e.hi && v < e.ve);
  return geBegin && ltEnd;
}

/** Expression in effect at (a, v); null when entries that differ claim it. */
function atPoint(entries: ViewEntry[], a: bigint, v: bigint): string | undefined | null {
  const hits = entries.filter((e) => inEffect(e, a, v)).map((e) => e.expr);
  if (hits.length === 0) return undefined;
  return hits.every((h) => h === hits[0]) ? hits[0] : null;
}

export interface ViewedLocation {
  /** Expression text (as locationAt gives it), or undefined for none. */
  text: string | undefined;
  /** The list has views and they decided. */
  viewed: boolean;
}

/**
 * The location of `p` at the entry of `site`, honouring location views:
 * the entry in effect at (address, entry view), else at (address, entry
 * view + 1) (gcc binds an inline instance's parameters right after its entry
 * row); entry view = DW_AT_GNU_entry_view, 0 when absent next to
 * DW_AT_entry_pc, unknown otherwise (then: the entry in effect at every view
 * of the address, if one). Lists without views: {@link locationAt}.
 */
export function locationAtEntry(obj: string, site: InlineSite, p: SiteParam): ViewedLocation {
  const loc = p.location;
  const views = objViews(obj);
  const lv = views.dies.get(p.dieOffset)?.locviews;
  if (loc?.kind !== "list" || lv === undefined) return { text: locationAt(p, site.address), viewed: false };
  const sec = site.dwarfVersion >= 5 ? views.loclists : views.loc;
  const pairs = viewPairs(sec, lv, loc.offset);
  if (pairs.length !== loc.entries.length)
    throw new Error(`${obj}: param 0x${p.dieOffset.toString(16)}: ${pairs.length} view pairs for ${loc.entries.length} entries`);
  const entries: ViewEntry[] = loc.entries.map((e, i) => ({ ...e, vb: pairs[i]![0], ve: pairs[i]![1] }));
  const a = site.address;
  const ev = views.dies.get(site.dieOffset)?.entryView ?? (site.entryPc !== undefined ? 0n : undefined);
  if (ev !== undefined) {
    let t = atPoint(entries, a, ev);
    if (t === undefined) t = atPoint(entries, a, ev + 1n);
    return { text: t ?? undefined, viewed: true };
  }
  const cand = new Set<bigint>([0n]);
  for (const e of entries) {
    if (e.lo === a) cand.add(e.vb);
    if (e.hi === a) cand.add(e.ve);
  }
  const got = [...cand].map((v) => atPoint(entries, a, v));
  const t = got.every((g) => g === got[0]) ? got[0] : undefined;
  return { text: t ?? undefined, viewed: true };
}
