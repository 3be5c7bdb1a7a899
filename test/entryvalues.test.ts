// DW_OP_entry_value through call sites (issue 11 item 5; src/lower/entryvalues.ts,
// src/app/entryrefs.ts) on the entrycs fixtures (testdata/src/entrycs.c): a
// resolved constant is what every DW_TAG_call_site of the function gives for
// the register (llvm-dwarfdump as the oracle), and every case that cannot be
// proven stays unresolved with its cause.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isPadding } from "../src/app/entryrefs.js";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { ET_REL } from "../src/elf/constants.js";
import { ElfFile } from "../src/elf/elf.js";
import { constantCallValue } from "../src/lower/entryvalues.js";
import { lowerExpr } from "../src/lower/expr.js";
import { LOC_CONST } from "../src/lower/locparam.js";
import { DWARFDUMP, inlineSites, locationAt } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => f.startsWith("entrycs-")).sort();

/** One DW_TAG_call_site as llvm-dwarfdump prints it: callee name and call value text per register. */
interface OracleCall {
  origin: string;
  values: Map<number, string>;
}

function oracleCalls(obj: string): OracleCall[] {
  const text = execFileSync(DWARFDUMP, ["--debug-info", obj], { encoding: "utf8", maxBuffer: 1 << 28 });
  const calls: OracleCall[] = [];
  let call: OracleCall | undefined;
  let reg: number | undefined;
  for (const line of text.split("\n")) {
    const tag = /DW_TAG_(\w+)/.exec(line);
    if (tag) {
      if (tag[1] === "call_site" || tag[1] === "GNU_call_site") calls.push((call = { origin: "", values: new Map() }));
      else if (tag[1] !== "call_site_parameter" && tag[1] !== "GNU_call_site_parameter") call = undefined;
      reg = undefined;
      continue;
    }
    if (!call) continue;
    const o = /DW_AT_(?:call_origin|abstract_origin)\s+\(0x[0-9a-f]+ "([^"]+)"\)/.exec(line);
    if (o) call.origin = o[1]!;
    const l = /DW_AT_location\s+\(DW_OP_reg(\d+) /.exec(line);
    if (l) reg = Number(l[1]);
    const v = /DW_AT_(?:call_value|GNU_call_site_value)\s+\((.*)\)$/.exec(line);
    if (v && reg !== undefined) call.values.set(reg, v[1]!);
  }
  return calls;
}

/** The number a constant call value text stands for, undefined when it is not one. */
function oracleConstant(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const lit = /^DW_OP_lit(\d+)$/.exec(text);
  if (lit) return BigInt(lit[1]!);
  const c = /^DW_OP_const(?:\d[us]|u|s) (0x[0-9a-f]+|-?\d+)$/.exec(text);
  return c ? BigInt(c[1]!) : undefined;
}

/** The function symbol (name, local?) holding `addr` in the object. */
function functionAt(elf: ElfFile, addr: bigint): { name: string; local: boolean } | undefined {
  for (const s of elf.symbols()) {
    if (s.type !== 2 || s.size === 0n) continue;
    const a = s.value + (elf.type === ET_REL ? (elf.sections[s.shndx]?.addr ?? 0n) : 0n);
    if (addr >= a && addr < a + s.size) return { name: s.name, local: s.bind === 0 };
  }
  return undefined;
}

describe.each(FIXTURES)("%s", (f) => {
  const path = join(OBJ, f);

  test("every entry value resolved is the constant of every call site; the rest keep a cause", async () => {
    const r = await buildFuncInfo(path);
    const calls = oracleCalls(path);
    const elf = ElfFile.open(path, { layoutRelocatable: true });
    const oracle = inlineSites(path);
    let entryValues = 0;
    for (const site of r.sites) {
      if (site.callerOffset === 0n) continue;
      const o = oracle.find((s) => s.origin === site.name && s.address === site.addr);
      expect(o, `${site.name} at ${site.addr}`).toBeDefined();
      const names = r.paramNames(site).names;
      for (let p = 0; p < site.params.length; p++) {
        const param = o!.params.find((q) => q.name === names[p]);
        const text = param && locationAt(param, site.addr);
        const ev = text && /^DW_OP_(?:GNU_)?entry_value\(DW_OP_reg(\d+) \w+\), DW_OP_stack_value$/.exec(text);
        if (!ev) continue;
        entryValues++;
        const loc = site.params[p];
        if (!loc) {
          expect(site.causes[p], `${site.caller}: ${names[p]}`).toMatch(/^DW_OP_entry_value/);
          continue;
        }
        // Resolved: a constant, the function local, and every call site of it agreeing on that constant.
        expect(loc.flags & LOC_CONST).toBe(LOC_CONST);
        const fn = functionAt(elf, site.addr - site.callerOffset);
        expect(fn?.local, `${site.caller} is local`).toBe(true);
        const mine = calls.filter((c) => c.origin === site.caller);
        expect(mine.length).toBeGreaterThan(0);
        const values = mine.map((c) => oracleConstant(c.values.get(Number(ev[1]))));
        expect(values.every((v) => v !== undefined && v === values[0]), `${site.caller}: ${values.join(", ")}`).toBe(true);
        expect(BigInt(loc.values[0]!)).toBe(values[0]);
      }
    }
    if (f.includes("gcc12")) expect(entryValues).toBeGreaterThanOrEqual(4);
  });

  // What gcc makes of entrycs.c: each static function's `mode` is entry_value(reg) at the inlined note_mode.
  if (f.includes("gcc12")) {
    const x86 = f.includes("x86_64");
    test.each([
      ["cs_same", x86 ? "const 7" : "DW_OP_entry_value: machine not decoded"],
      // Disagreeing call sites are refused from the DWARF alone, before the object (any machine).
      ["cs_disagree", "DW_OP_entry_value: callers disagree"],
      ["cs_addr", x86 ? "DW_OP_entry_value: address referenced" : "DW_OP_entry_value: machine not decoded"],
      ["cs_global", x86 ? "DW_OP_entry_value: function not local" : "DW_OP_entry_value: machine not decoded"],
    ])("note_mode inside %s: %s", async (caller, want) => {
      const r = await buildFuncInfo(path);
      const site = r.sites.find((s) => s.name === "note_mode" && s.caller === caller);
      expect(site).toBeDefined();
      const loc = site!.params[0];
      expect(loc ? `const ${loc.values[0]}` : site!.causes[0]).toBe(want);
    });
  }
});

describe("pieces", () => {
  test.each([
    ["lit7", [0x37], "c7"],
    ["lit7 ; stack_value", [0x37, 0x9f], "c7"],
    ["const1u 200", [0x08, 200], "c200"],
    ["const1s -1", [0x09, 0xff], `c${2n ** 64n - 1n}`],
    ["constu 300", [0x10, 0xac, 0x02], "c300"],
    ["consts -2", [0x11, 0x7e], `c${2n ** 64n - 2n}`],
    ["addr", [0x03, 1, 0, 0, 0, 0, 0, 0, 0], "a1"],
    ["breg6 0 (caller frame)", [0x76, 0], undefined],
    ["entry_value(reg5)", [0xa3, 1, 0x55], undefined],
    ["lit1 ; lit2 (trailing op)", [0x31, 0x32], undefined],
    ["const4u short", [0x0c, 1, 2], undefined],
  ])("constantCallValue(%s)", (_name, bytes, key) => {
    expect(constantCallValue(Uint8Array.from(bytes), 8, true)?.key).toBe(key);
  });

  test.each([
    ["int3", [0xcc, 0xcc], true],
    ["nop", [0x90], true],
    ["nopw 0(%rax,%rax,1) (9)", [0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0], true],
    ["cs nopw (10)", [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0], true],
    ["nopl 0(%rax) (4)", [0x0f, 0x1f, 0x40, 0], true],
    ["nopl 0(%rax,%rax,1) (5)", [0x0f, 0x1f, 0x44, 0, 0], true],
    ["call rel32", [0xe8, 0, 0, 0, 0], false],
    ["rip-relative nopl", [0x0f, 0x1f, 0x05, 0, 0, 0, 0], false],
    ["cut nop", [0x0f, 0x1f, 0x84, 0], false],
  ])("isPadding(%s)", (_name, bytes, want) => {
    expect(isPadding(Uint8Array.from(bytes), 0, bytes.length)).toBe(want);
  });

  const ctx = { addrSize: 8, littleEndian: true, relocateAddr: () => undefined, atFunctionEntry: false };
  test.each([
    ["a proven constant, int", 4, { expr: Uint8Array.of(0x37, 0x9f) }, "const 7"],
    ["a proven constant, long", 8, { expr: Uint8Array.of(0x37, 0x9f) }, "const 7"],
    ["long and a constant with bit 31 set", 8, { expr: Uint8Array.of(0x0c, 0, 0, 0, 0x80, 0x9f) }, "DW_OP_entry_value: constant wider than 32 bits"],
    ["int and a constant with bit 31 set", 4, { expr: Uint8Array.of(0x0c, 0, 0, 0, 0x80, 0x9f) }, "const 2147483648"],
    ["not proven", 4, { cause: "DW_OP_entry_value: callers disagree" }, "DW_OP_entry_value: callers disagree"],
  ])("lowerExpr(entry_value(reg4)): %s", (_name, size, ev, want) => {
    const r = lowerExpr(Uint8Array.of(0xa3, 1, 0x54, 0x9f), { ...ctx, size, signed: false, entryValue: () => ev });
    expect(r.loc ? `const ${r.loc.values[0]}` : r.cause).toBe(want);
  });
});

// With worker threads the main thread scans the object once and sends the
// scan to every worker (src/app/funcinfo.ts): the same resolutions, the
// same bytes as one thread scanning for itself.
describe("the scan made once for all workers", () => {
  test.each(["entrycs-gcc12-O2-dwarf4-x86_64", "entrycs-gcc12-O2-dwarf5-x86_64"])("%s with its own .BTF: -j1 and -j2 (a batch per unit) agree", async (name) => {
    const dir = mkdtempSync(join(tmpdir(), "btfgen-entryscan-"));
    const withBtf = join(dir, name);
    copyFileSync(join(OBJ, name), withBtf);
    execFileSync("pahole", ["-J", withBtf]);
    const one = await buildFuncInfo(withBtf, { jobs: 1, unitsPerBatch: 1 });
    const two = await buildFuncInfo(withBtf, { jobs: 2, unitsPerBatch: 1 });
    expect(Buffer.from(two.bytes).equals(Buffer.from(one.bytes))).toBe(true);
    const resolved = (r: typeof one) => r.sites.filter((s) => s.params.some((p, i) => p && p.flags & LOC_CONST && r.paramNames(s).names[i] === "mode")).length;
    expect(resolved(one)).toBeGreaterThan(0);
    expect(resolved(two)).toBe(resolved(one));
  });
});
