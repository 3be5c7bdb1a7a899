import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { lowerExpr, lowerConstValue, lowerConstBlock, opName, type LowerContext } from "../src/lower/expr.js";
import { locParamText } from "../src/lower/locparam.js";
import { havePyelftools, PYTHON } from "./elf-tools.js";

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}
const u64le = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

const exec: LowerContext = {
  addrSize: 8, littleEndian: true, size: 8, atFunctionEntry: false,
  relocateAddr: (a) => (a >= 0xffffffff81000000n ? { value: a - 0xffffffff81000000n, relative: true } : { value: a, relative: false }),
};
const rel: LowerContext = { ...exec, relocateAddr: () => undefined };

// [description, bytes, context overrides, expected flags, expected values, expected text]
const ok: [string, number[], Partial<LowerContext>, number, number[], string][] = [
  ["DW_OP_reg5", [0x55], {}, 0x8, [5], "reg5"],
  ["DW_OP_regx 33", [0x90, ...uleb(33)], {}, 0x8, [33], "reg33"],
  ["breg7 +16 (memory)", [0x77, ...sleb(16)], {}, 0x38, [7, 16], "*(reg7+0x10)"],
  ["breg2 +0x10 (memory)", [0x72, ...sleb(0x10)], {}, 0x38, [2, 0x10], "*(reg2+0x10)"],
  ["breg7 -8 stack_value", [0x77, ...sleb(-8), 0x9f], {}, 0x29, [7, (-8) >>> 0], "reg7-0x8"],
  ["breg5 0 stack_value", [0x75, 0, 0x9f], {}, 0x8, [5], "reg5"],
  ["fbreg -16", [0x91, ...sleb(-16)], {}, 0x39, [0xffffffff, (-16) >>> 0], "*(fbreg-0x10)"],
  ["fbreg -16 stack_value", [0x91, ...sleb(-16), 0x9f], {}, 0x29, [0xffffffff, (-16) >>> 0], "fbreg-0x10"],
  ["lit2 stack_value", [0x32, 0x9f], { size: 4 }, 0x2, [2], "const 0x2"],
  ["constu big (8 bytes: always {lo, hi})", [0x10, ...uleb(0x12345), 0x9f], {}, 0x2, [0x12345, 0], "const 0x12345"],
  ["consts -3", [0x11, ...sleb(-3), 0x9f], { size: 4 }, 0x3, [(-3) >>> 0], "const -0x3"],
  ["const8u 64-bit", [0x0e, ...u64le(0xdeadbeeffeedfacen), 0x9f], {}, 0x2, [0xfeedface, 0xdeadbeef], "const 0xdeadbeeffeedface"],
  ["addr in .text", [0x03, ...u64le(0xffffffff81001234n), 0x9f], {}, 0x6, [0x1234, 0], "addr 0x1234"],
  ["addr in percpu (sh_addr 0)", [0x03, ...u64le(0x1a0n), 0x9f], {}, 0x2, [0x1a0, 0], "const 0x1a0"],
  ["implicit_value 4", [0x9e, 4, 0x78, 0x56, 0x34, 0x12], { size: 4 }, 0x2, [0x12345678], "const 0x12345678"],
  ["two register pieces", [0x55, 0x93, 8, 0x54, 0x93, 8], { size: 16 }, 0x8, [5, 4], "reg5, reg4"],
  ["entry_value at entry", [0xa3, 1, 0x55, 0x9f], { atFunctionEntry: true }, 0x8, [5], "reg5"],
  // A narrow parameter in a wide register: ops that only touch bits above its size.
  ["u32 zero-extended from reg5", [0x75, 0, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x9f], { size: 4 }, 0x8, [5], "reg5"],
  ["u16 under a 32-bit mask", [0x75, 0, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x9f], { size: 2 }, 0x8, [5], "reg5"],
  ["int sign-extended from reg3", [0x73, 0, 0x08, 0x20, 0x24, 0x08, 0x20, 0x26, 0x9f], { size: 4 }, 0x8, [3], "reg3"],
  ["u8 masked from reg1+4", [0x71, 4, 0x08, 0xff, 0x1a, 0x9f], { size: 1 }, 0x28, [1, 4], "reg1+0x4"],
  ["u32 loaded from *(reg7+0x28), little endian", [0x77, 0x28, 0x06, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x9f], { size: 4 }, 0x38, [7, 0x28], "*(reg7+0x28)"],
  // Constant arithmetic (gcc: `lit16, lit28, shl` for 1 << 32 | ... shifts), folded on the 64-bit generic type.
  ["lit16 lit28 shl", [0x40, 0x4c, 0x24, 0x9f], {}, 0x2, [0, 1], "const 0x100000000"],
  ["lit16 lit27 shl neg", [0x40, 0x4b, 0x24, 0x1f, 0x9f], {}, 0x2, [0x80000000, 0xffffffff], "const 0xffffffff80000000"],
  ["lit16 lit27 shl neg as an s64", [0x40, 0x4b, 0x24, 0x1f, 0x9f], { size: 8, signed: true }, 0x3, [0x80000000, 0xffffffff], "const -0x80000000"],
  ["const1u 0x20 lit1 plus_uconst 3 minus", [0x08, 0x20, 0x31, 0x23, 3, 0x1c, 0x9f], { size: 4 }, 0x2, [0x1c], "const 0x1c"],
  ["consts -1 lit1 shr (logical, 64-bit)", [0x11, 0x7f, 0x31, 0x25, 0x9f], {}, 0x2, [0xffffffff, 0x7fffffff], "const 0x7fffffffffffffff"],
  ["consts -8 lit1 shra", [0x11, 0x78, 0x31, 0x26, 0x9f], { size: 8, signed: true }, 0x3, [(-4) >>> 0, 0xffffffff], "const -0x4"],
  ["lit3 dup mul lit1 xor", [0x33, 0x12, 0x1e, 0x31, 0x27, 0x9f], { size: 4 }, 0x2, [8], "const 0x8"],
  ["a 32-bit target wraps at 32 bits", [0x31, 0x08, 0x1f, 0x24, 0x9f], { size: 4, addrSize: 4 }, 0x2, [0x80000000], "const 0x80000000"],
  // One piece that is the whole value is the value.
  ["breg1 +24 piece 4 (memory)", [0x71, 24, 0x93, 4], { size: 4 }, 0x38, [1, 24], "*(reg1+0x18)"],
  ["fbreg -16 piece 8 (memory)", [0x91, ...sleb(-16), 0x93, 8], { size: 8 }, 0x39, [0xffffffff, (-16) >>> 0], "*(fbreg-0x10)"],
  ["breg7 -8 stack_value piece 8", [0x77, ...sleb(-8), 0x9f, 0x93, 8], { size: 8 }, 0x29, [7, (-8) >>> 0], "reg7-0x8"],
  ["lit2 stack_value piece 4", [0x32, 0x9f, 0x93, 4], { size: 4 }, 0x2, [2], "const 0x2"],
  // Where the frame base is the CFA (SITE_FRAME_CFA), DW_OP_call_frame_cfa is the frame base (Go).
  ["call_frame_cfa (memory at the CFA)", [0x9c], { frameBaseIsCfa: true }, 0x38, [0xffffffff, 0], "*(fbreg+0x0)"],
  ["call_frame_cfa plus_uconst 16", [0x9c, 0x23, 16], { frameBaseIsCfa: true }, 0x38, [0xffffffff, 16], "*(fbreg+0x10)"],
  ["call_frame_cfa stack_value", [0x9c, 0x9f], { frameBaseIsCfa: true }, 0x8, [0xffffffff], "fbreg"],
  ["call_frame_cfa piece 8", [0x9c, 0x93, 8], { size: 8, frameBaseIsCfa: true }, 0x38, [0xffffffff, 0], "*(fbreg+0x0)"],
];

describe("lowerExpr accepts the FORMAT.md section 5 shapes", () => {
  test.each(ok)("%s", (_d, bytes, over, flags, values, text) => {
    const r = lowerExpr(Uint8Array.from(bytes), { ...exec, ...over });
    expect(r.cause).toBeUndefined();
    expect(r.loc!.flags).toBe(flags);
    expect(r.loc!.values).toEqual(values);
    expect(locParamText(r.loc!)).toBe(text);
  });
});

const none: [string, number[], Partial<LowerContext>, string][] = [
  ["empty (optimized out)", [], {}, "optimized out"],
  ["entry_value away from entry", [0xa3, 1, 0x55, 0x9f], {}, "DW_OP_entry_value"],
  ["GNU_entry_value away from entry", [0xf3, 1, 0x55, 0x9f], {}, "DW_OP_entry_value"],
  ["entry_value of breg", [0xa3, 2, 0x75, 0, 0x9f], { atFunctionEntry: true }, "DW_OP_entry_value"],
  ["addr in relocatable object", [0x03, ...u64le(0x10n), 0x9f], { ...rel }, "DW_OP_addr (relocatable)"],
  ["addr as memory", [0x03, ...u64le(0xffffffff81001234n)], {}, "DW_OP_addr (memory)"],
  ["reg then plus_uconst", [0x55, 0x23, 4], {}, "DW_OP_plus_uconst"],
  ["breg then deref", [0x75, 0, 0x06], {}, "DW_OP_deref"],
  ["breg stack_value then more", [0x75, 0, 0x9f, 0x9f], {}, "DW_OP_stack_value"],
  ["breg piece smaller than the value", [0x71, 24, 0x93, 4], { size: 8 }, "DW_OP_piece"],
  ["breg piece of a value of unknown size", [0x71, 24, 0x93, 4], { size: 0 }, "DW_OP_piece"],
  ["breg piece then more", [0x71, 24, 0x93, 4, 0x93, 4], { size: 4 }, "DW_OP_piece"],
  ["constant piece smaller than the value", [0x32, 0x9f, 0x93, 2], { size: 4 }, "DW_OP_stack_value"],
  ["constant arithmetic without stack_value (memory)", [0x40, 0x4c, 0x24], {}, "DW_OP_lit"],
  ["constant division (not folded)", [0x40, 0x32, 0x1b, 0x9f], {}, "DW_OP_lit"],
  ["constant arithmetic with a register", [0x40, 0x75, 0, 0x22, 0x9f], {}, "DW_OP_breg"],
  ["two values left", [0x31, 0x32, 0x9f], {}, "DW_OP_lit"],
  ["stack underflow", [0x31, 0x22, 0x9f], {}, "DW_OP_plus"],
  ["call_frame_cfa where the frame base is something else", [0x9c], {}, "DW_OP_call_frame_cfa"],
  ["call_frame_cfa and a half piece", [0x9c, 0x93, 8, 0x91, 8, 0x93, 8], { size: 16, frameBaseIsCfa: true }, "DW_OP_piece"],
  ["half a 16-byte value", [0x55, 0x93, 8], { size: 16 }, "DW_OP_piece"],
  ["piece of a non-register", [0x55, 0x93, 8, 0x93, 8], { size: 16 }, "DW_OP_piece"],
  ["GNU_parameter_ref", [0xfa, 0, 0, 0, 0], {}, "DW_OP_GNU_parameter_ref"],
  ["implicit_pointer", [0xa0, 0, 0, 0, 0, 0], {}, "DW_OP_implicit_pointer"],
  ["truncated sleb", [0x77, 0x80], {}, "truncated expression"],
  ["truncated const8u", [0x0e, 1, 2], {}, "truncated expression"],
  ["constant alone is a memory address", [0x32], {}, "constant address (memory)"],
  ["register piece of unknown size", [0x55, 0x93, 8, 0x54, 0x93, 8], { size: 0 }, "DW_OP_piece"],
  ["zero-extension of a 64-bit parameter", [0x75, 0, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x9f], { size: 8 }, "DW_OP_const4u"],
  ["mask that drops parameter bits", [0x75, 0, 0x08, 0xfe, 0x1a, 0x9f], { size: 1 }, "DW_OP_const1u"],
  ["shift by more than the spare bits", [0x73, 0, 0x08, 0x21, 0x24, 0x08, 0x21, 0x26, 0x9f], { size: 4 }, "DW_OP_const1u"],
  ["high half (shr alone)", [0x75, 0, 0x08, 0x20, 0x25, 0x9f], { size: 4 }, "DW_OP_const1u"],
  ["unequal shl/shr amounts", [0x73, 0, 0x08, 0x20, 0x24, 0x08, 0x10, 0x26, 0x9f], { size: 2 }, "DW_OP_const1u"],
  ["masked load on big endian", [0x77, 0x28, 0x06, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x9f], { size: 4, littleEndian: false }, "DW_OP_deref"],
  ["mask with unknown parameter size", [0x75, 0, 0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, 0x9f], { size: 0 }, "DW_OP_const4u"],
  ["implicit_value too long", [0x9e, 16, ...new Array(16).fill(0)], {}, "DW_OP_implicit_value"],
];

describe("lowerExpr refuses what it cannot prove", () => {
  test.each(none)("%s", (_d, bytes, over, cause) => {
    const r = lowerExpr(Uint8Array.from(bytes), { ...exec, ...over });
    expect(r.loc).toBeUndefined();
    expect(r.cause).toBe(cause);
  });
});

describe("DW_AT_const_value", () => {
  test("data1 0xff for a signed char is -1", () => {
    const r = lowerConstValue(0xffn, 1, true, false);
    expect(locParamText(r.loc!)).toBe("const -0x1");
    expect(r.loc!.flags).toBe(0x3);
  });
  test("data1 0xff for an unsigned char is 255", () => {
    expect(locParamText(lowerConstValue(0xffn, 1, false, false).loc!)).toBe("const 0xff");
  });
  test("64-bit values use two words", () => {
    const r = lowerConstValue(0x100000000n, 8, false, false);
    expect(r.loc!.values).toEqual([0, 1]);
  });
  test("block of 4 bytes, big endian", () => {
    expect(locParamText(lowerConstBlock(Uint8Array.from([0, 0, 1, 2]), 4, false, false).loc!)).toBe("const 0x102");
  });
  test("block longer than 8 bytes is unknown", () => {
    expect(lowerConstBlock(new Uint8Array(12), 12, false, true).cause).toBeDefined();
  });
});

// The stats name a cause by its operation: every operation pyelftools knows
// (an independent table: DWARF 5 plus the GNU extensions) gets its name, so
// no cause reads "DW_OP_0x9c" (Go and gcc -O0 write DW_OP_call_frame_cfa).
describe.skipIf(!havePyelftools())("opName against pyelftools", () => {
  const table = JSON.parse(execFileSync(PYTHON, ["-c",
    "import json; from elftools.dwarf.dwarf_expr import DW_OP_name2opcode as m; print(json.dumps(m))"], { encoding: "utf8" })) as Record<string, number>;
  const byOp = new Map<number, string[]>();
  for (const [name, op] of Object.entries(table)) {
    if (name.endsWith("_user")) continue; // DW_OP_lo_user / hi_user bound a range; they are no operations
    byOp.set(op, [...(byOp.get(op) ?? []), name]);
  }
  test("it lists the operations", () => expect(byOp.size).toBeGreaterThan(150));
  test.each([...byOp].map(([op, names]) => [op.toString(16), names]))("0x%s", (hex, names) => {
    const op = parseInt(hex as string, 16);
    // The numbered ranges are counted together (DW_OP_reg5 -> DW_OP_reg).
    const expected = (names as string[]).map((n) => n.replace(/^(DW_OP_(?:lit|reg|breg))\d+$/, "$1"));
    expect(expected).toContain(opName(op));
  });
});
