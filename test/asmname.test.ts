// Functions named by an assembler label with a dot in it (testdata/src/asmname.c):
// the out-of-line function's own DWARF name (DW_AT_linkage_name "asmname.hot")
// has a dot but is no clone. markCloneSites once spun forever on such a name
// (`btfgen FILE` and `btfgen sites FILE` never ended on these objects, and on
// libstdc++'s debug .so); here each command must end, find the sites
// llvm-dwarfdump shows, flag nothing optimised, and write BTF that passes check.
// Through the CLI with a timeout, never in-process: a spinning loop would
// stop the test runner with it.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isCloneName } from "../src/dwarf/clones.js";
import { expectFileAccepted } from "./helpers/check.js";
import { btfgen } from "./helpers/cli.js";
import { inlineSites } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => f.startsWith("asmname-")).sort();

test("the asmname objects are there (testdata/regen.sh asmname)", () => {
  expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
});

test.each(["asmname.hot", "asmname.sq", "hot.path", "a.b.c"])("%s is no clone name", (name) => {
  expect(isCloneName(name)).toBe(false);
});

describe.each(FIXTURES)("%s", (f) => {
  const path = join(OBJ, f);

  test("sites: ends, and lists the sites llvm-dwarfdump shows, none optimised", () => {
    const r = btfgen(["sites", "--json", path], { timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const ours = (JSON.parse(r.stdout) as { name: string; kind: string; addr: string; caller: string }[]).map(
      (s) => `${s.kind} ${s.name} @${BigInt(s.addr)} in ${s.caller}`,
    );
    const oracle = inlineSites(path).map((s) => `inline ${s.origin} @${s.address}`);
    expect(ours.map((s) => s.replace(/ in .*/, "")).sort()).toEqual(oracle.sort());
    // asm_twice is inlined into the labelled asm_hot, asm_sq into asmname_main.
    expect(ours.some((s) => /^inline asm_twice @\d+ in asm_hot$/.test(s))).toBe(true);
    expect(ours.some((s) => /^inline asm_sq @\d+ in asmname_main$/.test(s))).toBe(true);
  });

  test("func_info: ends, nothing optimised, the output passes check", () => {
    const dir = mkdtempSync(join(tmpdir(), "btfgen-asmname-"));
    const out = join(dir, "x.btf");
    const base = join(dir, "x.base.btf");
    const cli = btfgen([path, "-o", out, "-q"], { timeout: 20_000 });
    expect(cli.stderr).toBe("");
    expect(cli.status).toBe(0);
    expectFileAccepted(out, [base]);
    const st = btfgen(["stats", "--json", out, "--base", base], { timeout: 20_000 });
    expect(st.status).toBe(0);
    const stats = JSON.parse(st.stdout) as { sites: number; functions: number };
    expect(stats.sites).toBe(inlineSites(path).length);
    expect(stats.functions).toBe(2); // asm_sq and asm_twice: no optimised asm_hot
  });
});
