/**
 * Encoding unit batch by unit batch (what `btfgen encode` does for big
 * objects) gives the same types as encoding all units at once: the same
 * kinds, names and shapes, only possibly in another order.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dumpBtfLines } from "../src/btf/dump.js";
import type { Btf } from "../src/btf/btf.js";
import { DwarfReader } from "../src/dwarf/load.js";
import { WALK_TYPES } from "../src/dwarf/wasm.js";
import { ElfFile } from "../src/elf/elf.js";
import { encodeBtf, encodeBtfByUnits } from "../src/encode/object.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");

/** Each type's dump line with the ids taken out, sorted: kinds, names, sizes, offsets, members. */
function shapes(btf: Btf): string[] {
  return dumpBtfLines(btf)
    .map((l) => l.replace(/^\[\d+\] /, "").replace(/(type_id|ret_type_id)=\d+/g, "$1"))
    .sort();
}

describe.each(["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf4-aarch64", "all-gcc12-O2-dwarf4-x86_64-pie"])("%s", (obj) => {
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
