/**
 * A released DwarfReader's wasm instance is reset and reused by the next
 * open (batch runs): what the next file reads must be exactly what a fresh
 * instance reads, and the released reader must not walk again.
 */
import { join } from "node:path";
import { expect, test } from "vitest";
import { DwarfReader } from "../src/dwarf/load.js";
import type { DwarfRecords } from "../src/dwarf/records.js";
import { WALK_SITES, WALK_TYPES } from "../src/dwarf/wasm.js";
import { ElfFile } from "../src/elf/elf.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const A = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");
const B = join(OBJ, "all-clang19-O2-dwarf4-aarch64");

/** Every column of the records as plain arrays (strings as text), to compare two walks. */
function plain(r: DwarfRecords): unknown {
  const out: Record<string, unknown> = {};
  for (const [table, cols] of Object.entries(r)) {
    if (ArrayBuffer.isView(cols)) out[table] = Buffer.from(cols.buffer, cols.byteOffset, cols.byteLength).toString("latin1");
    else if (cols && typeof cols === "object") {
      out[table] = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v]));
    }
  }
  return out;
}

function walkOnce(path: string, release: boolean): { rec: unknown; raw: DwarfRecords; reader: DwarfReader } {
  const elf = ElfFile.open(path, { layoutRelocatable: true });
  try {
    const reader = DwarfReader.open(elf);
    const raw = reader.walk(0, reader.unitCount, WALK_SITES | WALK_TYPES);
    const rec = plain(raw);
    if (release) reader.release();
    return { rec, raw, reader };
  } finally {
    elf.close();
  }
}

test("a reused instance reads the next file as a fresh one does, and the released reader cannot walk", () => {
  const freshB = walkOnce(B, false).rec; // a new instance (no spare yet)
  const a = walkOnce(A, true); // released: its instance is the spare
  const reusedB = walkOnce(B, true); // takes the spare, reset
  expect(reusedB.rec).toEqual(freshB);
  // What A's walk returned is untouched by B's reading in the same instance.
  expect(plain(a.raw)).toEqual(a.rec);
  const againA = walkOnce(A, false); // the spare again, after B
  expect(againA.rec).toEqual(a.rec);
  expect(() => a.reader.walk(0, 1)).toThrow(/after release/);
});
