/**
 * DieIndex.row, the lookup behind every DIE reference the encoder follows
 * (~10 million on a vmlinux): by offset buckets where the offsets are dense,
 * by halving where they are spread (several files' segments). Both must
 * answer exactly what a map from offset to row answers, for the offsets a
 * table holds, the ones between them, before the first and past the last,
 * in offset order or not (a demand walk's table adds rows as it goes).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openElf } from "../src/app/io.js";
import { DwarfReader } from "../src/dwarf/load.js";
import { NONE, type DieTable, type DwarfRecords } from "../src/dwarf/records.js";
import { WALK_TYPES } from "../src/dwarf/wasm.js";
import { DieIndex } from "../src/encode/dies.js";
import { HashedStrOffCache } from "../src/encode/types.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = ["all-gcc12-O2-dwarf5-x86_64", "types-clang19-O2-dwarf4-x86_64.o", "all-gcc12-O2-dwarf4-aarch64"];

/** Expects `ix.row` to agree with a map over `offs` for each offset and its neighbours. */
function expectRows(ix: DieIndex, offs: Uint32Array): void {
  const rowOf = new Map<number, number>();
  offs.forEach((o, r) => rowOf.set(o, r));
  const asked = new Set<number>([0, 1, 0xfffffffe]);
  for (const o of offs) for (const d of [-1, 0, 1, 7, 64, 65]) if (o + d >= 0 && o + d < NONE) asked.add(o + d);
  const wrong: string[] = [];
  for (const o of asked) {
    const want = rowOf.get(o) ?? NONE;
    const got = ix.row(o);
    if (got !== want) wrong.push(`0x${o.toString(16)}: ${got} (want ${want})`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(ix.row(NONE)).toBe(NONE);
}

/** Records holding only a DIE table of these offsets (no parents), as DieIndex reads them. */
function tableOf(offs: number[]): DwarfRecords {
  const n = offs.length;
  const dies = { count: n, off: Uint32Array.from(offs), parent: new Uint32Array(n).fill(NONE) } as unknown as DieTable;
  return { dies, strings: new Uint8Array(1) } as unknown as DwarfRecords;
}

describe("DieIndex.row", () => {
  for (const f of FIXTURES) {
    test(`${f}: every DIE of a whole walk, and the offsets between`, () => {
      const elf = openElf(join(OBJ, f));
      const reader = DwarfReader.open(elf);
      try {
        const rec = reader.walk(0, reader.unitCount, WALK_TYPES, false);
        expect(rec.dies!.count).toBeGreaterThan(10);
        expectRows(new DieIndex(rec), rec.dies!.off);
      } finally {
        reader.release();
        elf.close();
      }
    });
  }

  test("offsets out of order (rows added as a demand walk finds them)", () => {
    const offs = Array.from({ length: 500 }, (_, i) => 0x100 + i * 13);
    // A fixed shuffle: reversed halves, interleaved.
    const shuffled = [...offs.slice(250).reverse(), ...offs.slice(0, 250)];
    const rec = tableOf(shuffled);
    expectRows(new DieIndex(rec), rec.dies!.off);
  });

  test("offsets too spread for buckets (another file's segment far above)", () => {
    const offs = [0x10, 0x20, 0x35, 0x4000_0000, 0x4000_0010, 0x7fff_fff0];
    const rec = tableOf(offs);
    expectRows(new DieIndex(rec), rec.dies!.off);
  });

  test("one DIE; several DIEs in one bucket; an empty table", () => {
    for (const offs of [[0x2a], [0x40, 0x41, 0x42, 0x43, 0x7f, 0x80], [0xb, 0xc, 0xd, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13]]) {
      const rec = tableOf(offs);
      expectRows(new DieIndex(rec), rec.dies!.off);
    }
    expect(new DieIndex(tableOf([])).row(0x10)).toBe(NONE);
  });
});

describe("HashedStrOffCache (the name cache one encode's ranges share)", () => {
  test("answers as a map does, across growth, for ids up to 2^31 - 2", () => {
    const cache = new HashedStrOffCache();
    const ref = new Map<number, number>();
    // A fixed pseudo-random sequence: ids spread like blob offsets, some set twice.
    let x = 12345;
    for (let i = 0; i < 50_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const id = i % 7 === 0 ? (x % 0x7ffffffe) : x % 4_000_000;
      const off = (x >>> 3) % 1_000_000;
      cache.set(id, off);
      ref.set(id, off);
    }
    for (const [id, off] of ref) expect(cache.get(id)).toBe(off);
    for (const id of [0, 1, 4_000_001, 0x7ffffffe]) expect(cache.get(id)).toBe(ref.get(id));
  });
});
