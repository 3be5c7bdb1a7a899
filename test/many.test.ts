/**
 * Batch mode (`--out-dir`, several inputs, `--from`) and the misuses of the
 * main command's options (issue 10): each output equals a single run of its
 * input and passes check; a bad input is named and the rest go on; an
 * option that does not apply is an error, never ignored. Runs the CLI from
 * its sources (test/helpers/cli.ts).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { expectFileAccepted } from "./helpers/check.js";
import { btfgen as run, ROOT } from "./helpers/cli.js";

const OBJ = join(ROOT, "testdata/obj");
const INPUTS = ["inline-gcc12-O2-dwarf5-x86_64.o", "all-clang19-O2-dwarf5-x86_64", "all-gcc12-O2-dwarf4-aarch64"].map((f) => join(OBJ, f));
let dir = "";

const btfgen = (args: string[]) => run(args, { timeout: 120_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "btfgen-many-"));
  writeFileSync(join(dir, "bad.ko"), "not an ELF\n");
});

describe("batch mode", () => {
  test.each([1, 2])("-j%i: one output per input, each equal to its single run and accepted by check", (jobs) => {
    const out = mkdtempSync(join(dir, "out-"));
    const r = btfgen(["--out-dir", out, "-j", String(jobs), ...INPUTS]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote 3 of 3 outputs to /);
    for (const f of INPUTS) {
      const name = f.split("/").pop()!;
      const single = join(dir, `${name}.single-${jobs}.btf`);
      expect(btfgen([f, "-o", single, "-q"]).status).toBe(0);
      const batch = join(out, `${name}.func_info.btf`);
      expect(readFileSync(batch).equals(readFileSync(single))).toBe(true);
      expectFileAccepted(batch, [join(out, `${name}.func_info.base.btf`)]);
    }
  });

  test("a bad input is named on stderr, the others are written, exit status 1", () => {
    const out = mkdtempSync(join(dir, "bad-"));
    const list = join(dir, "list.txt");
    writeFileSync(list, `# inputs\n${INPUTS[0]}\n\n${join(dir, "bad.ko")}\n${INPUTS[1]}\n`);
    const r = btfgen(["--out-dir", out, "--from", list]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^btfgen: .*bad\.ko:.*not an ELF/)]);
    expect(r.stdout).toMatch(/wrote 2 of 3 outputs .*; 1 failed/);
    expect(readdirSync(out).filter((f) => f.endsWith(".func_info.btf")).sort()).toEqual(
      [INPUTS[0], INPUTS[1]].map((f) => `${f.split("/").pop()}.func_info.btf`).sort(),
    );
  });

  test("two inputs of the same basename are refused before any work", () => {
    const other = mkdtempSync(join(dir, "dup-"));
    copyFileSync(INPUTS[0], join(other, INPUTS[0].split("/").pop()!));
    const out = mkdtempSync(join(dir, "dupout-"));
    const r = btfgen(["--out-dir", out, INPUTS[0], join(other, INPUTS[0].split("/").pop()!)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/would both be written to/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("options that do not apply are errors", () => {
  const cases: [string, string[], RegExp][] = [
    ["several inputs without --out-dir", [INPUTS[0], INPUTS[1]], /several inputs need --out-dir/],
    ["-o with several inputs", ["-o", "x.btf", "--out-dir", "d", INPUTS[0], INPUTS[1]], /-o names one output/],
    ["--btf_encode_detached in batch mode", ["--btf_encode_detached", "x", "--out-dir", "d", INPUTS[0]], /take one input/],
    ["-o and --btf_encode_detached together", [INPUTS[0], "-o", "x", "--btf_encode_detached", "y"], /not both/],
    ["no input", ["-q"], /no input file/],
    ["a missing base", [INPUTS[0], "--btf_base", "/nonexistent/vmlinux", "-o", "z.btf"], /\/nonexistent\/vmlinux: no such file/],
    ["pahole's -J without a detached file (it would write into the input)", ["-J", INPUTS[0]], /btfgen never changes an input/],
    ["an unknown --btf_features name", [INPUTS[0], "--btf_features=var,bogus", "-o", "z.btf"], /unknown feature\(s\) bogus/],
    ["a --btf_features name btfgen does not encode", [INPUTS[0], "--btf_features=distilled_base", "-o", "z.btf"], /does not encode distilled_base/],
  ];
  test.each(cases)("%s: one line, exit 1, nothing written", (_n, args, re) => {
    const cwd = mkdtempSync(join(dir, "misuse-"));
    const r = run(args, { cwd });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(2);
    expect(readdirSync(cwd)).toEqual([]);
  });

  test.each([["--btf_encode_detached=FILE", (f: string) => [`--btf_encode_detached=${f}`]], ["--btf_encode_detached FILE", (f: string) => ["--btf_encode_detached", f]]] as const)(
    "%s writes the base BTF to FILE, as pahole does",
    (_n, spell) => {
      const f = join(dir, `detached-${_n.includes("=") ? "eq" : "sp"}.btf`);
      const r = btfgen([INPUTS[1], ...spell(f), "-q"]);
      expect(r.status).toBe(0);
      expectFileAccepted(f);
      expect(existsSync(`${INPUTS[1]}.func_info.btf`)).toBe(false);
    },
  );

  test("pahole's spelling: -J --btf_encode_detached=F --btf_features=LIST -j (bare) writes the base BTF", () => {
    const f = join(dir, "pahole-spelling.btf");
    const r = btfgen(["-J", `--btf_encode_detached=${f}`, "--btf_features=var,float,decl_tag,type_tag,enum64,reproducible_build", "-j", INPUTS[1], "-q"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expectFileAccepted(f);
  });

  /** A module-like `PREFIXmod.o` whose .BTF pahole split on `PREFIXbase.o`'s, as kbuild builds a module. */
  function paholeModule(prefix: string): { mod: string; base: string } {
    const mod = join(dir, `${prefix}mod.o`);
    copyFileSync(INPUTS[0], mod);
    const base = join(dir, `${prefix}base.o`);
    copyFileSync(INPUTS[1], base);
    execFileSync("pahole", ["-J", base]);
    execFileSync("pahole", ["-J", "--btf_base", base, mod]);
    return { mod, base };
  }

  test("pahole's order, --btf_base FILE before the input (Makefile.modfinal), takes one file per flag", () => {
    const { mod, base } = paholeModule("order-");
    const outs = [join(dir, "order-a.btf"), join(dir, "order-b.btf")];
    const a = btfgen(["--btf_base", base, mod, "-o", outs[0], "-q"]);
    expect(a.stderr).toBe("");
    expect(a.status).toBe(0);
    const b = btfgen([mod, "--btf_base", base, "-o", outs[1], "-q"]);
    expect(b.status).toBe(0);
    expect(readFileSync(outs[0]).equals(readFileSync(outs[1]))).toBe(true);
    expectFileAccepted(outs[0], [base, mod]);
  });

  test("a base from another build: one line saying what to do, exit 1, no file left", () => {
    // A split .BTF (module-like) read on the wrong base.
    const { mod } = paholeModule("");
    const wrong = join(dir, "wrong.o");
    copyFileSync(join(OBJ, "all-gcc12-O2-dwarf4-aarch64"), wrong);
    execFileSync("pahole", ["-J", wrong]);
    const out = mkdtempSync(join(dir, "wrongbase-"));
    const r = btfgen([mod, "--btf_base", wrong, "-o", join(out, "x.btf")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/mod\.o.*\.BTF/);
    expect(readdirSync(out)).toEqual([]);
  });

  test("a base ELF without .BTF (a kernel built without BTF): one line saying how to make one, exit 1, no file left", () => {
    const noBtf = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");
    const out = mkdtempSync(join(dir, "nobtfbase-"));
    const r = btfgen([join(OBJ, "inline-gcc12-O2-dwarf5-x86_64.o"), "--btf_base", noBtf, "-o", join(out, "x.btf")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no \.BTF section: encode one from its DWARF \(btfgen encode .*all-gcc12-O2-dwarf5-x86_64 -o all-gcc12-O2-dwarf5-x86_64\.btf\)/);
    expect(readdirSync(out)).toEqual([]);
  });
});
