// Location views: btfgen's choice of location-list entry at each gcc inline
// site against the view-aware llvm-dwarfdump-19 oracle (test/dwarf-views.ts
// reads the view pairs from the raw sections; no btfgen code), with the
// cases the views decide counted: an empty [a, a) entry in effect at the
// entry view, and lists where the address alone picks another entry.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ElfFile } from "../src/elf/index.ts";
import { readDwarf } from "../src/dwarf/index.ts";
import { inlineSites, locationAt } from "./helpers/dwarfdump.ts";
import { checkAgainstOracle } from "./dwarf-check.ts";
import { locationAtEntry, objViews, viewPairs } from "./dwarf-views.ts";

const OBJ_DIR = join(import.meta.dirname, "..", "testdata", "obj");
const gccObjects = readdirSync(OBJ_DIR)
  .filter((f) => f.includes("gcc") && (f.endsWith(".o") || f.startsWith("all-")))
  .sort();

interface Tally {
  viewed: number;
  emptyPicked: number;
  differs: number;
}
const total: Tally = { viewed: 0, emptyPicked: 0, differs: 0 };

describe.each(gccObjects)("%s", (f) => {
  const obj = join(OBJ_DIR, f);
  test("entries chosen with location views agree with the oracle", () => {
    let viewed = 0;
    const views = objViews(obj);
    for (const s of inlineSites(obj)) {
      for (const p of s.params) {
        const v = locationAtEntry(obj, s, p);
        if (!v.viewed) continue;
        viewed++;
        const old = locationAt(p, s.address);
        if (v.text !== old) total.differs++;
        if (v.text !== undefined && p.location?.kind === "list") {
          const lv = views.dies.get(p.dieOffset)!.locviews!;
          const pairs = viewPairs(s.dwarfVersion >= 5 ? views.loclists : views.loc, lv, p.location.offset);
          const k = p.location.entries.findIndex(
            (e, i) => e.lo === s.address && e.hi === s.address && e.expr === v.text && pairs[i]![0] < pairs[i]![1],
          );
          if (k >= 0 && old === undefined) total.emptyPicked++;
        }
      }
    }
    total.viewed += viewed;
    // gcc 12 writes DW_AT_GNU_locviews for every location list.
    if (inlineSites(obj).some((s) => s.params.some((p) => p.location?.kind === "list"))) expect(viewed).toBeGreaterThan(0);
    const elf = ElfFile.open(obj);
    try {
      checkAgainstOracle(obj, readDwarf(elf), elf.littleEndian, elf.type === 1);
    } finally {
      elf.close();
    }
  });
});

test("the fixtures exercise view decisions", () => {
  // Lists decided by views; at least one empty [a, a) entry that only the
  // views place at a site (LOC_LIST_NO_ENTRY before), and lists where the
  // address alone would pick a different entry.
  expect(total.viewed).toBeGreaterThan(0);
  expect(total.emptyPicked).toBeGreaterThan(0);
  expect(total.differs).toBeGreaterThan(total.emptyPicked);
  // eslint-disable-next-line no-console
  console.log("views:", JSON.stringify(total));
});
