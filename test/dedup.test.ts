import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Btf } from "../src/btf/btf.js";
import { dumpBtf } from "../src/btf/dump.js";
import { BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT } from "../src/btf/kinds.js";
import type { BtfType } from "../src/btf/model.js";
import { DIE_DECLARATION, DIE_HAS_ADDR, DIE_SIGNED_VALUE } from "../src/dwarf/records.js";
import { dedupBtf } from "../src/encode/dedup/index.js";
import { encodeBtf } from "../src/encode/object.js";
import { ATE, buildRecords, T, type TDie } from "./encode-builder.js";

const int = (id: string): TDie => ({ tag: T.base, id, name: "int", byteSize: 4, encoding: ATE.signed });

/** A linked list CU; `fwd` makes `struct S` only declared in it. */
function listUnit(p: string, fwd = false): TDie[] {
  return [
    int(`${p}int`),
    fwd
      ? { tag: T.struct, id: `${p}S`, name: "S", flags: DIE_DECLARATION }
      : {
          tag: T.struct, id: `${p}S`, name: "S", byteSize: 16,
          children: [
            { tag: T.member, name: "v", type: `${p}int`, bitOffset: 0 },
            { tag: T.member, name: "next", type: `${p}pS`, bitOffset: 64 },
          ],
        },
    { tag: T.ptr, id: `${p}pS`, type: `${p}S`, byteSize: 8 },
    {
      tag: T.struct, id: `${p}A`, name: "A", byteSize: 8,
      children: [{ tag: T.member, name: "s", type: `${p}pS`, bitOffset: 0 }],
    },
  ];
}

const encode = (units: TDie[][], base?: Btf) => encodeBtf(buildRecords(units), { base }).btf;

describe("encoder: one kind per row", () => {
  it.each<[string, TDie[], string]>([
    ["INT bool", [{ tag: T.base, id: "b", name: "_Bool", byteSize: 1, encoding: ATE.bool }], "[1] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL"],
    ["INT unsigned char", [{ tag: T.base, name: "unsigned char", byteSize: 1, encoding: ATE.unsignedChar }], "[1] INT 'unsigned char' size=1 bits_offset=0 nr_bits=8 encoding=(none)"],
    ["FLOAT", [{ tag: T.base, name: "double", byteSize: 8, encoding: ATE.float }], "[1] FLOAT 'double' size=8"],
    ["FWD union", [{ tag: T.union, name: "U", flags: DIE_DECLARATION }], "[1] FWD 'U' fwd_kind=union"],
    ["TYPEDEF + CONST + VOLATILE", [int("i"), { tag: T.const, id: "c", type: "i" }, { tag: T.volatile, id: "v", type: "c" }, { tag: T.typedef, name: "cvi", type: "v" }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] CONST '(anon)' type_id=1\n[3] VOLATILE '(anon)' type_id=2\n[4] TYPEDEF 'cvi' type_id=3"],
    ["atomic dropped", [int("i"), { tag: T.atomic, id: "a", type: "i" }, { tag: T.typedef, name: "ai", type: "a" }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] TYPEDEF 'ai' type_id=1"],
    ["ENUM signed", [{ tag: T.enum, name: "E", byteSize: 4, flags: DIE_SIGNED_VALUE, children: [{ tag: T.enumerator, name: "NEG", val: -1, flags: DIE_SIGNED_VALUE }] }],
      "[1] ENUM 'E' encoding=SIGNED size=4 vlen=1\n\t'NEG' val=-1"],
    ["ENUM64", [{ tag: T.enum, name: "B", byteSize: 8, children: [{ tag: T.enumerator, name: "HUGE", val: 0x123456789n }] }],
      "[1] ENUM64 'B' encoding=UNSIGNED size=8 vlen=1\n\t'HUGE' val=4886718345ULL"],
    ["multi-dim array is flat (pahole)", [int("i"), { tag: T.array, type: "i", children: [{ tag: T.subrange, count: 2 }, { tag: T.subrange, count: 3 }] }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=6"],
    ["array index type without int", [{ tag: T.base, id: "c", name: "char", byteSize: 1, encoding: ATE.signedChar }, { tag: T.array, type: "c", children: [{ tag: T.subrange, count: 4 }] }],
      "[1] INT 'char' size=1 bits_offset=0 nr_bits=8 encoding=SIGNED\n[2] ARRAY '(anon)' type_id=1 index_type_id=3 nr_elems=4\n[3] INT '__ARRAY_SIZE_TYPE__' size=4 bits_offset=0 nr_bits=32 encoding=(none)"],
    ["bitfields set kind_flag", [int("i"), { tag: T.struct, name: "B", byteSize: 4, children: [
        { tag: T.member, name: "a", type: "i", bitOffset: 0, bitSize: 3 },
        { tag: T.member, name: "b", type: "i", bitOffset: 3, bitSize: 5 }] }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] STRUCT 'B' size=4 vlen=2\n\t'a' type_id=1 bits_offset=0 bitfield_size=3\n\t'b' type_id=1 bits_offset=3 bitfield_size=5"],
    ["anonymous member", [int("i"), { tag: T.struct, name: "O", byteSize: 4, children: [
        { tag: T.member, type: "in", bitOffset: 0 },
        { tag: T.union, id: "in", byteSize: 4, children: [{ tag: T.member, name: "x", type: "i" }] }] }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] STRUCT 'O' size=4 vlen=1\n\t'(anon)' type_id=3 bits_offset=0\n[3] UNION '(anon)' size=4 vlen=1\n\t'x' type_id=1 bits_offset=0"],
    ["FUNC_PROTO with ...", [int("i"), { tag: T.ptr, type: "fn", byteSize: 8 }, { tag: T.subroutine, id: "fn", type: "i", flags: 0x10, children: [{ tag: T.param, type: "i" }, { tag: T.varargs }] }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] PTR '(anon)' type_id=3\n[3] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'(anon)' type_id=1\n\t'(anon)' type_id=0"],
    ["FUNC for a function with code", [int("i"), { tag: T.subprogram, name: "f", type: "i", flags: DIE_HAS_ADDR, children: [{ tag: T.param, name: "x", type: "i" }] }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] FUNC_PROTO '(anon)' ret_type_id=1 vlen=1\n\t'x' type_id=1\n[3] FUNC 'f' type_id=2 linkage=static"],
    ["type and decl tags", [int("i"), { tag: T.ptr, id: "p", type: "i", byteSize: 8, children: [{ tag: T.annotation, name: "btf_type_tag", value: "user" }] },
      { tag: T.struct, name: "TS", byteSize: 8, children: [{ tag: T.member, name: "p", type: "p", bitOffset: 0, children: [{ tag: T.annotation, name: "btf_decl_tag", value: "dt" }] }] }],
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] PTR '(anon)' type_id=5\n[3] STRUCT 'TS' size=8 vlen=1\n\t'p' type_id=2 bits_offset=0\n[4] DECL_TAG 'dt' type_id=3 component_idx=0\n[5] TYPE_TAG 'user' type_id=1"],
  ])("%s", (_, unit, want) => {
    expect(dumpBtf(encode([unit])).trim()).toBe(want);
  });
});

it("multi-dim arrays nest on request", () => {
  const unit = [int("i"), { tag: T.array, type: "i", children: [{ tag: T.subrange, count: 2 }, { tag: T.subrange, count: 3 }] }];
  expect(dumpBtf(encodeBtf(buildRecords([unit]), { nestArrays: true }).btf).trim()).toBe(
    "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n[2] ARRAY '(anon)' type_id=3 index_type_id=1 nr_elems=2\n[3] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=3",
  );
});

describe("dedup", () => {
  it("a doubled graph dedups to one copy", () => {
    const one = encode([listUnit("a")]);
    const two = encode([listUnit("a"), listUnit("b")]);
    expect(dumpBtf(two)).toBe(dumpBtf(one));
    expect(one.types.length).toBe(4);
  });

  it("self-referential structs dedup", () => {
    const btf = encode([listUnit("a"), listUnit("b"), listUnit("c")]);
    expect(btf.findAllByName("S", BTF_KIND_STRUCT).length).toBe(1);
    const s = btf.typeById(btf.findByName("S", BTF_KIND_STRUCT)!);
    if (s.kind !== BTF_KIND_STRUCT) throw new Error();
    const p = btf.typeById(s.members[1].type);
    expect(p.kind === BTF_KIND_PTR && p.type).toBe(btf.findByName("S", BTF_KIND_STRUCT));
  });

  it("forward declarations resolve to the unique struct (the essay's example)", () => {
    for (const units of [[listUnit("a", true), listUnit("b")], [listUnit("b"), listUnit("a", true)]]) {
      const btf = encode(units);
      expect(btf.findAllByName("S", BTF_KIND_FWD)).toEqual([]);
      expect(btf.findAllByName("A", BTF_KIND_STRUCT).length).toBe(1);
      expect(btf.types.length).toBe(4);
    }
  });

  it("an enum declaration resolves to its definition", () => {
    const decl: TDie[] = [{ tag: T.enum, id: "e", name: "E", byteSize: 4, flags: DIE_DECLARATION }, { tag: T.ptr, id: "pe", type: "e", byteSize: 8 },
      { tag: T.struct, name: "H", byteSize: 8, children: [{ tag: T.member, name: "p", type: "pe", bitOffset: 0 }] }];
    const def: TDie[] = [{ tag: T.enum, id: "e", name: "E", byteSize: 4, children: [{ tag: T.enumerator, name: "X", val: 1 }] }, { tag: T.ptr, id: "pe", type: "e", byteSize: 8 },
      { tag: T.struct, name: "H", byteSize: 8, children: [{ tag: T.member, name: "p", type: "pe", bitOffset: 0 }] }];
    const rename = (u: TDie[], p: string): TDie[] => JSON.parse(JSON.stringify(u).replace(/"(id|type)":"(\w+)"/g, `"$1":"${p}$2"`));
    for (const units of [[rename(decl, "a"), rename(def, "b")], [rename(def, "b"), rename(decl, "a")]]) {
      const btf = encode(units);
      expect(dumpBtf(btf).match(/ENUM/g)?.length).toBe(1);
      expect(btf.types.length).toBe(3);
    }
  });

  it("an ambiguous FWD stays", () => {
    const other: TDie[] = [int("oint"), { tag: T.struct, name: "S", byteSize: 4, children: [{ tag: T.member, name: "w", type: "oint", bitOffset: 0 }] }];
    const fwdOnly: TDie[] = [{ tag: T.struct, id: "fS", name: "S", flags: DIE_DECLARATION }, { tag: T.ptr, id: "fp", type: "fS", byteSize: 8 }, { tag: T.typedef, name: "PS", type: "fp" }];
    const btf = encode([fwdOnly, listUnit("b"), other]);
    expect(btf.findAllByName("S", BTF_KIND_FWD).length).toBe(1);
    expect(btf.findAllByName("S", BTF_KIND_STRUCT).length).toBe(2);
  });

  it("splits on a base without duplicating base types", () => {
    const base = encode([listUnit("a")]);
    const split = encode([listUnit("b"), [int("x"), { tag: T.typedef, name: "myint", type: "x" }]], base);
    expect(split.firstTypeId).toBe(base.nrTypes);
    expect(dumpBtf(split).trim()).toBe(`[5] TYPEDEF 'myint' type_id=${base.findByName("int", BTF_KIND_INT)}`);
    expect(base.types.length).toBe(4);
  });

  it("a split FWD resolves to the base struct", () => {
    const base = encode([listUnit("a")]);
    const split = encode([listUnit("b", true)], base);
    expect(split.types.length).toBe(0);
  });

  it("is idempotent: dedup of dedup output is unchanged", () => {
    const btf = encode([listUnit("a", true), listUnit("b"), listUnit("c")]);
    expect(dumpBtf(dedupBtf(btf).btf)).toBe(dumpBtf(btf));
  });

  it("is idempotent on random graphs (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 3 }), r: fc.nat(), n: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 30 }), (spec) => {
        const btf = new Btf();
        const names = ["a", "b", "c"].map((s) => btf.addStr(s));
        btf.add({ kind: BTF_KIND_INT, nameOff: btf.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
        for (let i = 0; i < spec.length; i++) {
          const { k, r, n } = spec[i];
          const ref = (r % (spec.length + 1)) + 1;
          // C has no struct that holds itself by value: a member refers back only
          // through a pointer (an earlier type, or any PTR of the spec), so
          // every cycle passes a PTR, as in real BTF (the kernel refuses others).
          const byValueOk = ref < i + 2 || spec[ref - 2]?.k === 0 || spec[ref - 2]?.k === 3;
          const member = byValueOk ? ref : 1;
          const types: BtfType[] = [
            { kind: BTF_KIND_PTR, nameOff: 0, type: ref },
            { kind: BTF_KIND_STRUCT, nameOff: names[n], size: 8, kindFlag: false, members: [{ nameOff: names[0], type: member, bitsOffset: 0, bitfieldSize: 0 }] },
            { kind: BTF_KIND_FWD, nameOff: names[n], union: false },
            { kind: BTF_KIND_PTR, nameOff: 0, type: 1 },
          ];
          btf.add(types[k]);
        }
        const once = dedupBtf(btf).btf;
        const twice = dedupBtf(once).btf;
        expect(dumpBtf(twice)).toBe(dumpBtf(once));
        expect(once.types.length).toBeLessThanOrEqual(btf.types.length);
      }),
      { numRuns: 200 },
    );
  });
});
