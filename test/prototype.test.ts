// unknownPrototypes (src/dwarf/prototype.ts) case by case, on records made
// by hand: which functions of no parameters and no return type are taken as
// `f(void)` and which as unknown (minimal debug info). The real objects are
// in test/minimal-debug.test.ts.
import { expect, test } from "vitest";
import { unknownPrototypes } from "../src/dwarf/prototype.js";
import { FUNC_PROTOTYPED, NONE, UNIT_TYPED, type DwarfRecords } from "../src/dwarf/records.js";

const DW_LANG_C11 = 0x1d;
const DW_LANG_C_plus_plus = 0x4;
const DW_LANG_Rust = 0x1c;

interface Fn {
  unit: number;
  params?: number;
  ret?: boolean;
  prototyped?: boolean;
}

/** Records of units with `languages`/`typed` and one site per function. */
function records(units: { language: number; typed: boolean }[], fns: Fn[]): DwarfRecords {
  return {
    units: {
      count: units.length,
      language: Uint32Array.from(units.map((u) => u.language)),
      flags: Uint8Array.from(units.map((u) => (u.typed ? UNIT_TYPED : 0))),
    },
    funcs: {
      count: fns.length,
      paramCount: Uint32Array.from(fns.map((f) => f.params ?? 0)),
      type: Uint32Array.from(fns.map((f) => (f.ret ? 0x40 : NONE))),
      flags: Uint32Array.from(fns.map((f) => (f.prototyped ? FUNC_PROTOTYPED : 0))),
    },
    sites: { count: fns.length, func: Uint32Array.from(fns.map((_, i) => i)), unit: Uint32Array.from(fns.map((f) => f.unit)) },
  } as unknown as DwarfRecords;
}

test.each([
  ["C, prototyped void f(void)", { language: DW_LANG_C11, typed: true }, { prototyped: true }, 0],
  ["C, prototyped void f(void) in a unit without types", { language: DW_LANG_C11, typed: false }, { prototyped: true }, 0],
  ["C, no DW_AT_prototyped (gcc -g1, clang -gline-tables-only)", { language: DW_LANG_C11, typed: false }, {}, 1],
  ["C, unprototyped void f() with full debug info", { language: DW_LANG_C11, typed: true }, {}, 1],
  ["C, parameters", { language: DW_LANG_C11, typed: true }, { params: 2 }, 0],
  ["C, a return type", { language: DW_LANG_C11, typed: true }, { ret: true }, 0],
  ["C++, void f() in a unit with types", { language: DW_LANG_C_plus_plus, typed: true }, {}, 0],
  ["C++, a unit without types or parameters", { language: DW_LANG_C_plus_plus, typed: false }, {}, 1],
  ["Rust, debuginfo=1 (the standard library)", { language: DW_LANG_Rust, typed: false }, {}, 1],
  ["Rust, full debug info", { language: DW_LANG_Rust, typed: true }, {}, 0],
])("%s", (_name, unit, fn, want) => {
  expect(unknownPrototypes(records([unit], [{ unit: 0, ...fn }]))[0]).toBe(want);
});

test("a function is judged by the unit of its site", () => {
  const rec = records(
    [{ language: DW_LANG_Rust, typed: true }, { language: DW_LANG_Rust, typed: false }],
    [{ unit: 0 }, { unit: 1 }],
  );
  expect([...unknownPrototypes(rec)]).toEqual([0, 1]);
});
