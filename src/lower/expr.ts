/**
 * Lowering one DWARF location (an expression already chosen for the site
 * address, or a DW_AT_const_value) to a {@link LocParam}, by the table of
 * FORMAT.md section 5. Anything this file cannot prove is "no location", with
 * a cause naming the DWARF operation that stopped it, for `btfgen stats`.
 *
 * Never guess: an expression is accepted only when it matches one of the
 * shapes below exactly (trailing operations make it unknown).
 */
import {
  LOC_ADDR, LOC_CONST, LOC_DEREF, LOC_OFFSET, LOC_REG, LOC_SIGNED, REG_FRAME_BASE,
  type LocParam,
} from "./locparam.js";

/** Facts about the object and site that lowering needs. */
export interface LowerContext {
  /** DW_OP_addr operand size of the unit. */
  addrSize: number;
  littleEndian: boolean;
  /** Byte size of the parameter's type (0 when unknown). */
  size: number;
  /** The parameter's type is signed (meaningful only when `size` is known). */
  signed?: boolean;
  /**
   * Maps a link-time address to its load-relative form (FORMAT.md 3.1), or
   * returns undefined when no address may be emitted (relocatable objects).
   * `relative: false` means "emit as plain CONST" (section at sh_addr 0).
   */
  relocateAddr(addr: bigint): { value: bigint; relative: boolean } | undefined;
  /**
   * True when the site address equals the entry address of the enclosing
   * out-of-line function, so DW_OP_entry_value(reg) is that register now.
   */
  atFunctionEntry: boolean;
  /**
   * The enclosing out-of-line function's DW_AT_frame_base is exactly
   * DW_OP_call_frame_cfa (SITE_FRAME_CFA): there the CFA is the frame base.
   */
  frameBaseIsCfa?: boolean;
  /**
   * Away from the entry: the value register `reg` held on entry to the
   * enclosing function when the callers prove it (src/lower/entryvalues.ts),
   * as a constant expression, else the cause. Absent: never resolved.
   */
  entryValue?: (reg: number) => { expr: Uint8Array; cause?: undefined } | { cause: string; expr?: undefined };
}

/** Result of lowering: a location, or the cause why there is none. */
export type Lowered = { loc: LocParam; cause?: undefined } | { loc?: undefined; cause: string };

const DW_OP_addr = 0x03;
const DW_OP_deref = 0x06;
const DW_OP_const1u = 0x08;
const DW_OP_const1s = 0x09;
const DW_OP_const2u = 0x0a;
const DW_OP_const2s = 0x0b;
const DW_OP_const4u = 0x0c;
const DW_OP_const4s = 0x0d;
const DW_OP_const8u = 0x0e;
const DW_OP_const8s = 0x0f;
const DW_OP_constu = 0x10;
const DW_OP_consts = 0x11;
const DW_OP_dup = 0x12;
const DW_OP_drop = 0x13;
const DW_OP_over = 0x14;
const DW_OP_swap = 0x16;
const DW_OP_and = 0x1a;
const DW_OP_minus = 0x1c;
const DW_OP_mul = 0x1e;
const DW_OP_neg = 0x1f;
const DW_OP_not = 0x20;
const DW_OP_or = 0x21;
const DW_OP_plus = 0x22;
const DW_OP_plus_uconst = 0x23;
const DW_OP_shl = 0x24;
const DW_OP_shr = 0x25;
const DW_OP_shra = 0x26;
const DW_OP_xor = 0x27;
const DW_OP_lit0 = 0x30;
const DW_OP_lit31 = 0x4f;
const DW_OP_reg0 = 0x50;
const DW_OP_reg31 = 0x6f;
const DW_OP_breg0 = 0x70;
const DW_OP_breg31 = 0x8f;
const DW_OP_regx = 0x90;
const DW_OP_fbreg = 0x91;
const DW_OP_bregx = 0x92;
const DW_OP_piece = 0x93;
const DW_OP_deref_size = 0x94;
const DW_OP_call_frame_cfa = 0x9c;
const DW_OP_implicit_value = 0x9e;
const DW_OP_stack_value = 0x9f;
const DW_OP_entry_value = 0xa3;
const DW_OP_GNU_entry_value = 0xf3;

/**
 * Names of the operations that can end lowering, for the stats causes: every
 * DWARF 5 operation (7.7.1, Table 7.9) outside the lit/reg/breg ranges, and
 * the GNU extensions gcc writes. A byte outside them is named by its value.
 */
const OP_NAMES: Record<number, string> = {
  0x03: "DW_OP_addr", 0x06: "DW_OP_deref", 0x08: "DW_OP_const1u", 0x09: "DW_OP_const1s", 0x0a: "DW_OP_const2u",
  0x0b: "DW_OP_const2s", 0x0c: "DW_OP_const4u", 0x0d: "DW_OP_const4s", 0x0e: "DW_OP_const8u",
  0x0f: "DW_OP_const8s", 0x10: "DW_OP_constu", 0x11: "DW_OP_consts", 0x12: "DW_OP_dup", 0x13: "DW_OP_drop",
  0x14: "DW_OP_over", 0x15: "DW_OP_pick", 0x16: "DW_OP_swap", 0x17: "DW_OP_rot", 0x18: "DW_OP_xderef",
  0x19: "DW_OP_abs", 0x1a: "DW_OP_and", 0x1b: "DW_OP_div", 0x1c: "DW_OP_minus", 0x1d: "DW_OP_mod",
  0x1e: "DW_OP_mul", 0x1f: "DW_OP_neg", 0x20: "DW_OP_not", 0x21: "DW_OP_or", 0x22: "DW_OP_plus",
  0x23: "DW_OP_plus_uconst", 0x24: "DW_OP_shl", 0x25: "DW_OP_shr", 0x26: "DW_OP_shra", 0x27: "DW_OP_xor",
  0x28: "DW_OP_bra", 0x29: "DW_OP_eq", 0x2a: "DW_OP_ge", 0x2b: "DW_OP_gt", 0x2c: "DW_OP_le", 0x2d: "DW_OP_lt",
  0x2e: "DW_OP_ne", 0x2f: "DW_OP_skip",
  0x90: "DW_OP_regx", 0x91: "DW_OP_fbreg", 0x92: "DW_OP_bregx", 0x93: "DW_OP_piece", 0x94: "DW_OP_deref_size",
  0x95: "DW_OP_xderef_size", 0x96: "DW_OP_nop", 0x97: "DW_OP_push_object_address", 0x98: "DW_OP_call2",
  0x99: "DW_OP_call4", 0x9a: "DW_OP_call_ref", 0x9b: "DW_OP_form_tls_address", 0x9c: "DW_OP_call_frame_cfa",
  0x9d: "DW_OP_bit_piece", 0x9e: "DW_OP_implicit_value", 0x9f: "DW_OP_stack_value", 0xa0: "DW_OP_implicit_pointer",
  0xa1: "DW_OP_addrx", 0xa2: "DW_OP_constx", 0xa3: "DW_OP_entry_value", 0xa4: "DW_OP_const_type",
  0xa5: "DW_OP_regval_type", 0xa6: "DW_OP_deref_type", 0xa7: "DW_OP_xderef_type", 0xa8: "DW_OP_convert",
  0xa9: "DW_OP_reinterpret",
  0xe0: "DW_OP_GNU_push_tls_address", 0xf0: "DW_OP_GNU_uninit", 0xf1: "DW_OP_GNU_encoded_addr",
  0xf2: "DW_OP_GNU_implicit_pointer", 0xf3: "DW_OP_GNU_entry_value", 0xf4: "DW_OP_GNU_const_type",
  0xf5: "DW_OP_GNU_regval_type", 0xf6: "DW_OP_GNU_deref_type", 0xf7: "DW_OP_GNU_convert",
  0xf9: "DW_OP_GNU_reinterpret", 0xfa: "DW_OP_GNU_parameter_ref", 0xfb: "DW_OP_GNU_addr_index",
  0xfc: "DW_OP_GNU_const_index", 0xfd: "DW_OP_GNU_variable_value",
};

/** The name used in stats for an operation byte. */
export function opName(op: number): string {
  if (op >= DW_OP_lit0 && op <= DW_OP_lit31) return "DW_OP_lit";
  if (op >= DW_OP_reg0 && op <= DW_OP_reg31) return "DW_OP_reg";
  if (op >= DW_OP_breg0 && op <= DW_OP_breg31) return "DW_OP_breg";
  return OP_NAMES[op] ?? `DW_OP_0x${op.toString(16)}`;
}

/** Minimal bounds-checked expression cursor; a shortfall ends lowering. */
class ExprCursor {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly le: boolean) {}
  get done(): boolean { return this.pos >= this.b.length; }
  u8(): number {
    if (this.pos >= this.b.length) throw new ShortExpr();
    return this.b[this.pos++];
  }
  uleb(): bigint {
    // One byte (most operands): one bigint, not four per byte.
    if (this.pos < this.b.length && this.b[this.pos]! < 0x80) return BigInt(this.b[this.pos++]!);
    let result = 0n, shift = 0n;
    for (;;) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (!(byte & 0x80)) return result;
    }
  }
  sleb(): bigint {
    if (this.pos < this.b.length && this.b[this.pos]! < 0x80) {
      const byte = this.b[this.pos++]!;
      return BigInt(byte & 0x40 ? byte - 0x80 : byte);
    }
    let result = 0n, shift = 0n, byte: number;
    do {
      byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return result;
  }
  /** Fixed-size integer in target byte order. */
  fixed(n: number, signed: boolean): bigint {
    if (this.pos + n > this.b.length) throw new ShortExpr();
    let v = 0n;
    for (let i = 0; i < n; i++) {
      const byte = BigInt(this.b[this.pos + (this.le ? n - 1 - i : i)]);
      v = (v << 8n) | byte;
    }
    this.pos += n;
    return signed ? BigInt.asIntN(n * 8, v) : v;
  }
}

class ShortExpr extends Error {}

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

/**
 * A constant as CONST(+SIGNED): one word when the value is at most 4 bytes
 * and fits 32 bits, else {lo, hi} — always {lo, hi} for a value of more than
 * 4 bytes, which is what the kernel requires (FORMAT.md 3.1.1).
 */
export function constLoc(v: bigint, size: number, signed: boolean): LocParam {
  const neg = signed && v < 0n;
  const u = BigInt.asUintN(64, v);
  const lo = Number(u & 0xffffffffn);
  const hi = Number(u >> 32n);
  const fitsOne = (neg ? v >= I32_MIN : hi === 0) && size <= 4;
  const values = fitsOne ? [lo] : [lo, hi];
  return { size: size || (fitsOne ? 4 : 8), flags: LOC_CONST | (neg ? LOC_SIGNED : 0), values };
}

function regOffsetLoc(reg: number, off: bigint, deref: boolean, size: number): LocParam | undefined {
  if (off < I32_MIN || off > I32_MAX) return undefined;
  const o = Number(off);
  if (!deref && o === 0) return { size, flags: LOC_REG, values: [reg] };
  return {
    size,
    flags: LOC_REG | LOC_OFFSET | (deref ? LOC_DEREF : 0) | (o < 0 ? LOC_SIGNED : 0),
    values: [reg >>> 0, o >>> 0],
  };
}

/**
 * After `bregN off`: operations that change only bits above the parameter's
 * own width, then DW_OP_stack_value. Compilers write a narrow argument that
 * lives in a wide register this way — `breg5 0; const4u 0xffffffff; and`
 * (zero-extend an `unsigned int`), `breg5 0; const1u 32; shl; const1u 32;
 * shra` (sign-extend an `int`) — and the value of a `size`-byte parameter is
 * then just the low `size` bytes of the register (+ offset): the same as a
 * plain register location of that size. With one leading DW_OP_deref /
 * DW_OP_deref_size the low bytes of the loaded word are the bytes at the
 * address only on little-endian targets, so that form is accepted there
 * only. Returns whether the value is loaded (deref), or undefined when the
 * operations could touch the parameter's bits.
 */
function lowBitsOnly(c: ExprCursor, ctx: LowerContext): { deref: boolean } | undefined {
  try {
    return lowBitsOnlyOps(c, ctx);
  } catch (e) {
    if (e instanceof ShortExpr) return undefined;
    throw e;
  }
}

function lowBitsOnlyOps(c: ExprCursor, ctx: LowerContext): { deref: boolean } | undefined {
  const keep = BigInt(ctx.size * 8);
  const width = BigInt(ctx.addrSize * 8);
  if (ctx.size === 0 || keep > width) return undefined;
  let deref = false;
  let changed = false;
  let op = c.u8();
  if (op === DW_OP_deref || op === DW_OP_deref_size) {
    if (!ctx.littleEndian) return undefined;
    const n = op === DW_OP_deref_size ? c.u8() : ctx.addrSize;
    if (BigInt(n * 8) < keep) return undefined;
    deref = true;
    op = c.u8();
  }
  for (;;) {
    if (op === DW_OP_stack_value) return c.done && (changed || deref) ? { deref } : undefined;
    const k = readConstOp(c, op);
    if (k === undefined || c.done) return undefined;
    const op2 = c.u8();
    const mask = (1n << keep) - 1n;
    if (op2 === DW_OP_and) {
      // Masking keeps the parameter's bits when they are all set in the mask.
      if ((BigInt.asUintN(64, k.v) & mask) !== mask) return undefined;
    } else if (op2 === DW_OP_shl) {
      // `shl n` must be undone by `shr n`/`shra n` right after, and leave the low bits alone.
      const n = k.v;
      if (n < 0n || n > width - keep || c.done) return undefined;
      const k2 = readConstOp(c, c.u8());
      if (k2 === undefined || k2.v !== n || c.done) return undefined;
      const op3 = c.u8();
      if (op3 !== DW_OP_shr && op3 !== DW_OP_shra) return undefined;
    } else {
      return undefined;
    }
    changed = true;
    if (c.done) return undefined;
    op = c.u8();
  }
}

/** Reads one register-naming op (DW_OP_regN / regx) or returns undefined. */
function readRegOp(c: ExprCursor, op: number): number | undefined {
  if (op >= DW_OP_reg0 && op <= DW_OP_reg31) return op - DW_OP_reg0;
  if (op === DW_OP_regx) {
    const r = c.uleb();
    return r < 0xffffffffn ? Number(r) : undefined;
  }
  return undefined;
}

/** Reads the constant pushed by a constant op, or undefined if `op` is not one. */
function readConstOp(c: ExprCursor, op: number): { v: bigint; signed: boolean } | undefined {
  if (op >= DW_OP_lit0 && op <= DW_OP_lit31) return { v: BigInt(op - DW_OP_lit0), signed: false };
  switch (op) {
    case DW_OP_const1u: return { v: c.fixed(1, false), signed: false };
    case DW_OP_const1s: return { v: c.fixed(1, true), signed: true };
    case DW_OP_const2u: return { v: c.fixed(2, false), signed: false };
    case DW_OP_const2s: return { v: c.fixed(2, true), signed: true };
    case DW_OP_const4u: return { v: c.fixed(4, false), signed: false };
    case DW_OP_const4s: return { v: c.fixed(4, true), signed: true };
    case DW_OP_const8u: return { v: c.fixed(8, false), signed: false };
    case DW_OP_const8s: return { v: c.fixed(8, true), signed: true };
    case DW_OP_constu: return { v: c.uleb(), signed: false };
    case DW_OP_consts: return { v: c.sleb(), signed: true };
    default: return undefined;
  }
}

/**
 * True when the rest of `c` is one `DW_OP_piece n` (its opcode already read
 * when `opRead`) covering the whole `size`-byte value, and nothing after:
 * a piece that is the entire object is the object (DWARF 5 2.6.1.2). A
 * smaller piece is part of the value only; without the size, refuse.
 */
function wholePiece(c: ExprCursor, size: number, opRead = false): boolean {
  const at = c.pos;
  try {
    if ((opRead || c.u8() === DW_OP_piece) && size > 0 && c.uleb() === BigInt(size) && c.done) return true;
  } catch (e) {
    if (!(e instanceof ShortExpr)) throw e;
  }
  c.pos = at;
  return false;
}

/**
 * The value of an expression made only of constants and arithmetic on
 * them, ending in DW_OP_stack_value, evaluated as DWARF does on the
 * generic type (address-sized, two's complement, DWARF 5 2.5.1); undefined
 * when any other operation (a piece too), a stack underflow or a leftover
 * value appears. Division and modulo are left out (signedness rules differ
 * between producers); shifts of the width or more give 0 (or the sign).
 */
export function foldConstant(bytes: Uint8Array, addrSize: number, littleEndian: boolean): bigint | undefined {
  const bits = addrSize * 8;
  const wrap = (v: bigint): bigint => BigInt.asUintN(bits, v);
  const signed = (v: bigint): bigint => BigInt.asIntN(bits, v);
  const c = new ExprCursor(bytes, littleEndian);
  const st: bigint[] = [];
  const pop = (): bigint => {
    const v = st.pop();
    if (v === undefined) throw new ShortExpr();
    return v;
  };
  try {
    while (!c.done) {
      const op = c.u8();
      const k = readConstOp(c, op);
      if (k !== undefined) {
        st.push(wrap(k.v));
        continue;
      }
      if (op === DW_OP_stack_value) return c.done && st.length === 1 ? st[0] : undefined;
      if (op === DW_OP_plus_uconst) {
        st.push(wrap(pop() + c.uleb()));
        continue;
      }
      if (op === DW_OP_neg || op === DW_OP_not) {
        const a = pop();
        st.push(wrap(op === DW_OP_neg ? -a : ~a));
        continue;
      }
      if (op === DW_OP_dup) {
        const a = pop();
        st.push(a, a);
        continue;
      }
      if (op === DW_OP_drop) {
        pop();
        continue;
      }
      if (op === DW_OP_swap) {
        const b = pop();
        const a = pop();
        st.push(b, a);
        continue;
      }
      if (op === DW_OP_over) {
        const b = pop();
        const a = pop();
        st.push(a, b, a);
        continue;
      }
      const b = pop();
      const a = pop();
      const n = b >= BigInt(bits) ? BigInt(bits) : b;
      switch (op) {
        case DW_OP_plus: st.push(wrap(a + b)); break;
        case DW_OP_minus: st.push(wrap(a - b)); break;
        case DW_OP_mul: st.push(wrap(a * b)); break;
        case DW_OP_and: st.push(a & b); break;
        case DW_OP_or: st.push(a | b); break;
        case DW_OP_xor: st.push(a ^ b); break;
        case DW_OP_shl: st.push(wrap(a << n)); break;
        case DW_OP_shr: st.push(a >> n); break;
        case DW_OP_shra: st.push(wrap(signed(a) >> n)); break;
        default: return undefined;
      }
    }
  } catch (e) {
    if (e instanceof ShortExpr) return undefined;
    throw e;
  }
  return undefined;
}

/**
 * Lowers the expression bytes that hold at the site address.
 * Shapes accepted (anything else: no location, cause = first op not handled):
 *  regN | regx N                         -> REG {N}
 *  bregN off ; stack_value               -> REG|OFFSET {N, off} (REG {N} when off = 0)
 *  bregN off                             -> REG|DEREF|OFFSET {N, off}
 *  bregN off ; <high-bits-only ops> ; stack_value -> as bregN off ; stack_value (see lowBitsOnly)
 *  fbreg off                             -> REG|DEREF|OFFSET {frame base, off}
 *  fbreg off ; stack_value               -> REG|OFFSET {frame base, off}
 *  call_frame_cfa [; plus_uconst off]    -> as fbreg off, where the frame base is the CFA (ctx.frameBaseIsCfa)
 *  <const op> ; stack_value              -> CONST(+SIGNED)
 *  constants and arithmetic ; stack_value -> CONST (foldConstant)
 *  bregN/fbreg/<const> forms above ; piece size -> the same (one piece that is the whole value)
 *  addr A ; stack_value                  -> ADDR|CONST (or CONST, or none: see relocateAddr)
 *  implicit_value len bytes (len <= 8)   -> CONST
 *  regA piece a ; regB piece b           -> REG {A, B} (two pieces of one 16-byte value)
 *  entry_value(regN) ; stack_value       -> REG {N} at the enclosing function's entry; elsewhere
 *                                           the constant every caller provably passed (ctx.entryValue)
 */
export function lowerExpr(bytes: Uint8Array, ctx: LowerContext): Lowered {
  if (bytes.length === 0) return { cause: "optimized out" };
  const c = new ExprCursor(bytes, ctx.littleEndian);
  try {
    const op = c.u8();
    const size = ctx.size;

    const reg = readRegOp(c, op);
    if (reg !== undefined) {
      if (c.done) return { loc: { size, flags: LOC_REG, values: [reg] } };
      return lowerPieces(c, reg, ctx);
    }

    let breg: number | undefined;
    let off = 0n;
    if (op >= DW_OP_breg0 && op <= DW_OP_breg31) {
      breg = op - DW_OP_breg0;
      off = c.sleb();
    } else if (op === DW_OP_bregx) {
      const r = c.uleb();
      if (r >= 0xffffffffn) return { cause: "DW_OP_bregx" };
      breg = Number(r);
      off = c.sleb();
    } else if (op === DW_OP_fbreg) {
      breg = REG_FRAME_BASE;
      off = c.sleb();
    } else if (op === DW_OP_call_frame_cfa && ctx.frameBaseIsCfa) {
      // The CFA is the frame base here: `call_frame_cfa [; plus_uconst k]` is `fbreg k` (Go writes it).
      breg = REG_FRAME_BASE;
      if (!c.done) {
        const at = c.pos;
        if (c.u8() === DW_OP_plus_uconst) off = c.uleb();
        else c.pos = at;
      }
    }
    if (breg !== undefined) {
      const name = op === DW_OP_fbreg || op === DW_OP_call_frame_cfa ? opName(op) : "DW_OP_breg";
      let deref = true;
      if (!c.done) {
        const start = c.pos;
        const next = c.u8();
        if (next === DW_OP_stack_value && (c.done || wholePiece(c, size))) {
          deref = false;
        } else if (next === DW_OP_piece && wholePiece(c, size, true)) {
          deref = true;
        } else {
          c.pos = start;
          const low = lowBitsOnly(c, ctx);
          if (low === undefined) return { cause: opName(next === DW_OP_stack_value ? c.b[start + 1] : next) };
          deref = low.deref;
        }
      }
      const loc = regOffsetLoc(breg, off, deref, size);
      return loc ? { loc } : { cause: name };
    }

    const k = readConstOp(c, op);
    if (k !== undefined) {
      if (c.done) return { cause: "constant address (memory)" };
      const next = c.u8();
      if (next === DW_OP_stack_value && (c.done || wholePiece(c, size))) return { loc: typedConst(k.v, size, ctx.signed, k.signed) };
      // Constants and arithmetic on them (`lit16, lit28, shl, stack_value`): the value is known.
      const v = foldConstant(bytes, ctx.addrSize, ctx.littleEndian);
      if (v !== undefined) return { loc: typedConst(v, size, ctx.signed, false) };
      return { cause: opName(next) };
    }

    if (op === DW_OP_addr) {
      const a = c.fixed(ctx.addrSize, false);
      if (c.done) return { cause: "DW_OP_addr (memory)" };
      const next = c.u8();
      if (next !== DW_OP_stack_value || !c.done) return { cause: opName(next) };
      const r = ctx.relocateAddr(a);
      if (!r) return { cause: "DW_OP_addr (relocatable)" };
      if (!r.relative) return { loc: constLoc(r.value, size, false) };
      const u = BigInt.asUintN(64, r.value);
      return {
        loc: { size: size || ctx.addrSize, flags: LOC_ADDR | LOC_CONST, values: [Number(u & 0xffffffffn), Number(u >> 32n)] },
      };
    }

    if (op === DW_OP_implicit_value) {
      const len = Number(c.uleb());
      if (len > 8 || len === 0) return { cause: "DW_OP_implicit_value" };
      const v = c.fixed(len, false);
      if (!c.done) return { cause: opName(c.u8()) };
      return { loc: typedConst(v, size || len, ctx.signed, false) };
    }

    if (op === DW_OP_entry_value || op === DW_OP_GNU_entry_value) {
      const len = Number(c.uleb());
      const sub = bytes.subarray(c.pos, c.pos + len);
      c.pos += len;
      if (sub.length !== len) return { cause: "DW_OP_entry_value" };
      const sc = new ExprCursor(sub, ctx.littleEndian);
      const r = readRegOp(sc, sc.u8());
      if (r === undefined || !sc.done) return { cause: "DW_OP_entry_value" };
      if (c.done || c.u8() !== DW_OP_stack_value || !c.done) return { cause: "DW_OP_entry_value" };
      if (ctx.atFunctionEntry) return { loc: { size, flags: LOC_REG, values: [r] } };
      if (!ctx.entryValue) return { cause: "DW_OP_entry_value" };
      return lowerEntryConstant(ctx.entryValue(r), ctx);
    }

    return { cause: opName(op) };
  } catch (e) {
    if (e instanceof ShortExpr) return { cause: "truncated expression" };
    throw e;
  }
}

/** Wider than 4 bytes, a constant of a register argument is taken only in [0, 2^31) (see entryvalues.ts). */
const ENTRY_CONST_MAX = 2n ** 31n;

/** Lowers the constant a call-site proof gave for an entry value. */
function lowerEntryConstant(ev: { expr: Uint8Array; cause?: undefined } | { cause: string; expr?: undefined }, ctx: LowerContext): Lowered {
  if (ev.cause !== undefined) return { cause: ev.cause };
  if (ev.expr[0] !== DW_OP_addr && (ctx.size === 0 || ctx.size > 4)) {
    const c = new ExprCursor(ev.expr, ctx.littleEndian);
    const k = readConstOp(c, c.u8());
    if (!k || k.v < 0n || k.v >= ENTRY_CONST_MAX) return { cause: "DW_OP_entry_value: constant wider than 32 bits" };
  }
  // The proof's expression is `<constant> ; DW_OP_stack_value`: no entry_value in it.
  return lowerExpr(ev.expr, { ...ctx, entryValue: undefined });
}

/**
 * `regA piece n ; regB piece n`: one value split evenly over two registers
 * (a 16-byte struct in two 64-bit registers). A single register piece that
 * covers the whole value is just that register. Anything partial is unknown.
 */
function lowerPieces(c: ExprCursor, first: number, ctx: LowerContext): Lowered {
  const regs = [first];
  const pieces: number[] = [];
  for (;;) {
    const op = c.u8();
    if (op !== DW_OP_piece) return { cause: opName(op) };
    pieces.push(Number(c.uleb()));
    if (c.done) break;
    const r = readRegOp(c, c.u8());
    if (r === undefined) return { cause: "DW_OP_piece" };
    regs.push(r);
  }
  const total = pieces.reduce((a, b) => a + b, 0);
  // Without the type's size a piece may be half the value: refuse rather than guess.
  if (ctx.size === 0 || total !== ctx.size) return { cause: "DW_OP_piece" };
  if (regs.length === 1) return { loc: { size: total, flags: LOC_REG, values: regs } };
  if (regs.length !== 2 || pieces[0] !== pieces[1]) return { cause: "DW_OP_piece" };
  return { loc: { size: total, flags: LOC_REG, values: regs } };
}

/**
 * A constant for a parameter of `size` bytes: when the type is known its
 * signedness decides, and the value is cut to the type's width (0xff in a
 * DW_FORM_data1 for `signed char` is -1; DW_OP_const1s -1 for a `u8` is
 * 0xff). Unknown type: the form or operation decides.
 */
function typedConst(value: bigint, size: number, signedType: boolean | undefined, signedForm: boolean): LocParam {
  if (size > 0 && size <= 8 && signedType !== undefined) {
    const bits = size * 8;
    return constLoc(signedType ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value), size, signedType);
  }
  return constLoc(value, size, signedForm);
}

/** DW_AT_const_value (data forms) to CONST; see {@link typedConst}. */
export function lowerConstValue(value: bigint, size: number, signedType: boolean | undefined, sdataForm: boolean): Lowered {
  return { loc: typedConst(sdataForm ? BigInt.asIntN(64, value) : value, size, signedType, sdataForm) };
}

/** DW_AT_const_value in block form: up to 8 bytes in target order. */
export function lowerConstBlock(bytes: Uint8Array, size: number, signedType: boolean | undefined, littleEndian: boolean): Lowered {
  if (bytes.length === 0 || bytes.length > 8) return { cause: "DW_AT_const_value block" };
  const c = new ExprCursor(bytes, littleEndian);
  const v = c.fixed(bytes.length, false);
  return { loc: typedConst(v, size || bytes.length, signedType, false) };
}
