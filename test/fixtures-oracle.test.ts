// Sanity of the fixture corpus (testdata/obj) and of the llvm-dwarfdump oracle
// (test/helpers/dwarfdump.ts). Needs llvm-dwarfdump-19 (installed by `make`).
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  classify,
  inlineSites,
  inlinedCount,
  locationAt,
  type LocClass,
  type SiteParam,
} from "./helpers/dwarfdump.ts";

const OBJ_DIR = join(import.meta.dirname, "..", "testdata", "obj");
const objects = readdirSync(OBJ_DIR)
  .filter((f) => f.endsWith(".o") || f.startsWith("all-"))
  .sort();

/** `<topic>-<compiler>-O2-dwarf<v>-<arch>[-zlib|-zstd].o` or `all-<compiler>-O2-dwarf<v>-<arch>[-pie]`. */
function parseName(f: string): { topic: string; compiler: string; dwarf: number; arch: string } {
  const m = /^([a-z0-9]+)-(gcc\d+|clang\d+)-O2-dwarf([45])-(x86_64|aarch64|ppc64|s390x|arm|mips)(?:-(?:zlib|zstd|pie))?(?:\.o)?$/.exec(f);
  if (!m) throw new Error(`fixture name does not follow the scheme: ${f}`);
  return { topic: m[1]!, compiler: m[2]!, dwarf: Number(m[3]), arch: m[4]! };
}

/** The §5 class of every site parameter, at the site address. */
function classes(obj: string): Map<LocClass | "none" | "regx" | "const_value", number> {
  const out = new Map<LocClass | "none" | "regx" | "const_value", number>();
  const bump = (k: LocClass | "none" | "regx" | "const_value") => out.set(k, (out.get(k) ?? 0) + 1);
  for (const site of inlineSites(obj)) {
    for (const p of site.params) {
      const e = locationAt(p, site.address);
      if (e === undefined) {
        bump("none");
        continue;
      }
      const c = classify(e);
      bump(c);
      if (c === "reg" && e.startsWith("DW_OP_regx")) bump("regx");
      if (c === "const" && e.startsWith("DW_AT_const_value")) bump("const_value");
    }
  }
  return out;
}

test("the corpus is there and every name follows the scheme", () => {
  expect(objects.length).toBeGreaterThan(100);
  for (const f of objects) parseName(f);
  for (const c of ["gcc12", "clang14", "clang19"])
    expect(objects.some((f) => f === `all-${c}-O2-dwarf5-x86_64`)).toBe(true);
  expect(objects).toContain("inline-gcc12-O2-dwarf5-x86_64.o"); // `make demo`
});

describe.each(objects)("%s", (f) => {
  const obj = join(OBJ_DIR, f);
  const { topic } = parseName(f);

  test("parses; inlinedCount equals the number of inline sites", () => {
    const sites = inlineSites(obj);
    expect(sites.length).toBe(inlinedCount(obj));
    if (topic !== "main" && topic !== "types") expect(sites.length).toBeGreaterThan(0);
    for (const s of sites) {
      expect(s.origin).not.toBe("");
      expect(s.callLine).toBeGreaterThan(0);
      if (s.entryPc !== undefined) expect(s.address).toBe(s.entryPc);
      for (const p of s.params) expect(p.name).not.toBeNull();
    }
  });
});

// FORMAT.md §5 rows, as the oracle classifies the expression at the site address.
const ROWS: Array<[string, Array<LocClass | "regx" | "const_value">]> = [
  ["DW_OP_regN", ["reg"]],
  ["DW_OP_regx N", ["regx"]],
  ["DW_OP_bregN off ; stack_value", ["breg-value", "fbreg-value"]],
  ["DW_OP_bregN off (memory)", ["breg-mem"]],
  ["DW_OP_fbreg off", ["fbreg"]],
  ["constu/consts/litN ; stack_value, DW_AT_const_value", ["const"]],
  ["DW_AT_const_value", ["const_value"]],
  ["DW_OP_addr A ; stack_value", ["addr"]],
  ["DW_OP_implicit_value", ["implicit-value"]],
  ["DW_OP_piece sequences of registers", ["piece-regs"]],
  ["DW_OP_entry_value", ["entry-value"]],
  ["other expressions", ["other"]],
];

describe("the corpus covers every FORMAT.md section 5 row", () => {
  const all = new Map(objects.map((f) => [f, classes(join(OBJ_DIR, f))] as const));
  test.each(ROWS)("%s", (_row, keys) => {
    const where = objects.filter((f) => keys.some((k) => (all.get(f)!.get(k) ?? 0) > 0));
    // Which objects cover the row, for the reader of a failing run.
    expect(where.length, `row covered by: ${where.join(", ") || "nothing"}`).toBeGreaterThan(0);
  });

  // Per topic and compiler family: what each focused source is for.
  const EXPECT: Array<[topic: string, compiler: RegExp, arch: RegExp, keys: Array<LocClass | "regx" | "const_value">]> = [
    ["inline", /./, /./, ["reg", "const"]],
    ["const", /./, /./, ["const"]],
    ["const", /gcc/, /./, ["implicit-value"]],
    ["const", /clang/, /./, ["const_value"]],
    ["struct16", /./, /./, ["piece-regs"]],
    ["stack", /./, /./, ["fbreg"]],
    ["stack", /clang/, /x86_64/, ["fbreg-value", "breg-mem"]],
    ["entryval", /gcc/, /./, ["entry-value"]],
    ["addr", /gcc/, /./, ["addr"]],
    ["float", /gcc/, /./, ["implicit-value"]],
    ["nested", /./, /./, ["reg", "const"]],
  ];
  test.each(EXPECT)("%s (%s, %s) has %j", (topic, cre, are, keys) => {
    const objs = objects.filter((f) => {
      const n = parseName(f);
      return n.topic === topic && cre.test(n.compiler) && are.test(n.arch);
    });
    expect(objs.length).toBeGreaterThan(0);
    for (const f of objs)
      for (const k of keys) expect(all.get(f)!.get(k) ?? 0, `${f}: ${k}`).toBeGreaterThan(0);
  });
});

describe("nesting and clones", () => {
  test.each(objects.filter((f) => parseName(f).topic === "nested"))("%s: 3 and 4 deep", (f) => {
    const sites = inlineSites(join(OBJ_DIR, f));
    const depth = Math.max(...sites.map((s) => s.inlineDepth));
    expect(depth).toBeGreaterThanOrEqual(3); // level0 > level1 > level2 > level3
    expect(sites.filter((s) => s.origin === "level3").length).toBeGreaterThanOrEqual(4);
  });

  test.each(objects.filter((f) => parseName(f).topic === "clones" && f.includes("gcc")))(
    "%s: sites with DW_AT_ranges",
    (f) => {
      const sites = inlineSites(join(OBJ_DIR, f));
      expect(sites.some((s) => (s.ranges?.length ?? 0) > 1)).toBe(true);
    },
  );
});

describe("oracle unit behaviour", () => {
  const p = (entries: Array<[number, number, string]>): SiteParam => ({
    dieOffset: 0,
    name: "x",
    location: {
      kind: "list",
      offset: 0,
      entries: entries.map(([lo, hi, expr]) => ({ lo: BigInt(lo), hi: BigInt(hi), expr, raw: expr, decodeError: false })),
    },
  });

  test("locationAt picks the entry covering the address, not the first", () => {
    const q = p([
      [0x10, 0x20, "DW_OP_reg5 RDI"],
      [0x20, 0x30, "DW_OP_reg3 RBX"],
    ]);
    expect(locationAt(q, 0x10n)).toBe("DW_OP_reg5 RDI");
    expect(locationAt(q, 0x1fn)).toBe("DW_OP_reg5 RDI");
    expect(locationAt(q, 0x20n)).toBe("DW_OP_reg3 RBX");
    expect(locationAt(q, 0x30n)).toBeUndefined();
    expect(locationAt(q, 0x0fn)).toBeUndefined();
  });

  test.each([
    ["DW_OP_reg5 RDI", "reg"],
    ["DW_OP_regx B0", "reg"],
    ["DW_OP_breg7 RSP+8, DW_OP_stack_value", "breg-value"],
    ["DW_OP_breg14 R14-1", "breg-mem"],
    ["DW_OP_breg31 WSP+0", "breg-mem"],
    ["DW_OP_fbreg -20", "fbreg"],
    ["DW_OP_fbreg +8, DW_OP_stack_value", "fbreg-value"],
    ["DW_OP_lit2, DW_OP_stack_value", "const"],
    ["DW_OP_consts -3, DW_OP_stack_value", "const"],
    ["DW_OP_constu 0xdeadbeeffeedface, DW_OP_stack_value", "const"],
    ["DW_OP_const1u 0xff, DW_OP_stack_value", "const"],
    ["DW_AT_const_value -3", "const"],
    ["DW_OP_addr 0x4010, DW_OP_stack_value", "addr"],
    ["DW_OP_implicit_value 0x8 0x59 0xbf 0xdd 0xff 0xdd 0xb7 0xd5 0x1b", "implicit-value"],
    ["DW_OP_reg5 RDI, DW_OP_piece 0x8, DW_OP_reg4 RSI, DW_OP_piece 0x8", "piece-regs"],
    ["DW_OP_breg31 WSP+0, DW_OP_piece 0x8, DW_OP_breg31 WSP+8, DW_OP_piece 0x8", "other"],
    ["DW_OP_entry_value(DW_OP_reg5 RDI), DW_OP_stack_value", "entry-value"],
    ["DW_OP_GNU_entry_value(DW_OP_reg5 RDI), DW_OP_stack_value", "entry-value"],
    ["<decoding error> fa 0e 06 00 00 9f", "parameter-ref"],
    ["DW_OP_breg3 RBX+0, DW_OP_lit1, DW_OP_shl, DW_OP_stack_value", "other"],
  ] as const)("classify(%s) = %s", (expr, want) => {
    expect(classify(expr)).toBe(want);
  });
});

test("fixture list printed for the record", () => {
  // one line per object: sites and location classes (helps reading failures)
  const lines = objects.map((f) => {
    const c = classes(join(OBJ_DIR, f));
    return `${basename(f)} sites=${inlineSites(join(OBJ_DIR, f)).length} ${[...c].map(([k, v]) => `${k}=${v}`).join(" ")}`;
  });
  expect(lines.length).toBe(objects.length);
});
