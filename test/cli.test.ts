/**
 * The command line as users meet it: bad input ends in exactly one line on
 * stderr naming the file, a non-zero status, no stack trace, and no output
 * file left behind. Runs the CLI from its sources (test/helpers/cli.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { btfgen, cliShell, ROOT } from "./helpers/cli.js";

const OBJ = join(ROOT, "testdata/obj/inline-gcc12-O2-dwarf5-x86_64.o");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "btfgen-cli-"));
  const elf = readFileSync(OBJ);
  writeFileSync(join(dir, "text.txt"), "this is not an ELF file\n");
  writeFileSync(join(dir, "empty"), "");
  writeFileSync(join(dir, "truncated.o"), elf.subarray(0, 100));
  writeFileSync(join(dir, "half.o"), elf.subarray(0, elf.length >> 1));
  // An ELF without DWARF: strip the copy.
  copyFileSync(OBJ, join(dir, "nodebug.o"));
  execFileSync("strip", ["--strip-debug", join(dir, "nodebug.o")]);
  // Corrupt .debug_info: overwrite its bytes after the unit header with 0xff.
  const out = execFileSync("readelf", ["-SW", OBJ], { encoding: "utf8" });
  const m = out.match(/\.debug_info\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/)!;
  const off = parseInt(m[1], 16);
  const size = parseInt(m[2], 16);
  const bad = Buffer.from(elf);
  bad.fill(0xff, off + 12, off + Math.min(size, 200));
  writeFileSync(join(dir, "corrupt-dwarf.o"), bad);
  // Inputs people give by mistake: an archive, LLVM bitcode, a gcc -flto object (GIMPLE, no DWARF).
  execFileSync("ar", ["rcs", join(dir, "lib.a"), OBJ]);
  writeFileSync(join(dir, "bitcode.o"), Buffer.from([0x42, 0x43, 0xc0, 0xde, 0x35, 0x14, 0, 0, 5, 0, 0, 0, 0x62, 0x0c, 0x30, 0x24]));
  writeFileSync(join(dir, "lto.c"), "int lto_fn(int x) { return x * 3; }\n");
  execFileSync("gcc", ["-O2", "-g", "-flto", "-c", join(dir, "lto.c"), "-o", join(dir, "lto.o")]);
  // Corrupt BTF: bad magic, and a truncated header.
  writeFileSync(join(dir, "badmagic.btf"), Buffer.from([0x12, 0x34, 1, 0, 24, 0, 0, 0, ...new Array(16).fill(0)]));
  writeFileSync(join(dir, "short.btf"), Buffer.from([0x9f, 0xeb, 1, 0, 24, 0]));
});

const bad: [string, string[], RegExp][] = [
  ["missing file", ["sites", "/nonexistent/x.o"], /x\.o: no such file/],
  ["not an ELF", ["sites", "$D/text.txt"], /text\.txt/],
  ["empty file", ["sites", "$D/empty"], /empty/],
  ["an ar archive", ["$D/lib.a", "-o", "$D/out.btf"], /lib\.a:.*an ar archive/],
  ["LLVM bitcode", ["$D/bitcode.o", "-o", "$D/out.btf"], /bitcode\.o:.*LLVM bitcode/],
  ["a gcc -flto object", ["$D/lto.o", "-o", "$D/out.btf"], /lto\.o: no DWARF: a gcc -flto object/],
  ["truncated ELF", ["sites", "$D/truncated.o"], /truncated\.o/],
  ["half an ELF", ["sites", "$D/half.o"], /half\.o/],
  ["ELF without DWARF", ["sites", "$D/nodebug.o"], /nodebug\.o.*(debug_info|DWARF)/i],
  ["corrupt .debug_info", ["sites", "$D/corrupt-dwarf.o"], /corrupt-dwarf\.o/],
  ["BTF with a bad magic", ["dump", "$D/badmagic.btf"], /badmagic\.btf.*magic/],
  ["truncated BTF", ["dump", "$D/short.btf"], /short\.btf/],
  ["stats of a text file", ["stats", "$D/text.txt"], /text\.txt/],
  ["main command on a non-ELF", ["$D/text.txt", "-o", "$D/out.btf"], /text\.txt/],
  // A directory opens as a file and fails only on read (EISDIR): every command says so.
  ...["sites", "stats", "dump", "check", "encode", "verdict"].map((c): [string, string[], RegExp] => [`${c} of a directory`, [c, "$D"], /is a directory/]),
  ["main command on a directory", ["$D", "-o", "$D/out.btf"], /is a directory/],
  ["diff of directories", ["diff", "$D", "$D"], /is a directory/],
];

describe("bad input: one line, non-zero status, no stack, no partial output", () => {
  test.each(bad)("%s", (_name, args, pattern) => {
    const r = btfgen(args.map((a) => a.replace("$D", dir)));
    // 1: bad input; 2 would be an internal error (a bug), never right for these.
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^btfgen: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir).filter((f) => f.startsWith("out") || f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("sites", () => {
  test("lists the fixture's sites sorted by name then address", () => {
    const r = btfgen(["sites", OBJ]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(3);
    const keys = lines.map((l) => {
      const m = l.match(/^0x([0-9a-f]+) \[.*?\] ([^(]+)\(/)!;
      return { name: m[2], addr: BigInt("0x" + m[1]) };
    });
    for (let i = 1; i < keys.length; i++) {
      const a = keys[i - 1], b = keys[i];
      expect(a.name < b.name || (a.name === b.name && a.addr <= b.addr)).toBe(true);
    }
  });
  test("--json is parseable and has the same sites", () => {
    const text = btfgen(["sites", OBJ]).stdout.trim().split("\n");
    const json = JSON.parse(btfgen(["sites", OBJ, "--json"]).stdout) as { name: string }[];
    expect(json.map((s) => s.name)).toEqual(text.map((l) => l.match(/\] ([^(]+)\(/)![1]));
  });
});

describe("pipes", () => {
  test("a reader that closes early (| head) ends quietly with status 0", () => {
    // Enough sites that the listing overflows the pipe buffer after head exits.
    const calls = Array.from({ length: 6000 }, (_, i) => `  s += add(v[${i % 7}], ${i});`).join("\n");
    const src = join(dir, "many.c");
    writeFileSync(src, `static inline long add(long a, long b) { return a * 3 + b; }\nlong many(long *v) {\n  long s = 0;\n${calls}\n  return s;\n}\n`);
    execFileSync("gcc", ["-c", "-O2", "-g", "-o", join(dir, "many.o"), src]);
    const r = spawnSync("bash", ["-c", `set -o pipefail; ${cliShell()} sites ${join(dir, "many.o")} | head -1`], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l).length).toBe(1);
    expect(r.stderr).not.toMatch(/EPIPE|at /);
  });
});

describe("check", () => {
  // Split BTF does not say its base: read on another chain, its names and references
  // point at the wrong strings and types, and check asks whether the chain is the one it was written on.
  test("a split checked on another base than its own: the problems, then a hint at the base chain", () => {
    const out = join(dir, "split.btf");
    expect(btfgen([OBJ, "-o", out, "-q"]).status).toBe(0);
    const small = join(dir, "small.base.btf");
    expect(btfgen(["encode", join(ROOT, "testdata/obj/asmname-gcc12-O2-dwarf5-x86_64.o"), "-o", small, "-q"]).status).toBe(0);
    const wrong = btfgen(["check", out, "--base", small]);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout.trim().split("\n").at(-1)).toMatch(/hint: names or type ids that do not fit in a split: is the base chain the one it was written on\?/);
    const right = btfgen(["check", out, "--base", join(dir, "split.base.btf")]);
    expect(right.status).toBe(0);
    expect(right.stdout).not.toMatch(/hint:/);
  });
});
