/**
 * Golden dumps (STYLE.md 14): the func_info of a few fixtures, compared with
 * testdata/golden/<object>.*.txt. `.func_info.txt` is `btfgen dump` (bpftool
 * raw style, LOC kinds per FORMAT.md 7) with every type id replaced by the
 * type it names (test/helpers/bpftool.ts), one block per type, sorted: a
 * LOCSEC entry reads `name='f' func_type_id=FUNC 'f' loc_proto_type_id=(its
 * locations) offset=N`, so one changed site changes its own lines and does
 * not shift the ids of hundreds of others. `.sites.txt` is the same BTF
 * decoded back to `sites` lines, by function and site. A change in what
 * btfgen writes shows up as a readable diff there; UPDATE_GOLDEN=1 rewrites
 * the files.
 */
import { expectAccepted } from "./helpers/check.js";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeFuncInfo, formatDecodedSite } from "../src/app/decode.js";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { Btf } from "../src/btf/btf.js";
import { dumpBtf } from "../src/btf/dump.js";
import { parseBtf } from "../src/btf/read.js";
import { normaliseDump } from "./helpers/bpftool.js";

const ROOT = join(import.meta.dirname, "..");
const GOLDEN = join(ROOT, "testdata/golden");
const OBJECTS = [
  "all-gcc12-O2-dwarf5-x86_64",
  "all-clang19-O2-dwarf5-x86_64",
  "all-gcc12-O2-dwarf4-aarch64",
  "struct16-gcc12-O2-dwarf5-x86_64.o",
];

function check(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  expect(existsSync(file), `${file} missing: run UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`).toBe(true);
  expect(text).toBe(readFileSync(file, "utf8"));
}

describe.each(OBJECTS)("%s", (obj) => {
  test("func_info dump and decoded sites match the golden files", async () => {
    const r = await buildFuncInfo(join(ROOT, "testdata/obj", obj));
    expectAccepted(r.bytes, r.btf.base);
    // The base was encoded from DWARF: read it back from its own bytes, as a user would.
    const base = parseBtf(r.encodedBase!);
    const split = parseBtf(r.bytes, { base });
    expect(base).toBeInstanceOf(Btf);
    // The ids are gone, but every type is still there: one block per type of the split.
    const blocks = normaliseDump(dumpBtf(split), dumpBtf(base));
    expect(blocks.length).toBe(split.types.length);
    check(`${obj}.func_info.txt`, blocks.join("\n") + "\n");
    check(`${obj}.sites.txt`, decodeFuncInfo(split).map((s) => formatDecodedSite(s)).join("\n") + "\n");
  });
});
