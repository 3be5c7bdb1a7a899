// Minimal debug info (testdata/regen.sh gline: inline.c with clang
// -gline-tables-only and gcc -g1): a subprogram has a name and code but no
// parameter DIEs, no DW_AT_type and no DW_AT_prototyped, so its prototype is
// unknown (src/dwarf/prototype.ts). Its sites are left out, counted as
// without a prototype, never written as `add3(void)`; the same source with
// full debug info keeps every site with its parameters.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { BTF_KIND_FUNC_PROTO } from "../src/btf/kinds.js";
import { expectAccepted } from "./helpers/check.js";
import { inlinedCount } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const MINIMAL = readdirSync(OBJ).filter((f) => f.startsWith("gline-")).sort();

test("the minimal-debug objects are there (testdata/regen.sh gline)", () => {
  expect(MINIMAL).toEqual(["gline-clang19-O2-dwarf5-x86_64.o", "gline-gcc12-O2-dwarf5-x86_64.o"]);
});

describe.each(MINIMAL)("%s", (f) => {
  test("every inline site is left out as without a prototype; nothing claims (void)", async () => {
    const path = join(OBJ, f);
    const r = await buildFuncInfo(path);
    expectAccepted(r.bytes, r.btf.base);
    expect(inlinedCount(path)).toBeGreaterThan(0);
    expect(r.noProto).toBe(inlinedCount(path));
    expect(r.sites).toEqual([]);
    for (let id = r.btf.firstTypeId; id < r.btf.nrTypes; id++) expect(r.btf.typeById(id).kind).not.toBe(BTF_KIND_FUNC_PROTO);
  });

  test("the same source with full debug info keeps its sites and their parameters", async () => {
    const full = f.replace(/^gline-/, "inline-");
    const r = await buildFuncInfo(join(OBJ, full));
    expect(r.noProto).toBe(0);
    expect(r.sites.length).toBe(inlinedCount(join(OBJ, full)));
    const add3 = r.sites.find((s) => s.name === "add3")!;
    expect(r.paramNames(add3).names).toEqual(["a", "b", "c"]);
  });
});
