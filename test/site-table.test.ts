/**
 * The main thread's site columns (src/lower/site-table.ts), filled through
 * the wire form (src/app/batch-wire.ts): every site comes back as it went
 * in across the columns' growth steps and across batches, and equal
 * strings, LOC_PARAMs and cause lists are kept once.
 */
import { describe, expect, test } from "vitest";
import { BTF_LOC_CONST, BTF_LOC_REG } from "../src/btf/kinds.js";
import { appendWire, WireWriter } from "../src/app/batch-wire.js";
import { SiteTable } from "../src/lower/site-table.js";
import type { LoweredSite } from "../src/lower/sites.js";

function site(i: number): LoweredSite {
  const n = i % 4;
  return {
    kind: i % 2, func: i, name: `f${i % 97}`, addr: 0xffffffff81000000n + BigInt(i * 16), section: i % 3 ? ".text" : ".init.text",
    offset: BigInt(i * 16), caller: `c${i % 5}`, callerOffset: BigInt(i % 7) - 3n,
    params: Array.from({ length: n }, (_, k) => (k === 1 ? null : k === 2 ? { size: 4, flags: BTF_LOC_CONST, values: [i % 3] } : { size: 8, flags: BTF_LOC_REG, values: [k] })),
    causes: Array.from({ length: n }, (_, k) => (k === 1 ? "optimized out" : undefined)),
  };
}

/** `sites` through the wire form into `t`, each with FUNC_PROTO `proto(i)` and linkage `linkage(i)`. */
function append(t: SiteTable, sites: LoweredSite[], proto: (i: number) => number, linkage: (i: number) => number): void {
  // The wire looks both up by FuncTable row: the sites here have func = their index.
  const w = new WireWriter(proto, linkage);
  for (const s of sites) w.site(s.kind, s.func, s.name, s.addr, s.section, s.offset, s.caller, s.callerOffset, s.params, s.causes);
  appendWire(t, w.finish(new Uint8Array(0), {} as never), (p) => p);
}

describe("site table", () => {
  test("sites survive growth (5000 rows, 0 to 3 parameters each)", () => {
    const t = new SiteTable();
    append(t, Array.from({ length: 2500 }, (_, i) => site(i)), (i) => i + 1, (i) => i % 2);
    append(t, Array.from({ length: 2500 }, (_, i) => site(2500 + i)), (i) => i + 1, (i) => i % 2);
    expect(t.count).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      expect(t.site(i)).toEqual(site(i));
      expect(t.site(i).params.length).toBe(i % 4);
      expect([t.proto[i], t.linkage[i]]).toEqual([i + 1, i % 2]);
    }
  });

  test("one copy of each string, LOC_PARAM and cause list", () => {
    const t = new SiteTable();
    append(t, Array.from({ length: 250 }, (_, i) => site(i)), () => 0, () => 0);
    append(t, Array.from({ length: 250 }, (_, i) => site(250 + i)), () => 0, () => 0);
    expect(t.locs.length).toBe(1 + 3);
    expect(new Set(t.strings).size).toBe(t.strings.length);
    expect(t.site(7).causes).toBe(t.site(11).causes);
    expect(t.site(3).params[2]).toBe(t.site(15).params[2]);
  });
});
