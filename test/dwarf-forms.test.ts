// Type units and split DWARF (issue 11, items 2 and 3), on the objects of
// testdata/forms (testdata/regen.sh forms): type units (.debug_types in
// DWARF 4, DW_UT_type in DWARF 5, DW_FORM_ref_sig8, and gcc's DW_AT_signature
// stand-ins) give the func_info bytes of the same source built without them;
// split DWARF (.o skeletons, .dwo, .dwp) is refused with one line.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.ts";
import { readObjectSites } from "../src/app/sites.ts";
import { readDwarf } from "../src/dwarf/index.ts";
import { ElfFile } from "../src/elf/index.ts";
import { UnsupportedError } from "../src/errors.ts";
import { btfgen } from "./helpers/cli.ts";

const FORMS = join(import.meta.dirname, "..", "testdata", "forms");
const scratch = mkdtempSync(join(tmpdir(), "btfgen-forms-"));

function sitesText(path: string): string[] {
  const elf = ElfFile.open(path);
  try {
    const o = readObjectSites(elf);
    return o.sites.map((s) => `${s.name} ${s.section}+0x${s.offset.toString(16)} ${o.paramNames(s).names.join(",")} ${s.params.map((p) => (p ? JSON.stringify(p) : "-")).join(" ")}`);
  } finally {
    elf.close();
  }
}

describe.each([
  ["gcc12", 4, "o"], ["gcc12", 5, "o"], ["gcc12", 4, "so"], ["gcc12", 5, "so"], ["clang19", 4, "o"], ["clang19", 5, "o"],
])("type units, %s DWARF %i .%s", (cc, dw, ext) => {
  const tu = join(FORMS, `tu-${cc}-O2-dwarf${dw}-x86_64.${ext}`);
  const plain = join(FORMS, `tu-${cc}-O2-dwarf${dw}-x86_64-plain.${ext}`);

  test("the fixture has type units, the plain build none", () => {
    const count = (f: string) => (execFileSync("llvm-dwarfdump-19", ["--debug-info", "--debug-types", f], { encoding: "utf8" }).match(/Type Unit:/g) ?? []).length;
    expect(count(tu)).toBeGreaterThanOrEqual(2);
    expect(count(plain)).toBe(0);
  });

  test("on the same base, the func_info bytes of the build without type units", async () => {
    const base = join(scratch, `${cc}-${dw}-${ext}.base.btf`);
    writeFileSync(base, (await buildFuncInfo(plain)).encodedBase!);
    const [a, b] = [await buildFuncInfo(plain, { base: [base] }), await buildFuncInfo(tu, { base: [base] })];
    expect(a.emit.entries).toBeGreaterThan(0);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
  });

  test("the same sites, names and locations", () => {
    expect(sitesText(tu)).toEqual(sitesText(plain));
  });
});

describe.each([
  ["split-gcc12-O2-dwarf4-x86_64.o", ".debug_info"],
  ["split-gcc12-O2-dwarf5-x86_64.o", ".debug_info"],
  ["split-clang19-O2-dwarf5-x86_64.o", ".debug_info"],
  ["split-gcc12-O2-dwarf5-x86_64.dwo", ".debug_info.dwo"],
  ["split-clang19-O2-dwarf5-x86_64.dwp", ".debug_info.dwo"],
])("split DWARF %s", (f, section) => {
  const path = join(FORMS, f);

  test("refused: an UnsupportedError saying so, at the skeleton or the .dwo section", async () => {
    let err: unknown;
    try {
      await buildFuncInfo(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedError);
    const u = err as UnsupportedError;
    expect(u.section).toBe(section);
    expect(u.message).toMatch(/split DWARF .*not supported/);
    if (f.endsWith(".o")) {
      // Also for a reader that only walks types (encode) or only sites.
      const elf = ElfFile.open(path);
      try {
        expect(() => readDwarf(elf, { sites: false, types: true })).toThrow(UnsupportedError);
        expect(() => readDwarf(elf)).toThrow(UnsupportedError);
      } finally {
        elf.close();
      }
    }
  });

  test("the CLI: one line, exit 1, no output", () => {
    const out = join(scratch, `${f}.btf`);
    const r = btfgen([path, "-o", out]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/split DWARF/);
    expect(existsSync(out)).toBe(false);
  });
});
