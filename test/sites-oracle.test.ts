/**
 * End to end against an independent oracle: for every fixture object, the
 * sites btfgen lowers from DWARF are compared with what llvm-dwarfdump-19
 * prints (test/helpers/dwarfdump.ts parses its text; no btfgen code). Each
 * parameter location the oracle gives at the site address is turned into the
 * text btfgen must print by the FORMAT.md section 5 table, written again
 * from the llvm-dwarfdump side (test/helpers/oracle.ts); forms the table refuses must come out
 * as "unavailable". A wrong location fails the test; a form this mapping
 * does not know is counted and must stay rare.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readObjectSites } from "../src/app/sites.js";
import { ElfFile } from "../src/elf/elf.js";
import { locParamText } from "../src/lower/locparam.js";
import { inlinedCount, inlineSites } from "./helpers/dwarfdump.js";
import { judgeLocations, siteKey } from "./helpers/oracle.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const objects = readdirSync(OBJ).filter((f) => /\.o$|-x86_64(-pie)?$|-aarch64(-pie)?$/.test(f)).sort();

describe.each(objects)("%s", (obj) => {
  const path = join(OBJ, obj);
  test("site count and every judged location agree with llvm-dwarfdump", () => {
    const elf = ElfFile.open(path); // no ET_REL layout: addresses as llvm-dwarfdump prints them
    try {
      const r = readObjectSites(elf, { inlineOnly: true });
      const oracle = inlineSites(path);
      expect(oracle.length).toBe(inlinedCount(path));
      expect(r.sites.length + r.stats.noAddress + r.stats.noSection).toBe(oracle.length);

      const ours = new Map<string, string[][]>();
      for (const s of r.sites) {
        const names = r.paramNames(s).names;
        const k = siteKey(s.name, s.addr);
        const row = s.params.map((p, i) => `${names[i]}=${p ? locParamText(p) : "unavailable"}`);
        (ours.get(k) ?? ours.set(k, []).get(k)!).push(row);
      }
      const { judged, unjudged } = judgeLocations(path, ours, { relocatable: elf.type === 1, littleEndian: elf.littleEndian, machine: elf.machine, addrSize: elf.is64 ? 8 : 4 });
      if (oracle.some((site) => site.params.some((p) => p.name))) expect(judged).toBeGreaterThan(0);
      expect(unjudged).toBeLessThanOrEqual(Math.max(4, judged / 4));
    } finally {
      elf.close();
    }
  });
});
