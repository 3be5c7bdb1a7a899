/**
 * `btfgen check FILE [--base CHAIN]`: runs the kernel's and libbpf's load
 * checks ({@link checkBtf}) over a raw BTF file or every BTF section of an
 * ELF object, and the gate the writers pass their output through.
 *
 * An ELF's sections are checked as the kernel sees them: `.BTF` on the
 * `--base` chain (a module's), then each inline section (`.BTF.func_info`,
 * `.BTF.inline`) on the chain plus that `.BTF` when the object has one
 * (vmlinux after `resolve_btfids --inline`), else on the chain alone.
 */
import type { Btf } from "../btf/btf.js";
import { checkBtf, type CheckProblem, type CheckReport, type LocsecOrder } from "../btf/check.js";
import type { Profile } from "../btf/kinds.js";
import { parseBtf } from "../btf/read.js";
import { NotFoundError } from "../errors.js";
import { FUNC_INFO_SECTIONS, inlineSiblingBase, isElfFile, loadBtfChain, openElf, readInputFile } from "./io.js";

/** Options of {@link checkCommand}. */
export interface CheckCommandOptions {
  file: string;
  base?: string[];
  /** Check only this ELF section. */
  section?: string;
  format?: Profile;
  locsecOrder?: LocsecOrder;
  json?: boolean;
  /** The base chain already loaded (instead of `base` paths), for many files on one base. */
  chain?: Btf;
}

/** One checked blob of a file. */
export interface CheckedPart extends CheckReport {
  /** ELF section name, or undefined for a raw file. */
  section?: string;
}

/** Result of {@link checkFile}. */
export interface CheckFileResult {
  file: string;
  parts: CheckedPart[];
  problems: number;
}

/** Checks every BTF blob of `o.file` (see the module comment for ELF inputs). */
export function checkFile(o: CheckCommandOptions): CheckFileResult {
  const elfInput = isElfFile(o.file);
  // A kernel `.inline` file is read on the bases beside it when none is given.
  const chain = o.chain ?? loadBtfChain(o.base?.length || elfInput ? o.base ?? [] : inlineSiblingBase(o.file));
  const parts: CheckedPart[] = [];
  const run = (bytes: Uint8Array, base: Btf | undefined, section?: string) => {
    parts.push({ section, ...checkBtf(bytes, { base, profile: o.format, locsecOrder: o.locsecOrder }) });
  };
  if (!elfInput) {
    run(readInputFile(o.file), chain);
  } else {
    const elf = openElf(o.file);
    try {
      const data = (name: string) => elf.sectionData(elf.section(name)!, { relocate: false });
      const names = o.section ? [o.section] : [".BTF", ...FUNC_INFO_SECTIONS].filter((n) => elf.section(n));
      if (names.length === 0 || !elf.section(names[0])) {
        throw new NotFoundError(`no ${o.section ?? [".BTF", ...FUNC_INFO_SECTIONS].join(", ")} section to check`, { file: o.file });
      }
      let own: Btf | undefined;
      for (const name of names) {
        if (name === ".BTF") {
          run(data(name), chain, name);
          // The inline sections split on it; it must parse to be their base.
          if (parts[parts.length - 1].problems.length === 0) own = parseBtf(data(name), { base: chain, file: o.file, section: name });
        } else {
          run(data(name), elf.section(".BTF") && !o.section ? own ?? chain : chain, name);
        }
      }
    } finally {
      elf.close();
    }
  }
  return { file: o.file, parts, problems: parts.reduce((n, p) => n + p.problems.length, 0) };
}

/** One line per problem: `FILE[:SECTION]: [id] KIND rule: message`. */
export function formatProblem(file: string, section: string | undefined, p: CheckProblem): string {
  const where = section ? `${file}:${section}` : file;
  return `${where}: ${problemText(p)}`;
}

/** A problem without its file: `[id] KIND rule: message` (or `+0xoff rule: ...`). */
function problemText(p: CheckProblem): string {
  const at = p.typeId !== undefined ? `[${p.typeId}] ${p.kind} ` : p.offset !== undefined ? `+0x${p.offset.toString(16)} ` : "";
  return `${at}${p.rule}: ${p.message}`;
}

/** `btfgen check`: the problems, then a summary line; `failed` when there are any. */
export function checkCommand(o: CheckCommandOptions): { text: string; failed: boolean } {
  const r = checkFile(o);
  if (o.json) return { text: JSON.stringify(r, null, 1), failed: r.problems > 0 };
  const lines: string[] = [];
  for (const part of r.parts) for (const p of part.problems) lines.push(formatProblem(r.file, part.section, p));
  const parts = r.parts.map((p) => `${p.section ?? "BTF"} (${p.profile}, ${p.types} types from [${p.firstTypeId}])`).join(", ");
  lines.push(`${r.file}: ${r.problems === 0 ? "ok" : `${r.problems} problem${r.problems === 1 ? "" : "s"}`}: ${parts}`);
  const hint = chainHint(r);
  if (hint) lines.push(hint);
  return { text: lines.join("\n"), failed: r.problems > 0 };
}

/**
 * A split read on a shorter base chain than it was written on (a module's
 * func_info checked on vmlinux alone) has its string offsets and type ids
 * off by the missing BTF's size: its names and references point at the wrong
 * strings and types. Split BTF does not say its base, so this is a guess,
 * given as a question.
 */
const SHIFTED = /Invalid name|Invalid (return )?type_id|is out of range|, not an? [A-Z_]+$/;
function chainHint(r: CheckFileResult): string | undefined {
  for (const part of r.parts) {
    if (part.firstTypeId <= 1 || part.problems.length === 0) continue;
    if (part.problems.some((p) => SHIFTED.test(p.message))) {
      return `${r.file}: hint: names or type ids that do not fit in a split: is the base chain the one it was written on? ` +
        "(a module's func_info: --base vmlinux --base MODULE.ko)";
    }
  }
  return undefined;
}

/**
 * The writers' gate: throws (a btfgen bug, exit status 2) when `bytes`
 * would be refused by `btfgen check`, so a bad file is never written.
 */
export function assertAccepted(bytes: Uint8Array, base: Btf | undefined, what: string): void {
  const r = checkBtf(bytes, { base });
  if (r.problems.length === 0) return;
  // `what` names the file to be ("the func_info of vmlinux"), never only the input.
  const first = problemText(r.problems[0]);
  throw new Error(`refusing to write ${what}: it fails btfgen check with ${r.problems.length} problem(s), first: ${first}`);
}
