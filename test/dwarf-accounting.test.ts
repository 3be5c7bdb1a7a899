// Nothing dropped silently (issue 11, item 4): every DW_TAG_inlined_subroutine
// and every concrete DW_TAG_subprogram with code that the reader walks is
// either written to the func_info or counted in the stats under a named
// cause, and the walk sees as many as llvm-dwarfdump-19 does.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo, type FuncInfoResult } from "../src/app/funcinfo.ts";
import { expectAccepted } from "./helpers/check.ts";
import { inlinedCount } from "./helpers/dwarfdump.ts";

const OBJ = join(import.meta.dirname, "..", "testdata", "obj");
const objects = readdirSync(OBJ).filter((f) => f.endsWith(".o") || f.startsWith("all-")).sort();

/**
 * Concrete DW_TAG_subprogram DIEs with code (DW_AT_low_pc or DW_AT_ranges,
 * no DW_AT_declaration), counted in llvm-dwarfdump's text.
 */
export function subprogramsWithCode(obj: string): number {
  const text = execFileSync("llvm-dwarfdump-19", ["--debug-info", obj], { encoding: "utf8", maxBuffer: 256 << 20 });
  let n = 0;
  let inSub = false;
  let code = false;
  let decl = false;
  const close = () => {
    if (inSub && code && !decl) n++;
  };
  for (const line of text.split("\n")) {
    const tag = /^0x[0-9a-f]+:\s+(DW_TAG_\w+|NULL)/.exec(line);
    if (tag) {
      close();
      inSub = tag[1] === "DW_TAG_subprogram";
      code = decl = false;
    } else if (inSub) {
      if (/^\s+DW_AT_(low_pc|ranges)\b/.test(line)) code = true;
      else if (/^\s+DW_AT_declaration\b/.test(line)) decl = true;
    }
  }
  close();
  return n;
}

/** Sites the lowering counted as left out, by named cause, plus those without a prototype. */
export function countedLeftOut(r: FuncInfoResult): number {
  const l = r.lower;
  return l.noAddress + l.noSection + l.noName + l.noOrigin + r.noProto;
}

describe.each(objects)("%s", (f) => {
  const path = join(OBJ, f);
  test("written + counted = llvm-dwarfdump's count, for inline sites and out-of-line functions", async () => {
    const r = await buildFuncInfo(path);
    expectAccepted(r.bytes, r.btf.base!);
    const l = r.lower;
    // The walk sees every inlined subroutine and every subprogram with code.
    expect(l.inlineSites).toBe(inlinedCount(path));
    expect(l.funcSites + l.notOptimized).toBe(subprogramsWithCode(path));
    // Each one the selection keeps is written, or left out under a cause the stats name.
    expect(r.emit.entries).toBe(r.sites.length);
    expect(r.emit.entries + countedLeftOut(r)).toBe(l.inlineSites + l.funcSites);
  });
});
