/**
 * The location of one argument at one address, in the v2 LOC_PARAM shape
 * (FORMAT.md 3.1): a byte size, a flag word and up to two u32 values. The
 * lowering pass produces these; the emitter turns them into BTF LOC_PARAMs
 * and the `sites` printer into text. Kept free of any BTF container detail
 * so it can be tested on its own.
 */

import { LOC_MAX_CONST_SIZE, LOC_MAX_SIZE, locParamBreak } from "../btf/locrules.js";
import {
  BTF_LOC_ADDR, BTF_LOC_CONST, BTF_LOC_DEREF, BTF_LOC_OFFSET, BTF_LOC_REG, BTF_LOC_REG_FRAME_BASE, BTF_LOC_SIGNED,
} from "../btf/kinds.js";

/** The value is signed (LOC_PARAM flag names used by the lowering are the BTF_LOC_* wire values). */
export const LOC_SIGNED = BTF_LOC_SIGNED;
/** The value is a constant (values hold it, 64-bit as lo, hi). */
export const LOC_CONST = BTF_LOC_CONST;
/** With CONST: an address relative to the load base. */
export const LOC_ADDR = BTF_LOC_ADDR;
/** values[0] (and values[1] for a register pair) is a DWARF register number. */
export const LOC_REG = BTF_LOC_REG;
/** The value lives in memory at the computed address. */
export const LOC_DEREF = BTF_LOC_DEREF;
/** values[1] is an offset added to the register. */
export const LOC_OFFSET = BTF_LOC_OFFSET;
/** DWARF register number that stands for the frame base (DW_OP_fbreg). */
export const REG_FRAME_BASE = BTF_LOC_REG_FRAME_BASE;

/** One argument location (v2 LOC_PARAM without the BTF header). */
export interface LocParam {
  /** Byte size of the value described (1, 2, 4, 8 or 16). */
  size: number;
  flags: number;
  /** u32 words; offsets are stored as their two's-complement u32. */
  values: number[];
}

/**
 * Why the kernel would refuse `p` as a v2 LOC_PARAM (FORMAT.md 3.1.1), as the
 * stats cause under which the lowering counts it as "no location" instead;
 * undefined when it is accepted. Values over 16 bytes (structs passed in
 * memory) and constants over 8 bytes have no accepted form.
 */
export function kernelRefusal(p: LocParam): string | undefined {
  if (p.size > LOC_MAX_SIZE) return `value over ${LOC_MAX_SIZE} bytes`;
  if (p.size === 0) return "value of unknown size";
  if (p.flags & LOC_CONST && p.size > LOC_MAX_CONST_SIZE) return `constant over ${LOC_MAX_CONST_SIZE} bytes`;
  const b = locParamBreak(p.size, p.flags, p.values.length);
  return b && `refused by the kernel (${b.rule})`;
}

/** Builds the canonical key under which equal LOC_PARAMs are deduplicated. */
export function locParamKey(p: LocParam): string {
  return `${p.size}:${p.flags}:${p.values.join(",")}`;
}

function hex(n: bigint): string {
  return "0x" + n.toString(16);
}

/** The 64-bit constant a CONST location holds (lo, hi words). */
export function locConstValue(p: LocParam): bigint {
  const lo = BigInt(p.values[0] >>> 0);
  const hi = p.values.length > 1 ? BigInt(p.values[1] >>> 0) : 0n;
  let v = (hi << 32n) | lo;
  if (p.flags & LOC_SIGNED) {
    const bits = p.values.length > 1 ? 64 : 32;
    v = BigInt.asIntN(bits, v);
  }
  return v;
}

/**
 * Text of a location as the `sites` listing prints it (FORMAT.md 7):
 * `const 0x2`, `addr 0x..`, `reg5`, `reg7+0x10`, `*(reg7+0x10)`,
 * `fbreg-0x10`, `*(fbreg-0x10)`, `reg0, reg1`.
 */
export function locParamText(p: LocParam): string {
  const f = p.flags;
  if (f & LOC_CONST) {
    const v = locConstValue(p);
    if (f & LOC_ADDR) return `addr ${hex(v)}`;
    return v < 0n ? `const -${hex(-v)}` : `const ${hex(v)}`;
  }
  if (f & LOC_REG) {
    const reg = (n: number) => (n >>> 0 === REG_FRAME_BASE ? "fbreg" : `reg${n >>> 0}`);
    let base = reg(p.values[0]);
    if (f & LOC_OFFSET) {
      const off = p.values[1] | 0;
      base += off < 0 ? `-0x${(-off).toString(16)}` : `+0x${off.toString(16)}`;
    } else if (p.values.length > 1) {
      return `${base}, ${reg(p.values[1])}`;
    }
    return f & LOC_DEREF ? `*(${base})` : base;
  }
  return "unavailable";
}
