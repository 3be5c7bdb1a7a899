// Function symbols at their code (ElfFile.codeSymbols) where st_value is not
// the entry, on clones.c built by gcc (testdata/regen.sh machines):
//  - ppc64 ELFv1 (big-endian powerpc64): st_value is the function's .opd
//    descriptor (src/elf/opd.ts), the code address is read out of it
//    (relocated in the objects);
//  - arm (Thumb-2, gcc's default for arm-linux-gnueabihf): bit 0 of st_value
//    is set, the code starts at the even address.
// Either way btfgen must see the entry before it can find gcc's clones there.
// Oracles: readelf (the raw symbols) and llvm-dwarfdump (each clone's
// DW_TAG_subprogram low_pc).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { functionSymbols } from "../src/dwarf/clones.js";
import { SITE_FUNC } from "../src/dwarf/records.js";
import { SHF_EXECINSTR } from "../src/elf/constants.js";
import { ElfFile } from "../src/elf/elf.js";
import { usesDescriptors } from "../src/elf/opd.js";
import { expectAccepted } from "./helpers/check.js";
import { DWARFDUMP } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => /^clones-gcc12-O2-dwarf\d-(ppc64|arm)\.(o|so)$/.test(f)).sort();
const CLONES = ["big.part.0", "only_b.isra.0", "with_mode.constprop.0"];

/** The raw st_value and section index of each FUNC symbol, as readelf prints them. */
function readelfFuncs(path: string): Map<string, { value: bigint; ndx: number }> {
  const out = new Map<string, { value: bigint; ndx: number }>();
  for (const line of execFileSync("readelf", ["-sW", path], { encoding: "utf8" }).split("\n")) {
    const m = /^\s*\d+: ([0-9a-f]+)\s+\d+ FUNC\s+\w+\s+\w+\s+(\d+) (\S+)$/.exec(line);
    if (m) out.set(m[3]!, { value: BigInt("0x" + m[1]), ndx: Number(m[2]) });
  }
  return out;
}

/** low_pc of every out-of-line DW_TAG_subprogram with an abstract origin, by the origin's name. */
function cloneEntries(path: string): Map<string, bigint[]> {
  const text = execFileSync(DWARFDUMP, ["--debug-info", path], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "ignore"] });
  const out = new Map<string, bigint[]>();
  for (const die of text.split(/\n(?=0x[0-9a-f]+: )/)) {
    if (!/^0x[0-9a-f]+:\s+DW_TAG_subprogram/.test(die)) continue;
    const origin = /DW_AT_abstract_origin\s+\(0x[0-9a-f]+ "([^"]+)"\)/.exec(die)?.[1];
    const low = /DW_AT_low_pc\s+\(0x([0-9a-f]+)\)/.exec(die)?.[1];
    if (origin && low) out.set(origin, [...(out.get(origin) ?? []), BigInt("0x" + low)]);
  }
  return out;
}

test("the ppc64 and arm objects are there (testdata/regen.sh machines)", () => {
  expect(FIXTURES).toEqual([
    "clones-gcc12-O2-dwarf4-ppc64.o", "clones-gcc12-O2-dwarf5-arm.o", "clones-gcc12-O2-dwarf5-arm.so",
    "clones-gcc12-O2-dwarf5-ppc64.o", "clones-gcc12-O2-dwarf5-ppc64.so",
  ]);
});

describe.each(FIXTURES)("%s", (f) => {
  const path = join(OBJ, f);

  const arm = f.includes("-arm.");
  test(arm ? "readelf: the clones' values are odd (Thumb)" : "readelf: the function symbols are in .opd", () => {
    const elf = ElfFile.open(path);
    try {
      const raw = readelfFuncs(path);
      // symbols() is the table as it is (readelf's); codeSymbols() moves them to their code.
      for (const c of CLONES) {
        const sym = elf.symbols().find((s) => s.name === c)!;
        expect(sym.value, c).toBe(raw.get(c)!.value);
        expect(sym.shndx, c).toBe(raw.get(c)!.ndx);
      }
      if (arm) {
        for (const c of CLONES) expect(raw.get(c)!.value & 1n, c).toBe(1n);
        const code = elf.codeSymbols().find((s) => s.name === CLONES[0])!;
        expect(code.value).toBe(raw.get(CLONES[0])!.value - 1n);
      } else {
        expect(usesDescriptors(elf)).toBe(true);
        for (const c of CLONES) expect(raw.get(c)!.ndx, c).toBe(elf.section(".opd")!.index);
      }
    } finally {
      elf.close();
    }
  });

  test("every function symbol is at its code: the clone's DW_TAG_subprogram low_pc", () => {
    const elf = ElfFile.open(path); // no layout: addresses as llvm-dwarfdump prints them
    try {
      const entries = cloneEntries(path);
      for (const s of elf.codeSymbols()) {
        if (s.type !== 2 || s.name === "") continue;
        expect(elf.sections[s.shndx]!.flags & SHF_EXECINSTR, `${s.name} in ${elf.sections[s.shndx]!.name}`).toBe(SHF_EXECINSTR);
      }
      const byName = new Map(elf.codeSymbols().map((s) => [s.name, s]));
      for (const c of CLONES) {
        const s = byName.get(c)!;
        const origin = c.slice(0, c.indexOf("."));
        const lows = entries.get(origin) ?? [];
        // Not laid out: in ET_REL both sides count from the section start (llvm-dwarfdump puts every section at 0).
        expect(lows, `${c}: DWARF low_pc of ${origin}`).toContain(s.value);
      }
      // functionSymbols (what the clone rule reads) has each clone at that address.
      const fs = functionSymbols(elf);
      for (const c of CLONES) expect([...fs.values()].some((names) => names.includes(c)), c).toBe(true);
    } finally {
      elf.close();
    }
  });

  test("func_info: the three clones are optimised functions, as on the other machines", async () => {
    const r = await buildFuncInfo(path);
    expectAccepted(r.bytes, r.btf.base);
    const funcs = r.sites.filter((s) => s.kind === SITE_FUNC).map((s) => s.name).sort();
    expect(funcs).toEqual(["big", "only_b", "with_mode"]);
  });
});
