/**
 * The real Debian kernel (FORMAT.md §8), when `make kernel` has fetched it;
 * skipped otherwise, with the reason in the suite title (BTFGEN_KERNEL_DIR).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { ElfFile, ET_EXEC, ET_REL } from "../src/elf/index.js";
import { havePyelftools, pyelftoolsRelocated, readelfSections, run } from "./elf-tools.js";
import { KERNEL, kernelTitle } from "./helpers/kernel.js";

const VMLINUX = KERNEL.vmlinux ?? "";
const MODULES = path.join(KERNEL.modules ?? "", "kernel");
// A small module, so the pyelftools oracle stays quick.
const MODULE = path.join(MODULES, "drivers/char/hw_random/virtio-rng.ko");

describe.runIf(!!KERNEL.vmlinux)(kernelTitle("Debian vmlinux"), () => {
  test("ET_EXEC: sections as readelf, .rela.debug_* kept but not applied", () => {
    const elf = ElfFile.open(VMLINUX);
    try {
      expect(elf.type).toBe(ET_EXEC);
      const ref = readelfSections(VMLINUX);
      expect(elf.sections.map((s) => [s.name, s.offset, s.size])).toEqual(ref.map((r) => [r.name, r.offset, r.size]));
      expect(elf.loadBase()).toBe(0xffffffff81000000n);
      expect(elf.sectionAt(0xffffffff81000000n)?.name).toBe(".text");

      const info = elf.debugSection(".debug_info")!;
      expect(elf.relocationsFor(info).length).toBeGreaterThan(0);
      const head = new Uint8Array(1 << 20);
      const fd = fs.openSync(VMLINUX, "r");
      fs.readSync(fd, head, 0, head.length, info.offset);
      fs.closeSync(fd);
      const ours = elf.sectionData(info);
      expect(ours.length).toBe(info.size);
      expect(Buffer.from(ours.subarray(0, head.length)).equals(Buffer.from(head))).toBe(true);

      const syms = elf.symbols();
      const count = Number(/Symbol table '\.symtab' contains (\d+) entries/.exec(run("readelf", ["-sW", VMLINUX]))![1]);
      expect(syms.length).toBe(count);
      const percpu = syms.find((s) => s.name === "runqueues")!;
      expect(elf.sectionAt(percpu.value)?.name).toBe(".data..percpu");
      const start = syms.find((s) => s.name === "start_kernel")!;
      expect(elf.sectionAt(start.value)?.name).toMatch(/^\.init\.text$|^\.text/);
    } finally {
      elf.close();
    }
  });
});

const pyelftools = havePyelftools();
const moduleTitle = kernelTitle(pyelftools ? "Debian module" : "Debian module (skipped: python3-pyelftools missing)");
describe.runIf(fs.existsSync(MODULE) && pyelftools)(moduleTitle, () => {
  test("ET_REL: relocated DWARF equals pyelftools'", () => {
    const elf = ElfFile.open(MODULE);
    expect(elf.type).toBe(ET_REL);
    const ref = pyelftoolsRelocated(MODULE);
    for (const [name, bytes] of ref) {
      const sec = elf.debugSection(name);
      if (!sec) continue;
      expect(Buffer.from(elf.sectionData(sec)).equals(Buffer.from(bytes)), name).toBe(true);
    }
    const relocs = run("readelf", ["-rW", MODULE]);
    expect(relocs).toContain("R_X86_64_32");
    elf.close();
  });
});
