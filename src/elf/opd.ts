/**
 * Function descriptors of the 64-bit PowerPC ELFv1 ABI (big-endian ppc64,
 * `e_flags & 3` not 2). There a function symbol's `st_value` is not its
 * code: it is the address of a three-doubleword descriptor in `.opd`
 *
 * ```
 * .opd entry: u64 entry address | u64 TOC pointer | u64 environment
 * ```
 *
 * whose first doubleword is where the code starts (in `.text`). DWARF
 * speaks of code addresses, so every use of a function symbol in btfgen
 * (clone names at an entry, the caller of a site, attach checks) wants the
 * entry. {@link resolveDescriptors} rewrites those symbols in place: their
 * value and section become the entry's. In ET_REL the first doubleword is
 * 0 until linked: its R_PPC64_ADDR64 relocation names the code (a section
 * symbol and an addend). A descriptor that cannot be read (an `.opd` of
 * SHT_NOBITS, as in a separate debug file; no relocation at the entry)
 * leaves its symbol as it is: a symbol at a descriptor matches no code,
 * which is the safe failure (nothing is taken for a clone or a caller).
 */
import { EM_PPC64, ET_REL, SHT_NOBITS, STT_FUNC } from "./constants.js";
import type { ElfFile } from "./elf.js";
import { forEachRela64 } from "./rela.js";
import type { ElfSymbol } from "./symbols.js";

/** `R_PPC64_ADDR64`. */
const R_PPC64_ADDR64 = 38;

/** True when `elf`'s function symbols point at `.opd` descriptors. */
export function usesDescriptors(elf: ElfFile): boolean {
  return elf.machine === EM_PPC64 && elf.is64 && (elf.flags & 3) !== 2 && elf.section(".opd") !== undefined;
}

/**
 * Points every STT_FUNC symbol of `syms` (the symbol table of `elf`, index
 * 0 included) that sits in `.opd` at its code instead (see the module
 * comment).
 */
export function resolveDescriptors(elf: ElfFile, syms: ElfSymbol[]): void {
  const opd = elf.section(".opd");
  if (!opd || opd.type === SHT_NOBITS || !usesDescriptors(elf)) return;
  const rel = elf.type === ET_REL;
  // ET_REL: the code of the descriptor at each .opd offset, from .rela.opd.
  const relocated = new Map<bigint, { shndx: number; value: bigint }>();
  if (rel) {
    for (const r of elf.relocationsFor(opd)) {
      forEachRela64(elf, r, (offset, sym, type, addend) => {
        const target = syms[sym];
        if (type !== R_PPC64_ADDR64 || !target || target.shndx === 0 || target.shndx >= elf.sections.length) return;
        relocated.set(offset, { shndx: target.shndx, value: target.value + addend });
      });
    }
  }
  const data = rel ? undefined : elf.sectionData(opd, { relocate: false });
  const view = data && new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = elf.littleEndian;
  for (const s of syms) {
    if (s.type !== STT_FUNC || s.shndx !== opd.index) continue;
    if (rel) {
      const code = relocated.get(s.value);
      if (code) {
        s.shndx = code.shndx;
        s.value = code.value;
      }
      continue;
    }
    const at = s.value - opd.addr;
    if (at < 0n || at + 8n > BigInt(opd.size)) continue;
    const entry = view!.getBigUint64(Number(at), le);
    const sec = elf.sectionAt(entry);
    if (!sec) continue;
    s.shndx = sec.index;
    s.value = entry;
  }
}
