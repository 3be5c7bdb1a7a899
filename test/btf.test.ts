import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  Btf,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_INT,
  BTF_KIND_LOC_PARAM,
  BTF_KIND_LOC_PROTO,
  BTF_KIND_LOCSEC,
  BTF_KIND_PTR,
  BTF_KIND_STRUCT,
  BTF_KIND_UNKN,
  BTF_LOC_V1_CONTINUE,
  BTF_LOC_V1_REG_DEREF,
  dumpBtf,
  dumpBtfJson,
  loadBtfFile,
  parseBtf,
  readBtfHeader,
  writeBtf,
} from "../src/btf/index.js";
import { ElfFile } from "../src/elf/index.js";
import { MalformedError, NotFoundError, UnsupportedError } from "../src/errors.js";

const FIX = join(import.meta.dirname, "fixtures/btf");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function bytesOf(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function btfSection(path: string): Uint8Array {
  if (!path.endsWith(".o")) return bytesOf(path);
  const elf = ElfFile.open(path, { relocate: false });
  try {
    return elf.sectionData(elf.section(".BTF")!, { relocate: false });
  } finally {
    elf.close();
  }
}

function golden(path: string, actual: string): void {
  if (UPDATE) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

/** Fixtures with a golden bpftool dump; `base` names the base BTF of a split. */
const FIXTURES: { name: string; file: string; base?: string }[] = [
  ...readdirSync(FIX)
    .filter((f) => f.endsWith(".o"))
    .map((f) => ({ name: f.replace(/\.o$/, ""), file: f })),
  { name: "sample-pahole", file: "sample-pahole.btf" },
  { name: "module-pahole", file: "module-pahole.btf", base: "sample-pahole.btf" },
];

describe("fixtures (golden dumps from bpftool)", () => {
  test.each(FIXTURES)("$name: dump, JSON, round trip, both byte orders", ({ name, file, base }) => {
    const baseBtf = base ? parseBtf(bytesOf(join(FIX, base))) : undefined;
    const raw = btfSection(join(FIX, file));
    const btf = file.endsWith(".o") ? loadBtfFile(join(FIX, file)) : parseBtf(raw, { base: baseBtf });
    // bpftool text and JSON, line for line.
    golden(join(FIX, `${name}.btf.txt`), dumpBtf(btf));
    golden(join(FIX, `${name}.btf.json`), dumpBtfJson(btf));
    // Unchanged BTF writes back byte for byte.
    expect(Buffer.from(writeBtf(btf)).equals(Buffer.from(raw))).toBe(true);
    // Both byte orders read back to the same dump and the same model.
    for (const littleEndian of [true, false]) {
      const out = writeBtf(btf, { littleEndian });
      expect(readBtfHeader(out).littleEndian).toBe(littleEndian);
      const again = parseBtf(out, { base: baseBtf });
      expect(dumpBtf(again)).toBe(dumpBtf(btf));
      expect(again.types).toEqual(btf.types);
    }
  });

  test("big- and little-endian clang objects have the same model", () => {
    const el = loadBtfFile(join(FIX, "kinds-bpfel.o"));
    const eb = loadBtfFile(join(FIX, "kinds-bpfeb.o"));
    expect(el.endian).toBe("little");
    expect(eb.endian).toBe("big");
    expect(eb.types).toEqual(el.types);
  });

  test("findByName, nameOf and typeById walk the split chain", () => {
    const base = parseBtf(bytesOf(join(FIX, "sample-pahole.btf")));
    const mod = parseBtf(bytesOf(join(FIX, "module-pahole.btf")), { base });
    expect(mod.firstTypeId).toBe(base.nrTypes);
    expect(mod.startStrOff).toBe(base.strings.end);
    const item = mod.findByName("item", BTF_KIND_STRUCT)!;
    expect(base.owns(item)).toBe(true);
    expect(mod.nameOf(item)).toBe("item");
    const bucket = mod.findByName("bucket", BTF_KIND_STRUCT)!;
    expect(mod.owns(bucket)).toBe(true);
    expect(base.findByName("bucket")).toBeUndefined();
  });
});

/** Builds the FORMAT.md section 7 example: ids 4-8 LOC_PARAM, 10 LOC_PROTO, 11 LOCSEC. */
function formatExample(): Btf {
  const b = new Btf();
  const int = b.add({ kind: BTF_KIND_INT, nameOff: b.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
  const proto = b.add({
    kind: BTF_KIND_FUNC_PROTO,
    nameOff: 0,
    ret: int,
    params: [
      { nameOff: b.addStr("a"), type: int },
      { nameOff: b.addStr("b"), type: int },
    ],
  });
  const foo = b.add({ kind: BTF_KIND_FUNC, nameOff: b.addStr("foo"), type: proto, linkage: 0 });
  expect(foo).toBe(3);
  const lp = (size: number, flags: number, values: number[]) =>
    b.add({ kind: BTF_KIND_LOC_PARAM, nameOff: 0, size, flags, values });
  expect(lp(4, 0x8, [1])).toBe(4);
  lp(8, 0x38, [2, 0x10]);
  lp(8, 0x29, [0xffffffff, -0x10 >>> 0]);
  lp(8, 0x6, [0x9abcdef0, 0x12345678]);
  lp(8, 0x2, [0xfeedface, 0xdeadbeef]);
  lp(16, 0x8, [0, 1]);
  expect(b.add({ kind: BTF_KIND_LOC_PROTO, nameOff: 0, params: [4, 5], type: 0 })).toBe(10);
  b.add({ kind: BTF_KIND_LOCSEC, nameOff: b.addStr("inline.text"), entries: [{ func: foo, locProto: 10, offset: 64 }] });
  b.hasLayout = true;
  return b;
}

const SECTION7 = `[4] LOC_PARAM '(anon)' size=4 flags=0x8 vlen=1 values='reg1'
[5] LOC_PARAM '(anon)' size=8 flags=0x38 vlen=2 values='*(reg2 + 0x10)'
[6] LOC_PARAM '(anon)' size=8 flags=0x29 vlen=2 values='fbreg - 0x10'
[7] LOC_PARAM '(anon)' size=8 flags=0x6 vlen=2 values='0x123456789abcdef0 (addr)'
[8] LOC_PARAM '(anon)' size=8 flags=0x2 vlen=2 values='0xdeadbeeffeedface'
[10] LOC_PROTO '(anon)' vlen=2
	type_id=4 value='reg1'
	type_id=5 value='*(reg2 + 0x10)'
[11] LOCSEC 'inline.text' vlen=1
	name='foo' func_type_id=3 loc_proto_type_id=10 offset=64`;

describe("LOC kinds, profile v2", () => {
  test("dump lines are FORMAT.md section 7", () => {
    const lines = dumpBtf(formatExample()).split("\n");
    for (const want of SECTION7.split("\n")) expect(lines).toContain(want);
    expect(lines).toContain("[9] LOC_PARAM '(anon)' size=16 flags=0x8 vlen=2 values='reg0, reg1'");
  });

  test("layout placement header(32) | types | layout | strings, and round trip", () => {
    const b = formatExample();
    for (const littleEndian of [true, false]) {
      const out = writeBtf(b, { littleEndian });
      const h = readBtfHeader(out);
      expect(h.hdrLen).toBe(32);
      expect(h.typeOff).toBe(0);
      expect(h.layoutOff).toBe(h.typeLen);
      expect(h.layoutOff % 4).toBe(0);
      expect(h.layoutLen).toBe(92);
      expect(h.strOff).toBe(h.layoutOff + h.layoutLen);
      // layout entries: LOC_PARAM 4/4, LOC_PROTO 0/4, LOCSEC 0/12, STRUCT 0/12, INT 4/0
      const lay = out.subarray(32 + h.layoutOff, 32 + h.layoutOff + 92);
      expect([lay[20 * 4], lay[20 * 4 + 1], lay[21 * 4], lay[21 * 4 + 1], lay[22 * 4], lay[22 * 4 + 1]]).toEqual([4, 4, 0, 4, 0, 12]);
      expect([lay[4 * 4], lay[4 * 4 + 1], lay[1 * 4], lay[1 * 4 + 1]]).toEqual([0, 12, 4, 0]);
      const back = parseBtf(out);
      expect(back.profile).toBe("v2");
      expect(back.hasLayout).toBe(true);
      expect(back.types).toEqual(b.types);
      expect(Buffer.from(writeBtf(back)).equals(Buffer.from(out))).toBe(true);
      expect(dumpBtf(back)).toBe(dumpBtf(b));
    }
  });

  test("vlen above 0xffff fits v2, not rfc-v1", () => {
    const b = new Btf({ hasLayout: true });
    const params = new Array(0x10001).fill(0);
    b.add({ kind: BTF_KIND_LOC_PROTO, nameOff: 0, params, type: 0 });
    const back = parseBtf(writeBtf(b));
    expect((back.types[0] as { params: number[] }).params.length).toBe(0x10001);
    expect(() => writeBtf(b, { profile: "rfc-v1", layout: false })).toThrowError(UnsupportedError);
  });

  test("a reader that does not know kinds 20-22 skips them with the layout", () => {
    const b = formatExample();
    // A standard type after the LOC kinds proves the skip lands on the next record.
    b.add({ kind: BTF_KIND_PTR, nameOff: 0, type: 1 });
    const out = writeBtf(b);
    const old = parseBtf(out, { maxKnownKind: 19, unknownKinds: "skip" });
    expect(old.nrTypes).toBe(b.nrTypes);
    for (let id = 4; id <= 11; id++) {
      const t = old.typeById(id);
      expect(t.kind).toBe(BTF_KIND_UNKN);
      if (t.kind === BTF_KIND_UNKN) expect(t.rawKind).toBeGreaterThanOrEqual(20);
    }
    expect(old.typeById(12)).toEqual({ kind: BTF_KIND_PTR, nameOff: 0, type: 1 });
    expect(old.typeById(3).kind).toBe(BTF_KIND_FUNC);
    // Skipped records are kept, so the old reader writes the same bytes back.
    expect(Buffer.from(writeBtf(old)).equals(Buffer.from(out))).toBe(true);
    expect(dumpBtf(old).split("\n")).toContain("[10] UNKNOWN '(anon)' kind=21 vlen=2");
    // The same reader in "error" mode refuses.
    expect(() => parseBtf(out, { maxKnownKind: 19, unknownKinds: "error" })).toThrowError(UnsupportedError);
    // Without a layout it cannot skip at all.
    const noLayout = writeBtf(b, { layout: false });
    expect(() => parseBtf(noLayout, { maxKnownKind: 19, profile: "v2" })).toThrowError(MalformedError);
  });
});

describe("LOC kinds, profile rfc-v1", () => {
  function v1Example(): Btf {
    const b = new Btf({ profile: "rfc-v1" });
    const int = b.add({ kind: BTF_KIND_INT, nameOff: b.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
    const proto = b.add({ kind: BTF_KIND_FUNC_PROTO, nameOff: 0, ret: int, params: [{ nameOff: b.addStr("x"), type: int }] });
    b.add({ kind: BTF_KIND_FUNC, nameOff: b.addStr("foo"), type: proto, linkage: 0 });
    const p1 = b.add({ kind: BTF_KIND_LOC_PARAM, profile: "rfc-v1", nameOff: 0, size: -8, value: { reg: 5, flags: BTF_LOC_V1_REG_DEREF, offset: -16 } });
    b.add({ kind: BTF_KIND_LOC_PARAM, profile: "rfc-v1", nameOff: 0, size: 8, value: { lo: 0xfeedface, hi: 0xdeadbeef } });
    const pair = b.add({ kind: BTF_KIND_LOC_PARAM, profile: "rfc-v1", nameOff: 0, size: 8, value: { reg: 0, flags: BTF_LOC_V1_CONTINUE, offset: 0 } });
    b.add({ kind: BTF_KIND_LOC_PARAM, profile: "rfc-v1", nameOff: 0, size: 8, value: { reg: 1, flags: 0, offset: 0 } });
    const lp = b.add({ kind: BTF_KIND_LOC_PROTO, nameOff: 0, type: proto, params: [p1, pair, 0] });
    b.add({
      kind: BTF_KIND_LOCSEC,
      profile: "rfc-v1",
      nameOff: b.addStr("inline.text"),
      entries: [{ nameOff: b.addStr("foo"), funcProto: proto, locProto: lp, offset: 0x40 }],
    });
    return b;
  }

  test("round trip (16-bit vlen, no layout) and dump", () => {
    const b = v1Example();
    for (const littleEndian of [true, false]) {
      const out = writeBtf(b, { littleEndian });
      const h = readBtfHeader(out);
      expect(h.hdrLen).toBe(24);
      const back = parseBtf(out);
      expect(back.profile).toBe("rfc-v1");
      expect(back.types).toEqual(b.types);
      expect(Buffer.from(writeBtf(back)).equals(Buffer.from(out))).toBe(true);
    }
    expect(dumpBtf(b).split("\n").slice(4)).toEqual([
      "[4] LOC_PARAM '(anon)' size=-8 reg=5 flags=0x1 offset=-16 values='*(reg5 - 0x10)'",
      "[5] LOC_PARAM '(anon)' size=8 const=0xdeadbeeffeedface values='0xdeadbeeffeedface'",
      "[6] LOC_PARAM '(anon)' size=8 reg=0 flags=0x2 offset=0 values='reg0, ...'",
      "[7] LOC_PARAM '(anon)' size=8 reg=1 flags=0x0 offset=0 values='reg1'",
      "[8] LOC_PROTO '(anon)' type_id=2 vlen=3",
      "\ttype_id=4 value='*(reg5 - 0x10)'",
      "\ttype_id=6 value='reg0, reg1'",
      "\ttype_id=0 value='unavailable'",
      "[9] LOCSEC 'inline.text' vlen=1",
      "\tname='foo' func_proto_type_id=2 loc_proto_type_id=8 offset=64",
      "",
    ]);
  });

  test("v2 shapes are refused in rfc-v1 output and the reverse", () => {
    expect(() => writeBtf(formatExample(), { profile: "rfc-v1", layout: false })).toThrowError(UnsupportedError);
    expect(() => writeBtf(v1Example(), { profile: "v2" })).toThrowError(UnsupportedError);
    expect(() => writeBtf(v1Example(), { layout: true })).toThrowError(UnsupportedError);
  });

  test("profile can be forced", () => {
    const out = writeBtf(v1Example());
    // Read as v2 without a layout: the LOC_PARAM vlen-0 record is 4 bytes, not 8, so it misparses or fails.
    expect(() => parseBtf(out, { profile: "v2" })).toThrowError(MalformedError);
    expect(parseBtf(out, { profile: "rfc-v1" }).profile).toBe("rfc-v1");
  });
});

/** vmlinux-like base <- module split (pahole fixtures) <- a func_info split built here. */
function formatSplitChain(baseBytes: Uint8Array, modBytes: Uint8Array): { base: Btf; mod: Btf; fi: Btf } {
  const base = parseBtf(baseBytes);
  const mod = parseBtf(modBytes, { base });
  const fi = new Btf({ base: mod, hasLayout: true });
  const bucketUsed = mod.findByName("bucket_used", BTF_KIND_FUNC)!;
  const p = fi.add({ kind: BTF_KIND_LOC_PARAM, nameOff: 0, size: 8, flags: 0x8, values: [5] });
  const lp = fi.add({ kind: BTF_KIND_LOC_PROTO, nameOff: 0, params: [p], type: 0 });
  fi.add({ kind: BTF_KIND_LOCSEC, nameOff: fi.addStr("inline.text"), entries: [{ func: bucketUsed, locProto: lp, offset: 0x20 }] });
  return { base, mod, fi };
}

describe("split and multi-split", () => {
  test("ids and string offsets continue across vmlinux <- module <- func_info", () => {
    const { base, mod, fi } = formatSplitChain(bytesOf(join(FIX, "sample-pahole.btf")), bytesOf(join(FIX, "module-pahole.btf")));
    expect(mod.firstTypeId).toBe(base.nrTypes);
    expect(fi.firstTypeId).toBe(mod.nrTypes);
    expect(fi.startStrOff).toBe(mod.strings.end);
    expect(mod.startStrOff).toBe(base.strings.end);
    // Strings already in a lower level are reused, new ones continue the chain.
    expect(fi.addStr("item")).toBe(base.strings.find("item"));
    expect(fi.addStr("bucket")).toBe(mod.strings.find("bucket"));
    const fresh = fi.addStr("inline.text");
    expect(fresh).toBeGreaterThanOrEqual(mod.strings.end);
    // Round trip of the top level with the chain below it.
    const out = writeBtf(fi);
    const back = parseBtf(out, { base: mod });
    expect(back.types).toEqual(fi.types);
    expect(back.nameOf(back.firstTypeId + back.types.length - 1)).toBe("inline.text");
    expect(dumpBtf(back)).toBe(dumpBtf(fi));
    // The bases were never mutated: they still write their original bytes.
    expect(Buffer.from(writeBtf(base)).equals(Buffer.from(bytesOf(join(FIX, "sample-pahole.btf"))))).toBe(true);
    expect(Buffer.from(writeBtf(mod)).equals(Buffer.from(bytesOf(join(FIX, "module-pahole.btf"))))).toBe(true);
    // A type id of the split's own range is out of range for the base.
    expect(() => base.typeById(fi.firstTypeId)).toThrowError(NotFoundError);
  });

  test("a split read without its base is rejected", () => {
    expect(() => parseBtf(bytesOf(join(FIX, "module-pahole.btf")))).toThrowError(MalformedError);
  });
});
