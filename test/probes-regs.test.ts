/**
 * DWARF register numbers to tracer names. Two checks per architecture:
 *  - the whole table against the psABI lists, written out here again from
 *    the documents (x86_64 System V psABI, AAELF64 DWARF for AArch64) and the
 *    kernel's `pt_regs` names (arch/x86/kernel/ptrace.c, arch/arm64/kernel/ptrace.c);
 *  - every register the fixtures' func_info uses against llvm-dwarfdump's name
 *    for the same DW_OP_reg/breg operand (an independent decoder).
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { decodeFuncInfo } from "../src/app/decode.js";
import { EM_AARCH64, EM_ARM, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64 } from "../src/elf/constants.js";
import { LOC_CONST, LOC_REG, REG_FRAME_BASE } from "../src/lower/locparam.js";
import { fetchRegister, registerTable } from "../src/trace/regs.js";

/** x86_64 psABI numbering, and the pt_regs field of each general register. */
const X86: [number, string, string | null][] = [
  [0, "rax", "ax"], [1, "rdx", "dx"], [2, "rcx", "cx"], [3, "rbx", "bx"], [4, "rsi", "si"], [5, "rdi", "di"], [6, "rbp", "bp"], [7, "rsp", "sp"],
  [8, "r8", "r8"], [9, "r9", "r9"], [10, "r10", "r10"], [11, "r11", "r11"], [12, "r12", "r12"], [13, "r13", "r13"], [14, "r14", "r14"], [15, "r15", "r15"],
  [16, "rip (return address column)", null],
  ...Array.from({ length: 16 }, (_, i): [number, string, null] => [17 + i, `xmm${i}`, null]),
  ...Array.from({ length: 8 }, (_, i): [number, string, null] => [33 + i, `st${i}`, null]),
  ...Array.from({ length: 8 }, (_, i): [number, string, null] => [41 + i, `mm${i}`, null]),
  [49, "rflags", "flags"], [50, "es", null], [51, "cs", "cs"], [52, "ss", "ss"], [53, "ds", null], [54, "fs", null], [55, "gs", null],
  [58, "fs.base", null], [59, "gs.base", null], [62, "tr", null], [63, "ldtr", null], [64, "mxcsr", null], [65, "fcw", null], [66, "fsw", null],
  ...Array.from({ length: 16 }, (_, i): [number, string, null] => [67 + i, `xmm${16 + i}`, null]),
  ...Array.from({ length: 8 }, (_, i): [number, string, null] => [118 + i, `k${i}`, null]),
];

/** AArch64: x0-x30, sp, pc, then registers pt_regs does not hold. */
const A64: [number, string, string | null][] = [
  ...Array.from({ length: 31 }, (_, i): [number, string, string] => [i, `x${i}`, `x${i}`]),
  [31, "sp", "sp"], [32, "pc", "pc"], [33, "ELR_mode", null], [34, "RA_SIGN_STATE", null], [46, "VG", null], [47, "FFR", null],
  ...Array.from({ length: 16 }, (_, i): [number, string, null] => [48 + i, `p${i}`, null]),
  ...Array.from({ length: 32 }, (_, i): [number, string, null] => [64 + i, `v${i}`, null]),
  ...Array.from({ length: 32 }, (_, i): [number, string, null] => [96 + i, `z${i}`, null]),
];

describe.each([
  { arch: "x86_64", machine: EM_X86_64, expected: X86 },
  { arch: "aarch64", machine: EM_AARCH64, expected: A64 },
])("the $arch table", ({ machine, expected }) => {
  const t = registerTable(machine)!;

  test.each(expected)("DWARF %i is %s, fetched as %s", (n, dwarf, pt) => {
    expect(t.regs.get(n)?.dwarf).toBe(dwarf);
    const r = fetchRegister(t, n, "kprobe");
    if (pt === null) expect(r).toEqual({ why: expect.stringMatching(/not in pt_regs/) });
    else expect(r).toEqual({ name: pt });
  });

  test("numbers the psABI does not define have no name", () => {
    const defined = new Set(expected.map((e) => e[0]));
    for (let n = 0; n < 300; n++) {
      if (defined.has(n) || t.regs.has(n)) continue;
      expect(fetchRegister(t, n, "kprobe")).toEqual({ why: expect.stringMatching(/not defined/) });
    }
    expect(fetchRegister(t, REG_FRAME_BASE, "kprobe")).toEqual({ why: expect.stringMatching(/not defined/) });
  });
});

test("bpftrace spells x86_64 registers as pt_regs does, aarch64 general registers r0..r30", () => {
  const x = registerTable(EM_X86_64)!;
  for (const [n, , pt] of X86) if (pt) expect(fetchRegister(x, n, "bpftrace")).toEqual({ name: pt });
  const a = registerTable(EM_AARCH64)!;
  for (let i = 0; i <= 30; i++) expect(fetchRegister(a, i, "bpftrace")).toEqual({ name: `r${i}` });
  expect(fetchRegister(a, 31, "bpftrace")).toEqual({ why: expect.stringMatching(/bpftrace/) });
});

test("the other tables: riscv64 ABI names, s390x r<N>, ppc64 gpr<N>, arm r0..r10 fp ip sp lr pc", () => {
  const name = (m: number, n: number) => fetchRegister(registerTable(m)!, n, "kprobe");
  expect(name(EM_RISCV, 10)).toEqual({ name: "a0" });
  expect(name(EM_RISCV, 2)).toEqual({ name: "sp" });
  expect(name(EM_RISCV, 8)).toEqual({ name: "s0" });
  expect(name(EM_RISCV, 31)).toEqual({ name: "t6" });
  expect(name(EM_RISCV, 0)).toEqual({ why: expect.stringMatching(/not in pt_regs/) });
  expect(name(EM_S390, 2)).toEqual({ name: "r2" });
  expect(name(EM_S390, 16)).toEqual({ why: expect.stringMatching(/f0/) });
  expect(name(EM_S390, 17)).toEqual({ why: expect.stringMatching(/f2/) });
  expect(name(EM_PPC64, 3)).toEqual({ name: "gpr3" });
  expect(name(EM_ARM, 11)).toEqual({ name: "fp" });
  expect(name(EM_ARM, 13)).toEqual({ name: "sp" });
  expect(name(EM_ARM, 15)).toEqual({ name: "pc" });
});

/** llvm-dwarfdump's register name, as btfgen's table spells it (llvm prints aarch64 as W0/WSP). */
function llvmName(arch: string, s: string): string {
  if (arch === "aarch64") return s === "WSP" ? "sp" : s.replace(/^W/, "x");
  return s.toLowerCase();
}

const OBJ = join(import.meta.dirname, "../testdata/obj");
const linked = readdirSync(OBJ).filter((f) => /^all-gcc12-O2-dwarf5-(x86_64|aarch64)$|^all-clang19-O2-dwarf5-(x86_64|aarch64)$/.test(f)).sort();

describe.each(linked)("registers %s's func_info uses", (f) => {
  test("have llvm-dwarfdump's name and a fetch name where pt_regs holds them", async () => {
    const path = join(OBJ, f);
    const arch = f.includes("aarch64") ? "aarch64" : "x86_64";
    const t = registerTable(arch === "aarch64" ? EM_AARCH64 : EM_X86_64)!;
    const r = await buildFuncInfo(path, {});
    const used = new Set<number>();
    for (const s of decodeFuncInfo(r.btf)) {
      for (const p of s.params) {
        if (!p.loc || p.loc.flags & LOC_CONST || !(p.loc.flags & LOC_REG)) continue;
        for (const v of p.loc.flags & 0x20 ? [p.loc.values[0]] : p.loc.values) if (v >>> 0 !== REG_FRAME_BASE) used.add(v >>> 0);
      }
    }
    expect(used.size).toBeGreaterThan(3);
    // --debug-info prints each location list inline, decoded, at the parameter using it.
    const dump = execFileSync("llvm-dwarfdump-19", ["--debug-info", path], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
    const llvm = new Map<number, string>();
    for (const m of dump.matchAll(/DW_OP_b?reg(\d+) ([A-Za-z0-9]+)/g)) llvm.set(Number(m[1]), llvmName(arch, m[2]));
    // DW_OP_regx prints the name alone; llvm names aarch64 vector registers by their byte view (B0 = v0, DWARF 64).
    if (arch === "aarch64") for (const m of dump.matchAll(/DW_OP_b?regx B(\d+)\b/g)) llvm.set(64 + Number(m[1]), `v${m[1]}`);
    for (const n of used) {
      expect(llvm.get(n), `DWARF ${n} in ${f}`).toBe(t.regs.get(n)!.dwarf);
      const k = fetchRegister(t, n, "kprobe");
      const gpr = arch === "x86_64" ? n <= 15 : n <= 31;
      expect("name" in k, `DWARF ${n} fetchable`).toBe(gpr);
    }
  });
});
