/**
 * Reading an SHT_RELA section's entries one by one, for the few places
 * that look at what a relocation names rather than apply it (reloc.ts does
 * that, for the debug sections):
 *
 * ```
 * Elf64_Rela: u64 r_offset | u64 r_info (sym << 32 | type) | s64 r_addend   (24 bytes)
 * ```
 *
 * Only the 64-bit class with the common r_info layout (MIPS64 lays r_info
 * out otherwise; reloc.ts knows it, the callers here need not).
 */
import { SHT_RELA } from "./constants.js";
import type { ElfFile, ElfSection } from "./elf.js";

/** Bytes of an Elf64_Rela. */
const RELA64 = 24;

/**
 * Calls `each(offset, sym, type, addend, at)` for every entry of `rs` (its
 * `sh_entsize`, 24 when 0; `at`: the entry's position in `rs`); nothing for
 * a section that is no SHT_RELA, in a 32-bit ELF, or of entries shorter
 * than an Elf64_Rela.
 */
export function forEachRela64(
  elf: ElfFile,
  rs: ElfSection,
  each: (offset: bigint, sym: number, type: number, addend: bigint, at: number) => void,
): void {
  const ent = rs.entsize || RELA64;
  if (rs.type !== SHT_RELA || !elf.is64 || ent < RELA64) return;
  const d = elf.sectionData(rs, { relocate: false });
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const le = elf.littleEndian;
  for (let p = 0; p + ent <= d.length; p += ent) {
    const info = v.getBigUint64(p + 8, le);
    each(v.getBigUint64(p, le), Number(info >> 32n), Number(info & 0xffffffffn), v.getBigInt64(p + 16, le), p);
  }
}
