/**
 * `ElfFile`: the ELF front end. Reads the identification, the file header,
 * the section header table and `.shstrtab` up front; everything else
 * (section contents, symbols) on demand, by offset, so a 600 MB vmlinux
 * costs only the sections a caller asks for.
 *
 * Section contents come out final: decompressed (SHF_COMPRESSED or legacy
 * `.zdebug_*`) and, for relocatable objects only, with the relocations of
 * `.debug_*` sections applied. ET_EXEC/ET_DYN are never relocated: their
 * debug sections already hold link-time values, and the Debian vmlinux keeps
 * `.rela.debug_*` from `--emit-relocs` that must be ignored (FORMAT.md §8).
 *
 * ```
 * ELF header (52/64 bytes) | ... section data ... | section header table (e_shoff)
 *   e_shnum == 0 && e_shoff != 0  → real count in section 0's sh_size
 *   e_shstrndx == SHN_XINDEX      → real index in section 0's sh_link
 * ```
 */
import { BtfgenError, MalformedError, NotFoundError, TruncatedError, UnsupportedError } from "../errors.js";
import {
  EM_ARM,
  ET_REL,
  SHF_ALLOC,
  SHF_COMPRESSED,
  SHF_EXECINSTR,
  SHF_TLS,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_NULL,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  STT_FUNC,
} from "./constants.js";
import { type Compression, MAX_COMPRESSION_HEADER, checkClaimedSize, decompressInto, parseChdr, parseZdebug } from "./compress.js";
import { ByteReader, decodeCString } from "./cursor.js";
import { type SymbolValues, applyRelocations, knowsMachine } from "./reloc.js";
import { resolveDescriptors, usesDescriptors } from "./opd.js";
import { type ByteSource, FileSource, MemorySource } from "./source.js";
import { type ElfSymbol, decodeSymbolValues, decodeSymbols } from "./symbols.js";

/** One entry of the section header table, with its name resolved. */
export interface ElfSection {
  /** Index in the section header table (0 is the null section). */
  index: number;
  /** Name from `.shstrtab`. */
  name: string;
  /** `sh_type` (SHT_PROGBITS = 1, SHT_NOBITS = 8, …). */
  type: number;
  /** `sh_flags`, low 32 bits (every gABI flag lives there). */
  flags: number;
  /** `sh_addr`, the link-time address (0 in relocatable objects). */
  addr: bigint;
  /** `sh_offset` in the file. */
  offset: number;
  /** `sh_size` in the file (compressed size for compressed sections). */
  size: number;
  /** `sh_link`. */
  link: number;
  /** `sh_info` (for SHT_REL/RELA: the index of the section relocated). */
  info: number;
  /** `sh_addralign`. */
  addralign: number;
  /** `sh_entsize`. */
  entsize: number;
}

/** Options of {@link ElfFile.open} and {@link ElfFile.fromBytes}. */
export interface ElfOpenOptions {
  /**
   * Apply `.rel[a].debug_*` relocations in ET_REL files (default true).
   * Never applied to ET_EXEC/ET_DYN whatever this says.
   */
  relocate?: boolean;
  /**
   * ET_REL only: give the SHF_ALLOC sections distinct addresses, laid out in
   * section order with their alignment as a linker would (when every
   * `sh_addr` is 0, as in `.o`/`.ko` files), and relocate debug sections
   * against those addresses. DWARF addresses then name one section each
   * (`.text` and `.init.text` no longer both start at 0), so a site's
   * section and offset can be told. Off by default: tools such as
   * llvm-dwarfdump and pyelftools print section-relative addresses.
   */
  layoutRelocatable?: boolean;
}

/** Options of {@link ElfFile.readSectionInto}. */
export interface ReadSectionOptions {
  /** Overrides {@link ElfOpenOptions.relocate} for this read. */
  relocate?: boolean;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** True for names of DWARF sections, compressed GNU-style or not. */
export function isDebugSectionName(name: string): boolean {
  return name.startsWith(".debug_") || name.startsWith(".zdebug_");
}

/** An ELF object, executable or shared object, opened for reading. */
export class ElfFile {
  /** File name (or the name given to {@link fromBytes}). */
  readonly path: string;
  /** ELFCLASS64. */
  readonly is64: boolean;
  /** ELFDATA2LSB. */
  readonly littleEndian: boolean;
  /** `EI_OSABI`. */
  readonly osabi: number;
  /** `e_type`: ET_REL = 1, ET_EXEC = 2, ET_DYN = 3. */
  readonly type: number;
  /** `e_machine`: EM_X86_64 = 62, EM_AARCH64 = 183, … (any value accepted). */
  readonly machine: number;
  /** `e_flags` (needed to write a linkable object for e.g. RISC-V or ARM). */
  readonly flags: number;
  /** `e_entry`. */
  readonly entry: bigint;
  /** Every section header, indexed by section number. */
  readonly sections: ElfSection[];
  /** Size of the whole file in bytes. */
  readonly fileSize: number;

  private readonly source: ByteSource;
  private readonly relocateDefault: boolean;
  private readonly byName = new Map<string, ElfSection>();
  private readonly compressions = new Map<number, Compression>();
  private readonly symbolValueCache = new Map<number, SymbolValues>();
  private relocIndex?: Map<number, ElfSection[]>;
  private symbolCache?: ElfSymbol[];
  private allocByRank?: ElfSection[];
  private lastHit?: ElfSection;

  private constructor(source: ByteSource, path: string, relocate: boolean, layout = false) {
    this.source = source;
    this.path = path;
    this.relocateDefault = relocate;
    this.fileSize = source.size;

    const headLen = Math.min(source.size, 64);
    const head = new Uint8Array(headLen);
    source.readInto(0, head, "ELF header");
    if (headLen < 4 || ELF_MAGIC.some((b, i) => head[i] !== b)) {
      throw new MalformedError(`not an ELF file (bad magic${notElfHint(head)})`, { file: path, section: "ELF header", offset: 0 });
    }
    if (headLen < 16) throw this.truncated("ELF identification", 0, 16);
    const cls = head[4];
    const data = head[5];
    if (cls !== 1 && cls !== 2) throw this.malformed(`bad EI_CLASS ${cls}`, "ELF header", 4);
    if (data !== 1 && data !== 2) throw this.malformed(`bad EI_DATA ${data}`, "ELF header", 5);
    this.is64 = cls === 2;
    this.littleEndian = data === 1;
    this.osabi = head[7];
    const ehsize = this.is64 ? 64 : 52;
    if (headLen < ehsize) throw this.truncated("ELF header", 0, ehsize);

    const r = new ByteReader(head, this.littleEndian, { file: path, section: "ELF header" });
    r.seek(16);
    this.type = r.u16();
    this.machine = r.u16();
    r.u32(); // e_version
    this.entry = r.addr(this.is64);
    r.word(this.is64); // e_phoff
    const shoff = r.word(this.is64);
    this.flags = r.u32();
    r.u16(); // e_ehsize
    r.u16(); // e_phentsize
    r.u16(); // e_phnum
    const shentsize = r.u16();
    let shnum = r.u16();
    let shstrndx = r.u16();

    this.sections = [];
    if (shoff === 0) return; // no section header table: legal, nothing to read

    const minEnt = this.is64 ? 64 : 40;
    if (shentsize < minEnt) {
      throw this.malformed(`e_shentsize ${shentsize} is below ${minEnt}`, "ELF header", this.is64 ? 58 : 46);
    }
    if (shnum === 0 || shstrndx === SHN_XINDEX) {
      // Extended numbering: section 0 holds the real values.
      const first = this.readTable(shoff, shentsize, 1);
      const s0 = this.decodeSectionHeader(first, 0, shentsize);
      if (shnum === 0) shnum = s0.size;
      if (shstrndx === SHN_XINDEX) shstrndx = s0.link;
    }
    if (shnum === 0) return;
    const table = this.readTable(shoff, shentsize, shnum);
    for (let i = 0; i < shnum; i++) this.sections.push(this.decodeSectionHeader(table, i, shentsize));

    if (shstrndx !== 0) {
      if (shstrndx >= shnum) {
        throw this.malformed(`e_shstrndx ${shstrndx} is not below the ${shnum} sections`, "ELF header", this.is64 ? 62 : 50);
      }
      const strSec = this.sections[shstrndx];
      if (strSec.type === SHT_NOBITS) throw this.malformed("section name table is SHT_NOBITS", ".shstrtab");
      this.checkRange(strSec, ".shstrtab");
      const names = new Uint8Array(strSec.size);
      source.readInto(strSec.offset, names, ".shstrtab");
      for (const s of this.sections) {
        const off = table.slice(s.index * shentsize, 4).u32();
        if (off >= names.length && !(off === 0 && names.length === 0)) {
          throw this.malformed(`section ${s.index} name offset 0x${off.toString(16)} is beyond .shstrtab`, ".shstrtab");
        }
        s.name = names.length === 0 ? "" : decodeCString(names, off).value;
      }
    }
    for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    if (layout && this.type === ET_REL) this.layOutAllocSections();
  }

  /**
   * Addresses added to a symbol's value by its section when relocating
   * (non-zero only after {@link ElfOpenOptions.layoutRelocatable}).
   */
  private sectionBases?: Float64Array;

  private layOutAllocSections(): void {
    const alloc = this.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0);
    if (alloc.length === 0 || alloc.some((s) => s.addr !== 0n)) return;
    const bases = new Float64Array(this.sections.length);
    let next = 0;
    for (const s of alloc) {
      const align = Math.max(1, s.addralign);
      next = Math.ceil(next / align) * align;
      s.addr = BigInt(next);
      bases[s.index] = next;
      next += s.size;
    }
    this.sectionBases = bases;
  }

  /**
   * Opens `path` and reads its headers and section names; section contents
   * are read later, on demand. Throws {@link NotFoundError} if the file does
   * not exist, {@link MalformedError}/{@link TruncatedError} if it is not a
   * sound ELF file.
   */
  static open(path: string, options: ElfOpenOptions = {}): ElfFile {
    let source: FileSource;
    try {
      source = new FileSource(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new NotFoundError("no such file", { file: path }, { cause: e });
      throw e;
    }
    try {
      return new ElfFile(source, path, options.relocate ?? true, options.layoutRelocatable ?? false);
    } catch (e) {
      source.close();
      throw e;
    }
  }

  /** Parses an ELF image already in memory (tests, generated objects). */
  static fromBytes(bytes: Uint8Array, name = "<memory>", options: ElfOpenOptions = {}): ElfFile {
    return new ElfFile(new MemorySource(bytes, name), name, options.relocate ?? true, options.layoutRelocatable ?? false);
  }

  /** Closes the file descriptor; later reads throw. */
  close(): void {
    this.source.close();
  }

  /** The first section called `name`, if any. */
  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /**
   * A DWARF section by its standard name (`.debug_info`), falling back to
   * the legacy GNU compressed name (`.zdebug_info`).
   */
  debugSection(name: string): ElfSection | undefined {
    const std = name.startsWith(".") ? name : "." + name;
    return this.byName.get(std) ?? (std.startsWith(".debug_") ? this.byName.get(".z" + std.slice(1)) : undefined);
  }

  /**
   * Size of the section's contents once decompressed: the size
   * {@link readSectionInto} writes. 0 for SHT_NOBITS and SHT_NULL (they have
   * no bytes in the file; in `--only-keep-debug` files that includes `.text`).
   */
  sectionSize(sec: ElfSection): number {
    if (sec.type === SHT_NOBITS || sec.type === SHT_NULL) return 0;
    return this.compression(sec).size;
  }

  /** True when the section's file bytes are compressed. */
  isCompressed(sec: ElfSection): boolean {
    return this.sectionSize(sec) > 0 && this.compression(sec).kind !== "none";
  }

  /**
   * Writes the section's final contents into `target[0, sectionSize(sec))`:
   * decompressed and, for ET_REL debug sections, relocated. Uncompressed
   * sections are read from the file directly into `target` (meant to be a
   * view of wasm memory), with no intermediate copy.
   */
  readSectionInto(sec: ElfSection, target: Uint8Array, options: ReadSectionOptions = {}): void {
    const size = this.sectionSize(sec);
    if (target.length < size) {
      throw new RangeError(`${this.path}:${sec.name}: target holds ${target.length} bytes, section needs ${size}`);
    }
    if (size === 0) return;
    const out = target.length === size ? target : target.subarray(0, size);
    const c = this.compression(sec);
    if (c.kind === "none") {
      this.source.readInto(sec.offset, out, sec.name);
    } else {
      const raw = new Uint8Array(sec.size - c.headerSize);
      this.source.readInto(sec.offset + c.headerSize, raw, sec.name);
      decompressInto(c.kind, raw, out, { file: this.path, section: sec.name, offset: sec.offset + c.headerSize });
    }
    if (this.shouldRelocate(sec, options)) this.relocate(sec, out);
  }

  /**
   * True when part of the section can be read by itself ({@link
   * readSectionRangeInto}): its file bytes are its contents, neither
   * compressed nor relocated on reading.
   */
  canReadRange(sec: ElfSection): boolean {
    return this.sectionSize(sec) > 0 && this.compression(sec).kind === "none" && !this.shouldRelocate(sec, {});
  }

  /** Writes section bytes `[start, start + target.length)` into `target` (only when {@link canReadRange}). */
  readSectionRangeInto(sec: ElfSection, start: number, target: Uint8Array): void {
    if (!this.canReadRange(sec)) throw new RangeError(`${this.path}:${sec.name}: not readable by range`);
    if (start < 0 || start + target.length > this.sectionSize(sec)) {
      throw new RangeError(`${this.path}:${sec.name}: range ${start}+${target.length} outside the section`);
    }
    if (target.length > 0) this.source.readInto(sec.offset + start, target, sec.name);
  }

  /** Like {@link readSectionInto} into a new buffer. */
  sectionData(sec: ElfSection, options: ReadSectionOptions = {}): Uint8Array {
    const out = new Uint8Array(this.sectionSize(sec));
    this.readSectionInto(sec, out, options);
    return out;
  }

  /**
   * The SHT_REL/SHT_RELA sections that relocate `sec`, found through their
   * `sh_info` (names can lie, e.g. `.rela.debug_info` of a renamed section).
   */
  relocationsFor(sec: ElfSection): ElfSection[] {
    if (this.relocIndex === undefined) {
      const idx = new Map<number, ElfSection[]>();
      for (const s of this.sections) {
        if ((s.type !== SHT_REL && s.type !== SHT_RELA) || s.info === 0 || s.info >= this.sections.length) continue;
        let list = idx.get(s.info);
        if (list === undefined) idx.set(s.info, (list = []));
        list.push(s);
      }
      this.relocIndex = idx;
    }
    return this.relocIndex.get(sec.index) ?? [];
  }

  /**
   * All symbols of `.symtab`, or of `.dynsym` when there is no `.symtab`
   * (index 0, the null symbol, included so indices match `r_sym`), as
   * the table has them ({@link codeSymbols}: functions at their code). Cached.
   */
  symbols(): ElfSymbol[] {
    if (this.symbolCache !== undefined) return this.symbolCache;
    const symtab =
      this.sections.find((s) => s.type === SHT_SYMTAB) ?? this.sections.find((s) => s.type === SHT_DYNSYM);
    if (symtab === undefined) return (this.symbolCache = []);
    const strSec = this.linkedSection(symtab);
    const shndxSec = this.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    this.symbolCache = decodeSymbols(
      this.sectionData(symtab, { relocate: false }),
      this.sectionData(strSec, { relocate: false }),
      this.is64,
      this.littleEndian,
      symtab.entsize,
      { file: this.path, section: symtab.name },
      shndxSec ? this.sectionData(shndxSec, { relocate: false }) : undefined,
    );
    return this.symbolCache;
  }

  /**
   * {@link symbols} with every function symbol at its code: the same array
   * but where a function symbol's value is not where its code starts:
   *  - ppc64 ELFv1: the value and section are those of its `.opd`
   *    descriptor, and here become its code's (src/elf/opd.ts);
   *  - arm: bit 0 of a Thumb function's value is set (the ARM ELF ABI's
   *    mark of Thumb code); its code starts at the even address.
   * What anything matching symbols with DWARF addresses reads. Cached.
   */
  codeSymbols(): ElfSymbol[] {
    const raw = this.symbols();
    if (this.codeSymbolCache?.raw === raw) return this.codeSymbolCache.code;
    const descriptors = usesDescriptors(this);
    const thumb = this.machine === EM_ARM && raw.some((s) => s.type === STT_FUNC && (s.value & 1n) !== 0n);
    if (!descriptors && !thumb) {
      this.codeSymbolCache = { raw, code: raw };
      return raw;
    }
    const code = raw.map((s) => ({ ...s }));
    if (descriptors) resolveDescriptors(this, code);
    if (thumb) for (const s of code) if (s.type === STT_FUNC) s.value &= ~1n;
    this.codeSymbolCache = { raw, code };
    return code;
  }

  private codeSymbolCache?: { raw: ElfSymbol[]; code: ElfSymbol[] };

  /**
   * Lets go of the decoded symbols (a vmlinux's 150k take ~25 MB); a later
   * {@link symbols} decodes them again.
   */
  forgetSymbols(): void {
    this.symbolCache = undefined;
    this.codeSymbolCache = undefined;
  }

  /**
   * The load base of FORMAT.md §3.1: the lowest non-zero `sh_addr` among
   * SHF_ALLOC sections (vmlinux x86_64: `_text`, 0xffffffff81000000; the
   * per-cpu section at 0 does not count). 0n when there is none (ET_REL).
   */
  loadBase(): bigint {
    let base: bigint | undefined;
    for (const s of this.sections) {
      if ((s.flags & SHF_ALLOC) === 0 || s.addr === 0n) continue;
      if (base === undefined || s.addr < base) base = s.addr;
    }
    return base ?? 0n;
  }

  /**
   * The SHF_ALLOC section whose address range holds `addr`. Where ranges
   * overlap (x86_64 `.data..percpu` at 0, `.tbss`), prefer sections with a
   * non-zero address, then executable ones, then PROGBITS/NOBITS, then the
   * lower index. The last hit is tried first: callers look up many addresses
   * of the same `.text`.
   */
  sectionAt(addr: bigint): ElfSection | undefined {
    const last = this.lastHit;
    const ranked = (this.allocByRank ??= this.rankAllocSections());
    if (last !== undefined && addr >= last.addr && addr < last.addr + BigInt(last.size) && last === ranked[0]) {
      return last;
    }
    for (const s of ranked) {
      if (addr >= s.addr && addr < s.addr + BigInt(s.size)) {
        this.lastHit = s;
        return s;
      }
    }
    return undefined;
  }

  private rankAllocSections(): ElfSection[] {
    const rank = (s: ElfSection): number =>
      (s.addr !== 0n ? 8 : 0) +
      ((s.flags & SHF_EXECINSTR) !== 0 ? 4 : 0) +
      (s.type === SHT_PROGBITS || s.type === SHT_NOBITS ? 2 : 0) +
      // .tbss takes no room in the memory image; any real section at the same address wins.
      ((s.flags & SHF_TLS) !== 0 && s.type === SHT_NOBITS ? 0 : 1);
    return this.sections
      .filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0)
      .sort((a, b) => rank(b) - rank(a) || a.index - b.index);
  }

  private shouldRelocate(sec: ElfSection, options: ReadSectionOptions): boolean {
    return (options.relocate ?? this.relocateDefault) && this.type === ET_REL && isDebugSectionName(sec.name);
  }

  private relocate(sec: ElfSection, out: Uint8Array): void {
    for (const rel of this.relocationsFor(sec)) {
      if (rel.size === 0) continue;
      if (!knowsMachine(this.machine)) {
        throw new UnsupportedError(`relocations for machine ${this.machine} are not supported (${rel.name})`, {
          file: this.path,
          section: sec.name,
        });
      }
      const symtab = this.linkedSection(rel);
      if (symtab.type !== SHT_SYMTAB && symtab.type !== SHT_DYNSYM) {
        throw this.malformed(`${rel.name} links to section ${symtab.index}, not a symbol table`, rel.name);
      }
      let syms = this.symbolValueCache.get(symtab.index);
      if (syms === undefined) {
        syms = decodeSymbolValues(
          this.sectionData(symtab, { relocate: false }), this.is64, this.littleEndian, symtab.entsize,
          { file: this.path, section: symtab.name }, this.sectionBases,
        );
        this.symbolValueCache.set(symtab.index, syms);
      }
      applyRelocations(
        {
          file: this.path,
          machine: this.machine,
          is64: this.is64,
          littleEndian: this.littleEndian,
          targetName: sec.name,
          relName: rel.name,
          rela: rel.type === SHT_RELA,
          entsize: rel.entsize,
        },
        this.sectionData(rel, { relocate: false }),
        out,
        syms,
      );
    }
  }

  private linkedSection(sec: ElfSection): ElfSection {
    if (sec.link === 0 || sec.link >= this.sections.length) {
      throw this.malformed(`sh_link ${sec.link} does not name a section`, sec.name);
    }
    return this.sections[sec.link];
  }

  private compression(sec: ElfSection): Compression {
    let c = this.compressions.get(sec.index);
    if (c !== undefined) return c;
    this.checkRange(sec, sec.name);
    const site = { file: this.path, section: sec.name, offset: sec.offset };
    if ((sec.flags & SHF_COMPRESSED) !== 0) {
      const head = new Uint8Array(Math.min(sec.size, MAX_COMPRESSION_HEADER));
      this.source.readInto(sec.offset, head, sec.name);
      c = parseChdr(head, this.is64, this.littleEndian, site);
    } else if (sec.name.startsWith(".zdebug_")) {
      const head = new Uint8Array(Math.min(sec.size, 12));
      this.source.readInto(sec.offset, head, sec.name);
      c = parseZdebug(head, site);
      if (c.kind === "none") c = { kind: "none", headerSize: 0, size: sec.size };
    } else {
      c = { kind: "none", headerSize: 0, size: sec.size };
    }
    checkClaimedSize(c, sec.size - c.headerSize, site);
    this.compressions.set(sec.index, c);
    return c;
  }

  /** Section bytes must lie inside the file (checked lazily: only read sections matter). */
  private checkRange(sec: ElfSection, name: string): void {
    if (sec.type === SHT_NOBITS) return;
    if (sec.offset + sec.size > this.fileSize) {
      throw new TruncatedError(
        `section data 0x${sec.offset.toString(16)}+0x${sec.size.toString(16)} extends beyond the end of the file (0x${this.fileSize.toString(16)})`,
        { file: this.path, section: name, offset: sec.offset },
      );
    }
  }

  private readTable(shoff: number, shentsize: number, count: number): ByteReader {
    const len = shentsize * count;
    if (shoff + len > this.source.size) throw this.truncated("section header table", shoff, len);
    const bytes = new Uint8Array(len);
    this.source.readInto(shoff, bytes, "section header table");
    return new ByteReader(bytes, this.littleEndian, { base: shoff, file: this.path, section: "section header table" });
  }

  private decodeSectionHeader(table: ByteReader, index: number, shentsize: number): ElfSection {
    const is64 = this.is64;
    const r = table.slice(index * shentsize, is64 ? 64 : 40);
    r.u32(); // sh_name, resolved once .shstrtab is read
    const type = r.u32();
    const flags = is64 ? Number(r.u64() & 0xffff_ffffn) : r.u32();
    const addr = r.addr(is64);
    const offset = r.word(is64);
    const size = r.word(is64);
    const link = r.u32();
    const info = r.u32();
    const addralign = r.word(is64);
    const entsize = r.word(is64);
    return { index, name: "", type, flags, addr, offset, size, link, info, addralign, entsize };
  }

  private truncated(what: string, offset: number, want: number): TruncatedError {
    return new TruncatedError(
      `${what} truncated: wanted 0x${want.toString(16)} bytes at 0x${offset.toString(16)}, file has 0x${this.fileSize.toString(16)}`,
      { file: this.path, section: what, offset },
    );
  }

  private malformed(message: string, section: string, offset?: number): MalformedError {
    return new MalformedError(message, { file: this.path, section, offset });
  }
}

/** Narrows an unknown error to one of ours, for callers that add context. */
export function isBtfgenError(e: unknown): e is BtfgenError {
  return e instanceof BtfgenError;
}

/** What a file that is no ELF looks like, when it is a kind people give by mistake. */
function notElfHint(head: Uint8Array): string {
  const text = String.fromCharCode(...head.subarray(0, 8));
  if (text === "!<arch>\n" || text === "!<thin>\n") return ": an ar archive, give one of its members (ar x)";
  const le32 = head.length >= 4 ? (head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24)) >>> 0 : 0;
  if (text.startsWith("BC\xc0\xde") || le32 === 0x0b17c0de) return ": LLVM bitcode (clang -flto), give the linked output";
  if (head.length === 0) return ": the file is empty";
  return "";
}
