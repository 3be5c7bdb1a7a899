/**
 * Program headers of a linked ELF, for uprobes: a uprobe is placed at a file
 * offset (`p:GRP/EVENT PATH:OFFSET`, Documentation/trace/uprobetracer.rst),
 * and the PT_LOAD segment that maps an address gives it:
 * `offset = vaddr - p_vaddr + p_offset`.
 *
 * ```
 * Elf64_Phdr: u32 type | u32 flags | u64 offset | u64 vaddr | u64 paddr | u64 filesz | u64 memsz | u64 align  (56 bytes)
 * Elf32_Phdr: u32 type | u32 offset | u32 vaddr | u32 paddr | u32 filesz | u32 memsz | u32 flags | u32 align   (32 bytes)
 * ```
 */
import { closeSync, openSync, readSync } from "node:fs";
import { MalformedError, TruncatedError } from "../errors.js";

/** PT_LOAD. */
export const PT_LOAD = 1;
/** PF_X. */
export const PF_X = 1;

/** One program header. */
export interface ProgramHeader {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

function readAt(fd: number, pos: number, len: number, file: string): DataView {
  const buf = Buffer.alloc(len);
  const n = readSync(fd, buf, 0, len, pos);
  if (n !== len) throw new TruncatedError(`file ends inside the program headers (wanted ${len} bytes at 0x${pos.toString(16)})`, { file, offset: pos });
  return new DataView(buf.buffer, buf.byteOffset, len);
}

/** The program headers of the ELF file `path` (empty for a relocatable object, which has none). */
export function readProgramHeaders(path: string): ProgramHeader[] {
  const fd = openSync(path, "r");
  try {
    const ident = readAt(fd, 0, 16, path);
    const is64 = ident.getUint8(4) === 2;
    const le = ident.getUint8(5) === 1;
    const eh = readAt(fd, 0, is64 ? 64 : 52, path);
    const phoff = is64 ? Number(eh.getBigUint64(32, le)) : eh.getUint32(28, le);
    const phentsize = eh.getUint16(is64 ? 54 : 42, le);
    const phnum = eh.getUint16(is64 ? 56 : 44, le);
    if (phnum === 0 || phoff === 0) return [];
    if (phentsize < (is64 ? 56 : 32)) throw new MalformedError(`e_phentsize ${phentsize} is too small`, { file: path });
    const table = readAt(fd, phoff, phentsize * phnum, path);
    const out: ProgramHeader[] = [];
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (is64) {
        out.push({
          type: table.getUint32(o, le), flags: table.getUint32(o + 4, le), offset: table.getBigUint64(o + 8, le),
          vaddr: table.getBigUint64(o + 16, le), filesz: table.getBigUint64(o + 32, le), memsz: table.getBigUint64(o + 40, le),
        });
      } else {
        out.push({
          type: table.getUint32(o, le), offset: BigInt(table.getUint32(o + 4, le)), vaddr: BigInt(table.getUint32(o + 8, le)),
          filesz: BigInt(table.getUint32(o + 16, le)), memsz: BigInt(table.getUint32(o + 20, le)), flags: table.getUint32(o + 24, le),
        });
      }
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The file offset of virtual address `vaddr`: inside the file bytes of an
 * executable PT_LOAD segment, else undefined (not mapped from the file, so
 * no uprobe can be placed there).
 */
export function fileOffsetOf(phdrs: ProgramHeader[], vaddr: bigint): bigint | undefined {
  for (const p of phdrs) {
    if (p.type !== PT_LOAD || !(p.flags & PF_X)) continue;
    if (vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return vaddr - p.vaddr + p.offset;
  }
  return undefined;
}
