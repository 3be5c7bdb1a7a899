/**
 * File-level helpers of the commands: opening inputs with one-line errors,
 * loading a BTF base chain, and writing outputs atomically.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Btf } from "../btf/btf.js";
import { loadBtfFile, readBtfFromElf } from "../btf/elf.js";
import { ElfFile } from "../elf/elf.js";
import { BtfgenError, IoError, NotFoundError, UsageError } from "../errors.js";
import { BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, type Profile } from "../btf/kinds.js";

/** Sections of an ELF that hold func_info (inline) BTF, in the order tried. */
export const FUNC_INFO_SECTIONS = [".BTF.func_info", ".BTF.inline"];

/** Reads a whole (non-ELF) input file, with one-line errors naming it. */
export function readInputFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw fileError(path, e);
  }
}

/** True if the file starts with the ELF magic. */
export function isElfFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    const head = Buffer.alloc(4);
    // A directory opens, and fails only here (EISDIR).
    const n = readSync(fd, head, 0, 4, 0);
    return n === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
  } catch (e) {
    throw fileError(path, e);
  } finally {
    closeSync(fd);
  }
}

/** Opens an ELF file, turning OS errors into {@link BtfgenError}s that name the file. */
export function openElf(path: string): ElfFile {
  try {
    return ElfFile.open(path, { layoutRelocatable: true });
  } catch (e) {
    throw fileError(path, e);
  }
}

function fileError(path: string, e: unknown): unknown {
  if (e instanceof BtfgenError) return e.at({ file: path });
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new NotFoundError("no such file", { file: path }, { cause: e });
  if (code === "EISDIR") return new NotFoundError("is a directory, not a file", { file: path }, { cause: e });
  if (code === "EACCES") return new NotFoundError("permission denied", { file: path }, { cause: e });
  return e;
}

/**
 * Loads BTF from an ELF (its `.BTF`, or `section`) or raw file, split on
 * `base` when given. ELF files are read section by section, never whole.
 */
export function loadBtf(path: string, base?: Btf, section?: string, profile?: Profile, lazy?: boolean): Btf {
  if (isElfFile(path)) {
    const elf = openElf(path);
    try {
      return readBtfFromElf(elf, { base, section, profile, lazy });
    } finally {
      elf.close();
    }
  }
  return loadBtfFile(path, { base, section, profile, lazy });
}

/**
 * The base chain of a raw `.inline` file named as the kernel exposes them
 * when none is given: `/sys/kernel/btf/vmlinux.inline` splits on
 * `vmlinux` beside it, `<module>.inline` on `vmlinux` and `<module>` beside
 * it. Empty when `file` is not such a file or the bases are not there.
 */
export function inlineSiblingBase(file: string): string[] {
  const name = basename(file);
  if (!name.endsWith(".inline")) return [];
  const dir = dirname(file);
  const stem = name.slice(0, -".inline".length);
  const chain = stem === "vmlinux" ? [join(dir, "vmlinux")] : [join(dir, "vmlinux"), join(dir, stem)];
  return chain.every((p) => existsSync(p)) ? chain : [];
}

/**
 * Loads a func_info (inline) BTF, the forms users point at:
 *  - a raw file (btfgen's `.btf`, or the kernel's `/sys/kernel/btf/*.inline`,
 *    whose bases are found beside it when `base` is empty);
 *  - an ELF with `.BTF.func_info` or `.BTF.inline`: split on `base`, plus
 *    the object's own `.BTF` when it has one (vmlinux after
 *    `resolve_btfids --inline`, or btfgen's self-contained `--elf` output).
 * `profile` forces the wire profile (default: detected).
 */
export function loadFuncInfo(file: string, base: string[], profile?: Profile): Btf {
  if (isElfFile(file)) {
    const chain = loadBtfChain(base);
    const elf = openElf(file);
    try {
      const name = FUNC_INFO_SECTIONS.find((n) => elf.section(n));
      if (!name) throw new NotFoundError(`no ${FUNC_INFO_SECTIONS.join(" or ")} section`, { file });
      const own = (elf.section(".BTF")?.size ?? 0) > 0 ? readBtfFromElf(elf, { base: chain }) : chain;
      return readBtfFromElf(elf, { base: own, section: name, profile });
    } finally {
      elf.close();
    }
  }
  return loadBtf(file, loadBtfChain(base.length ? base : inlineSiblingBase(file)), undefined, profile);
}

/** Section name -> size of the ELF `file` (read once); undefined when it is no ELF. */
export function elfSections(file: string): Map<string, number> | undefined {
  if (!isElfFile(file)) return undefined;
  const elf = openElf(file);
  try {
    return new Map(elf.sections.map((sec) => [sec.name, Number(sec.size)]));
  } finally {
    elf.close();
  }
}

/**
 * What an input is, as every command decides it:
 *  - `dwarf`: an ELF without a func_info section (vmlinux, a module, a
 *    program, a `.o`): the pipeline runs on its DWARF (an ELF with neither
 *    DWARF nor `.BTF` is this too, and ends in a "no DWARF" error there);
 *  - `func_info`: an ELF with `.BTF.func_info`/`.BTF.inline`, or a raw BTF
 *    holding LOC records (btfgen's output, `/sys/kernel/btf/*.inline`);
 *  - `btf`: an ELF with `.BTF` and no DWARF, or raw BTF without LOC records.
 */
export type InputForm = "dwarf" | "func_info" | "btf";

/** An input opened by {@link openInput}; BTF forms come loaded on their chain. */
export type Input =
  | { form: "dwarf"; path: string; sections: Map<string, number> }
  | { form: "func_info" | "btf"; path: string; sections?: Map<string, number>; btf: Btf };

const DEBUG_INFO = [".debug_info", ".zdebug_info"];

/** The form of `file` from its section names alone (nothing parsed); see {@link InputForm}. */
export function inputForm(file: string, sections = elfSections(file)): InputForm | "raw" {
  if (!sections) return "raw";
  if (FUNC_INFO_SECTIONS.some((n) => sections.has(n))) return "func_info";
  if (DEBUG_INFO.some((n) => sections.has(n)) || !sections.has(".BTF")) return "dwarf";
  return "btf";
}

/**
 * Opens any input the commands take (see {@link InputForm}): a func_info is
 * loaded on `base` (plus an ELF's own `.BTF`, or the kernel's sibling files
 * for a raw `.inline`), a BTF on `base`; `profile` forces the wire profile.
 */
export function openInput(file: string, base: string[] = [], profile?: Profile): Input {
  const sections = elfSections(file);
  const form = inputForm(file, sections);
  if (form === "dwarf") return { form, path: file, sections: sections! };
  if (form === "btf") return { form, path: file, sections, btf: loadBtf(file, loadBtfChain(base), ".BTF", profile) };
  const btf = loadFuncInfo(file, base, profile);
  if (form === "func_info") return { form, path: file, sections, btf };
  return { form: hasLocRecords(btf) ? "func_info" : "btf", path: file, btf };
}

function hasLocRecords(btf: Btf): boolean {
  for (const t of btf.types) if (t.kind === BTF_KIND_LOCSEC || t.kind === BTF_KIND_LOC_PROTO || t.kind === BTF_KIND_LOC_PARAM) return true;
  return false;
}

/** The func_info BTF of an opened input; a BTF without LOC records is a NotFoundError. */
export function funcInfoOf(input: Input): Btf {
  if (input.form === "func_info") return input.btf;
  if (input.form === "btf") throw new NotFoundError("holds no func_info (no LOC records): give a func_info file, or an ELF with DWARF", { file: input.path });
  throw new NotFoundError("is read as DWARF here", { file: input.path });
}

/**
 * Loads a base chain: the first file is the root base, each next one is a
 * split on the one before (vmlinux, then a module's `.BTF`). Each is read
 * lazily (btf/lazy.ts): checked in one pass, its types decoded as they are
 * touched, as libbpf reads a base. The string and name indexes a split on
 * it uses are built here, while V8's compiler threads are idle
 * ({@link Btf.prepareIndexes}).
 */
export function loadBtfChain(paths: string[]): Btf | undefined {
  let base: Btf | undefined;
  for (const p of paths) {
    try {
      base = loadBtf(p, base, undefined, undefined, true);
    } catch (e) {
      // A kernel built without BTF (Debian's ppc64le): say how to make a base from its DWARF.
      if (e instanceof NotFoundError && e.section === ".BTF" && isElfFile(p)) {
        throw new NotFoundError(`${e.message}: encode one from its DWARF (btfgen encode ${p} -o ${basename(p)}.btf) and give that as the base`, { file: p, section: ".BTF" }, { cause: e });
      }
      throw e;
    }
  }
  base?.prepareIndexes();
  return base;
}

/**
 * The object's own `.BTF` (on `chain`), read lazily as a base chain is
 * (btf/lazy.ts: a func_info touches few of vmlinux's 95k types), with the
 * indexes a split on it uses built now, before the walk.
 */
export function ownBtf(elf: ElfFile, chain: Btf | undefined): Btf {
  const b = readBtfFromElf(elf, { base: chain, lazy: true });
  b.prepareIndexes();
  return b;
}

/** Words for the system errors a user can meet writing an output. */
const IO_WORDS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ENOENT: "its directory does not exist",
  EFBIG: "file too large",
  EIO: "input/output error",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
};

/** An OS error met writing `path` as a one-line {@link IoError}; anything else unchanged. */
function writeError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && IO_WORDS[code]) return new IoError(`cannot write: ${IO_WORDS[code]}`, { file: path }, { cause: e });
  return e;
}

/** Temporaries being written now; removed on a signal ({@link removeTemporaries}). */
const liveTemps = new Set<string>();
let tempCounter = 0;

/** A temporary name beside `path`, unique across processes and within this one. */
function tempNameFor(path: string): string {
  tempCounter++;
  const rnd = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.${rnd}.tmp`);
}

/** Removes every temporary still being written (for signal handlers; synchronous). */
export function removeTemporaries(): void {
  for (const t of liveTemps) {
    try {
      unlinkSync(t);
    } catch {
      // already renamed or never created
    }
  }
  liveTemps.clear();
}

let signalsHooked = false;
/**
 * From the first write on, SIGINT/SIGTERM/SIGHUP remove the temporaries
 * before the process ends (128 + signal number). Not earlier: a handler
 * defers the signal until JavaScript yields, and before any write there is
 * nothing to clean, so Ctrl-C should end the run at once. A signal during
 * the (synchronous) writes is handled right after them, when every output
 * is either complete or removed. (Node already ignores SIGPIPE: a closed
 * pipe is an EPIPE on the next write.)
 */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [sig, num] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]] as const) {
    process.on(sig, () => {
      removeTemporaries();
      process.exit(128 + num);
    });
  }
}

/**
 * Writes each `{ path, data }` through a temporary file beside it, and only
 * when all are written renames them into place (in the order given), so a
 * failure or a signal leaves no partial output and no temporary. Two runs
 * writing the same path leave one complete file: the last rename wins.
 */
export function writeFilesAtomic(files: { path: string; data: Uint8Array | string }[]): void {
  const temps: string[] = [];
  hookSignals();
  try {
    for (const f of files) {
      const tmp = tempNameFor(f.path);
      liveTemps.add(tmp);
      temps.push(tmp);
      try {
        writeFileSync(tmp, f.data, { flag: "wx" });
      } catch (e) {
        throw writeError(f.path, e);
      }
    }
    files.forEach((f, i) => {
      try {
        renameSync(temps[i], f.path);
      } catch (e) {
        throw writeError(f.path, e);
      }
      liveTemps.delete(temps[i]);
    });
  } finally {
    for (const t of temps) {
      if (!liveTemps.has(t)) continue;
      liveTemps.delete(t);
      try {
        unlinkSync(t);
      } catch {
        // the temporary may not exist
      }
    }
  }
}

/** {@link writeFilesAtomic} of one file. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  writeFilesAtomic([{ path, data }]);
}

/** Device and inode of `path` after following links, or undefined if it does not exist. */
function identity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Checks, before any work, that no output is one of the inputs (same path,
 * or the same file through a link) and that each output's directory exists
 * and is a directory. Throws a one-line {@link UsageError} / {@link IoError}
 * naming the output.
 */
export function checkOutputs(outputs: { path: string; what: string }[], inputs: string[]): void {
  const ins = inputs.map((p) => ({ p, abs: resolve(p), id: identity(p) }));
  const seen = new Map<string, string>();
  for (const o of outputs) {
    const abs = resolve(o.path);
    const id = identity(o.path);
    for (const i of ins) {
      if (abs === i.abs || (id !== undefined && id === i.id)) {
        throw new UsageError(`refusing to write the ${o.what} over the input ${i.p}${abs === i.abs ? "" : " (the same file)"}; choose another output name`, { file: o.path });
      }
    }
    const twice = seen.get(abs) ?? (id !== undefined ? seen.get(id) : undefined);
    if (twice) throw new UsageError(`the ${o.what} and the ${twice} would be the same file`, { file: o.path });
    seen.set(abs, o.what);
    if (id !== undefined) seen.set(id, o.what);
    const dir = dirname(abs);
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw new IoError(`cannot write: directory ${dirname(o.path)} does not exist`, { file: o.path });
    }
    if (!st.isDirectory()) throw new IoError(`cannot write: ${dirname(o.path)} is not a directory`, { file: o.path });
    if (id !== undefined && statSync(o.path).isDirectory()) throw new IoError("cannot write: is a directory", { file: o.path });
  }
}
