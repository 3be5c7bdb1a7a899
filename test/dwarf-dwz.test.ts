// dwz and supplementary files (issue 11, item 1): a pair of shared objects
// processed by `dwz -m` (testdata/forms, built by testdata/regen.sh forms),
// DWARF 4 (.gnu_debugaltlink, DW_FORM_GNU_ref_alt / GNU_strp_alt, partial
// units through DW_TAG_imported_unit) and DWARF 5 (.debug_sup, ref_sup /
// strp_sup). Compared with the same build before dwz, whose sites are checked
// against llvm-dwarfdump-19 as the fixture suites do.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo, type FuncInfoResult } from "../src/app/funcinfo.ts";
import { readObjectSites } from "../src/app/sites.ts";
import { openSupplementary, readDwarf, supplementaryCandidates, supplementaryLink } from "../src/dwarf/index.ts";
import { ElfFile } from "../src/elf/index.ts";
import { MalformedError, NotFoundError } from "../src/errors.ts";
import { countedLeftOut } from "./dwarf-accounting.ts";
import { checkAgainstOracle } from "./dwarf-check.ts";
import { expectAccepted } from "./helpers/check.ts";
import { btfgen } from "./helpers/cli.ts";
import { inlinedCount } from "./helpers/dwarfdump.ts";

const FORMS = join(import.meta.dirname, "..", "testdata", "forms");
const scratch = mkdtempSync(join(tmpdir(), "btfgen-dwz-"));

const coverage = (r: FuncInfoResult) => (100 * r.lower.full) / (r.lower.full + r.lower.partial + r.lower.none);

/** One line per site as `btfgen sites` prints it (name, section offset, argument locations). */
function siteLines(path: string): string[] {
  const elf = ElfFile.open(path);
  try {
    const o = readObjectSites(elf);
    return o.sites.map((s) => `${s.name} ${s.section}+0x${s.offset.toString(16)} ${s.params.map((p) => (p ? JSON.stringify(p) : "-")).join(" ")}`);
  } finally {
    elf.close();
  }
}

describe.each([4, 5])("DWARF %i", (v) => {
  describe.each(["a", "b"])("%s.so", (x) => {
    const dwz = join(FORMS, `dwz${v}-${x}-gcc12-O2-x86_64.so`);
    const plain = join(FORMS, `dwz${v}-${x}-gcc12-O2-x86_64-nodwz.so`);

    test("the fixture is dwz'd: a supplementary link, partial units, references into the common file", () => {
      const elf = ElfFile.open(dwz);
      try {
        const link = supplementaryLink(elf)!;
        expect(link.section).toBe(v === 4 ? ".gnu_debugaltlink" : ".debug_sup");
        expect(link.name).toBe(`dwz${v}-common.debug`);
      } finally {
        elf.close();
      }
      const text = execFileSync("llvm-dwarfdump-19", ["--debug-info", "--show-form", dwz], { encoding: "utf8" });
      expect(text).toMatch(/DW_TAG_partial_unit/);
      expect(text).toMatch(/DW_TAG_imported_unit/);
      expect(text).toMatch(v === 4 ? /DW_FORM_GNU_ref_alt/ : /DW_FORM_ref_sup4/);
      expect(text).toMatch(v === 4 ? /DW_FORM_GNU_strp_alt/ : /DW_FORM_strp_sup/);
    });

    test("sites written = sites before dwz, the same coverage, every site accounted for", async () => {
      const [a, b] = [await buildFuncInfo(plain), await buildFuncInfo(dwz)];
      expectAccepted(b.bytes, b.btf.base!);
      expect(b.emit.entries).toBe(a.emit.entries);
      expect(b.emit.entries).toBeGreaterThan(20);
      expect(Math.abs(coverage(b) - coverage(a))).toBeLessThanOrEqual(0.5);
      expect(b.lower.inlineSites).toBe(inlinedCount(dwz));
      expect(b.emit.entries + countedLeftOut(b)).toBe(b.lower.inlineSites + b.lower.funcSites);
    });

    test("on the same base the func_info bytes are those of the build before dwz", async () => {
      const base = join(scratch, `${v}${x}.base.btf`);
      writeFileSync(base, (await buildFuncInfo(plain)).encodedBase!);
      const [a, b] = [await buildFuncInfo(plain, { base: [base] }), await buildFuncInfo(dwz, { base: [base] })];
      expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    });

    test("unit batches in worker threads (an own .BTF): each batch reads the partial units it imports", async () => {
      // One unit per batch: no batch holds the partial units, so each must walk its imports.
      const btf = join(scratch, `${v}${x}.own.btf`);
      writeFileSync(btf, (await buildFuncInfo(plain)).encodedBase!);
      const withBtf = (f: string, tag: string) => {
        const out = join(scratch, `${v}${x}-${tag}.so`);
        execFileSync("objcopy", ["--add-section", `.BTF=${btf}`, "--set-section-flags", ".BTF=readonly", f, out]);
        return out;
      };
      const [p, d] = [withBtf(plain, "plain"), withBtf(dwz, "dwz")];
      copyFileSync(join(FORMS, `dwz${v}-common.debug`), join(scratch, `dwz${v}-common.debug`));
      const ref = await buildFuncInfo(p);
      for (const r of [await buildFuncInfo(d, { jobs: 2, unitsPerBatch: 1 }), await buildFuncInfo(d, { unitsPerBatch: 1 })]) {
        expect(r.lower.inlineSites).toBe(ref.lower.inlineSites);
        expect(Buffer.from(r.bytes).equals(Buffer.from(ref.bytes))).toBe(true);
      }
    });

    test("the same sites and locations as before dwz, which llvm-dwarfdump confirms", () => {
      const elf = ElfFile.open(plain);
      try {
        expect(checkAgainstOracle(plain, readDwarf(elf), elf.littleEndian, false)).toBeGreaterThan(20);
      } finally {
        elf.close();
      }
      expect(siteLines(dwz)).toEqual(siteLines(plain));
    });
  });

  describe("finding the common file", () => {
    const dwz = join(FORMS, `dwz${v}-a-gcc12-O2-x86_64.so`);
    const common = join(FORMS, `dwz${v}-common.debug`);
    const other = join(FORMS, `dwz${v === 4 ? 5 : 4}-common.debug`);
    const alone = join(mkdtempSync(join(scratch, "alone-")), "a.so");
    copyFileSync(dwz, alone);

    test("missing: one NotFoundError naming every path looked for, no output", async () => {
      let err: unknown;
      try {
        await buildFuncInfo(alone);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NotFoundError);
      const m = (err as NotFoundError).describe();
      expect(m).toContain(join(scratch, "alone-"));
      expect(m).toContain(`dwz${v}-common.debug`);
      expect(m).not.toContain("\n");
      const elf = ElfFile.open(alone);
      try {
        // The build-id path debuggers use, from the link's id.
        const link = supplementaryLink(elf)!;
        const id = Buffer.from(link.id).toString("hex");
        expect(supplementaryCandidates(alone, link)).toContain(`/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`);
        if (v === 4) expect(execFileSync("readelf", ["-n", common], { encoding: "utf8" })).toContain(id);
      } finally {
        elf.close();
      }
    });

    test("--alt FILE: found there; another dwz common file is refused by its id", async () => {
      const r = await buildFuncInfo(alone, { alt: common });
      expect(r.emit.entries).toBe((await buildFuncInfo(dwz)).emit.entries);
      let err: unknown;
      try {
        await buildFuncInfo(alone, { alt: other });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MalformedError);
      expect((err as MalformedError).message).toContain(other);
      // A directory is no candidate (was an internal EISDIR).
      await expect(buildFuncInfo(alone, { alt: scratch })).rejects.toBeInstanceOf(NotFoundError);
      const elf = ElfFile.open(dwz);
      try {
        expect(openSupplementary(elf)?.path).toBe(common);
      } finally {
        elf.close();
      }
    });

    test("the CLI: one line and exit 1 without it, --alt takes it", () => {
      const out = join(scratch, `cli${v}.btf`);
      const bad = btfgen([alone, "-o", out]);
      expect(bad.status).toBe(1);
      expect(bad.stderr.trim().split("\n")).toHaveLength(1);
      expect(bad.stderr).toContain("supplementary file");
      expect(existsSync(out)).toBe(false);
      const good = btfgen([alone, "--alt", common, "-o", out, "-q"]);
      expect(good.status).toBe(0);
      expect(existsSync(out)).toBe(true);
    });
  });
});
