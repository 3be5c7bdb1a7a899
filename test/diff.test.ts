/**
 * `btfgen diff` on two builds of testdata/src/diff.c (diffold-*, diffnew-*:
 * the second with -DDIFF_NEW), for gcc 12 and clang 19: the expected
 * differences are written out below, function by function. The same diff is
 * checked from ELF inputs (pipeline in memory), from written func_info files
 * on an ELF chain (symbols from the chain), and on a raw chain (no symbols);
 * the states it reports are checked against nm and llvm-dwarfdump.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cloneOf, compareBuilds, diffCommand, failKinds, loadBuild, type Build, type DiffReport, type FuncState } from "../src/app/diff.js";
import { encodeCommand, funcInfoCommand } from "../src/app/funcinfo.js";
import { MalformedError, NotFoundError, UsageError } from "../src/errors.js";
import { inlineSites } from "./helpers/dwarfdump.ts";
import { expectFileAccepted } from "./helpers/check.ts";
import { btfgen as runCli } from "./helpers/cli.js";

const ROOT = join(import.meta.dirname, "..");
const OBJ = join(ROOT, "testdata/obj");
const obj = (which: "old" | "new", cc: string) => join(OBJ, `diff${which}-${cc}-O2-dwarf5-x86_64.o`);

/** The detail lines of the text report (after the two summary tables). */
const details = (text: string) => text.split("\n\n").slice(3).join("\n\n");

/** What differs between the two builds, per compiler, as the report words it. */
const EXPECTED: Record<string, { summary: Partial<DiffReport["summary"]>; params: DiffReport["params"]; details: string }> = {
  gcc12: {
    summary: {
      "inlined-fully": 1, "inlined-partially": 1, uninlined: 1, "uninlined-partially": 1, sites: 1,
      "clone-new": 1, signature: 1, locations: 2, added: 1, removed: 1,
    },
    params: { unavailable: 1, available: 1, fewer: 0, more: 0 },
    details: `became fully inlined (1):
  f_inl: out-of-line -> fully inlined, sites 0 -> 2

became partially inlined (1):
  f_part: out-of-line -> partially inlined, sites 0 -> 2

no longer inlined (1):
  f_out: fully inlined -> out-of-line, sites 2 -> 0

no longer fully inlined (1):
  f_static: fully inlined -> partially inlined, sites 1 -> 1

site count changed (1):
  f_sites: 2 -> 3

became a clone (1):
  f_clone: none -> f_clone.constprop.0

signature changed (1):
  f_sig: (int a, int b) -> (int a, long int b, int c)

argument locations changed (2):
  f_loc: b 2/2 -> 0/2 unavailable
  f_loc2: b 0/2 -> 2/2 available

added (1):
  f_added: out-of-line, sites 0

removed (1):
  f_gone: out-of-line, sites 0`,
  },
  // clang makes no .constprop clone: f_clone stays out of line (its entry,
  // with mode a constant, is an optimised one in both builds). The third
  // f_sites site adds located a and b, so their shares rise.
  clang19: {
    summary: {
      "inlined-fully": 1, "inlined-partially": 1, uninlined: 1, "uninlined-partially": 1, sites: 1,
      signature: 1, locations: 3, added: 1, removed: 1,
    },
    params: { unavailable: 1, available: 1, fewer: 0, more: 2 },
    details: `became fully inlined (1):
  f_inl: out-of-line -> fully inlined, sites 0 -> 2

became partially inlined (1):
  f_part: out-of-line -> partially inlined, sites 0 -> 2

no longer inlined (1):
  f_out: fully inlined -> out-of-line, sites 2 -> 0

no longer fully inlined (1):
  f_static: fully inlined -> partially inlined, sites 1 -> 1

site count changed (1):
  f_sites: 2 -> 3

signature changed (1):
  f_sig: (int a, int b) -> (int a, long b, int c)

argument locations changed (3):
  f_loc: b 2/2 -> 0/2 unavailable
  f_loc2: b 0/2 -> 2/2 available
  f_sites: a 1/2 -> 2/3 more, b 1/2 -> 2/3 more

added (1):
  f_added: out-of-line, sites 0

removed (1):
  f_gone: out-of-line, sites 0`,
  },
};

const zero = { "inlined-fully": 0, "inlined-partially": 0, uninlined: 0, "uninlined-partially": 0, sites: 0, "clone-new": 0, "clone-gone": 0, "clone-changed": 0, signature: 0, locations: 0, added: 0, removed: 0 };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "btfgen-diff-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.keys(EXPECTED))("%s", (cc) => {
  const want = EXPECTED[cc];

  test("ELF inputs: the expected differences, summary and details", async () => {
    const r = await diffCommand({ old: obj("old", cc), new: obj("new", cc) });
    expect(r.report.summary).toEqual({ ...zero, ...want.summary });
    expect(r.report.params).toEqual(want.params);
    expect(details(r.text)).toBe(want.details);
    expect(r.failed).toBe(false);
    expect(r.text.split("\n").slice(0, 2)).toEqual([
      `old: ${obj("old", cc)} (symbols of ${obj("old", cc)})`,
      `new: ${obj("new", cc)} (symbols of ${obj("new", cc)})`,
    ]);
  });

  test("a build against itself: no difference, and --fail-on any does not trip", async () => {
    const r = await diffCommand({ old: obj("new", cc), new: obj("new", cc), failOn: ["any"] });
    expect(r.report.summary).toEqual(zero);
    expect(r.report.functions).toEqual([]);
    expect(r.failed).toBe(false);
    expect(details(r.text)).toBe("");
  });

  test("func_info files on a chain that ends in the ELF (its .BTF and symbols): the same report", async () => {
    // The object with its base BTF as .BTF (as vmlinux carries one), then its func_info split on it.
    const files: Record<string, { elf: string; fi: string }> = {};
    for (const w of ["old", "new"] as const) {
      const base = join(dir, `${cc}-${w}.base.btf`);
      const elf = join(dir, `${cc}-${w}-btf.o`);
      const fi = join(dir, `${cc}-${w}.func_info.btf`);
      encodeCommand({ file: obj(w, cc), output: base, quiet: true });
      execFileSync("objcopy", ["--add-section", `.BTF=${base}`, obj(w, cc), elf]);
      await funcInfoCommand({ file: elf, output: fi, quiet: true });
      expectFileAccepted(base);
      expectFileAccepted(elf);
      expectFileAccepted(fi, [elf]);
      files[w] = { elf, fi };
    }
    const fromElf = await diffCommand({ old: obj("old", cc), new: obj("new", cc) });
    const r = await diffCommand({ old: files.old.fi, new: files.new.fi, baseOld: [files.old.elf], baseNew: [files.new.elf] });
    expect(r.text.split("\n")[0]).toBe(`old: ${files.old.fi} (symbols of ${files.old.elf})`);
    expect(details(r.text)).toBe(want.details);
    expect(r.report.summary).toEqual(fromElf.report.summary);
    expect(r.report.old.totals).toEqual(fromElf.report.old.totals);
  });

  test("the states agree with nm (symbols) and llvm-dwarfdump (inline sites per origin)", async () => {
    for (const w of ["old", "new"] as const) {
      const b = await loadBuild(obj(w, cc), []);
      const nm = new Set(execFileSync("nm", [obj(w, cc)], { encoding: "utf8" }).split("\n")
        .map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && /[tTW]/.test(f[1])).map((f) => f[2]));
      const perOrigin = new Map<string, number>();
      for (const s of inlineSites(obj(w, cc))) perOrigin.set(s.origin, (perOrigin.get(s.origin) ?? 0) + 1);
      expect(b.funcs.size).toBeGreaterThan(10);
      for (const f of b.funcs.values()) {
        expect(f.sites, `${w} ${f.name} sites`).toBe(perOrigin.get(f.name) ?? 0);
        expect(f.symbol, `${w} ${f.name} symbol`).toBe(nm.has(f.name));
        expect(f.clones, `${w} ${f.name} clones`).toEqual([...nm].filter((s) => s.startsWith(f.name + ".") && cloneOf(s)).sort());
        const outOfLine = f.state === "out-of-line" || f.state === "partially inlined";
        expect(outOfLine, `${w} ${f.name} out of line`).toBe(nm.has(f.name));
      }
      // every origin llvm-dwarfdump sees inlined is a function of the build
      for (const name of perOrigin.keys()) expect(b.funcs.has(name), name).toBe(true);
    }
  });
});

test("func_info files on a raw chain (no symbol table): clones unknown, the clone's entry counts as a site", async () => {
  const fi: Record<string, { fi: string; base: string }> = {};
  for (const w of ["old", "new"] as const) {
    const out = join(dir, `raw-${w}.func_info.btf`);
    await funcInfoCommand({ file: obj(w, "gcc12"), output: out, quiet: true });
    const base = join(dir, `raw-${w}.func_info.base.btf`);
    expect(existsSync(base)).toBe(true);
    expectFileAccepted(base);
    expectFileAccepted(out, [base]);
    fi[w] = { fi: out, base };
  }
  const r = await diffCommand({ old: fi.old.fi, new: fi.new.fi, baseOld: [fi.old.base], baseNew: [fi.new.base] });
  expect(r.report.old.symbolsFrom).toBeUndefined();
  expect(r.text).toContain("no symbol table: clones unknown, optimised entries counted as sites");
  // f_clone.constprop.0's entry now looks like an inline site of f_clone, which has no base FUNC.
  expect(r.report.functions.find((d) => d.name === "f_clone")?.kinds).toEqual(["inlined-fully"]);
  expect(r.report.summary).toEqual({ ...zero, ...EXPECTED.gcc12.summary, "clone-new": 0, "inlined-fully": 2 });
  expect(r.report.new.totals.entries).toBeUndefined();
  // The other build's base is not this file's: one error naming the file.
  const wrong = diffCommand({ old: fi.old.fi, new: fi.new.fi, baseOld: [fi.new.base], baseNew: [fi.new.base] });
  await expect(wrong).rejects.toBeInstanceOf(MalformedError);
  await expect(wrong).rejects.toMatchObject({ file: fi.old.fi });
});

describe("options", () => {
  test("--func: one function, every parameter, even unchanged ones", async () => {
    const r = await diffCommand({ old: obj("old", "gcc12"), new: obj("new", "gcc12"), func: "f_loc" });
    expect(r.report.functions.map((d) => d.name)).toEqual(["f_loc"]);
    expect(r.report.summary).toEqual({ ...zero, locations: 1 });
    expect(r.text.split("\n").slice(-6)).toEqual([
      "function f_loc",
      "  old: fully inlined; 2 sites, 0 out-of-line entries; FUNC in base: no, symbol: no; clones: none; (int a, int b)",
      "  new: fully inlined; 2 sites, 0 out-of-line entries; FUNC in base: no, symbol: no; clones: none; (int a, int b)",
      "  parameter       old     new",
      "  a               1/2     1/2",
      "  b               2/2     0/2  unavailable",
    ]);
    const same = await diffCommand({ old: obj("old", "gcc12"), new: obj("new", "gcc12"), func: "f_same" });
    expect(same.report.functions.map((d) => [d.name, d.kinds])).toEqual([["f_same", []]]);
    await expect(diffCommand({ old: obj("old", "gcc12"), new: obj("new", "gcc12"), func: "no_such_function" })).rejects.toBeInstanceOf(NotFoundError);
  });

  test("--fail-on: a group trips only when one of its kinds is present", async () => {
    const run = (failOn: string[], cc = "gcc12") => diffCommand({ old: obj("old", cc), new: obj("new", cc), failOn }).then((r) => r.failed);
    expect(await run(["signature"])).toBe(true);
    expect(await run(["inlined"])).toBe(true);
    expect(await run(["clone"])).toBe(true);
    expect(await run(["clone"], "clang19")).toBe(false);
    expect(await run(["sites,clone"], "clang19")).toBe(true);
    expect(await run([])).toBe(false);
    expect(() => failKinds(["inlined,bogus"])).toThrow(UsageError);
    expect([...failKinds(["uninlined"])]).toEqual(["uninlined", "uninlined-partially"]);
  });

  test("--json: the same facts, stable", async () => {
    const a = await diffCommand({ old: obj("old", "clang19"), new: obj("new", "clang19"), json: true });
    const b = await diffCommand({ old: obj("old", "clang19"), new: obj("new", "clang19"), json: true });
    expect(a.text).toBe(b.text);
    const j = JSON.parse(a.text);
    expect(j.summary).toEqual(a.report.summary);
    expect(j.functions.map((f: { name: string }) => f.name)).toEqual(["f_added", "f_gone", "f_inl", "f_loc", "f_loc2", "f_out", "f_part", "f_sig", "f_sites", "f_static"]);
    const loc = j.functions.find((f: { name: string }) => f.name === "f_loc");
    expect(loc.locations).toEqual([{ param: "b", old: { entries: 2, located: 2 }, new: { entries: 2, located: 0 }, change: "unavailable" }]);
    expect(loc.old.params).toEqual([{ name: "a", entries: 2, located: 2 }, { name: "b", entries: 2, located: 2 }]);
    expect(j.old.totals).toEqual({ functions: 13, outOfLine: 7, partiallyInlined: 0, fullyInlined: 6, cloneOnly: 0, sites: 10, entries: 1, withClones: 0 });
  });

  test("compareBuilds is symmetric in what it finds", async () => {
    const o = await loadBuild(obj("old", "gcc12"), []);
    const n = await loadBuild(obj("new", "gcc12"), []);
    const fwd = compareBuilds(o, n), back = compareBuilds(n, o);
    expect(back.summary.added).toBe(fwd.summary.removed);
    // f_out and f_static (fully inlined in the old build) become fully inlined going back; f_inl and f_part no longer inlined.
    expect(back.summary["inlined-fully"]).toBe(fwd.summary.uninlined + fwd.summary["uninlined-partially"]);
    expect(back.summary.uninlined).toBe(fwd.summary["inlined-fully"] + fwd.summary["inlined-partially"]);
    expect(back.summary["clone-gone"]).toBe(fwd.summary["clone-new"]);
    expect(back.params.unavailable).toBe(fwd.params.available);
  });
});

describe("compareBuilds on hand-made builds", () => {
  const fn = (name: string, over: Partial<FuncState> = {}): FuncState => ({
    name, state: "out-of-line", baseFunc: true, symbol: true, sites: 0, entries: 0, clones: [], signatures: ["(int a)"], params: new Map(), ...over,
  });
  const build = (...fs: FuncState[]): Build => ({ file: "x", symbolsFrom: "x", funcs: new Map(fs.map((f) => [f.name, f])) });

  test.each([
    [["(int a)"], ["(long a)"], true],
    [["(int a)"], ["(int b)"], true],
    [["(int a)"], ["(int a, int b)"], true],
    [["(int a)", "(void)"], ["(int a)"], false],
    [["(int a)"], ["(int a)", "(const struct pt_regs * __unused)"], false],
    [["(int a)", "(int b)"], ["(int c)", "(int d)"], true],
    [["(int a)"], [], false],
  ])("signatures %j -> %j: changed %s", (a, b, changed) => {
    const r = compareBuilds(build(fn("f", { signatures: a })), build(fn("f", { signatures: b })));
    expect(r.summary.signature).toBe(changed ? 1 : 0);
  });

  test.each([
    [{ entries: 2, located: 1 }, { entries: 4, located: 2 }, undefined],
    [{ entries: 2, located: 1 }, { entries: 4, located: 1 }, "fewer"],
    [{ entries: 3, located: 1 }, { entries: 2, located: 1 }, "more"],
    [{ entries: 3, located: 1 }, { entries: 5, located: 0 }, "unavailable"],
    [{ entries: 1, located: 0 }, { entries: 9, located: 1 }, "available"],
    [{ entries: 1, located: 0 }, { entries: 2, located: 0 }, undefined],
  ])("coverage %j -> %j: %s", (a, b, change) => {
    const site = (c: { entries: number; located: number }) => fn("f", { state: "fully inlined", baseFunc: false, symbol: false, sites: c.entries, params: new Map([["p", c]]) });
    const r = compareBuilds(build(site(a)), build(site(b)));
    expect(r.functions[0]?.locations.map((l) => l.change)[0]).toBe(change);
    expect(r.summary.locations).toBe(change ? 1 : 0);
  });

  test("a parameter only one build has is no location change; clones unknown in one build are not compared", () => {
    const a = fn("f", { state: "fully inlined", sites: 1, params: new Map([["p", { entries: 1, located: 1 }]]) });
    const b = fn("f", { state: "fully inlined", sites: 1, clones: undefined, symbol: undefined, params: new Map([["q", { entries: 1, located: 0 }]]) });
    const r = compareBuilds(build(a), { file: "y", funcs: new Map([["f", b]]) });
    expect(r.summary).toEqual(zero);
  });
});

test.each([
  ["foo.isra.0", { name: "foo", kind: "isra" }],
  ["foo.constprop.12", { name: "foo", kind: "constprop" }],
  ["foo.part.0", { name: "foo", kind: "part" }],
  ["NF_HOOK.constprop.0.isra.0", { name: "NF_HOOK", kind: "constprop.isra" }],
  ["foo.isra", { name: "foo", kind: "isra" }],
  ["foo.specialized.1", { name: "foo", kind: "specialized" }],
  ["foo.localalias", undefined],
  ["foo.llvm.1234", undefined],
  ["foo.isra.0.cold", undefined],
  ["foo.cold", undefined],
  ["foo.part.0.cold", undefined],
  ["foo", undefined],
  [".isra.0", undefined],
])("cloneOf(%s)", (sym, want) => {
  expect(cloneOf(sym)).toEqual(want);
});

describe("CLI", () => {
  const btfgen = (args: string[]) => runCli(args, { timeout: 60_000 });

  test("exit 0 whatever differs; 1 with --fail-on when that kind is present; one line on bad --fail-on", () => {
    const a = obj("old", "gcc12"), b = obj("new", "gcc12");
    const plain = btfgen(["diff", a, b]);
    expect(plain.status).toBe(0);
    expect(details(plain.stdout.trimEnd())).toBe(EXPECTED.gcc12.details);
    expect(btfgen(["diff", a, b, "--fail-on", "signature"]).status).toBe(1);
    expect(btfgen(["diff", b, b, "--fail-on", "any"]).status).toBe(0);
    const bad = btfgen(["diff", a, b, "--fail-on", "bogus"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const missing = btfgen(["diff", a, join(dir, "no-such.o")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^btfgen: .*no-such\.o: no such file\n$/);
  });
});
