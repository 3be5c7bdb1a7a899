/**
 * Worker threads run the code under test (issue 15): when pool.ts runs from
 * src/ (vitest), every worker script resolves to its .ts source, loaded
 * through test/helpers/ts-loader.mjs, and never to a compiled copy in dist/,
 * which may be older than the sources. A worker then answers from that source.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import type { BatchWorkerInit, BatchWorkReply, BatchWorkRequest } from "../src/app/batch-worker.js";
import { openElf } from "../src/app/io.js";
import { functionSymbols, packFunctionSymbols } from "../src/dwarf/clones.js";
import { OrderedPool, workerScript } from "../src/app/pool.js";
import { NotFoundError } from "../src/errors.js";
import { DWARFDUMP } from "./helpers/dwarfdump.js";

const APP = join(import.meta.dirname, "../src/app");
const WORKERS = readdirSync(APP).filter((f) => f.endsWith("-worker.ts")).sort();
const OBJ = join(import.meta.dirname, "../testdata/obj/all-gcc12-O2-dwarf5-x86_64");

describe("worker scripts under vitest", () => {
  test("there are workers to check", () => {
    expect(WORKERS).toContain("batch-worker.ts");
    expect(WORKERS).toContain("many-worker.ts");
  });

  test.each(WORKERS)("%s resolves to the TypeScript source, not dist/", (ts) => {
    const script = workerScript(ts.replace(/\.ts$/, ".js"));
    expect(script).toBeInstanceOf(URL);
    const boot = decodeURIComponent(String(script));
    expect(boot).toContain(JSON.stringify(pathToFileURL(join(APP, ts)).href));
    expect(boot).not.toContain("/dist/");
  });

  test("a worker that does not exist is a NotFoundError", () => {
    expect(() => workerScript("no-such-worker.js")).toThrow(NotFoundError);
  });

  test("the batch worker runs from source and answers (unit count as llvm-dwarfdump's)", async () => {
    const elf = openElf(OBJ);
    const init: BatchWorkerInit = { path: OBJ, base: { bytes: [] }, functionSymbols: packFunctionSymbols(functionSymbols(elf)) };
    elf.close();
    const pool = new OrderedPool<BatchWorkRequest, BatchWorkReply>(workerScript("batch-worker.js"), init, 1);
    try {
      const answers: BatchWorkReply[] = [];
      for await (const a of pool.map([{ count: true }])) answers.push(a);
      const units = execFileSync(DWARFDUMP, ["--debug-info", OBJ], { encoding: "utf8", maxBuffer: 1 << 28 }).match(/: Compile Unit:/g)!.length;
      expect(answers).toEqual([units]);
    } finally {
      await pool.close();
    }
  });
});
