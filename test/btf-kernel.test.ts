import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dumpBtf, parseBtf, writeBtf } from "../src/btf/index.js";
import { ElfFile } from "../src/elf/index.js";
import { KERNEL, kernelTitle } from "./helpers/kernel.js";

// The real Debian kernel (`make kernel`, BTFGEN_KERNEL_DIR); skipped, with the reason in the title, when it is not there.
const VMLINUX = KERNEL.vmlinux ?? "";
const MODDIR = join(KERNEL.modules ?? "", "kernel/net/key");

function btfOf(path: string): Uint8Array {
  const elf = ElfFile.open(path, { relocate: false });
  try {
    return elf.sectionData(elf.section(".BTF")!, { relocate: false });
  } finally {
    elf.close();
  }
}

describe.skipIf(!!KERNEL.skipReason)(kernelTitle("Debian 6.1 kernel BTF"), () => {
  test("vmlinux and a module: byte-identical round trip, dump equal to bpftool", () => {
    const vbytes = btfOf(VMLINUX);
    const vmlinux = parseBtf(vbytes, { file: VMLINUX });
    expect(vmlinux.hdrLen).toBe(24);
    expect(vmlinux.hasLayout).toBe(false);
    expect(Buffer.from(writeBtf(vmlinux)).equals(Buffer.from(vbytes))).toBe(true);
    expect(dumpBtf(vmlinux)).toBe(execFileSync("bpftool", ["btf", "dump", "file", VMLINUX], { maxBuffer: 1 << 30, encoding: "utf8" }));

    const ko = join(MODDIR, readdirSync(MODDIR).find((f) => f.endsWith(".ko"))!);
    const kbytes = btfOf(ko);
    const mod = parseBtf(kbytes, { base: vmlinux, file: ko });
    expect(mod.firstTypeId).toBe(vmlinux.nrTypes);
    expect(Buffer.from(writeBtf(mod)).equals(Buffer.from(kbytes))).toBe(true);
    const tmp = mkdtempSync(join(tmpdir(), "btf-kernel-"));
    try {
      writeFileSync(join(tmp, "vmlinux.btf"), vbytes);
      const ref = execFileSync("bpftool", ["-B", join(tmp, "vmlinux.btf"), "btf", "dump", "file", ko], { encoding: "utf8" });
      expect(dumpBtf(mod)).toBe(ref);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
