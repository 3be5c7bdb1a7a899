/**
 * `btfgen probes FUNCINFO --btf_base CHAIN [--func NAME ...|--all] --format F`:
 * probe definitions for every site of the chosen functions, from a written
 * func_info (or an ELF with DWARF, run through the func_info pipeline in
 * memory), checked for attachability against the traced ELF (`--elf`, or
 * the input itself when it is the traced object).
 */
import { resolve } from "node:path";
import type { Btf } from "../btf/btf.js";
import { BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, type Profile } from "../btf/kinds.js";
import type { TypeId } from "../btf/model.js";
import { SHF_EXECINSTR } from "../elf/constants.js";
import type { ElfFile } from "../elf/elf.js";
import { MalformedError, NotFoundError, UsageError } from "../errors.js";
import { Attachability, type ObjectKind } from "../trace/attach.js";
import { valueClassOf, type ValueClass } from "../trace/fetch.js";
import { assignEventNames, formatProbes, type ProbeFormat, type ProbeSite, type ProbeTarget } from "../trace/formats.js";
import { registerTable, type RegisterTable } from "../trace/regs.js";
import { decodeFuncInfo, type DecodedSite } from "./decode.js";
import { buildFuncInfo } from "./funcinfo.js";
import { funcInfoOf, openElf, openInput, writeFileAtomic } from "./io.js";

/** What {@link loadProbeSites} reads. */
export interface ProbeInputOptions {
  /** func_info BTF (raw, ELF section), or an ELF with DWARF. */
  file: string;
  /** Base BTF chain (vmlinux first). */
  base?: string[];
  /** Wire profile of a func_info input (default: detected). */
  profile?: Profile;
  /** The traced ELF (symbols, sections, machine); default the input when it is that object. */
  elf?: string;
  /** Functions to keep (default: all). */
  funcs?: string[];
  /** Override the detected object kind. */
  target?: ObjectKind;
  /** The traced object's path on the traced machine, for uprobes (default: --elf made absolute). */
  targetPath?: string;
  jobs?: number;
}

/** Sites with their arguments, value classes and attachability. */
export interface ProbeInput {
  sites: ProbeSite[];
  /** The traced ELF's register table, when its machine is known and tabled. */
  regs?: RegisterTable;
  /** ELF machine, when an ELF is known. */
  machine?: number;
  kind: ObjectKind;
  module?: string;
  path?: string;
  /** The traced ELF's path, when known. */
  elfPath?: string;
  /** Instructions capstone decoded. */
  instructions: number;
}

const compareDecoded = (a: { name: string; section: string; offset: number }, b: { name: string; section: string; offset: number }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.section < b.section ? -1 : a.section > b.section ? 1 : a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0;

/**
 * The parameter type ids of every LOCSEC entry, in the order
 * {@link decodeFuncInfo} returns the entries (the same walk and the same
 * stable sort), so index i describes decoded site i.
 */
function paramTypes(btf: Btf): { name: string; section: string; offset: number; types: TypeId[] }[] {
  const out: { name: string; section: string; offset: number; types: TypeId[] }[] = [];
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) {
    const t = btf.typeById(id);
    if (t.kind !== BTF_KIND_LOCSEC) continue;
    const locsec = btf.str(t.nameOff);
    const body = locsec.startsWith("inline") ? locsec.slice("inline".length) : locsec;
    const colon = body.indexOf(":");
    const section = colon >= 0 ? body.slice(0, colon) : body;
    for (const e of t.entries) {
      let name: string;
      let protoId: TypeId;
      if ("func" in e) {
        const f = btf.typeById(e.func);
        if (f.kind !== BTF_KIND_FUNC) throw new MalformedError(`LOCSEC entry names [${e.func}], no FUNC`, { typeId: id });
        name = btf.str(f.nameOff);
        protoId = f.type;
      } else {
        name = btf.str(e.nameOff);
        protoId = e.funcProto;
      }
      const proto = btf.typeById(protoId);
      const lp = btf.typeById(e.locProto);
      if (proto.kind !== BTF_KIND_FUNC_PROTO || lp.kind !== BTF_KIND_LOC_PROTO) throw new MalformedError("LOCSEC entry without FUNC_PROTO / LOC_PROTO", { typeId: id });
      out.push({ name, section, offset: e.offset, types: lp.params.map((_p, i) => proto.params[i]?.type ?? 0) });
    }
  }
  return out.sort(compareDecoded);
}

/** True when `elf` holds code (the traced object, not a file holding only func_info). */
function hasCode(elf: ElfFile): boolean {
  return elf.sections.some((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0);
}

/** Reads the sites, their argument classes and causes, and checks attachability against the traced ELF. */
export async function loadProbeSites(o: ProbeInputOptions): Promise<ProbeInput> {
  let btf: Btf;
  let elfPath = o.elf;
  const causes = new Map<string, (string | undefined)[][]>();
  const key = (name: string, section: string, offset: number | bigint) => `${name}\0${section}\0${offset}`;
  const input = openInput(o.file, o.base ?? [], o.profile);
  if (input.form === "dwarf") {
    const r = await buildFuncInfo(o.file, { base: o.base, jobs: o.jobs });
    btf = r.btf;
    elfPath ??= o.file;
    for (const s of r.sites) {
      const k = key(s.name, s.section, s.offset);
      const list = causes.get(k);
      if (list) list.push(s.causes);
      else causes.set(k, [s.causes]);
    }
  } else {
    btf = funcInfoOf(input);
    if (elfPath === undefined && input.sections) {
      const e = openElf(o.file);
      try {
        if (hasCode(e)) elfPath = o.file;
      } finally {
        e.close();
      }
    }
  }
  const decoded = decodeFuncInfo(btf);
  const types = paramTypes(btf);
  if (types.length !== decoded.length) throw new Error(`internal: ${types.length} typed entries for ${decoded.length} decoded sites`);
  let picked: number[] = decoded.map((_s, i) => i);
  if (o.funcs && o.funcs.length) {
    const want = new Set(o.funcs);
    picked = picked.filter((i) => want.has(decoded[i].name));
    const have = new Set(picked.map((i) => decoded[i].name));
    const absent = o.funcs.filter((f) => !have.has(f));
    if (absent.length) throw new NotFoundError(`no sites of ${absent.map((f) => `'${f}'`).join(", ")} in the func_info`, { file: o.file });
  }
  const sites: ProbeSite[] = picked.map((i) => {
    const d: DecodedSite = decoded[i];
    const ty = types[i];
    if (ty.name !== d.name || ty.offset !== d.offset || ty.section !== d.section) throw new Error("internal: typed entries out of step with the decoded sites");
    const c = causes.get(key(d.name, d.section, d.offset))?.shift();
    const args = d.params
      .map((p, j) => ({ p, j }))
      .filter(({ p }) => p.name !== "...")
      .map(({ p, j }) => ({
        name: p.name, type: p.type, loc: p.loc, cause: p.loc ? undefined : c?.[j], cls: valueClassOf(btf, ty.types[j]) as ValueClass,
      }));
    return { func: d.name, section: d.section, offset: d.offset, args, event: "" };
  });
  assignEventNames(sites);
  const out: ProbeInput = { sites, kind: o.target ?? "user", instructions: 0 };
  if (elfPath !== undefined) {
    const elf = openElf(elfPath);
    try {
      const at = await Attachability.open(elf, { kind: o.target });
      try {
        for (const s of sites) s.attach = at.check(s.section, s.offset);
        out.kind = at.kind;
        out.module = at.module;
        out.instructions = at.instructionsDecoded;
      } finally {
        at.close();
      }
      out.machine = elf.machine;
      out.regs = registerTable(elf.machine);
      out.elfPath = elfPath;
      out.path = o.targetPath ?? resolve(elfPath);
    } finally {
      elf.close();
    }
  }
  return out;
}

/** Options of {@link probesCommand}. */
export interface ProbesOptions extends ProbeInputOptions {
  format: ProbeFormat;
  /** Probe every function (the alternative to `funcs`). */
  all?: boolean;
  /** Keep sites that fail an attachability check (with the reason in a comment). */
  includeUnattachable?: boolean;
  /** Event group (default `btfgen`). */
  group?: string;
  /** Write here instead of returning the text. */
  output?: string;
}

/** The kinds of failures of `sites`, counted: `reason -> sites`. */
export function failureCounts(sites: ProbeSite[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of sites) for (const r of new Set((s.attach?.failures ?? []).map((f) => f.reason))) m.set(r, (m.get(r) ?? 0) + 1);
  return new Map([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/** `btfgen probes`. */
export async function probesCommand(o: ProbesOptions): Promise<string> {
  if (!o.all && !(o.funcs && o.funcs.length)) throw new UsageError("name the functions to probe with --func NAME (repeatable), or give --all");
  if (o.all && o.funcs && o.funcs.length) throw new UsageError("give --func NAME or --all, not both");
  const group = o.group ?? "btfgen";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(group) || group.length > 63) throw new UsageError(`--group ${group}: a group name is letters, digits and _ (not first), at most 63 characters`);
  const input = await loadProbeSites(o);
  if (o.format !== "json") {
    if (input.elfPath === undefined) {
      throw new UsageError(`--format ${o.format} needs the traced object's machine and symbols, which a func_info file does not carry: give --elf FILE`);
    }
    if (!input.regs) throw new UsageError(`--format ${o.format}: no DWARF register table for ELF machine ${input.machine}`);
  }
  const bad = input.sites.filter((s) => (s.attach?.failures.length ?? 0) > 0);
  const kept = o.includeUnattachable ? input.sites : input.sites.filter((s) => (s.attach?.failures.length ?? 0) === 0);
  const preamble: string[] = [];
  if (input.elfPath !== undefined) {
    preamble.push(`traced object: ${input.kind}${input.module ? ` ${input.module}` : ""}; ${input.sites.length - bad.length} of ${input.sites.length} sites attachable`);
    for (const [r, n] of failureCounts(input.sites)) preamble.push(`  not attachable: ${n} sites: ${r}`);
    if (!o.includeUnattachable) {
      for (const s of bad) preamble.push(`left out ${s.event} [${s.section} +0x${s.offset.toString(16)}]${s.attach?.symbol ? ` (${s.attach.symbol}+0x${s.attach.symbolOffset!.toString(16)})` : ""}: ${s.attach!.failures.map((f) => f.detail).join("; ")}`);
    }
  } else preamble.push("attachability not checked (no traced ELF: give --elf FILE)");
  const text = formatProbes(o.format, o.format === "json" ? input.sites : kept, {
    regs: input.regs, kind: input.kind, module: input.module, path: input.path, group, preamble,
  } satisfies ProbeTarget);
  if (o.output !== undefined) {
    writeFileAtomic(o.output, text.endsWith("\n") ? text : text + "\n");
    return "";
  }
  return text;
}
