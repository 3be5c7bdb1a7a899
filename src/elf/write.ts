/**
 * Writing small relocatable ELF objects: the `.BTF.func_info` output
 * (FORMAT.md §6) that kbuild links or `objcopy --add-section` takes, and
 * synthetic inputs for tests (big-endian objects no installed compiler makes).
 *
 * Layout, all in the target's class and byte order:
 * ```
 * ELF header (52/64) | section data, each at its sh_addralign | .shstrtab | section header table (aligned 4/8)
 * ```
 * Section 0 is the null section and the last one is `.shstrtab`.
 */

/** One section to write (the null section and `.shstrtab` are added). */
export interface ElfSectionSpec {
  /** Section name. */
  name: string;
  /** `sh_type`; SHT_PROGBITS = 1 by default. */
  type?: number;
  /** `sh_flags`; 0 by default. */
  flags?: number;
  /** `sh_addr`; 0n by default. */
  addr?: bigint;
  /** `sh_link`: an index into the final table (1 = first spec). */
  link?: number;
  /** `sh_info`. */
  info?: number;
  /** `sh_addralign`; 4 by default. */
  addralign?: number;
  /** `sh_entsize`; 0 by default. */
  entsize?: number;
  /** Contents (for SHT_NOBITS, use `size` instead). */
  data?: Uint8Array;
  /** `sh_size` for SHT_NOBITS sections. */
  size?: number;
}

/** Options of {@link writeElf}. */
export interface WriteElfOptions {
  /** ELFCLASS64. */
  is64: boolean;
  /** ELFDATA2LSB. */
  littleEndian: boolean;
  /** `e_machine`. */
  machine: number;
  /** `EI_OSABI`; 0 (System V) by default. */
  osabi?: number;
  /** `e_flags` (copy the input's: ARM and RISC-V linkers refuse a mismatch); 0 by default. */
  flags?: number;
  /** `e_type`; ET_REL = 1 by default. */
  type?: number;
  /** Sections after the null one, in order; `.shstrtab` is appended. */
  sections: ElfSectionSpec[];
}

/** Options of {@link writeElfWithSection}. */
export interface WriteElfWithSectionOptions {
  /** ELFCLASS64, as the input object. */
  is64: boolean;
  /** Byte order, as the input object. */
  littleEndian: boolean;
  /** `e_machine`, as the input object. */
  machine: number;
  /** `EI_OSABI`; 0 by default. */
  osabi?: number;
  /** `e_flags`; 0 by default. */
  flags?: number;
  /** Name of the one data section, e.g. `.BTF.func_info` or `.BTF.inline`. */
  sectionName: string;
  /** Its contents. */
  data: Uint8Array;
}

const align = (n: number, a: number): number => (a > 1 ? Math.ceil(n / a) * a : n);

/**
 * Builds a minimal ET_REL object with one SHT_PROGBITS section (flags 0,
 * alignment 4) named `sectionName` holding `data`, plus `.shstrtab`.
 */
export function writeElfWithSection(opts: WriteElfWithSectionOptions): Uint8Array {
  return writeElf({
    is64: opts.is64,
    littleEndian: opts.littleEndian,
    machine: opts.machine,
    osabi: opts.osabi,
    flags: opts.flags,
    sections: [{ name: opts.sectionName, type: 1, flags: 0, addralign: 4, data: opts.data }],
  });
}

/** Builds an ELF file with the given sections (no program headers). */
export function writeElf(opts: WriteElfOptions): Uint8Array {
  const { is64, littleEndian: le } = opts;
  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;

  // .shstrtab: "\0" then each name once, in order.
  const enc = new TextEncoder();
  const nameBytes: Uint8Array[] = [new Uint8Array(1)];
  const nameOff = new Map<string, number>();
  let strLen = 1;
  const intern = (name: string): number => {
    let off = nameOff.get(name);
    if (off === undefined) {
      off = strLen;
      const b = enc.encode(name + "\0");
      nameBytes.push(b);
      strLen += b.length;
      nameOff.set(name, off);
    }
    return off;
  };
  const specs = opts.sections.map((s) => ({ ...s, nameOff: intern(s.name) }));
  const shstrNameOff = intern(".shstrtab");
  const shstrtab = new Uint8Array(strLen);
  let p = 0;
  for (const b of nameBytes) {
    shstrtab.set(b, p);
    p += b.length;
  }

  // Place the data.
  let pos = ehsize;
  const offsets: number[] = [];
  for (const s of specs) {
    const isNobits = s.type === 8;
    pos = align(pos, s.addralign ?? 4);
    offsets.push(pos);
    if (!isNobits) pos += s.data?.length ?? 0;
  }
  const shstrOff = pos;
  pos += shstrtab.length;
  const shoff = align(pos, is64 ? 8 : 4);
  const shnum = specs.length + 2;
  const total = shoff + shnum * shentsize;

  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, opts.osabi ?? 0]);
  v.setUint16(16, opts.type ?? 1, le); // e_type
  v.setUint16(18, opts.machine, le);
  v.setUint32(20, 1, le); // e_version
  // e_entry, e_phoff stay 0
  if (is64) {
    v.setBigUint64(40, BigInt(shoff), le);
    v.setUint32(48, opts.flags ?? 0, le);
    v.setUint16(52, ehsize, le);
    v.setUint16(58, shentsize, le);
    v.setUint16(60, shnum, le);
    v.setUint16(62, shnum - 1, le);
  } else {
    v.setUint32(32, shoff, le);
    v.setUint32(36, opts.flags ?? 0, le);
    v.setUint16(40, ehsize, le);
    v.setUint16(46, shentsize, le);
    v.setUint16(48, shnum, le);
    v.setUint16(50, shnum - 1, le);
  }

  specs.forEach((s, i) => {
    if (s.type !== 8 && s.data) out.set(s.data, offsets[i]);
  });
  out.set(shstrtab, shstrOff);

  const writeHeader = (
    idx: number,
    h: { name: number; type: number; flags: number; addr: bigint; offset: number; size: number; link: number; info: number; addralign: number; entsize: number },
  ): void => {
    const b = shoff + idx * shentsize;
    v.setUint32(b, h.name, le);
    v.setUint32(b + 4, h.type, le);
    if (is64) {
      v.setBigUint64(b + 8, BigInt(h.flags), le);
      v.setBigUint64(b + 16, h.addr, le);
      v.setBigUint64(b + 24, BigInt(h.offset), le);
      v.setBigUint64(b + 32, BigInt(h.size), le);
      v.setUint32(b + 40, h.link, le);
      v.setUint32(b + 44, h.info, le);
      v.setBigUint64(b + 48, BigInt(h.addralign), le);
      v.setBigUint64(b + 56, BigInt(h.entsize), le);
    } else {
      v.setUint32(b + 8, h.flags, le);
      v.setUint32(b + 12, Number(h.addr), le);
      v.setUint32(b + 16, h.offset, le);
      v.setUint32(b + 20, h.size, le);
      v.setUint32(b + 24, h.link, le);
      v.setUint32(b + 28, h.info, le);
      v.setUint32(b + 32, h.addralign, le);
      v.setUint32(b + 36, h.entsize, le);
    }
  };
  specs.forEach((s, i) => {
    writeHeader(i + 1, {
      name: s.nameOff,
      type: s.type ?? 1,
      flags: s.flags ?? 0,
      addr: s.addr ?? 0n,
      offset: offsets[i],
      size: s.type === 8 ? (s.size ?? 0) : (s.data?.length ?? 0),
      link: s.link ?? 0,
      info: s.info ?? 0,
      addralign: s.addralign ?? 4,
      entsize: s.entsize ?? 0,
    });
  });
  writeHeader(shnum - 1, {
    name: shstrNameOff,
    type: 3,
    flags: 0,
    addr: 0n,
    offset: shstrOff,
    size: shstrtab.length,
    link: 0,
    info: 0,
    addralign: 1,
    entsize: 0,
  });
  return out;
}
