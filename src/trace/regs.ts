/**
 * DWARF register numbers to the names tracers use, per ELF machine.
 *
 * A LOC_PARAM names a register by its DWARF number (FORMAT.md 3.1: the
 * operand of DW_OP_regN / DW_OP_bregN / DW_OP_regx), which each psABI
 * defines in its own "DWARF register number mapping" table. A kprobe or
 * uprobe fetcharg names the same register by the field of the kernel's
 * `struct pt_regs` that `regs_query_register_offset()` accepts
 * (arch/<arch>/kernel/ptrace.c, `regoffset_table`); bpftrace's `reg()` takes
 * its own list (src/arch/<arch>.cpp) and USDT specs (sys/sdt.h, parsed by
 * libbpf's usdt.c) use the assembler's spelling. A DWARF register that has no
 * `pt_regs` field (vector, x87, flag or system registers) cannot be fetched:
 * {@link fetchRegister} says why instead of naming anything.
 */
import { EM_AARCH64, EM_ARM, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64 } from "../elf/constants.js";

/** One DWARF register of a psABI table. */
export interface DwarfRegister {
  /** The psABI's name of the register (`rdi`, `x0`, `a0`, `xmm0`). */
  dwarf: string;
  /** The `pt_regs` name a kprobe/uprobe fetcharg uses (`di`, `x0`), absent when it has none. */
  kprobe?: string;
  /** The name bpftrace's `reg()` takes, absent when it has none. */
  bpftrace?: string;
  /** USDT (sys/sdt.h) operand spelling by value size in bytes (x86_64 sub-registers). */
  usdt?: Partial<Record<1 | 2 | 4 | 8, string>>;
}

/** The registers of one architecture, by DWARF number. */
export interface RegisterTable {
  /** Architecture name as tracers spell it. */
  arch: "x86_64" | "aarch64" | "riscv64" | "s390x" | "ppc64" | "arm";
  /** ELF `e_machine`. */
  machine: number;
  /** Bytes of a general register (8, or 4 for arm). */
  wordSize: 4 | 8;
  /** DWARF number -> register. Numbers missing here are not general registers. */
  regs: Map<number, DwarfRegister>;
  /** USDT operand syntax family (libbpf usdt.c's parser for the arch), absent when libbpf has none. */
  usdt?: "x86" | "arm64" | "riscv" | "s390";
}

function table(arch: RegisterTable["arch"], machine: number, wordSize: 4 | 8, entries: [number, DwarfRegister][], usdt?: RegisterTable["usdt"]): RegisterTable {
  return { arch, machine, wordSize, regs: new Map(entries), usdt };
}

const range = (n: number, f: (i: number) => [number, DwarfRegister]): [number, DwarfRegister][] => Array.from({ length: n }, (_, i) => f(i));

/**
 * x86_64 (System V psABI, "DWARF Register Number Mapping"): 0 rax, 1 rdx,
 * 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 return address,
 * 17-32 xmm0-15, 33-40 st0-7, 41-48 mm0-7, 49 rFLAGS, 50-55 es cs ss ds fs gs,
 * 58/59 fs.base/gs.base, 62 tr, 63 ldtr, 64 mxcsr, 65 fcw, 66 fsw,
 * 67-82 xmm16-31, 118-125 k0-7. `pt_regs` (arch/x86/include/asm/ptrace.h)
 * holds the general registers, ip, flags, cs and ss.
 */
function x86Gpr(n: number, dwarf: string, pt: string, d: string, w: string, b: string): [number, DwarfRegister] {
  return [n, { dwarf, kprobe: pt, bpftrace: pt, usdt: { 8: dwarf, 4: d, 2: w, 1: b } }];
}
const X86_64 = table("x86_64", EM_X86_64, 8, [
  x86Gpr(0, "rax", "ax", "eax", "ax", "al"),
  x86Gpr(1, "rdx", "dx", "edx", "dx", "dl"),
  x86Gpr(2, "rcx", "cx", "ecx", "cx", "cl"),
  x86Gpr(3, "rbx", "bx", "ebx", "bx", "bl"),
  x86Gpr(4, "rsi", "si", "esi", "si", "sil"),
  x86Gpr(5, "rdi", "di", "edi", "di", "dil"),
  x86Gpr(6, "rbp", "bp", "ebp", "bp", "bpl"),
  x86Gpr(7, "rsp", "sp", "esp", "sp", "spl"),
  ...range(8, (i) => x86Gpr(8 + i, `r${8 + i}`, `r${8 + i}`, `r${8 + i}d`, `r${8 + i}w`, `r${8 + i}b`)),
  [16, { dwarf: "rip (return address column)" }],
  ...range(16, (i): [number, DwarfRegister] => [17 + i, { dwarf: `xmm${i}` }]),
  ...range(8, (i): [number, DwarfRegister] => [33 + i, { dwarf: `st${i}` }]),
  ...range(8, (i): [number, DwarfRegister] => [41 + i, { dwarf: `mm${i}` }]),
  [49, { dwarf: "rflags", kprobe: "flags", bpftrace: "flags" }],
  [50, { dwarf: "es" }],
  [51, { dwarf: "cs", kprobe: "cs", bpftrace: "cs" }],
  [52, { dwarf: "ss", kprobe: "ss", bpftrace: "ss" }],
  [53, { dwarf: "ds" }],
  [54, { dwarf: "fs" }],
  [55, { dwarf: "gs" }],
  [58, { dwarf: "fs.base" }],
  [59, { dwarf: "gs.base" }],
  [62, { dwarf: "tr" }],
  [63, { dwarf: "ldtr" }],
  [64, { dwarf: "mxcsr" }],
  [65, { dwarf: "fcw" }],
  [66, { dwarf: "fsw" }],
  ...range(16, (i): [number, DwarfRegister] => [67 + i, { dwarf: `xmm${16 + i}` }]),
  ...range(8, (i): [number, DwarfRegister] => [118 + i, { dwarf: `k${i}` }]),
], "x86");

/**
 * AArch64 (AAPCS64 "DWARF for the Arm 64-bit Architecture"): 0-30 x0-x30,
 * 31 sp, 32 pc, 33 ELR_mode, 34 RA_SIGN_STATE, 35-36 TPIDRRO_EL0/TPIDR_EL0,
 * 37-45 reserved/TPIDR_EL1..., 46 VG, 47 FFR, 48-63 p0-p15, 64-95 v0-v31,
 * 96-127 z0-z31. `pt_regs` names x0..x30, sp, pc; bpftrace's aarch64 table
 * spells the general registers r0..r30 (its entries past r30 are not in
 * user_pt_regs order, so sp and pc are not offered to it).
 */
const AARCH64 = table("aarch64", EM_AARCH64, 8, [
  ...range(31, (i): [number, DwarfRegister] => [i, { dwarf: `x${i}`, kprobe: `x${i}`, bpftrace: `r${i}`, usdt: { 8: `x${i}`, 4: `x${i}`, 2: `x${i}`, 1: `x${i}` } }]),
  [31, { dwarf: "sp", kprobe: "sp", usdt: { 8: "sp", 4: "sp", 2: "sp", 1: "sp" } }],
  [32, { dwarf: "pc", kprobe: "pc" }],
  [33, { dwarf: "ELR_mode" }],
  [34, { dwarf: "RA_SIGN_STATE" }],
  [35, { dwarf: "TPIDRRO_EL0" }],
  [36, { dwarf: "TPIDR_EL0" }],
  [46, { dwarf: "VG" }],
  [47, { dwarf: "FFR" }],
  ...range(16, (i): [number, DwarfRegister] => [48 + i, { dwarf: `p${i}` }]),
  ...range(32, (i): [number, DwarfRegister] => [64 + i, { dwarf: `v${i}` }]),
  ...range(32, (i): [number, DwarfRegister] => [96 + i, { dwarf: `z${i}` }]),
], "arm64");

/**
 * RISC-V (psABI "DWARF Register Numbers"): 0-31 x0-x31, 32-63 f0-f31,
 * 64 alternate frame return column, 96-127 v0-v31. `pt_regs` has the ABI
 * names (ra, sp, gp, tp, t0-t6, s0-s11, a0-a7) but no x0 (zero).
 */
const RISCV_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
  "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"];
const RISCV64 = table("riscv64", EM_RISCV, 8, [
  ...range(32, (i): [number, DwarfRegister] => {
    const abi = RISCV_ABI[i];
    return i === 0 ? [0, { dwarf: "x0 (zero)" }] : [i, { dwarf: `x${i} (${abi})`, kprobe: abi, usdt: { 8: abi, 4: abi, 2: abi, 1: abi } }];
  }),
  ...range(32, (i): [number, DwarfRegister] => [32 + i, { dwarf: `f${i}` }]),
  ...range(32, (i): [number, DwarfRegister] => [96 + i, { dwarf: `v${i}` }]),
], "riscv");

/**
 * s390x (ELF ABI "DWARF register number mapping"): 0-15 r0-r15, 16-31 the
 * floating-point registers in the order f0 f2 f4 f6 f1 f3 f5 f7 f8 f10 f12
 * f14 f9 f11 f13 f15, 32-47 cr0-15, 48-63 a0-15, 64 PSW mask, 65 PSW address,
 * 68-83 v16-v31. The kernel's `regs_query_register_offset` takes `r<N>`.
 */
const S390_FPR = [0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15];
const S390X = table("s390x", EM_S390, 8, [
  ...range(16, (i): [number, DwarfRegister] => [i, { dwarf: `r${i}`, kprobe: `r${i}`, usdt: { 8: `%r${i}`, 4: `%r${i}`, 2: `%r${i}`, 1: `%r${i}` } }]),
  ...range(16, (i): [number, DwarfRegister] => [16 + i, { dwarf: `f${S390_FPR[i]}` }]),
  ...range(16, (i): [number, DwarfRegister] => [32 + i, { dwarf: `cr${i}` }]),
  ...range(16, (i): [number, DwarfRegister] => [48 + i, { dwarf: `a${i}` }]),
  [64, { dwarf: "pswm" }],
  [65, { dwarf: "pswa" }],
  ...range(16, (i): [number, DwarfRegister] => [68 + i, { dwarf: `v${16 + i}` }]),
], "s390");

/**
 * 64-bit PowerPC (ELFv2 ABI "DWARF Register Mapping"): 0-31 r0-r31,
 * 32-63 f0-f31, 65 lr, 66 ctr, 68-75 cr0-7, 76 xer, 77-108 vr0-31, 109 vrsave,
 * 110 vscr. The kernel's table names the general registers `gpr<N>` (every
 * version; `r<N>` only since 5.x) and `link`, `ctr`, `xer`.
 */
const PPC64 = table("ppc64", EM_PPC64, 8, [
  ...range(32, (i): [number, DwarfRegister] => [i, { dwarf: `r${i}`, kprobe: `gpr${i}` }]),
  ...range(32, (i): [number, DwarfRegister] => [32 + i, { dwarf: `f${i}` }]),
  [65, { dwarf: "lr", kprobe: "link" }],
  [66, { dwarf: "ctr", kprobe: "ctr" }],
  ...range(8, (i): [number, DwarfRegister] => [68 + i, { dwarf: `cr${i}` }]),
  [76, { dwarf: "xer", kprobe: "xer" }],
  ...range(32, (i): [number, DwarfRegister] => [77 + i, { dwarf: `vr${i}` }]),
  [109, { dwarf: "vrsave" }],
  [110, { dwarf: "vscr" }],
]);

/**
 * 32-bit Arm (AAELF32 "DWARF for the Arm Architecture"): 0-15 r0-r15,
 * 64-95 s0-s31 (obsolete VFP numbering), 256-287 d0-d31. The kernel's table
 * names r0..r10, fp (r11), ip (r12), sp (r13), lr (r14), pc (r15).
 */
const ARM_PT = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "fp", "ip", "sp", "lr", "pc"];
const ARM = table("arm", EM_ARM, 4, [
  ...range(16, (i): [number, DwarfRegister] => [i, { dwarf: `r${i}`, kprobe: ARM_PT[i] }]),
  ...range(32, (i): [number, DwarfRegister] => [64 + i, { dwarf: `s${i}` }]),
  ...range(32, (i): [number, DwarfRegister] => [256 + i, { dwarf: `d${i}` }]),
]);

/** Every table, by ELF machine. */
export const REGISTER_TABLES: ReadonlyMap<number, RegisterTable> = new Map(
  [X86_64, AARCH64, RISCV64, S390X, PPC64, ARM].map((t) => [t.machine, t]),
);

/** The register table of an ELF machine (64-bit classes for riscv/s390/ppc), or undefined. */
export function registerTable(machine: number): RegisterTable | undefined {
  return REGISTER_TABLES.get(machine);
}

/** What a tracer calls DWARF register `regno`: a name, or why it has none. */
export type RegisterName = { name: string } | { why: string };

/** Which tracer's spelling {@link fetchRegister} gives. */
export type RegisterSpelling = "kprobe" | "bpftrace";

/**
 * The name `tracer` uses for DWARF register `regno` of `t`, or why there is
 * none (a register outside `pt_regs`, or a number the psABI does not define).
 */
export function fetchRegister(t: RegisterTable, regno: number, tracer: RegisterSpelling): RegisterName {
  const r = t.regs.get(regno);
  if (!r) return { why: `DWARF register ${regno} is not defined by the ${t.arch} psABI` };
  const name = tracer === "kprobe" ? r.kprobe : r.bpftrace;
  if (name === undefined) {
    const where = tracer === "kprobe" ? "pt_regs" : `bpftrace's ${t.arch} reg() table`;
    return { why: `register ${r.dwarf} (DWARF ${regno}) is not in ${where}` };
  }
  return { name };
}
