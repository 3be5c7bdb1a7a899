/**
 * The record stream that crosses the wasm boundary: flat columns, one typed
 * array per field, one interned string blob. No JS object per DIE.
 *
 * References between DIEs are global offsets (`DieOffset`): the input's
 * `.debug_info` offsets, then (past its end, 16-aligned) its `.debug_types`
 * and the supplementary (dwz) file's `.debug_info` (wasm/src/sections.rs),
 * so records from different walks (unit ranges, workers) can be merged by
 * offset. NONE (0xffffffff) marks an absent value.
 *
 * Contract shared by src/dwarf (producer), src/lower and src/encode (consumers).
 */

/** Marks an absent u32 value in any column. */
export const NONE = 0xffffffff;

/** Scratch words over one 64-bit slot, for {@link u64}. */
const U64_WORDS = new Uint32Array(2);
const U64_VALUE = new BigUint64Array(U64_WORDS.buffer);
/** Where the low word of a 64-bit value lies on this host. */
const U64_LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * The unsigned 64-bit value of two u32 column words (`lo`, `hi`): one
 * bigint made, not the four of `(BigInt(hi) << 32n) | BigInt(lo)` (a
 * vmlinux func_info makes a few per site, over 300k sites).
 */
export function u64(lo: number, hi: number): bigint {
  U64_WORDS[U64_LO] = lo;
  U64_WORDS[1 - U64_LO] = hi;
  return U64_VALUE[0]!;
}

/** A `.debug_info` offset of a DIE. */
export type DieOffset = number & { readonly __brand?: "DieOffset" };
/** A byte offset into {@link DwarfRecords.strings}; 0 is the empty string. */
export type StrId = number & { readonly __brand?: "StrId" };

/** One row per compilation unit walked. */
export interface UnitTable {
  count: number;
  /** `.debug_info` offset of the unit header. */
  offset: Uint32Array;
  version: Uint8Array;
  addrSize: Uint8Array;
  /** 4 (32-bit DWARF) or 8 (64-bit DWARF). */
  offsetSize: Uint8Array;
  /** DW_AT_name of the CU. */
  name: StrId[] | Uint32Array;
  producer: Uint32Array;
  /** DW_AT_language. */
  language: Uint32Array;
  /** UNIT_* flags (set by the site walk). */
  flags: Uint8Array;
}

/**
 * Flag of {@link UnitTable.flags}: the unit has a DW_TAG_base_type or a
 * DW_TAG_formal_parameter somewhere. Without either it is minimal debug
 * info (`-gline-tables-only`, `-g1`, Rust's `debuginfo=1`): names and code,
 * no prototypes (src/dwarf/prototype.ts).
 */
export const UNIT_TYPED = 0x1;

/** Flags of {@link FuncTable.flags}. */
export const FUNC_EXTERNAL = 0x1;
/** The root is a declaration (DW_AT_declaration). */
export const FUNC_DECLARATION = 0x2;
/** DW_AT_inline is DW_INL_declared_inlined or DW_INL_declared_not_inlined. */
export const FUNC_DECLARED_INLINE = 0x4;
/** The origin has DW_TAG_unspecified_parameters (`...`). */
export const FUNC_VARIADIC = 0x8;
/** DW_AT_prototyped. */
export const FUNC_PROTOTYPED = 0x10;
/** DW_AT_artificial (compiler-made). */
export const FUNC_ARTIFICIAL = 0x20;
/** Some concrete out-of-line instance (DW_AT_low_pc or ranges) exists for it in the walked units. */
export const FUNC_HAS_OUT_OF_LINE = 0x40;
/** The concrete out-of-line instance has DW_AT_calling_convention != normal or is a clone (.isra/.constprop/.part name). */
export const FUNC_OPTIMIZED = 0x80;

/**
 * One row per function that is the root of an abstract-origin chain used by a
 * site, i.e. the DIE that holds the name and the formal parameter list
 * (DW_AT_abstract_origin / DW_AT_specification followed to the end, across CUs).
 */
export interface FuncTable {
  count: number;
  die: Uint32Array;
  name: Uint32Array;
  linkageName: Uint32Array;
  /** Return type DIE offset, NONE for void. */
  type: Uint32Array;
  flags: Uint32Array;
  declFile: Uint32Array;
  declLine: Uint32Array;
  /** Index of the first row in {@link ParamTable}; one row per origin parameter, in order. */
  paramStart: Uint32Array;
  paramCount: Uint32Array;
}

/**
 * The parameter slots of function row `f` that are named parameters: all of
 * them but the final `...` row of a variadic function, which never has a
 * location (the one variadic rule of the DWARF side).
 */
export function namedParamCount(funcs: Pick<FuncTable, "paramCount" | "flags">, f: number): number {
  return funcs.paramCount[f] - ((funcs.flags[f] & FUNC_VARIADIC) !== 0 ? 1 : 0);
}

/** Origin formal parameters (and a final `...` row for variadic functions: name 0, type NONE, die NONE). */
export interface ParamTable {
  count: number;
  die: Uint32Array;
  name: Uint32Array;
  /** Type DIE offset. */
  type: Uint32Array;
}

/** Values of {@link SiteTable.kind}. */
export const SITE_INLINE = 0;
/** An out-of-line concrete subprogram, described at its entry address. */
export const SITE_FUNC = 1;

/** Values of {@link SiteTable.addrSource}. */
export const ADDR_NONE = 0;
/** The site address is DW_AT_entry_pc. */
export const ADDR_ENTRY_PC = 1;
/** The site address is DW_AT_low_pc. */
export const ADDR_LOW_PC = 2;
/** The site address is the lowest start of DW_AT_ranges. */
export const ADDR_RANGES = 3;

/**
 * One row per DW_TAG_inlined_subroutine (any depth) and per out-of-line
 * concrete DW_TAG_subprogram with code.
 */
export interface SiteTable {
  count: number;
  kind: Uint8Array;
  /** Row in {@link FuncTable} of the origin. */
  func: Uint32Array;
  /** The instance DIE's own offset. */
  die: Uint32Array;
  /** Entry address, 64-bit as lo/hi words. */
  addrLo: Uint32Array;
  addrHi: Uint32Array;
  addrSource: Uint8Array;
  /** Row in {@link FuncTable} of the enclosing out-of-line subprogram (itself for SITE_FUNC), NONE if unknown. */
  caller: Uint32Array;
  /** Entry address of that enclosing subprogram. */
  callerLo: Uint32Array;
  callerHi: Uint32Array;
  /** DW_AT_call_file resolved to a path string, 0 if absent. */
  callFile: Uint32Array;
  callLine: Uint32Array;
  /** 1 for a site directly inside a subprogram, 2 inside another inline, ... (0 for SITE_FUNC). */
  depth: Uint8Array;
  /** Row in {@link UnitTable}. */
  unit: Uint32Array;
  /** First row in {@link LocTable}; the site has `func.paramCount[func]` rows. */
  locStart: Uint32Array;
  /**
   * Extension: SITE_FUNC: StrId of the concrete instance's own
   * DW_AT_linkage_name, else DW_AT_name (e.g. `foo.isra.0`); 0 if none and
   * for SITE_INLINE.
   */
  siteName: Uint32Array;
  /** Extension: SITE_* flags of this row ({@link SITE_OPTIMIZED}). */
  flags: Uint8Array;
}

/**
 * Extension, {@link SiteTable.flags}: this out-of-line instance itself has
 * DW_AT_calling_convention DW_CC_nocall or a clone name
 * (`.isra.`/`.constprop.`/`.part.`/`.cold`). FUNC_OPTIMIZED on its FuncTable
 * row is the OR over all instances of that origin.
 */
export const SITE_OPTIMIZED = 0x1;
/**
 * Extension, {@link SiteTable.flags}: the enclosing out-of-line instance's
 * DW_AT_frame_base is exactly DW_OP_call_frame_cfa (gcc on most machines,
 * Go), so the CFA is the frame base there and DW_OP_call_frame_cfa in a
 * location is expressible as the frame base (FORMAT.md 3: 0xffffffff).
 */
export const SITE_FRAME_CFA = 0x2;

/** Value of {@link LocTable.kind}: the instance has no formal parameter for this origin slot. */
export const LOC_ABSENT = 0;
/** Expression bytes at the site address (the location-list entry is already chosen). */
export const LOC_EXPR = 1;
/** DW_AT_const_value, unsigned data form. */
export const LOC_CONST_U = 2;
/** DW_AT_const_value, sdata form. */
export const LOC_CONST_S = 3;
/** DW_AT_const_value, block form (bytes in exprs). */
export const LOC_CONST_BLOCK = 4;
/** A location list with no entry in effect at the site address. */
export const LOC_LIST_NO_ENTRY = 5;
/** The site has no address to evaluate a location list at. */
export const LOC_NO_ADDR = 6;
/** Extension: the instance has the formal parameter but neither DW_AT_location nor DW_AT_const_value (optimised out). */
export const LOC_NONE = 7;

/** One row per origin parameter slot of each site. */
export interface LocTable {
  count: number;
  kind: Uint8Array;
  /** LOC_EXPR / LOC_CONST_BLOCK: bytes in {@link DwarfRecords.exprs}. */
  exprOff: Uint32Array;
  exprLen: Uint32Array;
  /** LOC_CONST_U / LOC_CONST_S: the value as lo/hi words. */
  valLo: Uint32Array;
  valHi: Uint32Array;
}

/** Flags of {@link CallTable.flags}: DW_AT_call_tail_call / DW_AT_GNU_tail_call (a jump, not a call). */
export const CALL_TAIL = 0x1;
/** The callee's origin root lies in the unit of the call site (not another unit, partial unit or file). */
export const CALL_ORIGIN_LOCAL = 0x2;
/** DW_AT_call_target / DW_AT_GNU_call_site_target: an indirect call. */
export const CALL_HAS_TARGET = 0x4;
/** `pc` is DW_AT_call_return_pc (DW_AT_low_pc on DW_TAG_GNU_call_site): the address after the call. */
export const CALL_RETURN_PC = 0x8;
/** `pc` is DW_AT_call_pc: the address of the call instruction itself. */
export const CALL_PC = 0x10;

/**
 * One row per DW_TAG_call_site / DW_TAG_GNU_call_site of the walked units
 * (wasm/src/callsites.rs), for DW_OP_entry_value through the callers
 * (src/lower/entryvalues.ts).
 */
export interface CallTable {
  count: number;
  /** Root of the callee's origin chain (DW_AT_call_origin, GNU: DW_AT_abstract_origin), NONE if none. */
  origin: Uint32Array;
  /** Row in {@link UnitTable}. */
  unit: Uint32Array;
  /** The address the DIE gives (see {@link CALL_RETURN_PC}, {@link CALL_PC}); 0 when neither. */
  pcLo: Uint32Array;
  pcHi: Uint32Array;
  flags: Uint8Array;
  /** Rows in {@link CallParamTable}. */
  paramStart: Uint32Array;
  paramCount: Uint32Array;
}

/** One row per DW_TAG_call_site_parameter of a {@link CallTable} row. */
export interface CallParamTable {
  count: number;
  /** DWARF register of DW_AT_location when it is exactly DW_OP_regN / regx; NONE otherwise. */
  reg: Uint32Array;
  /** DW_AT_call_value expression bytes in {@link DwarfRecords.exprs} (length 0: none). */
  exprOff: Uint32Array;
  exprLen: Uint32Array;
}

/**
 * Everything one walk returns. Expressions are normalised by the Rust side
 * before they cross: DW_OP_addrx/DW_OP_GNU_addr_index become DW_OP_addr with
 * the unit's address size, DW_OP_constx/DW_OP_GNU_const_index become
 * DW_OP_const8u; everything else is passed through byte for byte.
 */
export interface DwarfRecords {
  units: UnitTable;
  funcs: FuncTable;
  params: ParamTable;
  sites: SiteTable;
  locs: LocTable;
  /** Call sites (the sites walk fills them; absent from records built by hand). */
  calls?: CallTable;
  callParams?: CallParamTable;
  /** Interned NUL-terminated UTF-8 strings; StrId = byte offset; blob starts with "\0". */
  strings: Uint8Array;
  /** Expression / block bytes. */
  exprs: Uint8Array;
  /** Type DIEs, present only when the walk was asked for them. */
  dies?: DieTable;
}

/** Flags of {@link DieTable.flags}. */
export const DIE_DECLARATION = 0x1;
/** DW_AT_external. */
export const DIE_EXTERNAL = 0x2;
/** Subprogram / variable has code or storage here (DW_AT_low_pc, DW_AT_ranges or DW_AT_location). */
export const DIE_HAS_ADDR = 0x4;
/** DW_AT_artificial. */
export const DIE_ARTIFICIAL = 0x8;
/** DW_AT_prototyped. */
export const DIE_PROTOTYPED = 0x10;
/** DW_AT_const_value / enumerator value came from a signed form (sdata) or the enum's base type is signed. */
export const DIE_SIGNED_VALUE = 0x20;
/** DW_AT_inline says declared inline. */
export const DIE_DECLARED_INLINE = 0x40;
/** Member bit offset was given with DWARF 2/3 DW_AT_bit_offset (already converted to data_bit_offset). */
export const DIE_BIT_OFFSET_CONVERTED = 0x80;

/**
 * The DIEs the BTF encoder needs, in DIE order within each unit (so a
 * parent precedes its children). Tags kept: base_type, unspecified_type,
 * pointer/reference/rvalue_reference/ptr_to_member, const/volatile/restrict/
 * atomic, typedef, structure/class/union, enumeration, enumerator, member,
 * array, subrange, subroutine_type, formal_parameter,
 * unspecified_parameters, subprogram, variable, LLVM annotation (0x6000) and
 * GNU/LLVM btf_type_tag/decl_tag annotations.
 */
export interface DieTable {
  count: number;
  /** `.debug_info` offset of this DIE. */
  off: Uint32Array;
  /** DW_TAG_* value. */
  tag: Uint16Array;
  /** Row index of the parent DIE in this table, NONE at unit level (or when the parent tag is not kept). */
  parent: Uint32Array;
  /** Row in {@link UnitTable}. */
  unit: Uint32Array;
  name: Uint32Array;
  /** DW_AT_type as a DIE offset (NONE = void / absent). */
  type: Uint32Array;
  /** DW_AT_abstract_origin or DW_AT_specification target, NONE if absent. */
  origin: Uint32Array;
  /** DW_AT_byte_size (NONE if absent). */
  byteSize: Uint32Array;
  /** DW_AT_bit_size (0 if absent). */
  bitSize: Uint32Array;
  /** Members: offset from the start of the aggregate in bits (data_member_location*8 + data_bit_offset, or converted DW_AT_bit_offset); NONE if absent. */
  bitOffset: Uint32Array;
  /** DW_AT_encoding of base types. */
  encoding: Uint8Array;
  /** Subrange: element count (DW_AT_count, or upper_bound - lower_bound + 1); NONE if unknown (flexible array). */
  count_: Uint32Array;
  /** Enumerator / const_value as lo/hi words. */
  valLo: Uint32Array;
  valHi: Uint32Array;
  flags: Uint32Array;
  /** Variable: DW_AT_location expression bytes in {@link DwarfRecords.exprs} (0/0 if absent). Annotation: the DW_AT_const_value string id is in valLo. */
  exprOff: Uint32Array;
  exprLen: Uint32Array;
  /** Subprogram: entry address (lo/hi) when DIE_HAS_ADDR. */
  addrLo: Uint32Array;
  addrHi: Uint32Array;
}

/** Element type of a column, as the wasm module names it (`column_names()`). */
export type ElementType = "u8" | "u16" | "u32";

/** The element type a typed-array field is declared with. */
type ElementOf<A> = A extends Uint8Array ? "u8" : A extends Uint16Array ? "u16" : A extends Uint32Array ? "u32" : never;

/** Every column field of table `T` with its element type (a field missing or mistyped fails to compile). */
type Schema<T> = { readonly [K in Exclude<keyof T, "count">]-?: ElementOf<NonNullable<T[K]>> };

/**
 * The column schema the records above declare, by table: what the TS side
 * expects of the wasm module's column list (`wasm/src/columns.rs`, the order
 * and the walk). `satisfies` ties it to the interfaces, so a field added
 * there without a column here, or typed differently, does not compile; the
 * module's list is checked against it when an instance starts
 * ({@link DwarfWasm}), so a column added on one side only fails there.
 */
export const COLUMNS = {
  units: { offset: "u32", version: "u8", addrSize: "u8", offsetSize: "u8", name: "u32", producer: "u32", language: "u32", flags: "u8" },
  funcs: {
    die: "u32", name: "u32", linkageName: "u32", type: "u32", flags: "u32", declFile: "u32", declLine: "u32",
    paramStart: "u32", paramCount: "u32",
  },
  params: { die: "u32", name: "u32", type: "u32" },
  sites: {
    kind: "u8", func: "u32", die: "u32", addrLo: "u32", addrHi: "u32", addrSource: "u8", caller: "u32",
    callerLo: "u32", callerHi: "u32", callFile: "u32", callLine: "u32", depth: "u8", unit: "u32",
    locStart: "u32", siteName: "u32", flags: "u8",
  },
  locs: { kind: "u8", exprOff: "u32", exprLen: "u32", valLo: "u32", valHi: "u32" },
  dies: {
    off: "u32", tag: "u16", parent: "u32", unit: "u32", name: "u32", type: "u32", origin: "u32", byteSize: "u32",
    bitSize: "u32", bitOffset: "u32", encoding: "u8", count_: "u32", valLo: "u32", valHi: "u32", flags: "u32",
    exprOff: "u32", exprLen: "u32", addrLo: "u32", addrHi: "u32",
  },
  calls: { origin: "u32", unit: "u32", pcLo: "u32", pcHi: "u32", flags: "u8", paramStart: "u32", paramCount: "u32" },
  callParams: { reg: "u32", exprOff: "u32", exprLen: "u32" },
  blob: { strings: "u8", exprs: "u8" },
} as const satisfies {
  units: Schema<UnitTable>;
  funcs: Schema<FuncTable>;
  params: Schema<ParamTable>;
  sites: Schema<SiteTable>;
  locs: Schema<LocTable>;
  dies: Schema<DieTable>;
  calls: Schema<CallTable>;
  callParams: Schema<CallParamTable>;
  blob: Schema<Pick<DwarfRecords, "strings" | "exprs">>;
};

/**
 * The string blob of a series of walks of one file, as one copy that grows:
 * the interner only appends, so each walk adds just its new bytes (walking a
 * vmlinux in 45 unit batches would otherwise copy its names 45 times).
 * Grown by doubling into a new buffer, so blobs handed out earlier stay valid.
 */
export class StringBlob {
  private buf = new Uint8Array(0);
  private len = 0;

  /** Bytes held. */
  get length(): number {
    return this.len;
  }

  /** Appends `bytes` and returns the whole blob. */
  append(bytes: Uint8Array): Uint8Array {
    const end = this.len + bytes.length;
    if (end > this.buf.length) {
      const grown = new Uint8Array(Math.max(end, this.buf.length * 2, 1 << 16));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.len = end;
    return this.view();
  }

  /** The whole blob (a view, valid for good). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
