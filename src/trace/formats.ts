/**
 * Probe definitions of decoded sites, one per site, in the forms tracers
 * read today:
 *
 *  - `kprobe`: tracefs `kprobe_events` lines (`p:GRP/EVENT [MOD:]SYM+OFF
 *    NAME=FETCHARG:TYPE ...`), or `uprobe_events` lines
 *    (`p:GRP/EVENT PATH:0xOFF ...`) for user-space objects;
 *  - `perf`: `perf probe` commands for the same probes;
 *  - `bpftrace`: a script, one `kprobe:`/`uprobe:` block per site printing
 *    the arguments it can read;
 *  - `usdt`: SystemTap SDT argument specs per site (`-4@%edi 8@-16(%rbp)`);
 *  - `json`: everything, with the reason for every missing argument.
 *
 * An argument without a location, or with one the tracer cannot express, is
 * left out and named with its reason (a `#` comment in kprobe/perf/usdt, a
 * `//` comment in bpftrace, `null` and `reason` in json).
 */
import type { LocParam } from "../lower/locparam.js";
import { locParamText } from "../lower/locparam.js";
import type { ObjectKind, SiteAttach } from "./attach.js";
import { bpftraceFetch, isUnreadable, kprobeFetch, usdtSpec, type Fetch, type ValueClass } from "./fetch.js";
import type { RegisterTable } from "./regs.js";

/** One argument of a site. */
export interface ProbeArg {
  name: string;
  /** C type text. */
  type: string;
  loc: LocParam | null;
  /** Why `loc` is null (the lowering's cause, when the input had DWARF). */
  cause?: string;
  cls: ValueClass;
}

/** One site to probe. */
export interface ProbeSite {
  func: string;
  section: string;
  offset: number;
  args: ProbeArg[];
  /** Attachability, when the traced ELF is known. */
  attach?: SiteAttach;
  /** Event name (filled by {@link assignEventNames}). */
  event: string;
}

/** What the formats need to know about the traced object. */
export interface ProbeTarget {
  regs?: RegisterTable;
  kind: ObjectKind;
  /** kprobe `MOD:` prefix. */
  module?: string;
  /** The object's path on the traced machine (uprobes). */
  path?: string;
  /** Event group. */
  group: string;
  /** Lines said once at the top (as comments), e.g. the sites left out and why. */
  preamble?: string[];
}

/** The output formats of `btfgen probes`. */
export const PROBE_FORMATS = ["kprobe", "perf", "bpftrace", "usdt", "json"] as const;
/** One of {@link PROBE_FORMATS}. */
export type ProbeFormat = (typeof PROBE_FORMATS)[number];

/**
 * Longest event and group name: the kernel refuses names of
 * MAX_EVENT_NAME_LEN (64) bytes or more (kernel/trace/trace_probe.c).
 */
export const MAX_EVENT_NAME = 63;
/** Longest argument name (MAX_ARG_NAME_LEN is 32, terminator included). */
export const MAX_ARG_NAME = 31;
/** The most fetchargs one probe may have (MAX_TRACE_ARGS). */
export const MAX_TRACE_ARGS = 128;
/** Field names every probe event already has (trace_probe.c reserved_field_names). */
export const RESERVED_FIELDS = new Set(["common_type", "common_flags", "common_preempt_count", "common_pid", "common_tgid", "__probe_ip", "__probe_ret_ip", "__probe_func"]);

/**
 * Values one bpftrace `printf` carries here: its arguments are built on the
 * 512-byte BPF stack, which bpftrace 0.17 overflows at 64 8-byte values.
 */
export const BPFTRACE_MAX_PRINTF_ARGS = 48;

/** `s` made a valid event/argument name (`[A-Za-z_][A-Za-z0-9_]*`): other characters become `_`. */
export function identifier(s: string): string {
  let out = s.replace(/[^A-Za-z0-9_]/g, "_");
  if (out === "" || /^[0-9]/.test(out)) out = "_" + out;
  return out;
}

/**
 * Gives each site a unique, valid event name: the function's name and the
 * site's number among that function's sites (`foo_0`, `foo_1`), cut to fit
 * MAX_EVENT_NAME, with `_N` added where two would be equal.
 */
export function assignEventNames(sites: ProbeSite[]): void {
  const used = new Set<string>();
  const perFunc = new Map<string, number>();
  for (const s of sites) {
    const n = perFunc.get(s.func) ?? 0;
    perFunc.set(s.func, n + 1);
    const suffix = `_${n}`;
    let name = identifier(s.func).slice(0, MAX_EVENT_NAME - suffix.length) + suffix;
    for (let k = 1; used.has(name); k++) {
      const extra = `_${k}`;
      name = identifier(s.func).slice(0, MAX_EVENT_NAME - suffix.length - extra.length) + suffix + extra;
    }
    used.add(name);
    s.event = name;
  }
}

/** Valid, unique argument names for one site's arguments (`arg3` for an unnamed one). */
function argNames(args: ProbeArg[]): string[] {
  const used = new Set<string>();
  return args.map((a, i) => {
    let base = a.name === "" ? `arg${i + 1}` : identifier(a.name);
    if (RESERVED_FIELDS.has(base)) base = `arg_${base}`;
    base = base.slice(0, MAX_ARG_NAME - 4);
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}

/** The reason an argument reads as nothing, or undefined when it has a location. */
function missing(a: ProbeArg): string | undefined {
  if (a.loc) return undefined;
  return `no location${a.cause ? ` (${a.cause})` : ""}`;
}

/** One argument of one site, as a tracer reads it. */
interface ArgOut {
  name: string;
  arg: ProbeArg;
  fetch: Fetch;
}

function siteArgs(s: ProbeSite, f: (loc: LocParam, c: ValueClass) => Fetch): ArgOut[] {
  const names = argNames(s.args);
  return s.args.map((arg, i) => {
    const why = missing(arg);
    return { name: names[i], arg, fetch: why ? { why } : f(arg.loc!, arg.cls) };
  });
}

const hex = (n: bigint | number) => "0x" + n.toString(16);

/** `SYM+0xOFF` of a site's anchor. */
function anchorText(a: NonNullable<SiteAttach["anchor"]>): string {
  return `${a.symbol}+${hex(a.offset)}`;
}

/** Comment lines for a site: what it is, its anchor note, failures, omitted arguments. */
function comments(s: ProbeSite, args: ArgOut[], mark: string, limit?: number): string[] {
  const out: string[] = [];
  const a = s.attach;
  if (a?.anchorNote) out.push(`${mark} ${s.event}: ${a.anchorNote}`);
  for (const f of a?.failures ?? []) out.push(`${mark} ${s.event}: NOT ATTACHABLE: ${f.detail}`);
  for (const x of args) if (isUnreadable(x.fetch)) out.push(`${mark} ${s.event}: ${x.name} omitted: ${x.fetch.why}`);
  if (limit !== undefined) {
    const n = args.filter((x) => !isUnreadable(x.fetch)).length;
    if (n > limit) out.push(`${mark} ${s.event}: only the first ${limit} arguments are kept`);
  }
  return out;
}

/** The probe point of a kprobe_events/uprobe_events line, or undefined when there is none. */
function probePoint(s: ProbeSite, t: ProbeTarget): string | undefined {
  const a = s.attach;
  if (!a) return undefined;
  if (t.kind === "user") return a.fileOffset === undefined ? undefined : `${t.path}:${hex(a.fileOffset)}`;
  if (!a.anchor) return undefined;
  return `${t.module ? `${t.module}:` : ""}${anchorText(a.anchor)}`;
}

function kprobeArgList(args: ArgOut[]): string[] {
  const out: string[] = [];
  for (const x of args) {
    if (isUnreadable(x.fetch)) continue;
    for (const p of x.fetch.pieces) out.push(`${x.name}${p.suffix}=${p.expr}:${p.type}`);
  }
  return out.slice(0, MAX_TRACE_ARGS);
}

function header(what: string, sites: ProbeSite[], mark: string, t: ProbeTarget): string[] {
  const funcs = new Set(sites.map((s) => s.func)).size;
  return [`${mark} btfgen probes (${what}): ${sites.length} sites of ${funcs} functions`, ...(t.preamble ?? []).map((l) => `${mark} ${l}`)];
}

/** `kprobe_events` (or `uprobe_events`) lines of `sites`. */
export function formatKprobe(sites: ProbeSite[], t: ProbeTarget): string {
  const regs = t.regs!;
  const out = header(t.kind === "user" ? "uprobe_events" : "kprobe_events", sites, "#", t);
  for (const s of sites) {
    const args = siteArgs(s, (loc, c) => kprobeFetch(loc, c, regs));
    out.push(...comments(s, args, "#", MAX_TRACE_ARGS));
    const point = probePoint(s, t);
    if (point === undefined) {
      out.push(`# ${s.event}: no probe line (no probe point)`);
      continue;
    }
    out.push([`p:${t.group}/${s.event}`, point, ...kprobeArgList(args)].join(" "));
  }
  return out.join("\n");
}

/** `perf probe` commands of `sites` (the kprobe fetchargs, which perf passes on as they are). */
export function formatPerf(sites: ProbeSite[], t: ProbeTarget): string {
  const regs = t.regs!;
  const out = header("perf probe", sites, "#", t);
  const opt = t.kind === "user" ? ` -x ${shellQuote(t.path ?? "")}` : t.module ? ` -m ${t.module}` : "";
  for (const s of sites) {
    const args = siteArgs(s, (loc, c) => kprobeFetch(loc, c, regs));
    out.push(...comments(s, args, "#", MAX_TRACE_ARGS));
    const a = s.attach?.anchor;
    if (!a) {
      out.push(`# ${s.event}: no probe command (no anchor symbol)`);
      continue;
    }
    const def = [`${t.group}:${s.event}=${anchorText(a)}`, ...kprobeArgList(args)].join(" ");
    out.push(`perf probe${opt} -a '${def.replace(/'/g, `'\\''`)}'`);
  }
  return out.join("\n");
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A bpftrace script with one block per site. */
export function formatBpftrace(sites: ProbeSite[], t: ProbeTarget): string {
  const regs = t.regs!;
  const out = header("bpftrace", sites, "//", t);
  for (const s of sites) {
    const args = siteArgs(s, (loc, c) => bpftraceFetch(loc, c, regs));
    const a = s.attach?.anchor;
    out.push("");
    if (!a) {
      out.push(...comments(s, args, "//"));
      out.push(`// ${s.event}: no probe block (no anchor symbol)`);
      continue;
    }
    const point = t.kind === "user" ? `uprobe:${t.path}:${anchorText(a)}` : `kprobe:${anchorText(a)}`;
    out.push(point, "{");
    for (const c of comments(s, args, "//")) out.push("  " + c);
    let fmt = s.event;
    const vals: string[] = [];
    let cut = false;
    for (const x of args) {
      if (isUnreadable(x.fetch)) continue;
      for (const p of x.fetch.pieces) {
        if (p.expr !== "" && vals.length === BPFTRACE_MAX_PRINTF_ARGS) {
          cut = true;
          continue;
        }
        fmt += ` ${x.name}${p.suffix}=${p.type}`;
        if (p.expr !== "") vals.push(p.expr);
      }
    }
    if (cut) out.push(`  // ${s.event}: only the first ${BPFTRACE_MAX_PRINTF_ARGS} values are printed`);
    out.push(`  printf(${JSON.stringify(fmt.replace(/%(?![ldux])/g, "%%") + "\n")}${vals.map((v) => ", " + v).join("")});`, "}");
  }
  return out.join("\n");
}

/** SDT argument specs per site: `EVENT ANCHOR SPEC...`, with the positions' names in a comment. */
export function formatUsdt(sites: ProbeSite[], t: ProbeTarget): string {
  const regs = t.regs!;
  const out = header("usdt argument specs", sites, "#", t);
  for (const s of sites) {
    const names = argNames(s.args);
    const specs: string[] = [];
    const kept: string[] = [];
    const omitted: string[] = [];
    s.args.forEach((arg, i) => {
      const why = missing(arg);
      const r = why ? { why } : usdtSpec(arg.loc!, arg.cls, regs);
      if (typeof r === "string") {
        specs.push(r);
        kept.push(names[i]);
      } else omitted.push(`# ${s.event}: ${names[i]} omitted: ${r.why}`);
    });
    if (s.attach?.anchorNote) out.push(`# ${s.event}: ${s.attach.anchorNote}`);
    for (const f of s.attach?.failures ?? []) out.push(`# ${s.event}: NOT ATTACHABLE: ${f.detail}`);
    out.push(...omitted);
    out.push(`# ${s.event} args: ${kept.join(" ") || "(none)"}`);
    const a = s.attach?.anchor;
    out.push([s.event, a ? anchorText(a) : "-", ...specs].join(" "));
  }
  return out.join("\n");
}

/** Everything about each site, as JSON. */
export function formatJson(sites: ProbeSite[], t: ProbeTarget): string {
  const items = sites.map((s) => {
    const names = argNames(s.args);
    const a = s.attach;
    return {
      event: `${t.group}/${s.event}`,
      function: s.func,
      section: s.section,
      offset: s.offset,
      address: a ? hex(a.address) : null,
      symbol: a?.symbol ?? null,
      symbol_offset: a?.symbolOffset !== undefined ? Number(a.symbolOffset) : null,
      anchor: a?.anchor ? anchorText(a.anchor) : null,
      anchor_note: a?.anchorNote ?? null,
      file_offset: a?.fileOffset !== undefined ? hex(a.fileOffset) : null,
      attachable: a ? a.failures.length === 0 : null,
      boundary: a?.boundary ?? null,
      failures: a ? a.failures.map((f) => ({ reason: f.reason, detail: f.detail })) : null,
      probe: t.regs && a ? kprobeLine(s, t) : null,
      args: s.args.map((arg, i) => {
        const why = missing(arg);
        const k = t.regs && !why ? kprobeFetch(arg.loc!, arg.cls, t.regs) : undefined;
        const u = t.regs && !why ? usdtSpec(arg.loc!, arg.cls, t.regs) : undefined;
        return {
          name: arg.name,
          field: names[i],
          type: arg.type,
          location: arg.loc ? locParamText(arg.loc) : null,
          reason: why ?? null,
          fetch: k && !isUnreadable(k) ? k.pieces.map((p) => `${names[i]}${p.suffix}=${p.expr}:${p.type}`).join(" ") : null,
          fetch_reason: why ?? (k && isUnreadable(k) ? k.why : t.regs ? null : "machine unknown (give --elf)"),
          usdt: typeof u === "string" ? u : null,
          usdt_reason: why ?? (u !== undefined && typeof u !== "string" ? u.why : t.regs ? null : "machine unknown (give --elf)"),
        };
      }),
    };
  });
  return JSON.stringify(items, null, 1);
}

/** The kprobe_events line of one site, or null when it has no probe point. */
function kprobeLine(s: ProbeSite, t: ProbeTarget): string | null {
  const point = probePoint(s, t);
  if (point === undefined) return null;
  const args = siteArgs(s, (loc, c) => kprobeFetch(loc, c, t.regs!));
  return [`p:${t.group}/${s.event}`, point, ...kprobeArgList(args)].join(" ");
}

/** Formats `sites` as `format`. */
export function formatProbes(format: ProbeFormat, sites: ProbeSite[], t: ProbeTarget): string {
  switch (format) {
    case "kprobe": return formatKprobe(sites, t);
    case "perf": return formatPerf(sites, t);
    case "bpftrace": return formatBpftrace(sites, t);
    case "usdt": return formatUsdt(sites, t);
    case "json": return formatJson(sites, t);
  }
}
