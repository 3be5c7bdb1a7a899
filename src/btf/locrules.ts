/**
 * What the kernel accepts of a v2 LOC_PARAM (FORMAT.md 3.1.1): the one
 * statement of the rule, read by the lowering (so nothing the kernel would
 * refuse is ever produced), by the emitter's last check and by
 * `btfgen check`.
 *
 * The kernel recognises four flag sets; everything else is "Invalid flags":
 *
 * | flags                         | vlen   | size        |
 * |-------------------------------|--------|-------------|
 * | CONST (+SIGNED, +ADDR)        | 1..2   | 1..8, vlen 2 when > 4 |
 * | REG                           | 1..2   | 1..16       |
 * | REG DEREF                     | 1      | 1..16       |
 * | REG OFFSET (+DEREF, +SIGNED)  | 2..3   | 1..16       |
 */
import { BTF_LOC_ADDR, BTF_LOC_CONST, BTF_LOC_DEREF, BTF_LOC_OFFSET, BTF_LOC_REG, BTF_LOC_SIGNED } from "./kinds.js";

/** Largest value a v2 LOC_PARAM may describe, in bytes. */
export const LOC_MAX_SIZE = 16;
/** Largest constant a v2 LOC_PARAM may hold, in bytes. */
export const LOC_MAX_CONST_SIZE = 8;

/** A rule of 3.1.1 a LOC_PARAM breaks: a short stable name and the kernel-style words. */
export interface LocRuleBreak {
  rule: string;
  message: string;
}

/**
 * The first 3.1.1 rule a v2 LOC_PARAM with these header fields breaks, or
 * undefined when the kernel accepts it. `nameOff`/`kindFlag` default to the
 * values the emitter always writes.
 */
export function locParamBreak(size: number, flags: number, vlen: number, nameOff = 0, kindFlag = false): LocRuleBreak | undefined {
  if (nameOff !== 0) return { rule: "loc_param.name", message: "LOC_PARAM must have name_off 0" };
  if (kindFlag) return { rule: "loc_param.kind_flag", message: "LOC_PARAM must have kind_flag 0" };
  if (!(size >= 1 && size <= LOC_MAX_SIZE)) return { rule: "loc_param.size", message: `size ${size} outside 1..${LOC_MAX_SIZE}` };
  if (vlen < 1) return { rule: "loc_param.vlen", message: "vlen 0" };
  const f = flags >>> 0;
  if (f & BTF_LOC_CONST && (f & ~(BTF_LOC_CONST | BTF_LOC_SIGNED | BTF_LOC_ADDR)) === 0) {
    if (vlen > 2) return { rule: "loc_param.const_vlen", message: `constant with ${vlen} values (at most 2)` };
    if (size > LOC_MAX_CONST_SIZE) return { rule: "loc_param.const_size", message: `constant of ${size} bytes (at most ${LOC_MAX_CONST_SIZE})` };
    if (size > 4 && vlen !== 2) return { rule: "loc_param.const_lohi", message: `constant of ${size} bytes needs 2 values {lo, hi}, has ${vlen}` };
    return undefined;
  }
  if (f === BTF_LOC_REG) {
    return vlen <= 2 ? undefined : { rule: "loc_param.reg_vlen", message: `register location with ${vlen} values (1 or 2)` };
  }
  if (f === (BTF_LOC_REG | BTF_LOC_DEREF)) {
    return vlen === 1 ? undefined : { rule: "loc_param.deref_vlen", message: `dereference without offset with ${vlen} values (exactly 1)` };
  }
  if (f & BTF_LOC_REG && f & BTF_LOC_OFFSET && (f & ~(BTF_LOC_REG | BTF_LOC_OFFSET | BTF_LOC_DEREF | BTF_LOC_SIGNED)) === 0) {
    return vlen === 2 || vlen === 3 ? undefined : { rule: "loc_param.offset_vlen", message: `register+offset with ${vlen} values (2 or 3)` };
  }
  return { rule: "loc_param.flags", message: `Invalid flags 0x${f.toString(16)}` };
}
