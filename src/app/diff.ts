/**
 * `btfgen diff OLD NEW`: what changed between two builds of one object, as
 * their func_info chains tell it (issue 13). OLD and NEW are func_info files
 * on their base chains, or ELF objects with DWARF (run through the func_info
 * pipeline in memory).
 *
 * What a func_info chain says about a function NAME (the origin's name, as
 * the LOCSEC entries and FUNCs carry it):
 *  - **out of line**: the func_info's base (the BTF of the object itself:
 *    vmlinux `.BTF`, a module's `.BTF`, or the base btfgen encoded) has a
 *    FUNC NAME. pahole (1.24) and btfgen's encoder give a FUNC only to a
 *    function with an ELF STT_FUNC symbol of exactly that name, so this is
 *    "a tracer can attach to NAME". When an ELF symbol table is at hand (the
 *    input is an ELF, or the last file of its base chain is: vmlinux, the
 *    module), an STT_FUNC symbol NAME counts too (pahole leaves out functions
 *    with unnamed parameters).
 *  - **sites**: LOCSEC entries of NAME that are inline sites. With a symbol
 *    table, an entry at the address of a symbol NAME or of a clone of NAME is
 *    the entry of an optimised out-of-line copy (FORMAT.md 5, last paragraph)
 *    and is counted apart (`entries`); without one every entry is a site.
 *  - **fully inlined**: sites, not out of line. **Partially inlined**:
 *    both. **Out-of-line**: out of line, no sites. **Clone only**: neither,
 *    but a clone symbol (or an optimised entry).
 *  - **clone**: an STT_FUNC symbol `NAME.isra.N`, `NAME.constprop.N`,
 *    `NAME.part.N` (clang: `NAME.specialized.N`) or a chain of those
 *    (`NAME.constprop.0.isra.0`), by src/dwarf/clones.ts's rule; `.cold`
 *    parts are pieces of a function, not clones. Only a symbol table says
 *    so: without one, clones are "unknown" and not compared. Two builds'
 *    clones differ when their suffixes without the numbers differ
 *    (`isra` -> `constprop`), not when only a number does.
 *  - **signature**: the parameter lists (names, C type text, count; `...`
 *    included) of the base's FUNCs NAME: what a tracer attaching by name
 *    sees. A function without one (inline only, or a clone) has those of the
 *    split's FUNCs NAME. A name can have several (static functions of one
 *    name in several units; the vmlinux `.BTF` of pahole 1.24 has
 *    `__ia32_sys_*` wrappers both as `(const struct pt_regs *regs)` and as
 *    the `sys_ni` stubs' `(... *__unused)`), and which of them a build has
 *    comes and goes with its configuration and units; so the signature
 *    *changed* when the two builds' sets of parameter lists have none in
 *    common (for the usual one-prototype function: when it differs). The
 *    return type is not compared.
 *  - **locations**: per parameter name, over all LOCSEC entries of NAME
 *    (sites and optimised entries), how many entries have the parameter
 *    and how many of those give it a location. Addresses differ between
 *    builds, so sites are never matched by offset: a parameter's coverage
 *    `located/entries` is compared, by name. A parameter *became
 *    unavailable* when it had a location at some entry and now has none at
 *    any, *available* the other way round; otherwise its share of located
 *    entries may be *fewer* or *more*. Parameters that only one build has
 *    are a signature change, not a location change.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO } from "../btf/kinds.js";
import { isVariadicParam } from "../btf/model.js";
import { cloneBase } from "../dwarf/clones.js";
import { ET_REL, STT_FUNC } from "../elf/constants.js";
import { BtfgenError, NotFoundError, UsageError } from "../errors.js";
import type { Profile } from "../btf/kinds.js";
import { typeText } from "./ctype.js";
import { decodeFuncInfo } from "./decode.js";
import { formatDiff, diffJson } from "./diff-report.js";
import { buildFuncInfo } from "./funcinfo.js";
import { funcInfoOf, isElfFile, openElf, openInput } from "./io.js";

/** The inline state of a function in one build (see the module comment). */
export type InlineState = "out-of-line" | "partially inlined" | "fully inlined" | "clone only";

/** Coverage of one parameter over a function's LOCSEC entries. */
export interface ParamCoverage {
  /** Entries whose prototype has a parameter of this name. */
  entries: number;
  /** Of those, entries that give it a location. */
  located: number;
}

/** One function of one build. */
export interface FuncState {
  name: string;
  state: InlineState;
  /** A FUNC of the name in the func_info's base. */
  baseFunc: boolean;
  /** An STT_FUNC symbol of exactly the name; undefined without a symbol table. */
  symbol?: boolean;
  /** Inline sites. */
  sites: number;
  /** Entries of optimised out-of-line copies (known only with a symbol table). */
  entries: number;
  /** Clone symbols, sorted; undefined without a symbol table. */
  clones?: string[];
  /** Parameter lists `(int a, long b)` of the base's FUNCs of the name (else the split's), sorted, one per distinct prototype. */
  signatures: string[];
  /** Coverage by parameter name, in the order the names first appear. */
  params: Map<string, ParamCoverage>;
}

/** One build, read. */
export interface Build {
  file: string;
  /** Where the symbol table came from; undefined when there is none. */
  symbolsFrom?: string;
  funcs: Map<string, FuncState>;
}

/** Kinds of difference, in the order the report lists them. */
export const DIFF_KINDS = [
  "inlined-fully", "inlined-partially", "uninlined", "uninlined-partially", "sites",
  "clone-new", "clone-gone", "clone-changed", "signature", "locations", "added", "removed",
] as const;
/** One kind of difference. */
export type DiffKind = (typeof DIFF_KINDS)[number];

/** Groups `--fail-on` accepts, and the kinds each stands for. */
export const FAIL_ON: Record<string, readonly DiffKind[]> = {
  inlined: ["inlined-fully", "inlined-partially"],
  uninlined: ["uninlined", "uninlined-partially"],
  sites: ["sites"],
  clone: ["clone-new", "clone-gone", "clone-changed"],
  signature: ["signature"],
  locations: ["locations"],
  added: ["added"],
  removed: ["removed"],
  any: DIFF_KINDS,
};

/** How a parameter's coverage changed. */
export type LocationChange = "unavailable" | "available" | "fewer" | "more";

/** One parameter whose coverage changed. */
export interface ParamDiff {
  param: string;
  old: ParamCoverage;
  new: ParamCoverage;
  change: LocationChange;
}

/** One function that differs (or the one `--func` asked for). */
export interface FuncDiff {
  name: string;
  kinds: DiffKind[];
  old?: FuncState;
  new?: FuncState;
  locations: ParamDiff[];
}

/** Totals of one build (over the functions compared). */
export interface BuildTotals {
  functions: number;
  outOfLine: number;
  partiallyInlined: number;
  fullyInlined: number;
  cloneOnly: number;
  sites: number;
  /** undefined without a symbol table. */
  entries?: number;
  withClones?: number;
}

/** The whole comparison. */
export interface DiffReport {
  old: { file: string; symbolsFrom?: string; totals: BuildTotals };
  new: { file: string; symbolsFrom?: string; totals: BuildTotals };
  /** Functions per kind. */
  summary: Record<DiffKind, number>;
  /** Parameters per location change. */
  params: Record<LocationChange, number>;
  /** Functions that differ, by name; with `--func`, that function even when equal. */
  functions: FuncDiff[];
  func?: string;
}

/** Options of {@link diffCommand}. */
export interface DiffOptions {
  old: string;
  new: string;
  /** Base chains of OLD and NEW (root first), as `--btf_base` of the main command. */
  baseOld?: string[];
  baseNew?: string[];
  /** Compare only this function. */
  func?: string;
  json?: boolean;
  /** Groups of {@link FAIL_ON}: the result says failed when one of their kinds is present. */
  failOn?: string[];
  /** Wire profile of func_info inputs (default: detected). */
  format?: Profile;
  jobs?: number;
}

/** Result of {@link diffCommand}: the text to print and whether `--fail-on` tripped. */
export interface DiffResult {
  text: string;
  failed: boolean;
  report: DiffReport;
}

/**
 * The origin name and the number-free suffix of a clone symbol
 * (`NAME.isra.0` -> isra, `NAME.constprop.0.isra.0` -> constprop.isra), by
 * the project's one clone-name rule (src/dwarf/clones.ts: isra, constprop,
 * part, and clang's specialized); undefined for other names and for `.cold`
 * parts (`NAME.cold`, `NAME.part.0.cold`), which are pieces of a function
 * whose copy has its own symbol, not clones.
 */
export function cloneOf(symbol: string): { name: string; kind: string } | undefined {
  const name = cloneBase(symbol);
  if (!name) return undefined;
  const parts = symbol.slice(name.length + 1).split(".").filter((c) => !/^\d+$/.test(c));
  if (parts[parts.length - 1] === "cold") return undefined;
  return { name, kind: parts.join(".") };
}

/** STT_FUNC symbols of an ELF: names, and names by (section, section offset). */
export interface SymbolTable {
  names: Set<string>;
  /** Keyed `section NUL offset`, the offset from the section start as LOCSEC offsets are. */
  at: Map<string, string[]>;
}

const symKey = (section: string, offset: number | bigint) => `${section}\0${offset}`;

/** The function symbols of `path`; undefined when it has none (no symbol table, or btfgen's --elf output). */
function readSymbols(path: string): SymbolTable | undefined {
  const elf = openElf(path);
  try {
    const names = new Set<string>();
    const at = new Map<string, string[]>();
    for (const s of elf.codeSymbols()) {
      if (s.type !== STT_FUNC || s.name === "") continue;
      names.add(s.name);
      const sec = elf.sections[s.shndx];
      if (!sec || s.shndx === 0 || s.shndx >= 0xff00) continue;
      // LOCSEC offsets are from the section start; in ET_REL a symbol's value already is.
      const key = symKey(sec.name, elf.type === ET_REL ? s.value : s.value - sec.addr);
      const list = at.get(key);
      if (list) list.push(s.name);
      else at.set(key, [s.name]);
    }
    return names.size ? { names, at } : undefined;
  } finally {
    elf.close();
  }
}

/** `(int a, long b)` of a FUNC_PROTO; `(void)` without parameters. */
function signatureOf(btf: Btf, protoId: number): string | undefined {
  const p = btf.maybeType(protoId);
  if (p?.kind !== BTF_KIND_FUNC_PROTO) return undefined;
  if (p.params.length === 0) return "(void)";
  const parts = p.params.map((q) => (isVariadicParam(q) ? "..." : [typeText(btf, q.type), btf.str(q.nameOff)].filter((s) => s).join(" ")));
  return `(${parts.join(", ")})`;
}

/** The builds' functions from a func_info split (its base attached) and, when known, the object's symbols. */
export function readBuild(file: string, split: Btf, symbols: SymbolTable | undefined, symbolsFrom?: string): Build {
  const funcs = new Map<string, FuncState>();
  const get = (name: string): FuncState => {
    let f = funcs.get(name);
    if (!f) {
      f = { name, state: "out-of-line", baseFunc: false, sites: 0, entries: 0, signatures: [], params: new Map() };
      if (symbols) {
        f.symbol = symbols.names.has(name);
        f.clones = [];
      }
      funcs.set(name, f);
    }
    return f;
  };
  // Prototypes by name: of the base's FUNCs, and of the split's.
  const baseSigs = new Map<string, Set<string>>();
  const splitSigs = new Map<string, Set<string>>();
  const addSig = (to: Map<string, Set<string>>, name: string, sig: string | undefined) => {
    if (sig === undefined) return;
    let s = to.get(name);
    if (!s) to.set(name, (s = new Set()));
    s.add(sig);
  };
  // FUNCs of the object's own BTF (the split's immediate base) and of the split.
  const base = split.base;
  for (const btf of base ? [base, split] : [split]) {
    for (let id = btf.firstTypeId; id < btf.nrTypes; id++) {
      const t = btf.typeById(id);
      if (t.kind !== BTF_KIND_FUNC) continue;
      const name = btf.str(t.nameOff);
      if (btf === base) get(name).baseFunc = true;
      addSig(btf === base ? baseSigs : splitSigs, name, signatureOf(split, t.type));
    }
  }
  // The functions are those with a base FUNC, a clone or a LOCSEC entry; a
  // plain symbol only confirms one (vmlinux has thousands of assembly symbols).
  if (symbols) {
    for (const s of symbols.names) {
      const c = cloneOf(s);
      if (c) get(c.name).clones!.push(s);
    }
  }
  for (const site of decodeFuncInfo(split)) {
    const f = get(site.name);
    const at = symbols?.at.get(symKey(site.section, site.offset));
    const isEntry = at?.some((s) => s === site.name || cloneOf(s)?.name === site.name) ?? false;
    if (isEntry) f.entries++;
    else f.sites++;
    for (const p of site.params) {
      if (p.name === "..." || p.name === "") continue;
      let c = f.params.get(p.name);
      if (!c) f.params.set(p.name, (c = { entries: 0, located: 0 }));
      c.entries++;
      if (p.loc) c.located++;
    }
  }
  for (const f of funcs.values()) {
    f.clones?.sort();
    f.signatures = [...(baseSigs.get(f.name) ?? splitSigs.get(f.name) ?? [])].sort();
    const outOfLine = f.baseFunc || f.symbol === true;
    f.state = outOfLine ? (f.sites ? "partially inlined" : "out-of-line") : f.sites ? "fully inlined" : "clone only";
  }
  return { file, symbolsFrom, funcs };
}

/**
 * Reads one build: an ELF with DWARF through the func_info pipeline (its
 * own symbols), or a func_info file on `base` (symbols of the input when it
 * is an ELF that has them, else of the last ELF of `base`: the object the
 * func_info describes).
 */
export async function loadBuild(file: string, base: string[], format?: Profile, jobs?: number): Promise<Build> {
  const input = openInput(file, base, format);
  if (input.form === "dwarf") {
    const r = await buildFuncInfo(file, { base, jobs });
    const syms = readSymbols(file);
    return readBuild(file, r.btf, syms, syms ? file : undefined);
  }
  const split = funcInfoOf(input);
  let syms = input.sections ? readSymbols(file) : undefined;
  let from = syms ? file : undefined;
  const last = base[base.length - 1];
  if (!syms && last !== undefined && isElfFile(last)) {
    syms = readSymbols(last);
    from = syms ? last : undefined;
  }
  try {
    return readBuild(file, split, syms, from);
  } catch (e) {
    // A chain that is not the file's base shows only now, as a LOCSEC naming a non-FUNC.
    throw e instanceof BtfgenError ? e.at({ file }) : e;
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const cloneKinds = (f: FuncState) => [...new Set((f.clones ?? []).map((s) => cloneOf(s)!.kind))].sort();
const inlined = (s: InlineState) => s === "fully inlined" || s === "partially inlined";

/** Per-parameter location changes of a function present in both builds with entries in both. */
function locationDiffs(o: FuncState, n: FuncState): ParamDiff[] {
  const out: ParamDiff[] = [];
  for (const [param, a] of o.params) {
    const b = n.params.get(param);
    if (!b || a.entries === 0 || b.entries === 0) continue;
    let change: LocationChange | undefined;
    if (a.located > 0 && b.located === 0) change = "unavailable";
    else if (a.located === 0 && b.located > 0) change = "available";
    else if (a.located > 0) {
      // Shares compared without division: b.located/b.entries vs a.located/a.entries.
      const lhs = b.located * a.entries, rhs = a.located * b.entries;
      change = lhs < rhs ? "fewer" : lhs > rhs ? "more" : undefined;
    }
    if (change) out.push({ param, old: a, new: b, change });
  }
  return out;
}

/** The kinds of difference of one function between builds. */
function kindsOf(o: FuncState | undefined, n: FuncState | undefined, locations: ParamDiff[]): DiffKind[] {
  if (!o) return n ? ["added"] : [];
  if (!n) return ["removed"];
  const k: DiffKind[] = [];
  if (n.state === "fully inlined" && o.state !== "fully inlined") k.push("inlined-fully");
  if (n.state === "partially inlined" && !inlined(o.state)) k.push("inlined-partially");
  if (inlined(o.state) && !inlined(n.state)) k.push("uninlined");
  if (o.state === "fully inlined" && n.state === "partially inlined") k.push("uninlined-partially");
  if (o.sites > 0 && n.sites > 0 && o.sites !== n.sites) k.push("sites");
  if (o.clones && n.clones) {
    if (!o.clones.length && n.clones.length) k.push("clone-new");
    else if (o.clones.length && !n.clones.length) k.push("clone-gone");
    else if (!sameList(cloneKinds(o), cloneKinds(n))) k.push("clone-changed");
  }
  if (o.signatures.length && n.signatures.length && !o.signatures.some((x) => n.signatures.includes(x))) k.push("signature");
  if (locations.length) k.push("locations");
  return k;
}

function totalsOf(b: Build, names: Iterable<string>): BuildTotals {
  const t: BuildTotals = { functions: 0, outOfLine: 0, partiallyInlined: 0, fullyInlined: 0, cloneOnly: 0, sites: 0 };
  if (b.symbolsFrom) {
    t.entries = 0;
    t.withClones = 0;
  }
  for (const name of names) {
    const f = b.funcs.get(name);
    if (!f) continue;
    t.functions++;
    if (f.state === "out-of-line") t.outOfLine++;
    else if (f.state === "partially inlined") t.partiallyInlined++;
    else if (f.state === "fully inlined") t.fullyInlined++;
    else t.cloneOnly++;
    t.sites += f.sites;
    if (t.entries !== undefined) t.entries += f.entries;
    if (t.withClones !== undefined && f.clones?.length) t.withClones++;
  }
  return t;
}

/** Compares two builds; `func` limits it to one function (kept in the list even when equal). */
export function compareBuilds(o: Build, n: Build, func?: string): DiffReport {
  let names = [...new Set([...o.funcs.keys(), ...n.funcs.keys()])];
  if (func !== undefined) {
    if (!o.funcs.has(func) && !n.funcs.has(func)) throw new NotFoundError(`no function ${func} in either build`, { file: n.file });
    names = [func];
  }
  // Byte-wise name order, as the LOCSECs are sorted: the same on every machine and locale.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const summary = Object.fromEntries(DIFF_KINDS.map((k) => [k, 0])) as Record<DiffKind, number>;
  const params: Record<LocationChange, number> = { unavailable: 0, available: 0, fewer: 0, more: 0 };
  const functions: FuncDiff[] = [];
  for (const name of names) {
    const a = o.funcs.get(name), b = n.funcs.get(name);
    const locations = a && b ? locationDiffs(a, b) : [];
    const kinds = kindsOf(a, b, locations);
    for (const k of kinds) summary[k]++;
    for (const l of locations) params[l.change]++;
    if (kinds.length || func !== undefined) functions.push({ name, kinds, old: a, new: b, locations });
  }
  return {
    old: { file: o.file, symbolsFrom: o.symbolsFrom, totals: totalsOf(o, names) },
    new: { file: n.file, symbolsFrom: n.symbolsFrom, totals: totalsOf(n, names) },
    summary, params, functions, func,
  };
}

/** The kinds `failOn` (groups of {@link FAIL_ON}, comma-separated or repeated) stands for. */
export function failKinds(failOn: string[]): Set<DiffKind> {
  const out = new Set<DiffKind>();
  for (const word of failOn.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s)) {
    const kinds = FAIL_ON[word];
    if (!kinds) throw new UsageError(`--fail-on ${word}: not a kind of difference (one of ${Object.keys(FAIL_ON).join(", ")})`);
    for (const k of kinds) out.add(k);
  }
  return out;
}

/** `btfgen diff OLD NEW`. */
export async function diffCommand(o: DiffOptions): Promise<DiffResult> {
  const fail = failKinds(o.failOn ?? []);
  const a = await loadBuild(o.old, o.baseOld ?? [], o.format, o.jobs);
  const b = await loadBuild(o.new, o.baseNew ?? [], o.format, o.jobs);
  const report = compareBuilds(a, b, o.func);
  const failed = [...fail].some((k) => report.summary[k] > 0);
  return { text: o.json ? JSON.stringify(diffJson(report), null, 1) : formatDiff(report), failed, report };
}
