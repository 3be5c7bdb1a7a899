// Minimal debug info (testdata/regen.sh gline: inline.c with clang
// -gline-tables-only and gcc -g1, and as C++): a subprogram has a name and
// code but no parameter DIEs, no DW_AT_type and no DW_AT_prototyped, so its
// prototype is unknown (src/dwarf/prototype.ts). Its sites are left out,
// counted as without a prototype, never written as `add3(void)`; the same
// source with full debug info keeps every site with its parameters.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { BTF_KIND_FUNC_PROTO } from "../src/btf/kinds.js";
import { readDwarf } from "../src/dwarf/load.js";
import { unknownPrototypes } from "../src/dwarf/prototype.js";
import { UNIT_TYPED } from "../src/dwarf/records.js";
import { ElfFile } from "../src/elf/elf.js";
import { NotFoundError } from "../src/errors.js";
import { expectAccepted } from "./helpers/check.js";
import { btfgen } from "./helpers/cli.js";
import { inlinedCount } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
// The C++ one lives apart (testdata/minimal): it has no type for the suites that encode every object of obj/.
const MINIMAL_CXX = join(import.meta.dirname, "../testdata/minimal");
const MINIMAL = [...readdirSync(OBJ), ...readdirSync(MINIMAL_CXX)].filter((f) => f.startsWith("gline")).sort();

test("the minimal-debug objects are there (testdata/regen.sh gline)", () => {
  expect(MINIMAL).toEqual(["gline-clang19-O2-dwarf5-x86_64.o", "gline-gcc12-O2-dwarf5-x86_64.o", "glinecxx-clang19-O2-dwarf5-x86_64.o"]);
});

describe.each(MINIMAL)("%s", (f) => {
  const path = join(f.startsWith("glinecxx-") ? MINIMAL_CXX : OBJ, f);
  const full = join(OBJ, f.replace(/^gline(cxx)?-/, "inline-"));

  test("the walk finds no unit with types, and every function with a site has an unknown prototype", () => {
    const elf = ElfFile.open(path);
    try {
      const rec = readDwarf(elf);
      expect([...rec.units.flags].every((x) => (x & UNIT_TYPED) === 0)).toBe(true);
      const unknown = unknownPrototypes(rec);
      expect(rec.sites.count).toBeGreaterThan(0);
      for (let i = 0; i < rec.sites.count; i++) expect(unknown[rec.sites.func[i]!]).toBe(1);
    } finally {
      elf.close();
    }
  });

  test("sites --no-types lists each site with its parameters unknown: f(?), params_unknown in --json", () => {
    const text = btfgen(["sites", "--no-types", path]);
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines).toHaveLength(inlinedCount(path));
    for (const l of lines) expect(l).toMatch(/\] \w+\(\?\)$/);
    const json = JSON.parse(btfgen(["sites", "--no-types", "--json", path]).stdout) as { params_unknown?: boolean }[];
    expect(json.every((s) => s.params_unknown === true)).toBe(true);
  });

  if (f.startsWith("glinecxx-")) {
    // As C++ nothing is left to encode (pahole 1.24 writes no file, silently): one clear error.
    test("func_info: no type to encode, said so", async () => {
      await expect(buildFuncInfo(path)).rejects.toThrow(NotFoundError);
      await expect(buildFuncInfo(path)).rejects.toThrow(/no type in the DWARF to encode/);
    });
  } else {
    test("func_info: every inline site is left out as without a prototype; nothing claims (void)", async () => {
      const r = await buildFuncInfo(path);
      expectAccepted(r.bytes, r.btf.base);
      expect(inlinedCount(path)).toBeGreaterThan(0);
      expect(r.noProto).toBe(inlinedCount(path));
      expect(r.sites).toEqual([]);
      for (let id = r.btf.firstTypeId; id < r.btf.nrTypes; id++) expect(r.btf.typeById(id).kind).not.toBe(BTF_KIND_FUNC_PROTO);
    });
  }

  test("the same source with full debug info: every unit typed, every site kept with its parameters", async () => {
    const elf = ElfFile.open(full);
    try {
      const rec = readDwarf(elf);
      expect([...rec.units.flags].every((x) => (x & UNIT_TYPED) !== 0)).toBe(true);
      expect([...unknownPrototypes(rec)].every((x) => x === 0)).toBe(true);
    } finally {
      elf.close();
    }
    const r = await buildFuncInfo(full);
    expect(r.noProto).toBe(0);
    expect(r.sites.length).toBe(inlinedCount(full));
    const add3 = r.sites.find((s) => s.name === "add3")!;
    expect(r.paramNames(add3).names).toEqual(["a", "b", "c"]);
  });
});
