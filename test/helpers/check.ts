/**
 * Every file a test writes passes `btfgen check` (issue 8): the helpers
 * tests call on the bytes or files they produce. A failure lists the first
 * problems with their rules.
 */
import { expect } from "vitest";
import { checkFile } from "../../src/app/check.js";
import type { Btf } from "../../src/btf/btf.js";
import { checkBtf } from "../../src/btf/check.js";

function describeProblems(problems: { typeId?: number; kind?: string; rule: string; message: string }[]): string {
  return problems.slice(0, 5).map((p) => `[${p.typeId ?? "-"}] ${p.kind ?? ""} ${p.rule}: ${p.message}`).join("\n");
}

/** BTF bytes (split on `base`) pass every check. */
export function expectAccepted(bytes: Uint8Array, base?: Btf): void {
  const r = checkBtf(bytes, { base });
  expect(describeProblems(r.problems), "btfgen check problems").toBe("");
}

/** A written file (raw BTF or an ELF with BTF sections), on the `base` chain files, passes every check. */
export function expectFileAccepted(path: string, base: string[] = []): void {
  const r = checkFile({ file: path, base });
  expect(describeProblems(r.parts.flatMap((p) => p.problems)), `btfgen check ${path}`).toBe("");
}
