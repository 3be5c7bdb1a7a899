/**
 * File-level helpers of the commands: opening inputs with one-line errors,
 * loading a BTF base chain, and writing outputs atomically.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Btf } from "../btf/btf.js";
import { loadBtfFile, readBtfFromElf } from "../btf/elf.js";
import { ElfFile } from "../elf/elf.js";
import { BtfgenError, NotFoundError } from "../errors.js";
import type { Profile } from "../btf/kinds.js";

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
    const n = readSync(fd, head, 0, 4, 0);
    return n === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
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
export function loadBtf(path: string, base?: Btf, section?: string, profile?: Profile): Btf {
  if (isElfFile(path)) {
    const elf = openElf(path);
    try {
      return readBtfFromElf(elf, { base, section, profile });
    } finally {
      elf.close();
    }
  }
  return loadBtfFile(path, { base, section, profile });
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

/** True when the ELF `file` has a section `name`. */
export function hasSection(file: string, name: string): boolean {
  const elf = openElf(file);
  try {
    return elf.section(name) !== undefined;
  } finally {
    elf.close();
  }
}

/** True when `file` should be read as DWARF (an ELF without a func_info section). */
export function isDwarfInput(file: string): boolean {
  if (!isElfFile(file)) return false;
  const elf = openElf(file);
  try {
    return !FUNC_INFO_SECTIONS.some((n) => elf.section(n));
  } finally {
    elf.close();
  }
}

/**
 * Loads a base chain: the first file is the root base, each next one is a
 * split on the one before (vmlinux, then a module's `.BTF`).
 */
export function loadBtfChain(paths: string[]): Btf | undefined {
  let base: Btf | undefined;
  for (const p of paths) base = loadBtf(p, base);
  return base;
}

/**
 * Writes `data` to `path` through a temporary file in the same directory and
 * a rename, so a failed run never leaves a partial output behind.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw fileError(path, e);
  }
}
