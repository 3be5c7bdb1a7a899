// Parameters whose origins are another abstract copy's parameters, as gcc
// -flto writes them (testdata/src/ltoparams.c, edited assembly: see
// testdata/ltoparams-edit.py). The site's parameters are matched to its
// function's by name (wasm/src/funcs.rs, slot_by_name), not left without a
// parameter DIE; test/sites-oracle.test.ts judges their locations against
// llvm-dwarfdump like every fixture's.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readObjectSites } from "../src/app/sites.js";
import { ElfFile } from "../src/elf/elf.js";
import { locParamText } from "../src/lower/locparam.js";
import { inlineSites } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => f.startsWith("ltoparams-")).sort();

test("the ltoparams objects are there (testdata/regen.sh ltoparams)", () => {
  expect(FIXTURES).toEqual(["ltoparams-gcc12-O2-dwarf4-x86_64.o", "ltoparams-gcc12-O2-dwarf5-x86_64.o"]);
});

describe.each(FIXTURES)("%s", (f) => {
  const path = join(OBJ, f);

  test("llvm-dwarfdump: one site's parameters come from the other copy of ltp_mix", () => {
    const sites = inlineSites(path);
    expect(sites.map((s) => s.origin)).toEqual(["ltp_mix", "ltp_mix"]);
    const [first, second] = [...sites].sort((a, b) => a.originOffset - b.originOffset);
    expect(first!.originOffset).not.toBe(second!.originOffset);
    // Both sites' parameters are children of the first copy (between it and the second).
    for (const s of sites) {
      for (const p of s.params) {
        expect(p.originOffset! > first!.originOffset && p.originOffset! < second!.originOffset, `${p.name}`).toBe(true);
      }
    }
  });

  test("every parameter of both sites has its location", () => {
    const elf = ElfFile.open(path);
    try {
      const r = readObjectSites(elf, { inlineOnly: true });
      expect(r.sites).toHaveLength(2);
      for (const s of r.sites) {
        expect(r.paramNames(s).names).toEqual(["a", "b"]);
        expect(s.causes.filter((c) => c !== undefined)).toEqual([]);
        expect(s.params.map((p) => (p ? locParamText(p) : "unavailable"))).not.toContain("unavailable");
      }
    } finally {
      elf.close();
    }
  });
});
