// SITE_FRAME_CFA (src/dwarf/records.ts): an inline site is flagged when the
// out-of-line subprogram around it has DW_AT_frame_base exactly
// DW_OP_call_frame_cfa, as llvm-dwarfdump prints it (gcc: most machines;
// clang: a register, e.g. DW_OP_reg7 RSP). Lowering then takes
// DW_OP_call_frame_cfa as the frame base (Go writes it in locations; a Go
// 1.19 binary agrees with the oracle, checked by hand: too big a fixture).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readDwarf } from "../src/dwarf/index.js";
import { SITE_FRAME_CFA, SITE_INLINE } from "../src/dwarf/records.js";
import { ElfFile } from "../src/elf/elf.js";
import { inlineSites } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => /^inline-(gcc12|clang19)-O2-dwarf5-(x86_64|aarch64)\.o$/.test(f)).sort();

test("both frame bases are among the fixtures", () => expect(FIXTURES.length).toBe(4));

describe.each(FIXTURES)("%s", (f) => {
  test("each inline site's flag is its subprogram's DW_AT_frame_base", () => {
    const path = join(OBJ, f);
    const want = new Map(inlineSites(path).map((s) => [s.dieOffset, s.frameBaseCfa === true]));
    const elf = ElfFile.open(path);
    try {
      const S = readDwarf(elf, { sites: true, types: false }).sites;
      let n = 0;
      let cfa = 0;
      for (let i = 0; i < S.count; i++) {
        if (S.kind[i] !== SITE_INLINE) continue;
        const flagged = (S.flags[i] & SITE_FRAME_CFA) !== 0;
        expect(flagged, `site DIE 0x${S.die[i].toString(16)}`).toBe(want.get(S.die[i]));
        n++;
        if (flagged) cfa++;
      }
      expect(n).toBe(want.size);
      // gcc writes DW_OP_call_frame_cfa for every function; clang a register.
      expect(cfa).toBe(f.includes("gcc") ? n : 0);
    } finally {
      elf.close();
    }
  });
});
