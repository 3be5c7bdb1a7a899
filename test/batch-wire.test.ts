/**
 * Lowered batches cross to the main thread's site table as columns
 * (src/app/batch-wire.ts): what the table holds must equal the sites the
 * lowering gives as objects, site for site, and sites of different batches
 * share one copy of each string, location and cause list.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { lowerUnitBatch, type BatchContext } from "../src/app/batch.js";
import { appendWire, WireWriter } from "../src/app/batch-wire.js";
import { addressMapOf, siteSelection } from "../src/app/sites.js";
import type { DwarfRecords } from "../src/dwarf/records.js";
import { lowerSites, newLowerStats, type LoweredSite } from "../src/lower/sites.js";
import { SiteTable } from "../src/lower/site-table.js";
import { openElf } from "../src/app/io.js";
import { functionSymbols, packFunctionSymbols, unpackFunctionSymbols } from "../src/dwarf/clones.js";
import { DwarfReader } from "../src/dwarf/load.js";
import { WALK_SITES, WALK_TYPES } from "../src/dwarf/wasm.js";
import { TargetIndex } from "../src/encode/dedup/index.js";
import { encodeBtf } from "../src/encode/object.js";
import { BTF_LOC_CONST } from "../src/btf/kinds.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");

/** Per unit of `name`: the records walked and the context (base encoded from all units' types). */
function unitsOf(name: string): { ctx: BatchContext; records: DwarfRecords[] } {
  const elf = openElf(join(OBJ, name));
  const reader = DwarfReader.open(elf);
  try {
    const base = encodeBtf(reader.walk(0, reader.unitCount, WALK_TYPES, false), { elf }).btf;
    const ctx: BatchContext = { elf, base, baseIndex: new TargetIndex(base), funcSyms: functionSymbols(elf), addrSize: elf.is64 ? 8 : 4 };
    const records: DwarfRecords[] = [];
    for (let u = 0; u < reader.unitCount; u++) records.push(reader.walk(u, u + 1, WALK_SITES | WALK_TYPES));
    return { ctx, records };
  } finally {
    reader.release();
    elf.close();
  }
}

/** The sites of `t` from row `from` on, as objects. */
function rows(t: SiteTable, from = 0) {
  const out = [];
  for (let i = from; i < t.count; i++) out.push(t.site(i));
  return out;
}

describe("batch wire form", () => {
  test.each(["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf4-aarch64", "inline-gcc12-O2-dwarf4-x86_64.o"])("%s: sites through the wire are the sites", (name) => {
    const { ctx, records } = unitsOf(name);
    const t = new SiteTable();
    for (const rec of records) {
      const from = t.count;
      const { sites } = lowerSites(rec, addressMapOf(ctx.elf), () => ({ size: 8 }), siteSelection(rec, ctx.funcSyms));
      const w = new WireWriter((f) => f + 1, (f) => f % 2);
      for (const s of sites) w.site(s.kind, s.func, s.name, s.addr, s.section, s.offset, s.caller, s.callerOffset, s.params, s.causes);
      appendWire(t, structuredClone(w.finish(new Uint8Array(0), newLowerStats())), (p) => 10 * p);
      expect(rows(t, from)).toEqual(sites);
      expect([...t.proto.subarray(from, t.count)]).toEqual(sites.map((s) => 10 * (s.func + 1)));
      expect([...t.linkage.subarray(from, t.count)]).toEqual(sites.map((s) => s.func % 2));
    }
    expect(t.count).toBeGreaterThan(5);
    // A batch lowered for func_info crosses as such a wire batch.
    const wire = lowerUnitBatch(records[0]!, ctx)!;
    expect(wire.i64.length).toBeGreaterThan(0);
  });

  test.each(["all-gcc12-O2-dwarf5-x86_64", "inline-gcc12-O2-dwarf4-x86_64.o"])("%s: function symbols cross to a worker as columns", (name) => {
    const elf = openElf(join(OBJ, name));
    try {
      const syms = functionSymbols(elf);
      expect(syms.size).toBeGreaterThan(1);
      const back = unpackFunctionSymbols(structuredClone(packFunctionSymbols(syms)));
      expect([...back]).toEqual([...syms]);
    } finally {
      elf.close();
    }
  });

  test("negative caller offsets, 64-bit addresses, causes and shared copies survive", () => {
    const site = (name: string, callerOffset: bigint): LoweredSite => ({
      kind: 0, func: 3, name, addr: 0xffffffff81000010n, section: ".text", offset: 0x10n, caller: "outer", callerOffset,
      params: [{ size: 8, flags: BTF_LOC_CONST, values: [1, 0] }, null], causes: [undefined, "DW_OP_entry_value"],
    });
    const wire = (n: string) => {
      const w = new WireWriter(() => 7, () => 1);
      for (const s of [site(n, -0x40n), site(n, 0x7fffffffffffffffn)]) w.site(s.kind, s.func, s.name, s.addr, s.section, s.offset, s.caller, s.callerOffset, s.params, s.causes);
      return structuredClone(w.finish(new Uint8Array(0), newLowerStats()));
    };
    const t = new SiteTable();
    appendWire(t, wire("f"), (p) => p);
    appendWire(t, wire("f"), (p) => p);
    expect(rows(t).slice(0, 2)).toEqual([site("f", -0x40n), site("f", 0x7fffffffffffffffn)]);
    expect([...t.proto.subarray(0, 4), ...t.linkage.subarray(0, 4)]).toEqual([7, 7, 7, 7, 1, 1, 1, 1]);
    const [a0, a1, b0] = [t.site(0), t.site(1), t.site(2)];
    expect(b0.params[0]).toBe(a1.params[0]);
    expect(b0.causes).toBe(a0.causes);
    expect(t.locs.length).toBe(1);
    expect(t.strings.filter((x) => x === "f").length).toBe(1);
  });
});
