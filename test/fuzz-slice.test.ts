/**
 * The CI slice of scripts/fuzz.mjs (the full run is `node scripts/fuzz.mjs
 * --runs 10000`): the regression inputs of testdata/fuzz, the pathological
 * generated DWARF (100,000-deep nesting, a 100,000-long type chain,
 * abstract_origin / specification / type cycles, a 1,000,000-entry location
 * list) and a seeded slice of mutated fixtures, each through the built CLI
 * under a time and memory bound. Any finding (exit status other than 0/1, a
 * stack trace, more than one stderr line, a timeout, RSS over 2 GB, a file
 * left behind, an output btfgen cannot read back) fails.
 */
import { join } from "node:path";
import { expect, test } from "vitest";
// @ts-expect-error -- a plain JavaScript script without types
import { COMMANDS, fuzz, pathological, replayCases } from "../scripts/fuzz.mjs";

const ROOT = join(import.meta.dirname, "..");

interface Row { kinds?: string[]; skipped?: string; line?: string; name?: string; command?: string; entry?: { file?: string; object: string; command: string } }
const show = (rows: Row[]) => rows.map((r) => `${r.entry?.file ?? r.entry?.object ?? r.name} ${r.entry?.command ?? r.command}: ${r.kinds!.join(",")}: ${r.line}`);

test("regression inputs (testdata/fuzz/cases.json) end cleanly", async () => {
  const res: Row[] = await replayCases(join(ROOT, "testdata/fuzz"), { jobs: 2 });
  expect(res.length).toBeGreaterThan(0);
  expect(show(res.filter((r) => r.kinds?.length))).toEqual([]);
});

test("pathological DWARF: a one-line error or an output, in bounded time and memory", async () => {
  const res: Row[] = await pathological({ commands: Object.keys(COMMANDS), jobs: 2, timeout: 30, rssMb: 2048 });
  expect(res.length).toBe(6 * 7);
  expect(show(res.filter((r) => r.kinds!.length))).toEqual([]);
  // The inputs are read, not refused: every one lists its sites.
  const sites = res.filter((r) => r.command === "sites-notypes");
  expect(sites.every((r) => (r as { status?: number }).status === 0)).toBe(true);
});

test("a seeded slice of mutated fixtures and generated inputs, every command", async () => {
  const s = await fuzz({ runs: 60, seed: 1, jobs: 2, objects: ["fixtures", "gen"], commands: Object.keys(COMMANDS), timeout: 20, rssMb: 2048, quiet: true });
  expect(s.runs).toBe(60);
  expect([...s.distinct.values()].map((d: { key: string; replay: string }) => `${d.key} (${d.replay})`)).toEqual([]);
});
