/**
 * Every export in src/ carries a TSDoc comment (STYLE.md 11); re-export
 * lists (`export { ... } from`) are exempt. The lint rule as a test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, test } from "vitest";

const SRC = join(import.meta.dirname, "../src");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

test("exported declarations have a doc comment", () => {
  const missing: string[] = [];
  for (const file of files(SRC)) {
    const lines = readFileSync(file, "utf8").split("\n");
    let prev = "";
    lines.forEach((line, i) => {
      if (/^export (async )?(function|class|const|let|interface|type|abstract|enum) /.test(line) && !/^export type \{/.test(line)) {
        if (!/\*\/\s*$/.test(prev)) missing.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      }
      if (line.trim() !== "" && !/^\s*\/\/ /.test(line)) prev = line;
    });
  }
  expect(missing).toEqual([]);
});
