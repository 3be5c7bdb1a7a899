// The Debian kernel's modules (ET_REL, relocations applied by the ELF
// reader) against llvm-dwarfdump-19: counts and chosen locations. Skipped, with
// the reason in the title, when the kernel debug package is not unpacked
// (`make kernel`, BTFGEN_KERNEL_DIR).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ElfFile } from "../src/elf/index.ts";
import { readDwarf, SITE_INLINE } from "../src/dwarf/index.ts";
import { inlinedCount } from "./helpers/dwarfdump.ts";
import { checkAgainstOracle } from "./dwarf-check.ts";
import { KERNEL, kernelTitle } from "./helpers/kernel.ts";

const ROOT = KERNEL.modules ?? "";
const have = !KERNEL.skipReason;

function modules(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".ko")) out.push(join(d, e.name));
    }
  };
  walk(ROOT);
  return out.sort();
}

describe.skipIf(!have)(kernelTitle("kernel modules"), () => {
  // test.each over no modules would show nothing at all: name the skip instead.
  if (!have) test.skip("sample of modules", () => {});
  const sample = have ? modules().filter((_, i) => i % 200 === 7) : [];
  test.each(sample)("%s", (ko) => {
    const elf = ElfFile.open(ko);
    try {
      const r = readDwarf(elf);
      let n = 0;
      for (let i = 0; i < r.sites.count; i++) if (r.sites.kind[i] === SITE_INLINE) n++;
      expect(n).toBe(inlinedCount(ko));
      checkAgainstOracle(ko, r, elf.littleEndian, true);
    } finally {
      elf.close();
    }
  });
});
