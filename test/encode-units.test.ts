/**
 * Encoding unit batch by unit batch (what `btfgen encode` does for big
 * objects) gives the same types as encoding all units at once: the same
 * kinds, names and shapes, only possibly in another order.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dumpBtfLines } from "../src/btf/dump.js";
import type { Btf } from "../src/btf/btf.js";
import { DwarfReader } from "../src/dwarf/load.js";
import { WALK_TYPES } from "../src/dwarf/wasm.js";
import { ElfFile } from "../src/elf/elf.js";
import { encodeBtf, encodeBtfByUnits } from "../src/encode/object.js";
import { encodeCommand } from "../src/app/funcinfo.js";
import { expectFileAccepted } from "./helpers/check.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");

/** Each type's dump line with the ids taken out, sorted: kinds, names, sizes, offsets, members. */
function shapes(btf: Btf): string[] {
  return dumpBtfLines(btf)
    .map((l) => l.replace(/^\[\d+\] /, "").replace(/(type_id|ret_type_id)=\d+/g, "$1"))
    .sort();
}

// fwdvar: a FWD one range leaves in the output that a later range's struct meets (src/encode/dedup/state.ts, fwdHints).
describe.each(["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf4-aarch64", "all-gcc12-O2-dwarf4-x86_64-pie", "fwdvar-gcc12-O2-dwarf5-x86_64"])("%s", (obj) => {
  test("one unit per batch equals all units at once", () => {
    const elf = ElfFile.open(join(OBJ, obj));
    try {
      const reader = DwarfReader.open(elf);
      const whole = encodeBtf(reader.walk(0, reader.unitCount, WALK_TYPES, false), { elf });
      const byUnits = encodeBtfByUnits((from, to) => reader.walk(from, to, WALK_TYPES, false), reader.unitCount, 1, { elf });
      expect(byUnits).toBeDefined();
      expect(reader.unitCount).toBeGreaterThan(1);
      expect(byUnits!.btf.types.length).toBe(whole.btf.types.length);
      expect(byUnits!.stats.funcs).toBe(whole.stats.funcs);
      expect(shapes(byUnits!.btf)).toEqual(shapes(whole.btf));
    } finally {
      elf.close();
    }
  });
});

describe("encode -j: the walk in a worker thread", () => {
  test.each(["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf4-aarch64"])("%s: the same bytes as the walk in this thread, one unit per range", async (obj) => {
    const dir = mkdtempSync(join(tmpdir(), "btfgen-encj-"));
    try {
      const out = (j: number) => join(dir, `j${j}.btf`);
      for (const j of [1, 2]) await encodeCommand({ file: join(OBJ, obj), output: out(j), jobs: j, byUnits: true, unitsPerBatch: 1, quiet: true });
      const one = readFileSync(out(1));
      expect(one.length).toBeGreaterThan(100);
      expect(readFileSync(out(2)).equals(one)).toBe(true);
      expectFileAccepted(out(2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
