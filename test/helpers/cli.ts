/**
 * Running the btfgen command line in tests. By default the CLI runs from its
 * TypeScript sources (`node --import test/helpers/ts-register.mjs
 * src/cli/main.ts`), so a test never exercises a dist/ older than src/;
 * BTFGEN_TEST_CLI=dist runs the built `dist/cli/main.js` instead (what
 * `npm pack` ships), building it first if it is missing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "../..");
const BUILT = join(ROOT, "dist/cli/main.js");
const SOURCE = join(ROOT, "src/cli/main.ts");
const REGISTER = join(ROOT, "test/helpers/ts-register.mjs");

/** Whether the tests run the built CLI (BTFGEN_TEST_CLI=dist) rather than the sources. */
export const USE_DIST = process.env.BTFGEN_TEST_CLI === "dist";

/** The node arguments that start the CLI; append the CLI's own arguments. */
export function cliArgv(args: string[] = []): string[] {
  if (USE_DIST && !existsSync(BUILT)) execFileSync("npx", ["tsc", "-p", ROOT], { cwd: ROOT });
  return USE_DIST ? [BUILT, ...args] : ["--import", REGISTER, SOURCE, ...args];
}

/** The CLI as a shell command (for pipelines): node and its arguments, quoted. */
export function cliShell(): string {
  return [process.execPath, ...cliArgv()].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}

/** What one run of the CLI gave. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `btfgen ARGS` to the end (default timeout 60 s). */
export function btfgen(args: string[], opts: { timeout?: number; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, cliArgv(args), { encoding: "utf8", timeout: opts.timeout ?? 60_000, cwd: opts.cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
