// Nothing dropped silently (issue 11, item 4): every DW_TAG_inlined_subroutine
// and every concrete DW_TAG_subprogram with code that the reader walks is
// either written to the func_info or counted in the stats under a named
// cause, and the walk sees as many as llvm-dwarfdump-19 does.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.ts";
import { countedLeftOut, subprogramsWithCode } from "./dwarf-accounting.ts";
import { expectAccepted } from "./helpers/check.ts";
import { inlinedCount } from "./helpers/dwarfdump.ts";

const OBJ = join(import.meta.dirname, "..", "testdata", "obj");
const objects = readdirSync(OBJ).filter((f) => f.endsWith(".o") || f.startsWith("all-")).sort();

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
