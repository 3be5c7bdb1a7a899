/**
 * File-level helpers of the commands: opening inputs with one-line errors,
 * loading a BTF base chain, and writing outputs atomically.
 */
import { closeSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Btf } from "../btf/btf.js";
import { loadBtfFile, readBtfFromElf } from "../btf/elf.js";
import { ElfFile } from "../elf/elf.js";
import { BtfgenError, NotFoundError } from "../errors.js";

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
export function loadBtf(path: string, base?: Btf, section?: string): Btf {
  if (isElfFile(path)) {
    const elf = openElf(path);
    try {
      return readBtfFromElf(elf, { base, section });
    } finally {
      elf.close();
    }
  }
  return loadBtfFile(path, { base, section });
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
