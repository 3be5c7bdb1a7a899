/**
 * ELF constants, spelled as in `<elf.h>` (System V gABI and the psABIs),
 * limited to what btfgen reads or writes.
 */

/** `e_type`: relocatable object (`.o`, `.ko`). */
export const ET_REL = 1;
/** `e_type`: executable (vmlinux). */
export const ET_EXEC = 2;
/** `e_type`: shared object / PIE. */
export const ET_DYN = 3;

/** `e_machine` values btfgen knows by name (others are accepted as numbers). */
export const EM_386 = 3;
/** `e_machine`: 32-bit SPARC. */
export const EM_SPARC = 2;
/** `e_machine`: MIPS (32- and 64-bit, told apart by the ELF class). */
export const EM_MIPS = 8;
/** `e_machine`: SPARC v8+ (32-bit ELF, v9 instructions). */
export const EM_SPARC32PLUS = 18;
/** `e_machine`: 64-bit SPARC (v9). */
export const EM_SPARCV9 = 43;
/** `e_machine`: 32-bit PowerPC. */
export const EM_PPC = 20;
/** `e_machine`: 64-bit PowerPC. */
export const EM_PPC64 = 21;
/** `e_machine`: IBM S/390 and z/Architecture (s390x is this with ELFCLASS64). */
export const EM_S390 = 22;
/** `e_machine`: 32-bit ARM. */
export const EM_ARM = 40;
/** `e_machine`: x86-64. */
export const EM_X86_64 = 62;
/** `e_machine`: AArch64. */
export const EM_AARCH64 = 183;
/** `e_machine`: RISC-V. */
export const EM_RISCV = 243;
/** `e_machine`: LoongArch. */
export const EM_LOONGARCH = 258;

/** `sh_type`: inactive header. */
export const SHT_NULL = 0;
/** `sh_type`: program-defined contents. */
export const SHT_PROGBITS = 1;
/** `sh_type`: symbol table. */
export const SHT_SYMTAB = 2;
/** `sh_type`: string table. */
export const SHT_STRTAB = 3;
/** `sh_type`: relocations with explicit addends. */
export const SHT_RELA = 4;
/** `sh_type`: occupies no file space (`.bss`, or anything in a `--only-keep-debug` file). */
export const SHT_NOBITS = 8;
/** `sh_type`: relocations with implicit addends. */
export const SHT_REL = 9;
/** `sh_type`: dynamic symbol table. */
export const SHT_DYNSYM = 11;
/** `sh_type`: extended section indices for the symbol table. */
export const SHT_SYMTAB_SHNDX = 18;

/** `sh_flags`: occupies memory at run time. */
export const SHF_ALLOC = 0x2;
/** `sh_flags`: contains instructions. */
export const SHF_EXECINSTR = 0x4;
/** `sh_flags`: `sh_info` holds a section index. */
export const SHF_INFO_LINK = 0x40;
/** `sh_flags`: thread-local storage. */
export const SHF_TLS = 0x400;
/** `sh_flags`: data starts with an `Elf32_Chdr`/`Elf64_Chdr` and is compressed. */
export const SHF_COMPRESSED = 0x800;

/** `ch_type`: zlib (deflate with zlib header). */
export const ELFCOMPRESS_ZLIB = 1;
/** `ch_type`: Zstandard (binutils 2.40+, `-gz=zstd`). */
export const ELFCOMPRESS_ZSTD = 2;

/** Section index: undefined symbol. */
export const SHN_UNDEF = 0;
/** Section index: lowest reserved index. */
export const SHN_LORESERVE = 0xff00;
/** Section index: absolute symbol. */
export const SHN_ABS = 0xfff1;
/** Section index: common symbol. */
export const SHN_COMMON = 0xfff2;
/** Section index: real index is elsewhere (section 0 fields or SHT_SYMTAB_SHNDX). */
export const SHN_XINDEX = 0xffff;

/** `st_info` type: section symbol. */
export const STT_SECTION = 3;
/** `st_info` type: function. */
export const STT_FUNC = 2;
/** `st_info` type: data object. */
export const STT_OBJECT = 1;
