/**
 * Corrupt DWARF through the whole func_info command: bytes of
 * `.debug_info`, `.debug_abbrev`, `.debug_loclists` and `.debug_line` of a
 * fixture are flipped (seeded, so failures replay) and each input must give
 * either a func_info and its base that `btfgen check` accepts, or an error
 * of one of btfgen's own classes (a BtfgenError subclass: never a TypeError,
 * a RangeError or another exception, which the CLI reports as an internal
 * error) with nothing at all left in the output directory: no output, no
 * base, no temporary.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { funcInfoCommand } from "../src/app/funcinfo.js";
import { BtfgenError } from "../src/errors.js";
import { expectFileAccepted } from "./helpers/check.js";

const OBJ = join(import.meta.dirname, "../testdata/obj/all-gcc12-O2-dwarf5-x86_64");
const SECTIONS = [".debug_info", ".debug_abbrev", ".debug_loclists", ".debug_line"];

/** A small seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("flipped DWARF bytes give a checked func_info, or a BtfgenError subclass and no file", async () => {
  const bytes = readFileSync(OBJ);
  const table = execFileSync("readelf", ["-SW", OBJ], { encoding: "utf8" });
  const where = SECTIONS.map((name) => {
    const m = table.match(new RegExp(`\\${name}\\s+PROGBITS\\s+[0-9a-f]+\\s+([0-9a-f]+)\\s+([0-9a-f]+)`))!;
    return { name, off: parseInt(m[1], 16), size: parseInt(m[2], 16) };
  });
  const dir = mkdtempSync(join(tmpdir(), "btfgen-fuzz-"));
  const rejected = new Map<string, number>();
  let written = 0;
  try {
    for (let seed = 1; seed <= 120; seed++) {
      const r = rng(seed);
      const buf = Buffer.from(bytes);
      const sec = where[seed % where.length];
      for (let k = 0; k < 1 + Math.floor(r() * 8); k++) buf[sec.off + Math.floor(r() * sec.size)] = Math.floor(r() * 256);
      const input = join(dir, `fuzz-${seed}`);
      writeFileSync(input, buf);
      const outDir = join(dir, `out-${seed}`);
      mkdirSync(outDir);
      const out = join(outDir, "x.btf");
      const what = `seed ${seed} (${sec.name})`;
      try {
        await funcInfoCommand({ file: input, output: out, jobs: 1, quiet: true });
      } catch (e) {
        // One of btfgen's classes, not the base class itself (which only a lost worker error would give).
        if (!(e instanceof BtfgenError) || e.constructor === BtfgenError) throw new Error(`${what}: not a BtfgenError subclass: ${(e as Error).stack}`);
        expect(readdirSync(outDir), `${what}: ${e.name} (${e.message}) left files behind`).toEqual([]);
        rejected.set(e.name, (rejected.get(e.name) ?? 0) + 1);
        continue;
      }
      expect(readdirSync(outDir).sort(), what).toEqual(["x.base.btf", "x.btf"]);
      expectFileAccepted(out, [join(outDir, "x.base.btf")]);
      written++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Both outcomes occur (seeds 1-120: 60 written, 60 rejected, all MalformedError), so the flips reach past the headers.
  expect(written).toBeGreaterThan(0);
  expect([...rejected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
});
