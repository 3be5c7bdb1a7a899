/**
 * `lazyInfo` readers (func_info's threads) fill `.debug_info` unit by unit
 * as walks reach them: every walk must read exactly what an eager reader
 * reads, only the units walked (plus every unit header) may be read from
 * the file, a walk lets go of the units of the walk before (memory follows
 * one batch), and sections that cannot be read by range (relocated `.o`
 * files, compressed sections) are read whole as before.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { DwarfReader } from "../src/dwarf/load.js";
import { NONE, type DwarfRecords } from "../src/dwarf/records.js";
import { WALK_SITES, WALK_TYPES } from "../src/dwarf/wasm.js";
import { ElfFile } from "../src/elf/elf.js";
import { MalformedError } from "../src/errors.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const LINKED = readdirSync(OBJ).filter((f) => f.startsWith("all-")).sort();

function plain(r: DwarfRecords): string {
  return JSON.stringify(r, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v));
}

/**
 * Opens `path` twice (eager, lazy) and counts the `.debug_info` bytes the
 * lazy one reads by range (`read`), and the ranges it reads of every section
 * (`ranges`: name -> [start, end) list).
 */
function pair(path: string): {
  eager: DwarfReader; lazy: DwarfReader; read: () => number; info: number; ranges: Map<string, [number, number][]>; elf: ElfFile; close: () => void;
} {
  const a = ElfFile.open(path, { layoutRelocatable: true });
  const b = ElfFile.open(path, { layoutRelocatable: true });
  let bytes = 0;
  const ranges = new Map<string, [number, number][]>();
  const orig = b.readSectionRangeInto.bind(b);
  b.readSectionRangeInto = (sec, start, target) => {
    if (sec.name === ".debug_info") bytes += target.length;
    let list = ranges.get(sec.name);
    if (!list) ranges.set(sec.name, (list = []));
    list.push([start, start + target.length]);
    orig(sec, start, target);
  };
  const eager = DwarfReader.open(a);
  const lazy = DwarfReader.open(b, { lazyInfo: true });
  return { eager, lazy, read: () => bytes, info: b.sectionSize(b.debugSection(".debug_info")!), ranges, elf: b, close: () => (a.close(), b.close()) };
}

describe("lazily filled .debug_info", () => {
  test("there are linked fixtures", () => expect(LINKED.length).toBeGreaterThanOrEqual(20));

  test.each(LINKED)("%s: each unit walked alone reads what an eager reader reads, and only that unit", (name) => {
    const { eager, lazy, read, info, close } = pair(join(OBJ, name));
    try {
      expect(lazy.unitCount).toBe(eager.unitCount);
      const headers = read();
      expect(headers).toBeLessThanOrEqual(64 * lazy.unitCount);
      let last = headers;
      for (let u = lazy.unitCount - 1; u >= 0; u--) {
        expect(plain(lazy.walk(u, u + 1, WALK_SITES | WALK_TYPES))).toBe(plain(eager.walk(u, u + 1, WALK_SITES | WALK_TYPES)));
        expect(read()).toBeGreaterThan(last);
        last = read();
      }
      // Every unit read once, headers twice at most: never the section again.
      expect(read()).toBeLessThanOrEqual(info + headers);
    } finally {
      close();
    }
  });

  test.each(LINKED.slice(0, 6))("%s: a walk lets go of the units before it; the demand walks after it still have theirs", (name) => {
    const { eager, lazy, read, close } = pair(join(OBJ, name));
    try {
      if (lazy.unitCount < 2) return;
      const roots = (r: DwarfRecords) => Array.from(r.funcs.die).filter((d) => d !== NONE);
      const first = lazy.walk(0, 1, WALK_SITES);
      expect(plain(first)).toBe(plain(eager.walk(0, 1, WALK_SITES)));
      const once = read();
      // Demand walks reach into the unit just walked: it is still in memory, not read again.
      expect(plain(lazy.demandTypes(roots(first), true))).toBe(plain(eager.demandTypes(roots(first), true)));
      expect(read()).toBe(once);
      // (The same calls on both: a reader's string blob grows with every walk.)
      expect(plain(lazy.walk(1, 2, WALK_SITES))).toBe(plain(eager.walk(1, 2, WALK_SITES)));
      const two = read();
      expect(two).toBeGreaterThan(once);
      // Unit 0 went with the walk of unit 1: walking it again reads it again, and reads the same.
      expect(plain(lazy.walk(0, 1, WALK_SITES))).toBe(plain(eager.walk(0, 1, WALK_SITES)));
      expect(read()).toBeGreaterThan(two);
      expect(plain(lazy.demandTypes(roots(first), true))).toBe(plain(eager.demandTypes(roots(first), true)));
    } finally {
      close();
    }
  });

  test.each(LINKED)("%s: line program headers and location list contributions are read in place as units need them", (name) => {
    const { eager, lazy, ranges, elf, close } = pair(join(OBJ, name));
    try {
      for (let u = 0; u < lazy.unitCount; u++) {
        expect(plain(lazy.walk(u, u + 1, WALK_SITES | WALK_TYPES))).toBe(plain(eager.walk(u, u + 1, WALK_SITES | WALK_TYPES)));
      }
      const size = (n: string) => elf.sectionSize(elf.debugSection(n)!);
      const line = ranges.get(".debug_line") ?? [];
      // Only headers: never the line rows of every unit.
      expect(line.length).toBeGreaterThan(0);
      expect(line.reduce((n, [a, z]) => n + z - a, 0)).toBeLessThan(size(".debug_line"));
      const v5 = name.includes("dwarf5");
      const loc = (ranges.get(".debug_loclists") ?? []).filter(([a, z]) => z - a > 14);
      if (v5 && elf.debugSection(".debug_loclists")) {
        // Each contribution at most once, and they never overlap.
        const sorted = [...loc].sort((x, y) => x[0] - y[0]);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![1]);
        expect(sorted.length).toBeGreaterThan(0);
      } else {
        expect(loc).toEqual([]);
      }
    } finally {
      close();
    }
  });

  test("a relocatable object is read whole (its .debug_info is relocated on reading)", () => {
    const elf = ElfFile.open(join(OBJ, "inline-gcc12-O2-dwarf5-x86_64.o"), { layoutRelocatable: true });
    try {
      expect(elf.canReadRange(elf.debugSection(".debug_info")!)).toBe(false);
      const lazy = DwarfReader.open(elf, { lazyInfo: true });
      expect(lazy.walk().sites.count).toBeGreaterThan(0);
    } finally {
      elf.close();
    }
  });

  test("a compressed .debug_info is read whole", () => {
    const z = readdirSync(OBJ).find((f) => f.includes("zlib"))!;
    const elf = ElfFile.open(join(OBJ, z), { layoutRelocatable: true });
    try {
      expect(elf.canReadRange(elf.debugSection(".debug_info")!)).toBe(false);
    } finally {
      elf.close();
    }
  });

  test("a corrupt unit length: the header error of an eager reader, not a silent partial read", () => {
    const path = join(OBJ, LINKED[0]);
    const open = (lazyInfo: boolean) => {
      const elf = ElfFile.open(path, { layoutRelocatable: true });
      const sec = elf.debugSection(".debug_info")!;
      const orig = elf.readSectionInto.bind(elf);
      const origRange = elf.readSectionRangeInto.bind(elf);
      // The second unit's length word says it runs past the section end.
      const first = new Uint8Array(4);
      origRange(sec, 0, first);
      const second = 4 + new DataView(first.buffer).getUint32(0, elf.littleEndian);
      const patch = (start: number, t: Uint8Array) => {
        for (let i = 0; i < 4; i++) if (second + i >= start && second + i < start + t.length) t[second + i - start] = 0xee;
      };
      elf.readSectionInto = (s, t, o) => (orig(s, t, o), s === sec && patch(0, t));
      elf.readSectionRangeInto = (s, start, t) => (origRange(s, start, t), s === sec && patch(start, t));
      try {
        return DwarfReader.open(elf, { lazyInfo }).unitCount;
      } catch (e) {
        return e;
      } finally {
        elf.close();
      }
    };
    const eager = open(false);
    const lazy = open(true);
    expect(eager).toBeInstanceOf(MalformedError);
    expect(lazy).toBeInstanceOf(MalformedError);
    expect(String(lazy)).toBe(String(eager));
  });
});
