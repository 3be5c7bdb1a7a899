/**
 * Symbol table decoding (`.symtab`, `.dynsym`).
 *
 * ```
 * Elf32_Sym: u32 name | u32 value | u32 size | u8 info | u8 other | u16 shndx   (16 bytes)
 * Elf64_Sym: u32 name | u8 info | u8 other | u16 shndx | u64 value | u64 size   (24 bytes)
 * ```
 * vmlinux has ~200k symbols, so decoding walks a `DataView` directly and
 * decodes names with the ASCII fast path of {@link decodeCString}.
 */
import { MalformedError } from "../errors.js";
import { SHN_XINDEX } from "./constants.js";
import { decodeCString } from "./cursor.js";
import type { SymbolValues } from "./reloc.js";

/** One ELF symbol. */
export interface ElfSymbol {
  /** Name from the linked string table ("" for none). */
  name: string;
  /** `st_value`: an address in linked files, a section offset in ET_REL. */
  value: bigint;
  /** `st_size`. */
  size: bigint;
  /** `ELF_ST_TYPE(st_info)`: STT_FUNC = 2, STT_OBJECT = 1, STT_SECTION = 3… */
  type: number;
  /** `ELF_ST_BIND(st_info)`: STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2. */
  bind: number;
  /** `ELF_ST_VISIBILITY(st_other)`. */
  visibility: number;
  /** Section index (`st_shndx`, with SHN_XINDEX resolved when possible). */
  shndx: number;
}

/** Entry size of a symbol for the class. */
export function symbolEntrySize(is64: boolean): number {
  return is64 ? 24 : 16;
}

/**
 * Decodes every symbol (index 0 included, so indices match relocation
 * `r_sym`). `shndxTable` is the SHT_SYMTAB_SHNDX section, if any.
 */
export function decodeSymbols(
  table: Uint8Array,
  strtab: Uint8Array,
  is64: boolean,
  le: boolean,
  entsize: number,
  where: { file: string; section: string },
  shndxTable?: Uint8Array,
): ElfSymbol[] {
  const es = checkEntsize(entsize, is64, where);
  const n = Math.floor(table.length / es);
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const xv = shndxTable ? new DataView(shndxTable.buffer, shndxTable.byteOffset, shndxTable.byteLength) : undefined;
  const out: ElfSymbol[] = new Array(n);
  for (let i = 0, p = 0; i < n; i++, p += es) {
    const nameOff = v.getUint32(p, le);
    let info: number, other: number, shndx: number, value: bigint, size: bigint;
    if (is64) {
      info = v.getUint8(p + 4);
      other = v.getUint8(p + 5);
      shndx = v.getUint16(p + 6, le);
      value = v.getBigUint64(p + 8, le);
      size = v.getBigUint64(p + 16, le);
    } else {
      value = BigInt(v.getUint32(p + 4, le));
      size = BigInt(v.getUint32(p + 8, le));
      info = v.getUint8(p + 12);
      other = v.getUint8(p + 13);
      shndx = v.getUint16(p + 14, le);
    }
    if (shndx === SHN_XINDEX && xv && i * 4 + 4 <= xv.byteLength) shndx = xv.getUint32(i * 4, le);
    let name = "";
    if (nameOff !== 0) {
      if (nameOff >= strtab.length) {
        throw new MalformedError(`symbol ${i} name offset 0x${nameOff.toString(16)} is beyond the string table`, {
          ...where,
          offset: p,
        });
      }
      name = decodeCString(strtab, nameOff).value;
    }
    out[i] = { name, value, size, type: info & 0xf, bind: info >> 4, visibility: other & 3, shndx };
  }
  return out;
}

/** Only the values, for relocation: no names, no objects per symbol. */
export function decodeSymbolValues(
  table: Uint8Array,
  is64: boolean,
  le: boolean,
  entsize: number,
  where: { file: string; section: string },
  sectionBases?: Float64Array,
): SymbolValues {
  const es = checkEntsize(entsize, is64, where);
  const n = Math.floor(table.length / es);
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const values = new Float64Array(n);
  let big: Map<number, bigint> | undefined;
  for (let i = 0, p = 0; i < n; i++, p += es) {
    if (is64) {
      const lo = v.getUint32(p + (le ? 8 : 12), le);
      const hi = v.getUint32(p + (le ? 12 : 8), le);
      values[i] = hi * 0x1_0000_0000 + lo;
      if (hi > 0x1fffff) (big ??= new Map()).set(i, v.getBigUint64(p + 8, le));
    } else {
      values[i] = v.getUint32(p + 4, le);
    }
    if (sectionBases) {
      // st_shndx: a defined symbol's value is relative to its section's laid-out address.
      const shndx = v.getUint16(p + (is64 ? 6 : 14), le);
      if (shndx > 0 && shndx < sectionBases.length) values[i] += sectionBases[shndx];
    }
  }
  return { count: n, values, big };
}

function checkEntsize(entsize: number, is64: boolean, where: { file: string; section: string }): number {
  const std = symbolEntrySize(is64);
  const es = entsize || std;
  if (es < std) throw new MalformedError(`symbol entry size ${es} is below ${std}`, where);
  return es;
}
