import { describe, expect, it } from "vitest";
import { dumpBtf } from "../src/btf/dump.js";
import { BTF_KIND_FUNC_PROTO, BTF_KIND_STRUCT } from "../src/btf/kinds.js";
import { NONE } from "../src/dwarf/records.js";
import { TypeEncoder } from "../src/encode/encoder.js";
import { StrOffCache } from "../src/encode/types.js";
import { ATE, buildRecords, offsetOf, T, type TDie } from "./encode-builder.js";

const baseUnit: TDie[] = [
  { tag: T.base, id: "int", name: "int", byteSize: 4, encoding: ATE.signed },
  {
    tag: T.struct, id: "S", name: "S", byteSize: 16,
    children: [
      { tag: T.member, name: "a", type: "int", bitOffset: 0 },
      { tag: T.member, name: "next", type: "pS", bitOffset: 64 },
    ],
  },
  { tag: T.ptr, id: "pS", type: "S", byteSize: 8 },
];

// The same types again (another CU), plus one the base lacks.
const splitUnit: TDie[] = [
  { tag: T.base, id: "int2", name: "int", byteSize: 4, encoding: ATE.signed },
  { tag: T.ptr, id: "pS2", type: "S2", byteSize: 8 },
  {
    tag: T.struct, id: "S2", name: "S", byteSize: 16,
    children: [
      { tag: T.member, name: "a", type: "int2", bitOffset: 0 },
      { tag: T.member, name: "next", type: "pS2", bitOffset: 64 },
    ],
  },
  { tag: T.struct, id: "N", name: "New", byteSize: 4, children: [{ tag: T.member, name: "x", type: "int2", bitOffset: 0 }] },
  { tag: T.const, id: "cN", type: "N" },
];

describe("TypeEncoder", () => {
  const baseRec = buildRecords([baseUnit]);
  const baseEnc = new TypeEncoder(baseRec);
  baseEnc.typeIds([offsetOf(baseRec, [baseUnit], "pS"), offsetOf(baseRec, [baseUnit], "int")]);
  const base = baseEnc.finish();

  it("builds a standalone BTF", () => {
    expect(dumpBtf(base)).toMatchInlineSnapshot(`
      "[1] PTR '(anon)' type_id=3
      [2] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
      [3] STRUCT 'S' size=16 vlen=2
      	'a' type_id=2 bits_offset=0
      	'next' type_id=1 bits_offset=64
      "
    `);
  });

  it("maps types equal to base types to base ids and adds only what is missing", () => {
    const units = [splitUnit];
    const rec = buildRecords(units);
    const enc = new TypeEncoder(rec, base);
    const off = (id: string) => offsetOf(rec, units, id);
    expect(enc.typeId(off("int2"))).toBe(base.findByName("int"));
    expect(enc.typeId(off("S2"))).toBe(base.findByName("S", BTF_KIND_STRUCT));
    expect(enc.btf.types.length).toBe(0);
    const cN = enc.typeId(off("cN"));
    expect(enc.btf.owns(cN)).toBe(true);
    expect(enc.btf.types.length).toBe(2); // struct New, const
    // Asking again costs nothing and returns the same id.
    expect(enc.typeId(off("cN"))).toBe(cN);
    expect(enc.btf.types.length).toBe(2);

    const proto = enc.funcProto(off("int2"), [off("pS2"), off("cN")], ["s", "n"], true);
    const p = enc.btf.typeById(proto);
    expect(p.kind).toBe(BTF_KIND_FUNC_PROTO);
    if (p.kind !== BTF_KIND_FUNC_PROTO) return;
    expect(p.ret).toBe(base.findByName("int"));
    expect(p.params.map((x) => x.type)).toEqual([1 /* PTR S in the base */, cN, 0]);
    // The same prototype again is the same id.
    expect(enc.funcProto(off("int2"), [off("pS2"), off("cN")], ["s", "n"], true)).toBe(proto);
    expect(enc.typeId(NONE)).toBe(0);
    const f = enc.func("foo", proto);
    expect(enc.btf.nameOf(f)).toBe("foo");
    expect(dumpBtf(enc.finish())).toMatchInlineSnapshot(`
      "[4] CONST '(anon)' type_id=5
      [5] STRUCT 'New' size=4 vlen=1
      	'x' type_id=2 bits_offset=0
      [6] FUNC_PROTO '(anon)' ret_type_id=2 vlen=3
      	's' type_id=1
      	'n' type_id=4
      	'(anon)' type_id=0
      [7] FUNC 'foo' type_id=6 linkage=static
      "
    `);
  });
});

describe("StrOffCache (TypeBuilder.name's string cache)", () => {
  // Dense: a blob no larger than 32 bytes per DIE; sparse beyond that. Both must
  // tell "not seen" from offset 0 and keep what was set.
  for (const [what, blob, dies] of [["dense", 64, 2], ["sparse", 1 << 20, 2]] as const) {
    it(`${what}: unknown until set, then the offset set (0 included)`, () => {
      const c = new StrOffCache(blob, dies);
      expect(c.get(5)).toBeUndefined();
      c.set(5, 0);
      c.set(63, 1234);
      expect(c.get(5)).toBe(0);
      expect(c.get(63)).toBe(1234);
      expect(c.get(6)).toBeUndefined();
    });
  }
  it("dense: an id past the blob is never cached (read again each time), not a wrong hit", () => {
    const c = new StrOffCache(8, 1);
    c.set(100, 7);
    expect(c.get(100)).toBeUndefined();
  });
});
