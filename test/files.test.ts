/**
 * Never lose a user's file (issue 14): an output that is an input is refused
 * before any work, I/O failures are one line naming the file (exit 1, not an
 * internal error), and neither concurrent runs nor signals leave a partial
 * output or a temporary behind. Runs the CLI from its sources (test/helpers/cli.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectFileAccepted } from "./helpers/check.js";
import { btfgen, cliArgv, ROOT } from "./helpers/cli.js";

const OBJ = join(ROOT, "testdata/obj/all-gcc12-O2-dwarf5-x86_64");
let dir = "";

const temporaries = (d: string) => readdirSync(d).filter((f) => f.endsWith(".tmp"));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "btfgen-files-"));
});

describe("no input is ever written", () => {
  const cases: [string, (d: string) => string[]][] = [
    ["-o the input", (d) => [join(d, "in"), "-o", join(d, "in")]],
    ["-o a symlink to the input", (d) => (symlinkSync("in", join(d, "link")), [join(d, "in"), "-o", join(d, "link")])],
    ["-o a hard link to the input", (d) => (linkSync(join(d, "in"), join(d, "hard")), [join(d, "in"), "-o", join(d, "hard")])],
    ["-o the --btf_base file", (d) => (copyFileSync(join(ROOT, "testdata/obj/inline-gcc12-O2-dwarf5-x86_64.o"), join(d, "other.o")),
      [join(d, "other.o"), "--btf_base", join(d, "in"), "-o", join(d, "in")])],
    ["the written base x.base.btf is the input", (d) => (copyFileSync(OBJ, join(d, "y.base.btf")), [join(d, "y.base.btf"), "-o", join(d, "y.btf")])],
    ["encode -o the input", (d) => ["encode", join(d, "in"), "-o", join(d, "in")]],
    ["--btf_encode_detached the input", (d) => [join(d, "in"), "--btf_encode_detached", join(d, "in")]],
  ];
  test.each(cases)("%s: refused in one line, exit 1, the input unchanged", (_n, args) => {
    const d = mkdtempSync(join(dir, "same-"));
    copyFileSync(OBJ, join(d, "in"));
    const before = readFileSync(join(d, "in"));
    const argv = args(d);
    const victim = argv.find((a) => a.endsWith("y.base.btf")) ?? join(d, "in");
    const victimBefore = readFileSync(victim);
    const r = btfgen(argv);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/refusing to write .* over the input/);
    expect(readFileSync(join(d, "in")).equals(before)).toBe(true);
    expect(readFileSync(victim).equals(victimBefore)).toBe(true);
    expect(temporaries(d)).toEqual([]);
  });
});

describe("I/O errors are the user's, in one line naming the file", () => {
  test("a missing output directory names the output, not its base file", () => {
    const r = btfgen([OBJ, "-o", join(dir, "missing/dir/x.btf")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`btfgen: ${join(dir, "missing/dir/x.btf")}: cannot write: directory ${join(dir, "missing/dir")} does not exist\n`);
  });
  test("an output that is a directory", () => {
    mkdirSync(join(dir, "adir"), { recursive: true });
    const r = btfgen(["encode", OBJ, "-o", join(dir, "adir")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/adir: cannot write: is a directory\n$/);
  });

  // A small tmpfs shows a full disk and a read-only file system for real (root only; skipped elsewhere).
  const mnt = join(tmpdir(), `btfgen-tmpfs-${process.pid}`);
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mnt, { recursive: true });
    mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", mnt]).status === 0;
  });
  afterAll(() => {
    if (mounted) spawnSync("umount", [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  test("a full disk (ENOSPC): one line, exit 1, no temporary left", (ctx) => {
    if (!mounted) ctx.skip();
    const r = btfgen([OBJ, "-o", join(mnt, "x.btf")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/x(\.base)?\.btf: cannot write: no space left on the device\n$/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(readdirSync(mnt)).toEqual([]);
  });
  test("a read-only file system (EROFS): one line, exit 1", (ctx) => {
    if (!mounted || spawnSync("mount", ["-o", "remount,ro", mnt]).status !== 0) ctx.skip();
    try {
      const r = btfgen(["encode", OBJ, "-o", join(mnt, "y.btf")]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`btfgen: ${join(mnt, "y.btf")}: cannot write: read-only file system\n`);
    } finally {
      spawnSync("mount", ["-o", "remount,rw", mnt]);
    }
  });
});

describe("concurrency and signals", () => {
  test("two runs writing the same output at once leave one complete, valid file", async () => {
    const d = mkdtempSync(join(dir, "race-"));
    const out = join(d, "x.btf");
    const run = () => new Promise<number | null>((resolve) => spawn(process.execPath, cliArgv([OBJ, "-o", out, "-q"])).on("exit", resolve));
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
    expect(temporaries(d)).toEqual([]);
    expectFileAccepted(out, [join(d, "x.base.btf")]);
  });

  test.each(["SIGINT", "SIGTERM"] as const)("%s at any moment leaves a complete output or none, and no temporary", async (sig) => {
    for (const delay of [0, 30, 80, 150, 250, 400, 700]) {
      const d = mkdtempSync(join(dir, `sig-${sig}-${delay}-`));
      const out = join(d, "x.btf");
      const child = spawn(process.execPath, cliArgv([OBJ, "-o", out, "-q"]));
      const exited = new Promise((r) => child.on("exit", r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill(sig);
      await exited;
      expect(temporaries(d), `${sig} after ${delay} ms`).toEqual([]);
      const files = readdirSync(d).sort();
      // Either nothing, or the finished pair (the base is renamed first, then the output).
      if (files.includes("x.btf")) expectFileAccepted(out, [join(d, "x.base.btf")]);
      else expect(files.filter((f) => f !== "x.base.btf")).toEqual([]);
    }
  });
});
