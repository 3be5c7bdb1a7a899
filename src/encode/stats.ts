/**
 * Counters of one encode: what was emitted, and every reason a DIE was not
 * turned into what a reader might expect (one counter per reason, so a
 * difference against pahole can be explained by a number).
 */
import { kindName } from "../btf/kinds.js";
import type { Btf } from "../btf/btf.js";

/** Why a subprogram got no BTF FUNC. */
export interface FuncSkips {
  /** A declaration only (no code here). */
  declaration: number;
  /** No DW_AT_low_pc/ranges: inline-only or never emitted. */
  noCode: number;
  /** The name carries a compiler clone suffix (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`...). */
  cloneSuffix: number;
  /** Its concrete instance was marked optimised (DW_CC_nocall). */
  optimized: number;
  /** No STT_FUNC ELF symbol of that name. */
  noSymbol: number;
  /** A FUNC of that name was already emitted (another CU, same prototype). */
  duplicate: number;
  /** Another CU gave the same name a different prototype; the first one is kept (pahole 1.24). */
  inconsistentProto: number;
  /** Unnamed. */
  anonymous: number;
  /** A parameter has no name (pahole's has_arg_names). */
  unnamedParams: number;
  /** vmlinux: no `__mcount_loc` entry inside the symbol (not ftrace-able). */
  notFtrace: number;
}

/** Statistics of an encode. */
export interface EncodeStats {
  /** DIE rows in the input table. */
  dies: number;
  /** Types the encoder produced before dedup (all batches). */
  rawTypes: number;
  /** Types in the output (own types, excluding the base). */
  types: number;
  /** Own types per kind name (`INT`, `STRUCT`, ...). */
  perKind: Record<string, number>;
  /** FUNC types emitted. */
  funcs: number;
  /** Subprograms considered and why some got no FUNC. */
  funcSkips: FuncSkips;
  /** VARs emitted into `.data..percpu`. */
  vars: number;
  /** Variables skipped: not per-cpu, no symbol, declaration... */
  varSkips: { notPercpu: number; noSymbol: number; declaration: number; duplicate: number };
  /** DIEs of tags BTF cannot express, encoded as void (ptr_to_member, unknown tags). */
  unsupported: number;
  /** Base types (and enums) of an encoding or size BTF cannot express, encoded as void, an empty struct of their size, or (enums) the next size BTF has. */
  badBaseType: number;
  /**
   * References to DIEs outside the walked units (cross-unit DW_FORM_ref_addr
   * into a unit range not walked), encoded as void: a caller encoding unit
   * ranges separately must treat any as "redo with all units".
   */
  missingDies: number;
  /** Reference loops among typedefs, qualifiers, pointers and arrays (corrupt DWARF), each cut once. */
  typeLoops: number;
  /**
   * Typedefs, declarations and enumerators without the name BTF requires
   * (corrupt DWARF): such a typedef is encoded as its type, a declaration as
   * an empty anonymous struct/union, an enumerator left out.
   */
  unnamed: number;
  /**
   * Struct/union members the kernel would refuse (corrupt DWARF: no type,
   * out of order, past the end, not at 0 in a union, too wide a bitfield),
   * left out.
   */
  badMembers: number;
  /** Dedup batches run. */
  batches: number;
  /** Wall time of the phases, ms. */
  timeMs: { build: number; dedup: number; total: number };
}

/** A zeroed {@link EncodeStats}. */
export function newStats(): EncodeStats {
  return {
    dies: 0,
    rawTypes: 0,
    types: 0,
    perKind: {},
    funcs: 0,
    funcSkips: {
      declaration: 0,
      noCode: 0,
      cloneSuffix: 0,
      optimized: 0,
      noSymbol: 0,
      duplicate: 0,
      inconsistentProto: 0,
      anonymous: 0,
      unnamedParams: 0,
      notFtrace: 0,
    },
    vars: 0,
    varSkips: { notPercpu: 0, noSymbol: 0, declaration: 0, duplicate: 0 },
    unsupported: 0,
    badBaseType: 0,
    missingDies: 0,
    typeLoops: 0,
    unnamed: 0,
    badMembers: 0,
    batches: 0,
    timeMs: { build: 0, dedup: 0, total: 0 },
  };
}

/** Counts `btf`'s own types per kind name. */
export function countKinds(btf: Btf): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of btf.types) {
    const k = kindName(t.kind);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
