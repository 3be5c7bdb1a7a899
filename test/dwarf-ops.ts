// A small DWARF expression printer for the dwarf tests: turns the bytes the
// wasm reader hands over into `DW_OP_name operands` strings comparable with
// llvm-dwarfdump's text (register names dropped on both sides). Independent
// of src/lower on purpose.

type Operand = "u1" | "s1" | "u2" | "s2" | "u4" | "s4" | "u8" | "s8" | "uleb" | "sleb" | "addr" | "block" | "nested" | "ref" | "typed-const" | "deref-type";

const OPS: Record<number, [string, ...Operand[]]> = {
  0x03: ["DW_OP_addr", "addr"],
  0x06: ["DW_OP_deref"],
  0x08: ["DW_OP_const1u", "u1"],
  0x09: ["DW_OP_const1s", "s1"],
  0x0a: ["DW_OP_const2u", "u2"],
  0x0b: ["DW_OP_const2s", "s2"],
  0x0c: ["DW_OP_const4u", "u4"],
  0x0d: ["DW_OP_const4s", "s4"],
  0x0e: ["DW_OP_const8u", "u8"],
  0x0f: ["DW_OP_const8s", "s8"],
  0x10: ["DW_OP_constu", "uleb"],
  0x11: ["DW_OP_consts", "sleb"],
  0x12: ["DW_OP_dup"],
  0x13: ["DW_OP_drop"],
  0x14: ["DW_OP_over"],
  0x15: ["DW_OP_pick", "u1"],
  0x16: ["DW_OP_swap"],
  0x17: ["DW_OP_rot"],
  0x19: ["DW_OP_abs"],
  0x1a: ["DW_OP_and"],
  0x1b: ["DW_OP_div"],
  0x1c: ["DW_OP_minus"],
  0x1d: ["DW_OP_mod"],
  0x1e: ["DW_OP_mul"],
  0x1f: ["DW_OP_neg"],
  0x20: ["DW_OP_not"],
  0x21: ["DW_OP_or"],
  0x22: ["DW_OP_plus"],
  0x23: ["DW_OP_plus_uconst", "uleb"],
  0x24: ["DW_OP_shl"],
  0x25: ["DW_OP_shr"],
  0x26: ["DW_OP_shra"],
  0x27: ["DW_OP_xor"],
  0x29: ["DW_OP_eq"],
  0x2a: ["DW_OP_ge"],
  0x2b: ["DW_OP_gt"],
  0x2c: ["DW_OP_le"],
  0x2d: ["DW_OP_lt"],
  0x2e: ["DW_OP_ne"],
  0x90: ["DW_OP_regx", "uleb"],
  0x91: ["DW_OP_fbreg", "sleb"],
  0x92: ["DW_OP_bregx", "uleb", "sleb"],
  0x93: ["DW_OP_piece", "uleb"],
  0x94: ["DW_OP_deref_size", "u1"],
  0x96: ["DW_OP_nop"],
  0x9c: ["DW_OP_call_frame_cfa"],
  0x9d: ["DW_OP_bit_piece", "uleb", "uleb"],
  0x9e: ["DW_OP_implicit_value", "block"],
  0x9f: ["DW_OP_stack_value"],
  0xa0: ["DW_OP_implicit_pointer", "ref", "sleb"],
  0xa3: ["DW_OP_entry_value", "nested"],
  0xa4: ["DW_OP_const_type", "uleb", "typed-const"],
  0xa5: ["DW_OP_regval_type", "uleb", "uleb"],
  0xa6: ["DW_OP_deref_type", "u1", "uleb"],
  0xa8: ["DW_OP_convert", "uleb"],
  0xa9: ["DW_OP_reinterpret", "uleb"],
  0xf2: ["DW_OP_GNU_implicit_pointer", "ref", "sleb"],
  0xf3: ["DW_OP_GNU_entry_value", "nested"],
  0xf4: ["DW_OP_GNU_const_type", "uleb", "typed-const"],
  0xf5: ["DW_OP_GNU_regval_type", "uleb", "uleb"],
  0xf6: ["DW_OP_GNU_deref_type", "u1", "uleb"],
  0xf7: ["DW_OP_GNU_convert", "uleb"],
  0xfa: ["DW_OP_GNU_parameter_ref", "u4"],
};

/** One decoded operation: mnemonic and numeric operands. */
export interface Op {
  name: string;
  args: bigint[];
  /** Raw bytes of the operation. */
  bytes: number[];
}

/** Decodes `b` (little or big endian operands); throws on unknown opcodes. */
export function decodeOps(b: Uint8Array, addrSize: number, le: boolean, offsetSize = 4): Op[] {
  const ops: Op[] = [];
  let i = 0;
  const fixed = (n: number, signed: boolean): bigint => {
    if (i + n > b.length) throw new Error("truncated operand");
    let v = 0n;
    for (let k = 0; k < n; k++) {
      const byte = BigInt(b[le ? i + k : i + n - 1 - k]!);
      v |= byte << BigInt(8 * k);
    }
    i += n;
    return signed ? BigInt.asIntN(8 * n, v) : v;
  };
  const leb = (signed: boolean): bigint => {
    let v = 0n;
    let shift = 0n;
    let byte: number;
    do {
      if (i >= b.length) throw new Error("truncated LEB128");
      byte = b[i++]!;
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (signed && byte & 0x40) v -= 1n << shift;
    return v;
  };
  while (i < b.length) {
    const start = i;
    const code = b[i++]!;
    let name: string;
    let kinds: Operand[];
    if (code >= 0x30 && code <= 0x4f) [name, kinds] = [`DW_OP_lit${code - 0x30}`, []];
    else if (code >= 0x50 && code <= 0x6f) [name, kinds] = [`DW_OP_reg${code - 0x50}`, []];
    else if (code >= 0x70 && code <= 0x8f) [name, kinds] = [`DW_OP_breg${code - 0x70}`, ["sleb"]];
    else {
      const e = OPS[code];
      if (!e) throw new Error(`unknown opcode 0x${code.toString(16)}`);
      [name, ...kinds] = e;
    }
    const args: bigint[] = [];
    for (const k of kinds) {
      switch (k) {
        case "u1": args.push(fixed(1, false)); break;
        case "s1": args.push(fixed(1, true)); break;
        case "u2": args.push(fixed(2, false)); break;
        case "s2": args.push(fixed(2, true)); break;
        case "u4": args.push(fixed(4, false)); break;
        case "s4": args.push(fixed(4, true)); break;
        case "u8": args.push(fixed(8, false)); break;
        case "s8": args.push(fixed(8, true)); break;
        case "uleb": args.push(leb(false)); break;
        case "sleb": args.push(leb(true)); break;
        case "addr": args.push(fixed(addrSize, false)); break;
        case "ref": args.push(fixed(offsetSize, false)); break;
        case "block":
        case "nested": {
          const n = Number(leb(false));
          args.push(BigInt(n));
          i += n;
          break;
        }
        case "typed-const": {
          const n = b[i++]!;
          i += n;
          break;
        }
        case "deref-type": break;
      }
    }
    if (i > b.length) throw new Error("truncated operation");
    ops.push({ name, args, bytes: [...b.subarray(start, i)] });
  }
  return ops;
}

/**
 * Normalises one llvm-dwarfdump op text to `name args...`: register names
 * dropped (`DW_OP_breg7 RSP+8` → `DW_OP_breg7 8`, `DW_OP_regx B0` →
 * `DW_OP_regx`), hex and decimal numbers as decimal. Nested expressions
 * (entry_value) keep only the mnemonic.
 */
export function normaliseDumpOp(op: string): { name: string; args: bigint[] | undefined } {
  const m = /^(DW_OP_\w+)(.*)$/.exec(op.trim());
  if (!m) throw new Error(`not an op: ${op}`);
  const name = m[1]!;
  const rest = m[2]!;
  if (rest.startsWith("(") || /entry_value|implicit_value|const_type|regval_type|deref_type|convert|implicit_pointer|regx|bregx/.test(name)) {
    return { name, args: undefined };
  }
  const breg = /^ \S*?([+-]\d+)$/.exec(rest);
  if (/^DW_OP_breg\d+$/.test(name) && breg) return { name, args: [BigInt(breg[1]!)] };
  const nums = rest.trim() === "" ? [] : rest.trim().split(/\s+/);
  if (/^DW_OP_reg\d+$/.test(name)) return { name, args: [] };
  return { name, args: nums.map((n) => BigInt(n)) };
}
