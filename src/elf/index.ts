/**
 * The ELF front end: headers, sections (decompressed, relocated for ET_REL),
 * symbols, load base; a bounds-checked byte cursor other stages reuse; and a
 * writer for small relocatable objects.
 */
export { ByteReader, decodeCString } from "./cursor.js";
export type { ReaderOrigin } from "./cursor.js";
export { ElfFile, isDebugSectionName, isBtfgenError } from "./elf.js";
export type { ElfSection, ElfOpenOptions, ReadSectionOptions } from "./elf.js";
export type { ElfSymbol } from "./symbols.js";
export { writeElf, writeElfWithSection } from "./write.js";
export type { ElfSectionSpec, WriteElfOptions, WriteElfWithSectionOptions } from "./write.js";
export {
  ET_REL,
  ET_EXEC,
  ET_DYN,
  EM_386,
  EM_PPC,
  EM_PPC64,
  EM_S390,
  EM_ARM,
  EM_X86_64,
  EM_AARCH64,
  EM_RISCV,
  EM_LOONGARCH,
  SHT_NULL,
  SHT_PROGBITS,
  SHT_SYMTAB,
  SHT_STRTAB,
  SHT_RELA,
  SHT_NOBITS,
  SHT_REL,
  SHT_DYNSYM,
  SHT_SYMTAB_SHNDX,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_INFO_LINK,
  SHF_TLS,
  SHF_COMPRESSED,
  ELFCOMPRESS_ZLIB,
  ELFCOMPRESS_ZSTD,
  SHN_UNDEF,
  SHN_LORESERVE,
  SHN_ABS,
  SHN_COMMON,
  SHN_XINDEX,
  STT_OBJECT,
  STT_FUNC,
  STT_SECTION,
} from "./constants.js";
