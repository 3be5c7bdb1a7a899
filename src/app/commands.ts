/**
 * The commands behind the CLI, as plain functions returning the text to
 * print (so tests can call them without spawning a process).
 */
import { statSync } from "node:fs";
import type { Btf } from "../btf/btf.js";
import { dumpBtf, dumpBtfJson } from "../btf/dump.js";
import { BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, kindName, type Profile } from "../btf/kinds.js";
import { isVariadicProto } from "../btf/model.js";
import { recordSize } from "../btf/visit.js";
import { formatSite, siteJson } from "../lower/print.js";
import { decodeFuncInfo, formatDecodedSite } from "./decode.js";
import { FUNC_INFO_SECTIONS, elfSections, funcInfoOf, loadBtf, loadBtfChain, loadFuncInfo, openElf, openInput } from "./io.js";
import { readObjectSites } from "./sites.js";
import { formatLowerStats, lowerStatsJson, pct } from "./report.js";
import { buildFuncInfo } from "./funcinfo.js";

/** Options of {@link sitesCommand}. */
export interface SitesOptions {
  file: string;
  base?: string[];
  /** Wire profile of a func_info input (default: detected). */
  format?: Profile;
  elf?: string;
  allFunctions?: boolean;
  inlineOnly?: boolean;
  json?: boolean;
  /**
   * false: list from the DWARF alone (fast; no types, so locations that need
   * a parameter's size, such as register pairs, stay unknown). Default: run
   * the func_info pipeline in memory, so the list is what `btfgen FILE`
   * writes, with parameter types.
   */
  types?: boolean;
  jobs?: number;
}

/** `btfgen sites`. */
export async function sitesCommand(o: SitesOptions): Promise<string> {
  const input = openInput(o.file, o.base ?? [], o.format);
  if (input.form === "dwarf" && o.types !== false && !o.allFunctions) {
    const r = await buildFuncInfo(o.file, { base: o.base, jobs: o.jobs });
    const sites = o.inlineOnly ? r.sites.filter((s) => s.kind === 0) : r.sites;
    if (o.json) return JSON.stringify(sites.map((s) => siteJson(s, r.paramNames(s))), null, 1);
    return sites.map((s) => formatSite(s, r.paramNames(s))).join("\n");
  }
  if (input.form === "dwarf") {
    const elf = openElf(o.file);
    try {
      const r = readObjectSites(elf, { allFunctions: o.allFunctions, inlineOnly: o.inlineOnly });
      if (o.json) return JSON.stringify(r.sites.map((s) => siteJson(s, r.paramNames(s))), null, 1);
      return r.sites.map((s) => formatSite(s, r.paramNames(s))).join("\n");
    } finally {
      elf.close();
    }
  }
  const sites = decodeFuncInfo(funcInfoOf(input));
  let sectionAddr: ((name: string) => bigint | undefined) | undefined;
  if (o.elf) {
    const elf = openElf(o.elf);
    sectionAddr = (name) => elf.section(name)?.addr;
  }
  if (o.json) return JSON.stringify(sites, (_k, v) => (typeof v === "bigint" ? "0x" + v.toString(16) : v), 1);
  return sites.map((s) => formatDecodedSite(s, sectionAddr?.(s.section))).join("\n");
}

/** Options of {@link dumpCommand}. */
export interface DumpOptions {
  file: string;
  base?: string[];
  /** Wire profile (default: detected). */
  format?: Profile;
  section?: string;
  json?: boolean;
}

/**
 * `btfgen dump`: bpftool's raw format. An ELF's `.BTF` by default (else its
 * func_info section); a func_info section or raw `.inline` file on its
 * chain as {@link loadFuncInfo} finds it.
 */
export function dumpCommand(o: DumpOptions): string {
  let btf: Btf;
  const secs = elfSections(o.file);
  const section = o.section ?? (secs ? (secs.has(".BTF") ? ".BTF" : FUNC_INFO_SECTIONS.find((n) => secs.has(n)) ?? ".BTF") : undefined);
  if (!secs || (section && FUNC_INFO_SECTIONS.includes(section))) btf = loadFuncInfo(o.file, o.base ?? [], o.format);
  else btf = loadBtf(o.file, loadBtfChain(o.base ?? []), section, o.format);
  return o.json ? dumpBtfJson(btf) : dumpBtf(btf);
}

/** Options of {@link statsCommand}. */
export interface StatsOptions {
  file: string;
  base?: string[];
  /** Wire profile of a func_info input (default: detected). */
  format?: Profile;
  json?: boolean;
  jobs?: number;
}

/** Counts of a written func_info BTF. */
export interface FuncInfoFileStats {
  sites: number;
  functions: number;
  full: number;
  partial: number;
  none: number;
  noParams: number;
  locsecs: number;
  bytes: number;
  bytesPerSite: number;
  kinds: Record<string, { count: number; bytes: number }>;
}

/** True when the FUNC_PROTO (of FUNC `func`, or `proto`) ends in `...`. */
function isVariadic(btf: Btf, func: number | undefined, proto: number | undefined): boolean {
  let p = proto;
  if (func !== undefined) {
    const f = btf.maybeType(func);
    p = f?.kind === BTF_KIND_FUNC ? f.type : undefined;
  }
  const t = p === undefined ? undefined : btf.maybeType(p);
  return t?.kind === BTF_KIND_FUNC_PROTO && isVariadicProto(t);
}

/** Counts LOCSEC entries, functions and location coverage of a func_info split. */
export function funcInfoFileStats(btf: Btf, fileBytes: number): FuncInfoFileStats {
  const s: FuncInfoFileStats = { sites: 0, functions: 0, full: 0, partial: 0, none: 0, noParams: 0, locsecs: 0, bytes: fileBytes, bytesPerSite: 0, kinds: {} };
  const funcs = new Set<string>();
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) {
    const t = btf.typeById(id);
    const k = kindName(t.kind);
    const e = (s.kinds[k] ??= { count: 0, bytes: 0 });
    e.count++;
    e.bytes += recordSize(t);
    if (t.kind !== BTF_KIND_LOCSEC) continue;
    s.locsecs++;
    for (const entry of t.entries) {
      s.sites++;
      funcs.add("func" in entry ? `f${entry.func}` : `n${entry.nameOff}:${entry.funcProto}`);
      const lp = btf.typeById(entry.locProto);
      if (lp.kind !== BTF_KIND_LOC_PROTO) continue;
      // A `...` slot never has a location: it does not make a site partial.
      const n = lp.params.length - (isVariadic(btf, "func" in entry ? entry.func : undefined, "funcProto" in entry ? entry.funcProto : undefined) ? 1 : 0);
      const known = lp.params.slice(0, n).filter((p) => p !== 0 && btf.maybeType(p)?.kind === BTF_KIND_LOC_PARAM).length;
      if (n === 0) s.noParams++;
      else if (known === n) s.full++;
      else if (known === 0) s.none++;
      else s.partial++;
    }
  }
  s.functions = funcs.size;
  s.bytesPerSite = s.sites ? Math.round((fileBytes / s.sites) * 100) / 100 : 0;
  return s;
}

/** `btfgen stats`: of an ELF's DWARF (what its func_info would hold), or of a written func_info BTF. */
export async function statsCommand(o: StatsOptions): Promise<string> {
  const input = openInput(o.file, o.base ?? [], o.format);
  if (input.form === "dwarf") {
    const r = await buildFuncInfo(o.file, { base: o.base, jobs: o.jobs });
    return o.json ? JSON.stringify(lowerStatsJson(r.lower), null, 1) : formatLowerStats(r.lower).join("\n");
  }
  const btf = funcInfoOf(input);
  const st = funcInfoFileStats(btf, statSync(o.file).size);
  if (o.json) return JSON.stringify(st, null, 1);
  const lines = [
    `sites:          ${st.sites}`,
    `functions:      ${st.functions}`,
    `full:           ${st.full} (${pct(st.full, st.full + st.partial + st.none)})`,
    `partial:        ${st.partial} (${pct(st.partial, st.full + st.partial + st.none)})`,
    `none:           ${st.none} (${pct(st.none, st.full + st.partial + st.none)})`,
    `no parameters:  ${st.noParams}`,
    `LOCSECs:        ${st.locsecs}`,
    `file bytes:     ${st.bytes} (${st.bytesPerSite} per site)`,
    `kinds:`,
  ];
  for (const [k, v] of Object.entries(st.kinds)) lines.push(`  ${k.padEnd(12)} ${String(v.count).padStart(8)} types ${String(v.bytes).padStart(10)} bytes`);
  return lines.join("\n");
}
