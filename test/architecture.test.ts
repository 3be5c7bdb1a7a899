/**
 * Data flows one way (STYLE.md 1): each stage imports only the stages on its
 * left, the BTF model and the shared errors; the CLI imports only the public
 * door (src/index.ts). This test is the lint rule that keeps it so.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, test } from "vitest";

const SRC = join(import.meta.dirname, "../src");

/** What each folder may import (besides itself and src/errors.ts). */
const ALLOWED: Record<string, string[]> = {
  elf: [],
  dwarf: ["elf"],
  btf: ["elf"],
  encode: ["elf", "dwarf", "btf"],
  lower: ["dwarf", "btf"],
  trace: ["elf", "btf", "lower"],
  app: ["elf", "dwarf", "btf", "encode", "lower", "trace"],
  cli: ["index.ts"],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

test("every import goes left (or to the model, the errors, or the door)", () => {
  const bad: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    const stage = rel.includes("/") ? rel.split("/")[0] : undefined;
    if (!stage) continue; // index.ts and errors.ts at the top
    const allowed = ALLOWED[stage];
    expect(allowed, `folder src/${stage} is not in the stage table`).toBeDefined();
    for (const m of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
      const target = relative(SRC, join(file, "..", m[1])).replace(/\.js$/, ".ts");
      const tStage = target.includes("/") ? target.split("/")[0] : target;
      if (tStage === stage || tStage === "errors.ts") continue;
      if (!allowed.includes(tStage)) bad.push(`${rel} imports ${target}`);
    }
  }
  expect(bad).toEqual([]);
});
