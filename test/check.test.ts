/**
 * `btfgen check` rule by rule: one accepted and one rejected case per rule
 * of FORMAT.md 3.1.1 (the LOC kinds as the merged kernel series checks
 * them), then the header, string and per-kind meta rules of kinds 1-19.
 * Every blob is built with btfgen's own writer; the few cases the model
 * cannot express (a kind_flag, a broken header) patch one word after it.
 */
import { describe, expect, test } from "vitest";
import { Btf } from "../src/btf/btf.js";
import { checkBtf, type LocsecOrder } from "../src/btf/check.js";
import type { BtfType } from "../src/btf/model.js";
import { writeBtf } from "../src/btf/write.js";

const CONST = 0x2, SIGNED = 0x1, ADDR = 0x4, REG = 0x8, DEREF = 0x10, OFFSET = 0x20;

/** Base: [1] int, [2] FUNC_PROTO int(int a, int b), [3] FUNC foo, [4] FUNC_PROTO void(void), [5] FUNC bar. */
function base(): Btf {
  const b = new Btf();
  b.add({ kind: 1, nameOff: b.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
  b.add({ kind: 13, nameOff: 0, ret: 1, params: [{ nameOff: b.addStr("a"), type: 1 }, { nameOff: b.addStr("b"), type: 1 }] });
  b.add({ kind: 12, nameOff: b.addStr("foo"), type: 2, linkage: 0 });
  b.add({ kind: 13, nameOff: 0, ret: 0, params: [] });
  b.add({ kind: 12, nameOff: b.addStr("bar"), type: 4, linkage: 0 });
  return b;
}

/** A v2 split on {@link base} with `types` (ids from 6), written with a layout. */
function split(types: (b: Btf) => BtfType[], patch?: (bytes: Uint8Array, dv: DataView) => void): { bytes: Uint8Array; base: Btf } {
  const root = base();
  const s = new Btf({ base: root, hasLayout: true });
  for (const t of types(s)) s.add(t);
  const bytes = writeBtf(s, { littleEndian: true, layout: true });
  patch?.(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { bytes, base: root };
}

const HDR = 32;
/** Sets the kind_flag bit of split record `index` (0-based; records are walked by size). */
function setKindFlag(bytes: Uint8Array, dv: DataView, index: number): void {
  const typeOff = dv.getUint32(8, true);
  let p = HDR + typeOff;
  for (let i = 0; i < index; i++) {
    const info = dv.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x7f, vlen = info & 0xffffff;
    const extra = kind === 20 ? 4 + 4 * vlen : kind === 21 ? 4 * vlen : kind === 22 ? 12 * vlen : kind === 1 ? 4 : 0;
    p += 12 + extra;
  }
  dv.setUint32(p + 4, (dv.getUint32(p + 4, true) | 0x80000000) >>> 0, true);
  void bytes;
}

const rules = (r: { bytes: Uint8Array; base: Btf }, order?: LocsecOrder) => checkBtf(r.bytes, { base: r.base, locsecOrder: order }).problems.map((p) => p.rule);

const param = (size: number, flags: number, values: number[], nameOff = 0): BtfType => ({ kind: 20, nameOff, size, flags, values });

describe("LOC_PARAM (FORMAT.md 3.1.1)", () => {
  const accepted: [string, BtfType][] = [
    ["4-byte constant, one value", param(4, CONST, [7])],
    ["negative 4-byte constant", param(4, CONST | SIGNED, [0xfffffffd])],
    ["8-byte constant {lo, hi}", param(8, CONST, [1, 0])],
    ["1-byte constant with {lo, hi}", param(1, CONST, [1, 0])],
    ["address {lo, hi}", param(8, CONST | ADDR, [0x1000, 0])],
    ["register", param(8, REG, [5])],
    ["16-byte value in two registers", param(16, REG, [5, 4])],
    ["memory at a register", param(8, REG | DEREF, [7])],
    ["register + offset", param(8, REG | OFFSET, [7, 16])],
    ["memory at frame base - 0x10", param(8, REG | OFFSET | DEREF | SIGNED, [0xffffffff, 0xfffffff0])],
    ["register + offset, three values", param(4, REG | OFFSET, [7, 16, 0])],
  ];
  test.each(accepted)("accepts %s", (_n, t) => {
    expect(rules(split(() => [t]))).toEqual([]);
  });

  const rejected: [string, string, BtfType][] = [
    ["loc_param.name", "a name", param(4, REG, [1], 1)],
    ["loc_param.size", "size 0", param(0, REG, [1])],
    ["loc_param.size", "size 17 (a struct passed in memory)", param(17, REG | OFFSET | DEREF, [7, 8])],
    ["loc_param.vlen", "no values", param(4, REG, [])],
    ["loc_param.const_vlen", "a constant with 3 values", param(8, CONST, [1, 0, 0])],
    ["loc_param.const_size", "a 16-byte constant", param(16, CONST, [1, 0])],
    ["loc_param.const_lohi", "an 8-byte constant with one value", param(8, CONST, [1])],
    ["loc_param.const_lohi", "an 8-byte signed constant with one value", param(8, CONST | SIGNED, [0xffffffff])],
    ["loc_param.reg_vlen", "a register location with 3 values", param(16, REG, [1, 2, 3])],
    ["loc_param.deref_vlen", "a dereference without offset with 2 values", param(8, REG | DEREF, [1, 2])],
    ["loc_param.offset_vlen", "register + offset with one value", param(8, REG | OFFSET, [1])],
    ["loc_param.offset_vlen", "register + offset with 4 values", param(8, REG | OFFSET, [1, 2, 3, 4])],
    ["loc_param.flags", "no flags", param(4, 0, [1])],
    ["loc_param.flags", "REG|CONST", param(4, REG | CONST, [1])],
    ["loc_param.flags", "DEREF alone", param(4, DEREF, [1])],
    ["loc_param.flags", "REG|SIGNED without OFFSET", param(4, REG | SIGNED, [1])],
    ["loc_param.flags", "an unknown flag", param(4, REG | 0x40, [1])],
  ];
  test.each(rejected)("rejects by %s: %s", (rule, _n, t) => {
    expect(rules(split(() => [t]))).toEqual([rule]);
  });

  test("rejects by loc_param.kind_flag: kind_flag set", () => {
    expect(rules(split(() => [param(4, REG, [1])], (b, dv) => setKindFlag(b, dv, 0)))).toEqual(["loc_param.kind_flag"]);
  });
});

describe("LOC_PROTO and LOCSEC (FORMAT.md 3.1.1, 4)", () => {
  /** [6] LOC_PARAM reg1, [7] LOC_PROTO {6, 0}, then `more` (ids from 8). */
  const withProto = (more: (s: Btf) => BtfType[], proto: Partial<Extract<BtfType, { kind: 21 }>> = {}) =>
    (s: Btf): BtfType[] => [param(4, REG, [1]), { kind: 21, nameOff: 0, params: [6, 0], type: 0, ...proto }, ...more(s)];
  const locsec = (s: Btf, entries: { func: number; locProto: number; offset: number }[], name = "inline.text"): BtfType => ({ kind: 22, nameOff: s.addStr(name), entries });

  test("accepts a LOCSEC of FUNCs whose prototypes match their LOC_PROTOs", () => {
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 3, locProto: 7, offset: 16 }, { func: 3, locProto: 7, offset: 32 }])])))).toEqual([]);
  });
  test("accepts a LOCSEC named as the kernel names it (.text)", () => {
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 3, locProto: 7, offset: 16 }], ".text")])))).toEqual([]);
  });
  test("rejects by loc_proto.name, loc_proto.type, loc_proto.slot", () => {
    expect(rules(split(withProto(() => [], { nameOff: 1 })))).toEqual(["loc_proto.name"]);
    expect(rules(split(withProto(() => [], { type: 2 })))).toEqual(["loc_proto.type"]);
    expect(rules(split(withProto(() => [], { params: [1, 0] })))).toEqual(["loc_proto.slot"]);
  });
  test("rejects by loc_proto.kind_flag", () => {
    expect(rules(split(withProto(() => []), (b, dv) => setKindFlag(b, dv, 1)))).toEqual(["loc_proto.kind_flag"]);
  });
  test("rejects by locsec.func: the entry names a FUNC_PROTO, not a FUNC", () => {
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 2, locProto: 7, offset: 0 }])])))).toEqual(["locsec.func"]);
  });
  test("rejects by locsec.loc_proto: the entry's loc_proto is a LOC_PARAM", () => {
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 3, locProto: 6, offset: 0 }])])))).toEqual(["locsec.loc_proto"]);
  });
  test("rejects by locsec.slots: 2 slots for bar(void)", () => {
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 5, locProto: 7, offset: 0 }])])))).toEqual(["locsec.slots"]);
  });
  test("rejects by locsec.name: empty, or with a control character", () => {
    expect(rules(split(withProto((s) => [{ kind: 22, nameOff: 0, entries: [{ func: 3, locProto: 7, offset: 0 }] }])))).toEqual(["locsec.name"]);
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 3, locProto: 7, offset: 0 }], "inline\ttext")])))).toEqual(["locsec.name"]);
  });
  test("rejects by locsec.kind_flag", () => {
    expect(rules(split(withProto((s) => [locsec(s, [{ func: 3, locProto: 7, offset: 0 }])]), (b, dv) => setKindFlag(b, dv, 2)))).toEqual(["locsec.kind_flag"]);
  });

  describe("entry order", () => {
    // [8] FUNC zed (proto 2), [9] FUNC abc (proto 2): name order puts abc (id 9) before zed (id 8).
    const two = (entries: [number, number][]) => split(withProto((s) => [
      { kind: 12, nameOff: s.addStr("zed"), type: 2, linkage: 0 },
      { kind: 12, nameOff: s.addStr("abc"), type: 2, linkage: 0 },
      locsec(s, entries.map(([func, offset]) => ({ func, locProto: 7, offset }))),
    ]));
    const nameOrder = two([[9, 64], [9, 80], [8, 16]]);
    const idOrder = two([[8, 16], [9, 64], [9, 80]]);
    const neither = two([[9, 80], [8, 16], [9, 64]]);
    test("name order: accepted by default and by --locsec-order name, refused by id", () => {
      expect(rules(nameOrder)).toEqual([]);
      expect(rules(nameOrder, "name")).toEqual([]);
      expect(rules(nameOrder, "id")).toEqual(["locsec.order"]);
    });
    test("id order (resolve_btfids --inline): accepted by default and by id, refused by name", () => {
      expect(rules(idOrder)).toEqual([]);
      expect(rules(idOrder, "id")).toEqual([]);
      expect(rules(idOrder, "name")).toEqual(["locsec.order"]);
    });
    test("neither order is refused", () => {
      expect(rules(neither)).toEqual(["locsec.order"]);
    });
  });
});

describe("kinds 1-19 (the kernel's btf_*_check_meta)", () => {
  const cases: [string, string | undefined, (s: Btf) => BtfType[]][] = [
    ["a named INT", undefined, (s) => [{ kind: 1, nameOff: s.addStr("long unsigned int"), size: 8, encoding: 0, bitsOffset: 0, nrBits: 64 }]],
    ["INT with two encodings", "int.encoding", (s) => [{ kind: 1, nameOff: s.addStr("x"), size: 4, encoding: 3, bitsOffset: 0, nrBits: 32 }]],
    ["INT wider than its size", "int.nr_bits", (s) => [{ kind: 1, nameOff: s.addStr("x"), size: 2, encoding: 0, bitsOffset: 0, nrBits: 32 }]],
    ["a named PTR", "ptr.name", (s) => [{ kind: 2, nameOff: s.addStr("p"), type: 1 }]],
    ["TYPEDEF without a name", "typedef.name", () => [{ kind: 8, nameOff: 0, type: 1 }]],
    ["TYPEDEF named as no C identifier", "typedef.name", (s) => [{ kind: 8, nameOff: s.addStr("a b"), type: 1 }]],
    ["FWD without a name", "fwd.name", () => [{ kind: 7, nameOff: 0, union: false }]],
    ["ENUM of 3 bytes", "enum.size", (s) => [{ kind: 6, nameOff: s.addStr("e"), size: 3, signed: false, values: [{ nameOff: s.addStr("A"), val: 1 }] }]],
    ["ENUM value without a name", "enum.value_name", (s) => [{ kind: 6, nameOff: s.addStr("e"), size: 4, signed: false, values: [{ nameOff: 0, val: 1 }] }]],
    ["UNION member at a non-zero offset", "union.member_offset", (s) => [{ kind: 5, nameOff: 0, size: 4, kindFlag: false, members: [{ nameOff: s.addStr("m"), type: 1, bitsOffset: 8, bitfieldSize: 0 }] }]],
    ["STRUCT member past its end", "struct.member_offset", (s) => [{ kind: 4, nameOff: 0, size: 4, kindFlag: false, members: [{ nameOff: s.addStr("m"), type: 1, bitsOffset: 64, bitfieldSize: 0 }] }]],
    ["STRUCT member of type void", "struct.member_type", (s) => [{ kind: 4, nameOff: 0, size: 4, kindFlag: false, members: [{ nameOff: s.addStr("m"), type: 0, bitsOffset: 0, bitfieldSize: 0 }] }]],
    ["FUNC of an INT", "func.proto", (s) => [{ kind: 12, nameOff: s.addStr("f"), type: 1, linkage: 0 }]],
    ["FUNC of extern linkage (2)", "func.linkage", (s) => [{ kind: 12, nameOff: s.addStr("f"), type: 2, linkage: 2 }]],
    ["a FUNC named like a gcc clone", undefined, (s) => [{ kind: 12, nameOff: s.addStr("foo.isra.0"), type: 2, linkage: 0 }]],
    ["STRUCT members out of order", "struct.member_order", (s) => [{ kind: 4, nameOff: 0, size: 8, kindFlag: false, members: [
      { nameOff: s.addStr("m"), type: 1, bitsOffset: 32, bitfieldSize: 0 }, { nameOff: s.addStr("n"), type: 1, bitsOffset: 0, bitfieldSize: 0 }] }]],
    ["a TYPE_TAG under a CONST", "type_tag.order", (s) => [{ kind: 18, nameOff: s.addStr("user"), type: 1, kindFlag: false }, { kind: 10, nameOff: 0, type: 6 }, { kind: 2, nameOff: 0, type: 7 }]],
    ["a TYPE_TAG right under a PTR", undefined, (s) => [{ kind: 10, nameOff: 0, type: 1 }, { kind: 18, nameOff: s.addStr("user"), type: 6, kindFlag: false }, { kind: 2, nameOff: 0, type: 7 }]],
    ["FUNC_PROTO with a void argument before the last", "func_proto.arg_void", (s) => [{ kind: 13, nameOff: 0, ret: 0, params: [{ nameOff: 0, type: 0 }, { nameOff: s.addStr("a"), type: 1 }] }]],
    ["FUNC_PROTO with a trailing ... ", undefined, (s) => [{ kind: 13, nameOff: 0, ret: 0, params: [{ nameOff: s.addStr("a"), type: 1 }, { nameOff: 0, type: 0 }] }]],
    ["VAR of extern linkage (2)", "var.linkage", (s) => [{ kind: 14, nameOff: s.addStr("v"), type: 1, linkage: 2 }]],
    ["DATASEC entry that is no VAR", "datasec.var_kind", (s) => [{ kind: 15, nameOff: s.addStr(".data"), size: 8, vars: [{ type: 1, offset: 0, size: 4 }] }]],
    ["DATASEC entries overlapping", "datasec.var_offset", (s) => [
      { kind: 14, nameOff: s.addStr("v"), type: 1, linkage: 1 },
      { kind: 15, nameOff: s.addStr(".data"), size: 8, vars: [{ type: 6, offset: 0, size: 4 }, { type: 6, offset: 2, size: 4 }] },
    ]],
    ["FLOAT of 3 bytes", "float.size", (s) => [{ kind: 16, nameOff: s.addStr("f"), size: 3 }]],
    ["DECL_TAG component -2", "decl_tag.component_idx", (s) => [{ kind: 17, nameOff: s.addStr("tag"), type: 3, componentIdx: -2, kindFlag: false }]],
    ["a reference past the last type", "const.type_id", () => [{ kind: 10, nameOff: 0, type: 99 }]],
    ["a TYPEDEF -> CONST -> TYPEDEF loop", "type.chain", (s) => [{ kind: 8, nameOff: s.addStr("t"), type: 7 }, { kind: 10, nameOff: 0, type: 6 }]],
    ["a VOLATILE of itself", "type.chain", () => [{ kind: 9, nameOff: 0, type: 6 }]],
    ["a loop through a PTR (legal C)", undefined, (s) => [{ kind: 8, nameOff: s.addStr("t"), type: 7 }, { kind: 2, nameOff: 0, type: 6 }]],
  ];
  test.each(cases)("%s: %s", (_n, rule, types) => {
    expect(rules(split(types))).toEqual(rule ? [rule] : []);
  });
});

describe("header and sections", () => {
  const good = () => split(() => [param(4, REG, [1])]);
  const headerRules = (patch: (b: Uint8Array, dv: DataView) => Uint8Array | void) => {
    const { bytes, base: root } = good();
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = patch(bytes, dv) ?? bytes;
    return checkBtf(out, { base: root }).problems.map((p) => p.rule);
  };
  test("a good split has no problem", () => expect(headerRules(() => undefined)).toEqual([]));
  test("header.magic", () => expect(headerRules((b) => void (b[0] = 0))).toEqual(["header.magic"]));
  test("header.version", () => expect(headerRules((b) => void (b[2] = 2))).toContain("header.version"));
  test("header.flags", () => expect(headerRules((b) => void (b[3] = 1))).toContain("header.flags"));
  test("header.trailing: bytes after the strings", () => {
    expect(headerRules((b) => new Uint8Array([...b, 0, 0, 0, 0]))).toEqual(["header.trailing"]);
  });
  test("header.section_gap and str_last: strings moved 4 bytes on", () => {
    expect(headerRules((b, dv) => {
      const strOff = dv.getUint32(16, true), strLen = dv.getUint32(20, true);
      const out = new Uint8Array(b.length + 4);
      out.set(b.subarray(0, HDR + strOff));
      out.set(b.subarray(HDR + strOff), HDR + strOff + 4);
      new DataView(out.buffer).setUint32(16, strOff + 4, true);
      void strLen;
      return out;
    })).toEqual(["header.section_gap"]);
  });
  test("str.nul_start: a split read without its base", () => {
    const { bytes } = split((s) => [{ kind: 8, nameOff: s.addStr("u32"), type: 1 }]);
    expect(checkBtf(bytes).problems.map((p) => p.rule)).toContain("str.nul_start");
  });
  test("type.walk: a type section cut in the middle of a record", () => {
    expect(headerRules((b, dv) => {
      dv.setUint32(12, dv.getUint32(12, true) - 4, true);
      return b;
    })).toEqual(expect.arrayContaining(["type.walk"]));
  });
  test("header.short and never a throw on junk", () => {
    expect(checkBtf(new Uint8Array(3)).problems.map((p) => p.rule)).toEqual(["header.short"]);
    for (let seed = 1; seed < 200; seed++) {
      const { bytes, base: root } = good();
      bytes[(seed * 7919) % bytes.length] ^= 1 << (seed % 8);
      expect(() => checkBtf(bytes, { base: root })).not.toThrow();
    }
  });
});

describe("assertAccepted (the writers' gate)", () => {
  test("names the file to be written and the first problem once", async () => {
    const { assertAccepted } = await import("../src/app/check.js");
    const { bytes, base: root } = split((s) => [{ kind: 16, nameOff: s.addStr("f"), size: 3 }]);
    let msg = "";
    try {
      assertAccepted(bytes, root, "the BTF encoded from in.o (to out.btf)");
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^refusing to write the BTF encoded from in\.o \(to out\.btf\): it fails btfgen check with 1 problem\(s\), first: \[\d+\] FLOAT float\.size: /);
    expect(msg.split("in.o").length).toBe(2);
  });
  test("lets a good file through", async () => {
    const { assertAccepted } = await import("../src/app/check.js");
    const { bytes, base: root } = split(() => [param(4, REG, [1])]);
    expect(() => assertAccepted(bytes, root, "x")).not.toThrow();
  });
});
