/**
 * `btfgen verdict FUNCINFO --btf_base CHAIN [--func NAME]`: for all-or-none
 * attach, per function, whether every site is attachable and every argument
 * located and readable by a kprobe fetcharg — and if not, which site and
 * argument fail and why. A function whose probes would miss a site, or read
 * an argument at one site and not at another, is not ready: a tracer that
 * attaches to it anyway reports fewer calls, or fewer values, than happen.
 */
import { isUnreadable, kprobeFetch } from "../trace/fetch.js";
import type { ProbeSite } from "../trace/formats.js";
import type { RegisterTable } from "../trace/regs.js";
import { UsageError } from "../errors.js";
import { failureCounts, loadProbeSites, type ProbeInputOptions } from "./probes.js";

/** One failing site or argument. */
export interface VerdictProblem {
  event: string;
  section: string;
  offset: number;
  /** `sym+off` of the site. */
  where: string | null;
  /** The argument, or null for the site itself. */
  arg: string | null;
  reason: string;
}

/** The verdict on one function. */
export interface FunctionVerdict {
  name: string;
  ready: boolean;
  sites: number;
  attachable: number;
  /** Arguments per site (`...` not counted). */
  args: number;
  problems: VerdictProblem[];
}

/** The verdict on every chosen function, with the counts of the run. */
export interface VerdictReport {
  functions: FunctionVerdict[];
  ready: number;
  notReady: number;
  sites: number;
  attachable: number;
  /** Sites not attachable, by reason. */
  failures: Record<string, number>;
  /** Arguments (over all sites) without a readable location, by reason. */
  argProblems: Record<string, number>;
}

/** Short kind of an argument problem, for counting. */
function argKind(reason: string): string {
  if (reason.startsWith("no location")) return reason;
  if (reason.startsWith("register ")) return "register not in pt_regs";
  if (reason.startsWith("the value is ")) return "reg+offset value";
  return reason;
}

/** Judges each function of `sites` (in their order). */
export function judge(sites: ProbeSite[], regs: RegisterTable): VerdictReport {
  const byFunc = new Map<string, ProbeSite[]>();
  for (const s of sites) {
    const l = byFunc.get(s.func);
    if (l) l.push(s);
    else byFunc.set(s.func, [s]);
  }
  const argProblems = new Map<string, number>();
  const functions: FunctionVerdict[] = [];
  for (const [name, list] of byFunc) {
    const v: FunctionVerdict = { name, ready: true, sites: list.length, attachable: 0, args: list[0].args.length, problems: [] };
    for (const s of list) {
      const a = s.attach;
      const where = a?.symbol !== undefined ? `${a.symbol}+0x${a.symbolOffset!.toString(16)}` : null;
      const base = { event: s.event, section: s.section, offset: s.offset, where };
      if (a && a.failures.length === 0) v.attachable++;
      for (const f of a?.failures ?? []) v.problems.push({ ...base, arg: null, reason: f.detail });
      for (const arg of s.args) {
        let reason: string | undefined;
        if (!arg.loc) reason = `no location${arg.cause ? ` (${arg.cause})` : ""}`;
        else {
          const f = kprobeFetch(arg.loc, arg.cls, regs);
          if (isUnreadable(f)) reason = f.why;
        }
        if (reason === undefined) continue;
        v.problems.push({ ...base, arg: arg.name || "(unnamed)", reason });
        const k = argKind(reason);
        argProblems.set(k, (argProblems.get(k) ?? 0) + 1);
      }
    }
    v.ready = v.problems.length === 0;
    functions.push(v);
  }
  const sortDesc = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  return {
    functions,
    ready: functions.filter((f) => f.ready).length,
    notReady: functions.filter((f) => !f.ready).length,
    sites: sites.length,
    attachable: sites.filter((s) => s.attach && s.attach.failures.length === 0).length,
    failures: Object.fromEntries(failureCounts(sites)),
    argProblems: sortDesc(argProblems),
  };
}

/** Options of {@link verdictCommand}. */
export interface VerdictOptions extends ProbeInputOptions {
  json?: boolean;
  /** Print only the functions that are not ready (and the summary). */
  failing?: boolean;
}

/** The text of a report: one line per function, its problems indented, a summary last. */
export function formatVerdict(r: VerdictReport, failingOnly = false): string {
  const out: string[] = [];
  for (const f of r.functions) {
    if (f.ready) {
      if (!failingOnly) out.push(`${f.name}: ready (${f.sites} site${f.sites === 1 ? "" : "s"}, ${f.args} argument${f.args === 1 ? "" : "s"})`);
      continue;
    }
    out.push(`${f.name}: NOT READY: ${f.attachable} of ${f.sites} sites attachable, ${f.problems.length} problem${f.problems.length === 1 ? "" : "s"}`);
    for (const p of f.problems) {
      const at = `${p.event} [${p.section} +0x${p.offset.toString(16)}]${p.where ? ` (${p.where})` : ""}`;
      out.push(`  ${at}: ${p.arg === null ? "site" : `argument ${p.arg}`}: ${p.reason}`);
    }
  }
  out.push(`functions: ${r.functions.length}, all-or-none ready: ${r.ready}, not ready: ${r.notReady}`);
  out.push(`sites: ${r.sites}, attachable: ${r.attachable}, not: ${r.sites - r.attachable}`);
  for (const [k, n] of Object.entries(r.failures)) out.push(`  not attachable: ${n}: ${k}`);
  for (const [k, n] of Object.entries(r.argProblems)) out.push(`  arguments not readable: ${n}: ${k}`);
  return out.join("\n");
}

/** `btfgen verdict`. */
export async function verdictCommand(o: VerdictOptions): Promise<string> {
  const input = await loadProbeSites(o);
  if (input.elfPath === undefined) throw new UsageError("verdict checks attachability against the traced object: give --elf FILE (a func_info file has no symbols or code)");
  if (!input.regs) throw new UsageError(`verdict: no DWARF register table for ELF machine ${input.machine}`);
  const r = judge(input.sites, input.regs);
  if (o.json) return JSON.stringify(r, null, 1);
  return formatVerdict(r, o.failing);
}
