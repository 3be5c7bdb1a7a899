/**
 * The text and JSON forms of a `btfgen diff` report: a summary table
 * first (totals of both builds, then functions per kind of difference),
 * then one section per kind, functions in byte-wise name order.
 */
import type { BuildTotals, DiffKind, DiffReport, FuncDiff, FuncState, ParamCoverage } from "./diff.js";

/** Headings of the kinds, in the report's words. */
const KIND_TITLE: Record<DiffKind, string> = {
  "inlined-fully": "became fully inlined",
  "inlined-partially": "became partially inlined",
  uninlined: "no longer inlined",
  "uninlined-partially": "no longer fully inlined",
  sites: "site count changed",
  "clone-new": "became a clone",
  "clone-gone": "no longer a clone",
  "clone-changed": "clone kind changed",
  signature: "signature changed",
  locations: "argument locations changed",
  added: "added",
  removed: "removed",
};
/** The kinds in report order (diff.ts's DIFF_KINDS; not imported, so the two files do not import each other). */
const KINDS = Object.keys(KIND_TITLE) as DiffKind[];

const cov = (c: ParamCoverage | undefined) => (c ? `${c.located}/${c.entries}` : "-");
const clonesText = (f: FuncState) => (f.clones === undefined ? "unknown" : f.clones.length ? f.clones.join(" ") : "none");
const sigText = (f: FuncState) => (f.signatures.length ? f.signatures.join(" | ") : "(no prototype)");

function buildLine(label: string, b: DiffReport["old"]): string {
  const syms = b.symbolsFrom ? `symbols of ${b.symbolsFrom}` : "no symbol table: clones unknown, optimised entries counted as sites";
  return `${label} ${b.file} (${syms})`;
}

function totalsTable(o: BuildTotals, n: BuildTotals): string[] {
  const rows: [string, number | undefined, number | undefined][] = [
    ["functions", o.functions, n.functions],
    ["out-of-line", o.outOfLine, n.outOfLine],
    ["partially inlined", o.partiallyInlined, n.partiallyInlined],
    ["fully inlined", o.fullyInlined, n.fullyInlined],
    ["clone only", o.cloneOnly, n.cloneOnly],
    ["inline sites", o.sites, n.sites],
    ["out-of-line entries", o.entries, n.entries],
    ["functions with clones", o.withClones, n.withClones],
  ];
  const num = (v: number | undefined) => (v === undefined ? "?" : String(v)).padStart(10);
  return [`${"".padEnd(28)}${"old".padStart(10)}${"new".padStart(10)}`, ...rows.map(([l, a, b]) => `${l.padEnd(28)}${num(a)}${num(b)}`)];
}

/** One detail line of function `d` under kind `k`. */
function detailLine(d: FuncDiff, k: DiffKind): string {
  const o = d.old, n = d.new;
  switch (k) {
    case "inlined-fully":
    case "inlined-partially":
    case "uninlined":
    case "uninlined-partially":
      return `${d.name}: ${o!.state} -> ${n!.state}, sites ${o!.sites} -> ${n!.sites}`;
    case "sites":
      return `${d.name}: ${o!.sites} -> ${n!.sites}`;
    case "clone-new":
    case "clone-gone":
    case "clone-changed":
      return `${d.name}: ${clonesText(o!)} -> ${clonesText(n!)}`;
    case "signature":
      return `${d.name}: ${sigText(o!)} -> ${sigText(n!)}`;
    case "locations":
      return `${d.name}: ${d.locations.map((l) => `${l.param} ${cov(l.old)} -> ${cov(l.new)} ${l.change}`).join(", ")}`;
    case "added":
      return `${d.name}: ${n!.state}, sites ${n!.sites}`;
    case "removed":
      return `${d.name}: ${o!.state}, sites ${o!.sites}`;
  }
}

function stateLine(label: string, f: FuncState | undefined): string {
  if (!f) return `  ${label}: absent`;
  const sym = f.symbol === undefined ? "unknown" : f.symbol ? "yes" : "no";
  return `  ${label}: ${f.state}; ${f.sites} sites, ${f.entries} out-of-line entries; FUNC in base: ${f.baseFunc ? "yes" : "no"}, symbol: ${sym}; clones: ${clonesText(f)}; ${sigText(f)}`;
}

/** Everything about the one function of `--func`: both states and every parameter's coverage. */
function functionBlock(d: FuncDiff): string[] {
  const lines = [`function ${d.name}`, stateLine("old", d.old), stateLine("new", d.new)];
  const names = [...new Set([...(d.old?.params.keys() ?? []), ...(d.new?.params.keys() ?? [])])];
  if (names.length) {
    const w = Math.max(9, ...names.map((s) => s.length)) + 2;
    lines.push(`  ${"parameter".padEnd(w)}${"old".padStart(8)}${"new".padStart(8)}`);
    for (const p of names) {
      const change = d.locations.find((l) => l.param === p)?.change;
      lines.push(`  ${p.padEnd(w)}${cov(d.old?.params.get(p)).padStart(8)}${cov(d.new?.params.get(p)).padStart(8)}${change ? `  ${change}` : ""}`);
    }
  }
  return lines;
}

/** The text report. */
export function formatDiff(r: DiffReport): string {
  const lines = [buildLine("old:", r.old), buildLine("new:", r.new), "", ...totalsTable(r.old.totals, r.new.totals), ""];
  lines.push(`${"difference".padEnd(28)}${"functions".padStart(10)}`);
  for (const k of KINDS) {
    const extra = k === "locations"
      ? `  (parameters: ${r.params.unavailable} unavailable, ${r.params.available} available, ${r.params.fewer} fewer, ${r.params.more} more)`
      : "";
    lines.push(`${KIND_TITLE[k].padEnd(28)}${String(r.summary[k]).padStart(10)}${extra}`);
  }
  for (const k of KINDS) {
    const list = r.functions.filter((d) => d.kinds.includes(k));
    if (!list.length) continue;
    lines.push("", `${KIND_TITLE[k]} (${list.length}):`);
    for (const d of list) lines.push(`  ${detailLine(d, k)}`);
  }
  if (r.func !== undefined && r.functions[0]) lines.push("", ...functionBlock(r.functions[0]));
  return lines.join("\n");
}

function stateJson(f: FuncState | undefined): object | null {
  if (!f) return null;
  return {
    state: f.state,
    base_func: f.baseFunc,
    symbol: f.symbol ?? null,
    sites: f.sites,
    entries: f.entries,
    clones: f.clones ?? null,
    signatures: f.signatures,
    params: [...f.params].map(([name, c]) => ({ name, entries: c.entries, located: c.located })),
  };
}

/** The `--json` form: the same facts, snake_case keys, functions by name. */
export function diffJson(r: DiffReport): object {
  const build = (b: DiffReport["old"]) => ({ file: b.file, symbols_from: b.symbolsFrom ?? null, totals: b.totals });
  return {
    old: build(r.old),
    new: build(r.new),
    summary: r.summary,
    params: r.params,
    functions: r.functions.map((d) => ({
      name: d.name,
      kinds: d.kinds,
      old: stateJson(d.old),
      new: stateJson(d.new),
      locations: d.locations,
    })),
  };
}
