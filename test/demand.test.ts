/**
 * The func_info batches read only the type DIEs their prototypes reach
 * (`DwarfReader.demandTypes`, issue 9) instead of every type DIE of their
 * units. That must change nothing: for every fixture (both compilers, both
 * DWARF versions, x86_64 and aarch64, linked and relocatable) and for kernel
 * modules and vmlinux batches when the kernel is present, a batch lowered
 * on a demand-walked table gives the same batch split bytes, prototype ids,
 * linkages, sites and stats as one lowered on the full type table.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Btf } from "../src/btf/btf.js";
import { readBtfFromElf } from "../src/btf/elf.js";
import { lowerUnitBatch, type BatchContext } from "../src/app/batch.js";
import { DwarfReader } from "../src/dwarf/load.js";
import { WALK_SITES, WALK_TYPES } from "../src/dwarf/wasm.js";
import { TargetIndex } from "../src/encode/dedup/index.js";
import { encodeBtf } from "../src/encode/object.js";
import { functionSymbols } from "../src/dwarf/clones.js";
import { openElf } from "../src/app/io.js";
import { KERNEL, kernelTitle } from "./helpers/kernel.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => !f.endsWith(".txt") && !f.endsWith(".dwz") && !f.includes("dwo") && !f.includes("split")).sort();

/** Lowers units [from, to) both ways and expects equal outputs; returns the site count. */
function compareBatch(reader: DwarfReader, ctx: BatchContext, from: number, to: number): number {
  const full = lowerUnitBatch(reader.walk(from, to, WALK_SITES | WALK_TYPES), ctx);
  const demand = lowerUnitBatch(reader.walk(from, to, WALK_SITES), ctx, (roots, fresh) => reader.demandTypes(roots, fresh));
  expect(demand === undefined).toBe(full === undefined);
  if (!full || !demand) return 0;
  expect(Buffer.from(demand.types).equals(Buffer.from(full.types))).toBe(true);
  // The rest of the wire batch: sites with their prototype ids and linkages, their strings, locations, causes; the stats.
  const { timings: _a, types: _b, ...d } = demand;
  const { timings: _c, types: _d, ...f } = full;
  expect(d).toEqual(f);
  return full.i64.length;
}

function contextOf(path: string, base: Btf | undefined, own = true): { reader: DwarfReader; ctx: BatchContext; close: () => void } {
  const elf = openElf(path);
  const reader = DwarfReader.open(elf);
  let b = base;
  if (own && elf.section(".BTF")) b = readBtfFromElf(elf, { base });
  // Without a .BTF: the base is encoded from the object's own DWARF, as the main command does.
  b ??= encodeBtf(reader.walk(0, reader.unitCount, WALK_TYPES, false), { elf }).btf;
  const ctx: BatchContext = { elf, base: b, baseIndex: new TargetIndex(b), funcSyms: functionSymbols(elf), addrSize: elf.is64 ? 8 : 4 };
  return { reader, ctx, close: () => (reader.release(), elf.close()) };
}

describe("demand-walked type tables give the batches of the full table", () => {
  test("there are fixtures", () => expect(FIXTURES.length).toBeGreaterThan(100));

  test.each(FIXTURES)("%s: unit by unit and all units at once", (name) => {
    const { reader, ctx, close } = contextOf(join(OBJ, name), undefined);
    try {
      let sites = 0;
      for (let u = 0; u < reader.unitCount; u++) sites += compareBatch(reader, ctx, u, u + 1);
      expect(compareBatch(reader, ctx, 0, reader.unitCount)).toBe(sites);
    } finally {
      close();
    }
  });

  // A base without the object's aggregates: every struct a prototype reaches
  // is encoded, so the demand walk must come back for their member types
  // (round after round, for structs inside structs).
  test.each(FIXTURES)("%s: on a base that lacks its types", (name) => {
    const { reader, ctx, close } = contextOf(join(OBJ, name), new Btf(), false);
    try {
      compareBatch(reader, ctx, 0, reader.unitCount);
    } finally {
      close();
    }
  });
});

describe.skipIf(!KERNEL.vmlinux)(kernelTitle("demand-walked type tables on the Debian kernel"), () => {
  test("vmlinux: three 64-unit batches (first, middle, last)", () => {
    const { reader, ctx, close } = contextOf(KERNEL.vmlinux!, undefined);
    try {
      const n = reader.unitCount;
      let sites = 0;
      for (const from of [0, Math.floor(n / 2 / 64) * 64, Math.floor((n - 1) / 64) * 64]) sites += compareBatch(reader, ctx, from, Math.min(from + 64, n));
      expect(sites).toBeGreaterThan(10_000);
    } finally {
      close();
    }
  }, 300_000);

  test("modules on the vmlinux .BTF", () => {
    const vm = openElf(KERNEL.vmlinux!);
    const base = readBtfFromElf(vm);
    vm.close();
    const dir = join(KERNEL.modules!, "kernel");
    const mods = ["net/ipv4/ip_vti.ko", "fs/nfs/nfs.ko", "drivers/net/virtio_net.ko", "net/sched/sch_htb.ko"].map((m) => join(dir, m));
    let sites = 0;
    for (const m of mods) {
      const { reader, ctx, close } = contextOf(m, base);
      try {
        sites += compareBatch(reader, ctx, 0, reader.unitCount);
      } finally {
        close();
      }
    }
    expect(sites).toBeGreaterThan(1000);
  }, 300_000);
});
