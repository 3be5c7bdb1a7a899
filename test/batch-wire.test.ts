/**
 * Worker batches cross to the main thread as columns (src/app/batch-wire.ts):
 * what the main thread's site table holds must equal what the worker
 * lowered, site for site (and what a batch lowered on the main thread
 * gives), and sites of different batches share one copy of each string,
 * location and cause list.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { lowerUnitBatch, type BatchContext, type BatchOutput } from "../src/app/batch.js";
import { appendWire, encodeWire } from "../src/app/batch-wire.js";
import { SiteTable } from "../src/lower/site-table.js";
import { openElf } from "../src/app/io.js";
import { functionSymbols } from "../src/dwarf/clones.js";
import { DwarfReader } from "../src/dwarf/load.js";
import { WALK_SITES, WALK_TYPES } from "../src/dwarf/wasm.js";
import { TargetIndex } from "../src/encode/dedup/index.js";
import { encodeBtf } from "../src/encode/object.js";
import { BTF_LOC_CONST } from "../src/btf/kinds.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");

function batchesOf(name: string): BatchOutput[] {
  const elf = openElf(join(OBJ, name));
  const reader = DwarfReader.open(elf);
  try {
    const base = encodeBtf(reader.walk(0, reader.unitCount, WALK_TYPES, false), { elf }).btf;
    const ctx: BatchContext = { elf, base, baseIndex: new TargetIndex(base), funcSyms: functionSymbols(elf), addrSize: elf.is64 ? 8 : 4 };
    const out: BatchOutput[] = [];
    for (let u = 0; u < reader.unitCount; u++) out.push(lowerUnitBatch(reader.walk(u, u + 1, WALK_SITES | WALK_TYPES), ctx)!);
    return out;
  } finally {
    reader.release();
    elf.close();
  }
}

/** The sites of `t` from row `from` on, as objects, with their FUNC_PROTO and linkage columns. */
function rows(t: SiteTable, from = 0) {
  const out = [];
  for (let i = from; i < t.count; i++) out.push({ site: t.site(i), proto: t.proto[i], linkage: t.linkage[i] });
  return out;
}

describe("batch wire form", () => {
  test.each(["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf4-aarch64", "inline-gcc12-O2-dwarf4-x86_64.o"])("%s: append(encode(batch)) is the batch", (name) => {
    const wired = new SiteTable();
    const local = new SiteTable();
    for (const b of batchesOf(name)) {
      const from = wired.count;
      const expected = structuredClone(b);
      appendWire(wired, structuredClone(encodeWire(b)), (p) => p + 1);
      b.sites.forEach((s, i) => local.pushSite(s, b.protos[i] + 1, b.linkage[i]));
      expect(rows(wired, from)).toEqual(expected.sites.map((site, i) => ({ site, proto: expected.protos[i] + 1, linkage: expected.linkage[i] })));
    }
    expect(rows(wired)).toEqual(rows(local));
    expect(wired.count).toBeGreaterThan(5);
  });

  test("negative caller offsets, 64-bit addresses, causes and shared copies survive", () => {
    const site = (name: string, callerOffset: bigint) => ({
      kind: 0, func: 3, name, addr: 0xffffffff81000010n, section: ".text", offset: 0x10n, caller: "outer", callerOffset,
      params: [{ size: 8, flags: BTF_LOC_CONST, values: [1, 0] }, null], causes: [undefined, "DW_OP_entry_value"],
    });
    const batch = (n: string): BatchOutput => ({
      types: new Uint8Array(0), stats: {} as BatchOutput["stats"], sites: [site(n, -0x40n), site(n, 0x7fffffffffffffffn)], protos: [7, 7], linkage: [1, 0],
    });
    const t = new SiteTable();
    appendWire(t, structuredClone(encodeWire(batch("f"))), (p) => p);
    appendWire(t, structuredClone(encodeWire(batch("f"))), (p) => p);
    expect(rows(t, 0).slice(0, 2)).toEqual(batch("f").sites.map((site, i) => ({ site, proto: 7, linkage: [1, 0][i] })));
    const [a0, a1, b0] = [t.site(0), t.site(1), t.site(2)];
    expect(b0.params[0]).toBe(a1.params[0]);
    expect(b0.causes).toBe(a0.causes);
    expect(t.locs.length).toBe(1);
    expect(t.strings.filter((x) => x === "f").length).toBe(1);
  });
});
