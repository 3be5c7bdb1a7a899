import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { parseBtf, type ParseOptions } from "../src/btf/index.js";
import { BtfgenError, MalformedError, TruncatedError, UnsupportedError } from "../src/errors.js";

/**
 * Synthetic BTF bytes (STYLE 15): records appended in either byte order,
 * header filled in by `build()`.
 */
class BtfBuilder {
  private types: number[] = [];
  private strs: number[] = [0];
  layout?: number[];
  constructor(readonly le = true) {}
  str(s: string): number {
    const off = this.strs.length;
    for (const c of Buffer.from(s)) this.strs.push(c);
    this.strs.push(0);
    return off;
  }
  u32(...vs: number[]): this {
    for (const v of vs) {
      const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
      this.types.push(...(this.le ? b : b.reverse()));
    }
    return this;
  }
  /** `struct btf_type`. */
  btfType(nameOff: number, kind: number, vlen: number, sizeType: number, kflag = false): this {
    return this.u32(nameOff, ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0, sizeType);
  }
  int(name = "int"): this {
    return this.btfType(this.str(name), 1, 0, 4).u32(0x01000020);
  }
  build(over: Partial<Record<"hdrLen" | "typeOff" | "typeLen" | "strOff" | "strLen", number>> = {}, strTail?: number[]): Uint8Array {
    const strs = strTail ? [...this.strs, ...strTail] : this.strs;
    const lay = this.layout ?? [];
    const hdrLen = over.hdrLen ?? (this.layout ? 32 : 24);
    const typeLen = over.typeLen ?? this.types.length;
    const f = {
      typeOff: over.typeOff ?? 0,
      typeLen,
      strOff: over.strOff ?? this.types.length + lay.length,
      strLen: over.strLen ?? strs.length,
    };
    const out = new Uint8Array(Math.max(hdrLen, 24) + this.types.length + lay.length + strs.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, this.le);
    out[2] = 1;
    dv.setUint32(4, hdrLen, this.le);
    dv.setUint32(8, f.typeOff, this.le);
    dv.setUint32(12, f.typeLen, this.le);
    dv.setUint32(16, f.strOff, this.le);
    dv.setUint32(20, f.strLen, this.le);
    if (hdrLen >= 32 && this.layout) {
      dv.setUint32(24, this.types.length, this.le);
      dv.setUint32(28, lay.length, this.le);
    }
    const h = Math.max(hdrLen, 24);
    out.set(this.types, h);
    out.set(lay, h + this.types.length);
    out.set(strs, h + this.types.length + lay.length);
    return out;
  }
}

const valid = () => new BtfBuilder().int().btfType(0, 2, 0, 1); // [1] int, [2] int *

type Case = [string, () => Uint8Array, new (...a: never[]) => BtfgenError, ParseOptions?];

const CASES: Case[] = [
  ["empty input", () => new Uint8Array(0), TruncatedError],
  ["bad magic", () => { const b = valid().build(); b[0] = 0x12; return b; }, MalformedError],
  ["header cut short", () => valid().build().subarray(0, 16), TruncatedError],
  ["hdr_len below 24", () => valid().build({ hdrLen: 20 }), MalformedError],
  ["hdr_len 28", () => valid().build({ hdrLen: 28 }), MalformedError],
  ["hdr_len beyond data", () => { const b = valid().build(); new DataView(b.buffer).setUint32(4, 4096, true); return b; }, TruncatedError],
  ["type section beyond end", () => valid().build({ typeLen: 4096 }), TruncatedError],
  ["string section beyond end", () => valid().build({ strLen: 4096 }), TruncatedError],
  ["sections overlap", () => valid().build({ strOff: 4 }), MalformedError],
  ["type_off not aligned", () => valid().build({ typeOff: 2, typeLen: 12 }), MalformedError],
  ["type record cut short", () => valid().build({ typeLen: 20 }), TruncatedError],
  ["type id out of range", () => new BtfBuilder().int().btfType(0, 2, 0, 7).build(), MalformedError],
  ["struct member type out of range", () => new BtfBuilder().int().btfType(0, 4, 1, 4).u32(0, 99, 0).build(), MalformedError],
  ["name offset out of range", () => new BtfBuilder().btfType(500, 1, 0, 4).u32(0x20).build(), MalformedError],
  ["strings not NUL-terminated", () => valid().build({}, [0x41, 0x42]), MalformedError],
  ["strings not starting with NUL", () => { const b = valid().build(); b[b.length - 10] = 0x41; b[24 + 28] = 0x41; return b; }, MalformedError],
  ["unknown kind without layout", () => new BtfBuilder().btfType(0, 25, 0, 0).build(), MalformedError],
  ["kind 0 without layout", () => new BtfBuilder().btfType(0, 0, 0, 0).build(), MalformedError],
  ["typedef loop", () => new BtfBuilder().btfType(0, 8, 0, 2).btfType(0, 10, 0, 1).build(), MalformedError],
  ["pointer to itself", () => new BtfBuilder().btfType(0, 2, 0, 1).build(), MalformedError],
  ["array of itself", () => new BtfBuilder().int().btfType(0, 3, 0, 0).u32(2, 1, 4).build(), MalformedError],
  ["INT with vlen", () => new BtfBuilder().btfType(0, 1, 3, 4).u32(0x20).build(), MalformedError],
  ["PTR with kind_flag", () => new BtfBuilder().int().btfType(0, 2, 0, 1, true).build(), MalformedError],
  ["version 2", () => { const b = valid().build(); b[2] = 2; return b; }, UnsupportedError],
  ["huge vlen cut short", () => new BtfBuilder().btfType(0, 4, 0xffff, 4).build(), TruncatedError],
  [
    "unknown kind with layout in error mode",
    () => {
      const b = new BtfBuilder().btfType(0, 30, 1, 0).u32(7);
      b.layout = new Array(31 * 4).fill(0);
      b.layout[30 * 4 + 1] = 4; // elem_sz 4
      return b.build();
    },
    UnsupportedError,
    { unknownKinds: "error" },
  ],
  [
    "unknown kind beyond the layout",
    () => {
      const b = new BtfBuilder().btfType(0, 30, 0, 0);
      b.layout = new Array(23 * 4).fill(0);
      return b.build();
    },
    MalformedError,
  ],
];

describe("corrupt input", () => {
  test("the valid base case parses, in both byte orders", () => {
    expect(parseBtf(valid().build()).nrTypes).toBe(3);
    const be = new BtfBuilder(false).int().btfType(0, 2, 0, 1).build();
    expect(parseBtf(be).endian).toBe("big");
  });

  test.each(CASES)("%s", (_name, make, cls, opts) => {
    let err: unknown;
    try {
      parseBtf(make(), { file: "t.btf", ...opts });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect((err as BtfgenError).file).toBe("t.btf");
  });

  test("errors carry the type id and the record's offset", () => {
    try {
      parseBtf(new BtfBuilder().int().btfType(0, 2, 0, 7).build());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedError);
      const m = e as MalformedError;
      expect(m.typeId).toBe(2);
      expect(m.offset).toBe(24 + 16);
      expect(m.section).toBe(".BTF");
    }
  });

  test("hdr_len above 32 with a zero tail is accepted, a non-zero tail is not", () => {
    const good = valid().build();
    const wide = new Uint8Array(good.length + 16);
    wide.set(good.subarray(0, 24));
    wide.set(good.subarray(24), 40);
    new DataView(wide.buffer).setUint32(4, 40, true);
    const btf = parseBtf(wide);
    expect(btf.nrTypes).toBe(3);
    expect(btf.nameOf(1)).toBe("int");
    wide[36] = 1;
    expect(() => parseBtf(wide)).toThrowError(UnsupportedError);
  });

  test("a loop through a STRUCT is fine", () => {
    // [1] struct s { struct s *next; } [2] ptr -> 1
    const b = new BtfBuilder();
    b.btfType(b.str("s"), 4, 1, 8).u32(b.str("next"), 2, 0).btfType(0, 2, 0, 1);
    expect(parseBtf(b.build()).nrTypes).toBe(3);
  });

  test("a skipped unknown kind keeps ids in step", () => {
    const b = new BtfBuilder().btfType(0, 30, 2, 0).u32(7, 8).int();
    b.layout = new Array(31 * 4).fill(0);
    b.layout[30 * 4 + 1] = 4;
    b.layout[1 * 4] = 4; // INT info_sz
    const btf = parseBtf(b.build());
    expect(btf.typeById(1).kind).toBe(0);
    expect(btf.nameOf(2)).toBe("int");
  });

  test("fuzzed bytes only ever raise BtfgenError", () => {
    const seed = new BtfBuilder().int().btfType(0, 2, 0, 1);
    seed.btfType(seed.str("s"), 4, 2, 8, true).u32(seed.str("a"), 1, 0x03000000, seed.str("b"), 2, 32);
    seed.btfType(0, 13, 1, 1).u32(seed.str("x"), 2).btfType(seed.str("f"), 12, 1, 4);
    const base = seed.build();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }), (muts) => {
        const b = base.slice();
        for (const [i, v] of muts) b[i] = v;
        try {
          parseBtf(b);
        } catch (e) {
          if (!(e instanceof BtfgenError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
