/**
 * Applying `.rel[a].debug_*` relocations of relocatable objects (`.o`, `.ko`).
 *
 * In an ET_REL file the assembler leaves every reference from one debug
 * section to another (`DW_FORM_strp` → `.debug_str`, `DW_AT_stmt_list` →
 * `.debug_line`, `DW_AT_low_pc` → `.text`) as zero plus a relocation, so the
 * raw bytes are meaningless until `S + A` (symbol value + addend) is written
 * at each place. Linked files (ET_EXEC, ET_DYN) already hold final values;
 * the Debian vmlinux keeps `.rela.debug_*` only because of `--emit-relocs`,
 * and applying them again would corrupt it — the caller decides (see
 * `ElfFile`), this module only does the arithmetic.
 *
 * Only data relocations appear in debug sections, so each machine maps its
 * relocation types onto a handful of operations: absolute, PC-relative, and
 * the RISC-V add/sub/set family that linker relaxation needs. Anything else
 * throws {@link UnsupportedError}: a silently unrelocated offset would send
 * the DWARF reader to the wrong DIE.
 *
 * Section addresses are 0 in relocatable objects, so `S` is `st_value` (the
 * offset inside its section) and `P` is the place's offset in the target
 * section; this is what binutils `readelf --debug-dump` and pyelftools do.
 */
import { MalformedError, UnsupportedError } from "../errors.js";
import {
  EM_386,
  EM_AARCH64,
  EM_ARM,
  EM_LOONGARCH,
  EM_MIPS,
  EM_PPC,
  EM_PPC64,
  EM_RISCV,
  EM_S390,
  EM_SPARC,
  EM_SPARC32PLUS,
  EM_SPARCV9,
  EM_X86_64,
} from "./constants.js";

/** What a relocation type does to its place. */
const enum Op {
  None,
  /** `S + A` */
  Abs,
  /** `S + A - P` */
  PcRel,
  /** `*P + (S + A)` */
  Add,
  /** `*P - (S + A)` */
  Sub,
  /** `S + A`, a synonym of Abs kept apart for clarity of the RISC-V table. */
  Set,
  /** low 6 bits: `*P - (S + A)` */
  Sub6,
  /** low 6 bits: `S + A` */
  Set6,
  /** ULEB128 in place, keeping its length: `S + A` */
  SetUleb,
  /** ULEB128 in place, keeping its length: `*P - (S + A)` */
  SubUleb,
}

/** One relocation type: operation, width of the place in bytes, constant added. */
interface RelocKind {
  op: Op;
  width: number;
  /** Added to `S + A`: the psABI's DTP bias for TLS offsets (PowerPC: -0x8000). */
  bias: number;
}

const k = (op: Op, width: number, bias = 0): RelocKind => ({ op, width, bias });
const NONE = k(Op.None, 0);

/** SPARC's data relocations, the same numbers for 32- and 64-bit objects. */
const SPARC: ReadonlyMap<number, RelocKind> = new Map([
  [0, NONE], // R_SPARC_NONE
  [3, k(Op.Abs, 4)], // R_SPARC_32
  [6, k(Op.PcRel, 4)], // R_SPARC_DISP32
  [23, k(Op.Abs, 4)], // R_SPARC_UA32 (unaligned, as DWARF's 4-byte fields are)
  [32, k(Op.Abs, 8)], // R_SPARC_64
  [46, k(Op.PcRel, 8)], // R_SPARC_DISP64
  [54, k(Op.Abs, 8)], // R_SPARC_UA64
]);

/**
 * Relocation types that appear in debug sections, per machine. Numbers are
 * from each psABI (`R_X86_64_*`, `R_AARCH64_*`, …).
 */
const RELOC_TABLES: ReadonlyMap<number, ReadonlyMap<number, RelocKind>> = new Map([
  [
    EM_X86_64,
    new Map([
      [0, NONE], // R_X86_64_NONE
      [1, k(Op.Abs, 8)], // R_X86_64_64
      [2, k(Op.PcRel, 4)], // R_X86_64_PC32
      [10, k(Op.Abs, 4)], // R_X86_64_32
      [11, k(Op.Abs, 4)], // R_X86_64_32S
      // TLS variables' DW_OP_const*u operands: the offset within the TLS
      // block, which in an unlinked object is the symbol's st_value (as libdw).
      [17, k(Op.Abs, 8)], // R_X86_64_DTPOFF64
      [21, k(Op.Abs, 4)], // R_X86_64_DTPOFF32
      [24, k(Op.PcRel, 8)], // R_X86_64_PC64
    ]),
  ],
  [
    EM_386,
    new Map([
      [0, NONE], // R_386_NONE
      [1, k(Op.Abs, 4)], // R_386_32
      [2, k(Op.PcRel, 4)], // R_386_PC32
      [32, k(Op.Abs, 4)], // R_386_TLS_LDO_32
    ]),
  ],
  [
    EM_AARCH64,
    new Map([
      [0, NONE], // R_AARCH64_NONE
      [256, NONE], // R_AARCH64_NONE (withdrawn number, still emitted by old tools)
      [257, k(Op.Abs, 8)], // R_AARCH64_ABS64
      [258, k(Op.Abs, 4)], // R_AARCH64_ABS32
      [259, k(Op.Abs, 2)], // R_AARCH64_ABS16
      [260, k(Op.PcRel, 8)], // R_AARCH64_PREL64
      [261, k(Op.PcRel, 4)], // R_AARCH64_PREL32
      [262, k(Op.PcRel, 2)], // R_AARCH64_PREL16
    ]),
  ],
  [
    EM_ARM,
    new Map([
      [0, NONE], // R_ARM_NONE
      [2, k(Op.Abs, 4)], // R_ARM_ABS32
      [3, k(Op.PcRel, 4)], // R_ARM_REL32
    ]),
  ],
  [
    EM_RISCV,
    new Map([
      [0, NONE], // R_RISCV_NONE
      [1, k(Op.Abs, 4)], // R_RISCV_32
      [2, k(Op.Abs, 8)], // R_RISCV_64
      // Linker relaxation may move code, so DW_AT_high_pc, line-table
      // advances and location-list lengths are add/sub pairs, not constants.
      [33, k(Op.Add, 1)], // R_RISCV_ADD8
      [34, k(Op.Add, 2)], // R_RISCV_ADD16
      [35, k(Op.Add, 4)], // R_RISCV_ADD32
      [36, k(Op.Add, 8)], // R_RISCV_ADD64
      [37, k(Op.Sub, 1)], // R_RISCV_SUB8
      [38, k(Op.Sub, 2)], // R_RISCV_SUB16
      [39, k(Op.Sub, 4)], // R_RISCV_SUB32
      [40, k(Op.Sub, 8)], // R_RISCV_SUB64
      [51, NONE], // R_RISCV_RELAX (a hint on the previous relocation)
      [52, k(Op.Sub6, 1)], // R_RISCV_SUB6
      [53, k(Op.Set6, 1)], // R_RISCV_SET6
      [54, k(Op.Set, 1)], // R_RISCV_SET8
      [55, k(Op.Set, 2)], // R_RISCV_SET16
      [56, k(Op.Set, 4)], // R_RISCV_SET32
      [57, k(Op.PcRel, 4)], // R_RISCV_32_PCREL
      [60, k(Op.SetUleb, 0)], // R_RISCV_SET_ULEB128
      [61, k(Op.SubUleb, 0)], // R_RISCV_SUB_ULEB128
    ]),
  ],
  [
    EM_PPC64,
    new Map([
      [0, NONE], // R_PPC64_NONE
      [1, k(Op.Abs, 4)], // R_PPC64_ADDR32
      [26, k(Op.PcRel, 4)], // R_PPC64_REL32
      [38, k(Op.Abs, 8)], // R_PPC64_ADDR64
      [44, k(Op.PcRel, 8)], // R_PPC64_REL64
      // TLS variable offsets; the PowerPC ABI biases DTP-relative values by 0x8000.
      [78, k(Op.Abs, 8, -0x8000)], // R_PPC64_DTPREL64
    ]),
  ],
  [
    EM_PPC,
    new Map([
      [0, NONE], // R_PPC_NONE
      [1, k(Op.Abs, 4)], // R_PPC_ADDR32
      [26, k(Op.PcRel, 4)], // R_PPC_REL32
    ]),
  ],
  [
    EM_S390,
    new Map([
      [0, NONE], // R_390_NONE
      [4, k(Op.Abs, 4)], // R_390_32
      [5, k(Op.PcRel, 4)], // R_390_PC32
      [22, k(Op.Abs, 8)], // R_390_64
      [23, k(Op.PcRel, 8)], // R_390_PC64
      [52, k(Op.Abs, 4)], // R_390_TLS_LDO32 (TLS variable offsets, see x86_64)
      [53, k(Op.Abs, 8)], // R_390_TLS_LDO64
    ]),
  ],
  [
    EM_LOONGARCH,
    new Map([
      [0, NONE], // R_LARCH_NONE
      [1, k(Op.Abs, 4)], // R_LARCH_32
      [2, k(Op.Abs, 8)], // R_LARCH_64
    ]),
  ],
  [
    EM_MIPS,
    new Map([
      [0, NONE], // R_MIPS_NONE
      [2, k(Op.Abs, 4)], // R_MIPS_32
      [18, k(Op.Abs, 8)], // R_MIPS_64
      // TLS variable offsets; the MIPS ABI biases DTP-relative values by 0x8000, as PowerPC's.
      [39, k(Op.Abs, 4, -0x8000)], // R_MIPS_TLS_DTPREL32
      [41, k(Op.Abs, 8, -0x8000)], // R_MIPS_TLS_DTPREL64
      [248, k(Op.PcRel, 4)], // R_MIPS_PC32
    ]),
  ],
  [EM_SPARC, SPARC],
  [EM_SPARC32PLUS, SPARC],
  [EM_SPARCV9, SPARC],
]);

/**
 * Symbol values of one symbol table, as needed by relocation: a
 * `Float64Array` when every value is below 2^53 (all section-relative
 * values in `.o`/`.ko` are), with a bigint copy only for the rare absolute
 * symbols above that.
 */
export interface SymbolValues {
  /** Number of symbols (index 0 included). */
  count: number;
  /** `st_value` of each symbol, exact when `big` is absent for that index. */
  values: Float64Array;
  /** Exact values for symbols whose `st_value` exceeds 2^53, by index. */
  big?: Map<number, bigint>;
}

/** Everything {@link applyRelocations} needs besides the bytes. */
export interface RelocationJob {
  /** File name for errors. */
  file: string;
  /** `e_machine`. */
  machine: number;
  /** ELFCLASS64. */
  is64: boolean;
  /** Byte order of both the relocation table and the target. */
  littleEndian: boolean;
  /** Name of the section being relocated, for errors. */
  targetName: string;
  /** Name of the relocation section, for errors. */
  relName: string;
  /** True for SHT_RELA (explicit addend), false for SHT_REL (addend in place). */
  rela: boolean;
  /** `sh_entsize` of the relocation section (0 means the standard size). */
  entsize: number;
}

const TWO32 = 0x1_0000_0000;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Returns whether relocations of `machine` can be applied at all. */
export function knowsMachine(machine: number): boolean {
  return RELOC_TABLES.has(machine);
}

/**
 * Applies one relocation section (`table`, raw bytes) to `target`, the
 * decompressed contents of the section it relocates, in place.
 */
export function applyRelocations(job: RelocationJob, table: Uint8Array, target: Uint8Array, syms: SymbolValues): void {
  const { is64, littleEndian: le, rela } = job;
  const std = is64 ? (rela ? 24 : 16) : rela ? 12 : 8;
  const entsize = job.entsize || std;
  if (entsize < std) {
    throw new MalformedError(`relocation entry size ${entsize} is below ${std}`, { file: job.file, section: job.relName });
  }
  const kinds = RELOC_TABLES.get(job.machine);
  const rv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const tv = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const n = Math.floor(table.byteLength / entsize);
  const tlen = target.byteLength;
  for (let i = 0, p = 0; i < n; i++, p += entsize) {
    let off: number;
    let sym: number;
    let type: number;
    let addend = 0;
    let addendBig: bigint | undefined;
    if (is64) {
      const offLo = rv.getUint32(p + (le ? 0 : 4), le);
      const offHi = rv.getUint32(p + (le ? 4 : 0), le);
      off = offHi * TWO32 + offLo;
      if (job.machine === EM_MIPS) {
        // MIPS64 splits r_info: u32 r_sym, u8 r_ssym, u8 r_type3, u8 r_type2, u8 r_type,
        // in that order whatever the byte order. Debug sections use one type, never a composition.
        sym = rv.getUint32(p + 8, le);
        type = table[p + 15];
        if (table[p + 14] !== 0 || table[p + 13] !== 0) {
          throw new UnsupportedError(
            `composed MIPS64 relocation (types ${table[p + 15]}, ${table[p + 14]}, ${table[p + 13]}) in ${job.relName} is not supported`,
            { file: job.file, section: job.targetName, offset: off },
          );
        }
      } else {
        // r_info = sym << 32 | type for the other 64-bit psABIs; SPARC v9 keeps
        // an R_SPARC_OLO10 addend in the type's upper 24 bits (type = low 8).
        type = rv.getUint32(p + (le ? 8 : 12), le);
        if (job.machine === EM_SPARCV9) type &= 0xff;
        sym = rv.getUint32(p + (le ? 12 : 8), le);
      }
      if (rela) {
        const lo = rv.getUint32(p + (le ? 16 : 20), le);
        const hi = rv.getInt32(p + (le ? 20 : 16), le);
        addend = hi * TWO32 + lo;
        if (hi > 0x1fffff || hi < -0x200000) addendBig = rv.getBigInt64(p + 16, le);
      }
    } else {
      off = rv.getUint32(p, le);
      const info = rv.getUint32(p + 4, le);
      sym = info >>> 8;
      type = info & 0xff;
      if (rela) addend = rv.getInt32(p + 8, le);
    }

    const kind = kinds?.get(type);
    if (kind === undefined) {
      throw new UnsupportedError(
        `relocation type ${type} (machine ${job.machine}) in ${job.relName} is not supported for ${job.targetName}`,
        { file: job.file, section: job.targetName, offset: off },
      );
    }
    if (kind.op === Op.None) continue;
    if (sym >= syms.count) {
      throw new MalformedError(`relocation ${i} in ${job.relName} names symbol ${sym} of ${syms.count}`, {
        file: job.file,
        section: job.relName,
      });
    }
    const width = kind.width;
    if (off + Math.max(width, 1) > tlen) {
      throw new MalformedError(
        `relocation ${i} in ${job.relName} patches offset 0x${off.toString(16)} beyond the ${tlen}-byte section`,
        { file: job.file, section: job.targetName, offset: off },
      );
    }

    if (kind.op === Op.SetUleb || kind.op === Op.SubUleb) {
      applyUleb(job, tv, off, kind.op, syms, sym, addend);
      continue;
    }
    if (!rela && (kind.op === Op.Abs || kind.op === Op.PcRel)) {
      // SHT_REL: the addend is whatever the assembler left in the place.
      if (width === 8) {
        const a = tv.getBigInt64(off, le);
        if (a > BigInt(MAX_SAFE) || a < -BigInt(MAX_SAFE)) addendBig = a;
        else addend = Number(a);
      } else addend = readSigned(tv, off, width, le);
    }

    const symBig = syms.big?.get(sym);
    if (addendBig !== undefined || symBig !== undefined) {
      const s = symBig ?? BigInt(syms.values[sym]);
      const a = (addendBig ?? BigInt(addend)) + BigInt(kind.bias);
      writeBig(tv, off, width, le, computeBig(kind.op, s, a, BigInt(off), tv, width, le));
      continue;
    }
    const sa = syms.values[sym] + addend + kind.bias;
    let v: number;
    switch (kind.op) {
      case Op.Abs:
      case Op.Set:
        v = sa;
        break;
      case Op.PcRel:
        v = sa - off;
        break;
      case Op.Add:
        v = readUnsigned(tv, off, width, le) + sa;
        break;
      case Op.Sub:
        v = readUnsigned(tv, off, width, le) - sa;
        break;
      case Op.Sub6:
        v = (tv.getUint8(off) & 0xc0) | ((tv.getUint8(off) - sa) & 0x3f);
        break;
      case Op.Set6:
        v = (tv.getUint8(off) & 0xc0) | (sa & 0x3f);
        break;
      default:
        v = sa;
    }
    if (!Number.isSafeInteger(v)) {
      const s = BigInt(syms.values[sym]);
      writeBig(tv, off, width, le, computeBig(kind.op, s, BigInt(addend + kind.bias), BigInt(off), tv, width, le));
      continue;
    }
    writeNumber(tv, off, width, le, v);
  }
}

function readSigned(tv: DataView, off: number, width: number, le: boolean): number {
  switch (width) {
    case 1:
      return tv.getInt8(off);
    case 2:
      return tv.getInt16(off, le);
    default:
      return tv.getInt32(off, le);
  }
}

/** Reads an unsigned place of `width` bytes; 8-byte values may lose low bits above 2^53, caught by the safe-integer check. */
function readUnsigned(tv: DataView, off: number, width: number, le: boolean): number {
  switch (width) {
    case 1:
      return tv.getUint8(off);
    case 2:
      return tv.getUint16(off, le);
    case 4:
      return tv.getUint32(off, le);
    default:
      return Number(tv.getBigUint64(off, le));
  }
}

/** Writes `v` (a safe integer, possibly negative) modulo 2^(8*width). */
function writeNumber(tv: DataView, off: number, width: number, le: boolean, v: number): void {
  switch (width) {
    case 1:
      tv.setUint8(off, v & 0xff);
      return;
    case 2:
      tv.setUint16(off, v & 0xffff, le);
      return;
    case 4:
      // ToUint32 is exact modulo 2^32 for any safe integer.
      tv.setUint32(off, v >>> 0, le);
      return;
    default: {
      const lo = v >>> 0;
      const hi = Math.floor(v / TWO32) >>> 0;
      tv.setUint32(off + (le ? 0 : 4), lo, le);
      tv.setUint32(off + (le ? 4 : 0), hi, le);
    }
  }
}

function computeBig(op: Op, s: bigint, a: bigint, p: bigint, tv: DataView, width: number, le: boolean): bigint {
  const old = (): bigint => (width === 8 ? tv.getBigUint64(Number(p), le) : BigInt(readUnsigned(tv, Number(p), width, le)));
  switch (op) {
    case Op.PcRel:
      return s + a - p;
    case Op.Add:
      return old() + s + a;
    case Op.Sub:
      return old() - (s + a);
    case Op.Sub6:
      return (old() & 0xc0n) | ((old() - (s + a)) & 0x3fn);
    case Op.Set6:
      return (old() & 0xc0n) | ((s + a) & 0x3fn);
    default:
      return s + a;
  }
}

function writeBig(tv: DataView, off: number, width: number, le: boolean, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  if (width === 8) tv.setBigUint64(off, u, le);
  else writeNumber(tv, off, width, le, Number(u & 0xffff_ffffn));
}

/**
 * R_RISCV_SET_ULEB128 / SUB_ULEB128: the place is a ULEB128 whose byte
 * length the assembler already fixed, so the new value is re-encoded into
 * exactly that many bytes (padding with continuation bytes).
 */
function applyUleb(
  job: RelocationJob,
  tv: DataView,
  off: number,
  op: Op,
  syms: SymbolValues,
  sym: number,
  addend: number,
): void {
  let len = 0;
  let old = 0n;
  for (;;) {
    if (off + len >= tv.byteLength) {
      throw new MalformedError(`ULEB128 relocation target at 0x${off.toString(16)} runs past the section`, {
        file: job.file,
        section: job.targetName,
        offset: off,
      });
    }
    const b = tv.getUint8(off + len);
    old |= BigInt(b & 0x7f) << BigInt(7 * len);
    len++;
    if ((b & 0x80) === 0) break;
  }
  const sa = (syms.big?.get(sym) ?? BigInt(syms.values[sym])) + BigInt(addend);
  let v = BigInt.asUintN(7 * len, op === Op.SetUleb ? sa : old - sa);
  for (let i = 0; i < len; i++) {
    const more = i < len - 1 ? 0x80 : 0;
    tv.setUint8(off + i, Number(v & 0x7fn) | more);
    v >>= 7n;
  }
}
