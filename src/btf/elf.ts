/**
 * Reading BTF out of an ELF object (`.BTF` of vmlinux, a module, a BPF `.o`,
 * or a `.BTF.func_info`/`.BTF.inline` section btfgen wrote), and reading raw
 * BTF files. The BTF header's magic decides the byte order, not the ELF's.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { BtfgenError, NotFoundError } from "../errors.js";
import { ElfFile } from "../elf/elf.js";
import type { Btf } from "./btf.js";
import { parseBtf, type ParseOptions } from "./read.js";

/** ELF magic `\x7fELF`. */
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Options of {@link loadBtfFile} and {@link readBtfFromElf}. */
export interface LoadBtfOptions extends Omit<ParseOptions, "file" | "section"> {
  /** Section to read from an ELF file (default `.BTF`). */
  section?: string;
}

/**
 * Reads the BTF section `options.section` (default `.BTF`) of an opened ELF file.
 * @throws NotFoundError if the section is missing; parse errors of {@link parseBtf}
 */
export function readBtfFromElf(elf: ElfFile, options: LoadBtfOptions = {}): Btf {
  const name = options.section ?? ".BTF";
  const sec = elf.section(name);
  if (!sec) throw new NotFoundError(`no ${name} section`, { file: elf.path, section: name });
  const bytes = elf.sectionData(sec, { relocate: false });
  return parseBtf(bytes, { ...options, file: elf.path, section: name });
}

/**
 * Loads BTF from `path`: an ELF file (its `.BTF` or `options.section`) or a raw
 * BTF file (as `bpftool btf dump file` accepts both).
 */
export function loadBtfFile(path: string, options: LoadBtfOptions = {}): Btf {
  let isElf = false;
  try {
    const fd = openSync(path, "r");
    try {
      const head = new Uint8Array(4);
      isElf = readSync(fd, head, 0, 4, 0) === 4 && ELF_MAGIC.every((b, i) => head[i] === b);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError("no such file", { file: path }, { cause: e });
    throw e;
  }
  if (isElf) {
    // Opened lazily: only the BTF section is read, not a 600 MB vmlinux.
    const elf = ElfFile.open(path, { relocate: false });
    try {
      return readBtfFromElf(elf, options);
    } finally {
      elf.close();
    }
  }
  const buf = readFileSync(path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    return parseBtf(bytes, { ...options, file: path });
  } catch (e) {
    if (e instanceof BtfgenError) throw e.at({ file: path });
    throw e;
  }
}
