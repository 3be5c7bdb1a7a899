/**
 * Reference loops among typedefs, qualifiers, pointers and arrays exist only
 * in corrupt DWARF, and the kernel (and btfgen's reader) refuse BTF with one:
 * the encoder cuts each loop once (TypeBuilder.cutLoops): the loop's last
 * edge not out of an ARRAY goes to void; a loop of ARRAYs only gets its
 * last element type set to its index type. The output must then read back
 * through the validating parser, and nothing outside the loops changes.
 */
import { describe, expect, test } from "vitest";
import { dumpBtf } from "../src/btf/dump.js";
import { parseBtf } from "../src/btf/read.js";
import { writeBtf } from "../src/btf/write.js";
import { encodeBtf } from "../src/encode/object.js";
import { ATE, buildRecords, T, type TDie } from "./encode-builder.js";

const int: TDie = { tag: T.base, id: "int", name: "int", byteSize: 4, encoding: ATE.signed };

function encodeUnit(dies: TDie[]) {
  const r = encodeBtf(buildRecords([[int, ...dies]]));
  // Accepted by the validating reader (which refuses reference loops).
  const back = parseBtf(writeBtf(r.btf, { profile: "v2", littleEndian: true, layout: false }));
  return { dump: dumpBtf(back).trim(), loops: r.stats.typeLoops };
}

describe("reference loops of corrupt DWARF", () => {
  test("two typedefs naming each other: one edge to void", () => {
    const { dump, loops } = encodeUnit([
      { tag: T.typedef, id: "a", name: "a_t", type: "b" },
      { tag: T.typedef, id: "b", name: "b_t", type: "a" },
    ]);
    expect(loops).toBe(1);
    const typedefs = dump.split("\n").filter((l) => l.includes("TYPEDEF"));
    expect(typedefs).toHaveLength(2);
    expect(typedefs.filter((l) => l.endsWith("type_id=0"))).toHaveLength(1);
  });

  test("a pointer to itself, reached through a const: only the loop is cut", () => {
    const { dump, loops } = encodeUnit([
      { tag: T.const, id: "c", type: "p" },
      { tag: T.ptr, id: "p", byteSize: 8, type: "p" },
      { tag: T.typedef, id: "ok", name: "ok_t", type: "int" },
    ]);
    expect(loops).toBe(1);
    expect(dump).toMatch(/PTR '\(anon\)' type_id=0/);
    expect(dump).toMatch(/CONST '\(anon\)' type_id=\d+/);
    expect(dump).not.toMatch(/CONST '\(anon\)' type_id=0\b/);
    expect(dump).toMatch(/TYPEDEF 'ok_t' type_id=1/);
  });

  test("an array of itself: its element becomes its index type", () => {
    const { dump, loops } = encodeUnit([
      { tag: T.array, id: "arr", type: "arr", children: [{ tag: T.subrange, count: 4 }] },
    ]);
    expect(loops).toBe(1);
    const array = dump.split("\n").find((l) => l.includes("ARRAY"))!;
    const index = /index_type_id=(\d+)/.exec(array)![1];
    expect(array).toContain(`type_id=${index} `);
  });

  test("two separate loops are each cut once", () => {
    const { loops } = encodeUnit([
      { tag: T.typedef, id: "a", name: "a_t", type: "b" },
      { tag: T.volatile, id: "b", type: "a" },
      { tag: T.ptr, id: "p", byteSize: 8, type: "q" },
      { tag: T.restrict, id: "q", type: "p" },
    ]);
    expect(loops).toBe(2);
  });
});
