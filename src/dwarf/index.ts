/**
 * DWARF stage: the gimli wasm reader and the record stream it produces.
 */
export { readDwarf, DwarfReader, strAt, addrOf, callerAddrOf, nameClones, markCloneSites, requireWholeDwarf } from "./load.js";
export type { OpenDwarfOptions } from "./load.js";
export {
  supplementaryLink, buildId, supplementaryCandidates, openSupplementary, DEBUG_FILE_DIRECTORY,
} from "./alt.js";
export type { SupplementaryLink } from "./alt.js";
export { CLONE_SUFFIXES, isCloneName, cloneBase, functionSymbols } from "./clones.js";
export type { ReadDwarfOptions } from "./load.js";
export { DwarfWasm, WALK_SITES, WALK_TYPES, WASM_URL } from "./wasm.js";
export type { Column } from "./wasm.js";
export {
  COLUMNS,
  NONE,
  FUNC_EXTERNAL,
  FUNC_DECLARATION,
  FUNC_DECLARED_INLINE,
  FUNC_VARIADIC,
  FUNC_PROTOTYPED,
  FUNC_ARTIFICIAL,
  FUNC_HAS_OUT_OF_LINE,
  FUNC_OPTIMIZED,
  SITE_INLINE,
  SITE_FUNC,
  SITE_OPTIMIZED,
  ADDR_NONE,
  ADDR_ENTRY_PC,
  ADDR_LOW_PC,
  ADDR_RANGES,
  LOC_ABSENT,
  LOC_EXPR,
  LOC_CONST_U,
  LOC_CONST_S,
  LOC_CONST_BLOCK,
  LOC_LIST_NO_ENTRY,
  LOC_NO_ADDR,
  LOC_NONE,
  DIE_DECLARATION,
  DIE_EXTERNAL,
  DIE_HAS_ADDR,
  DIE_ARTIFICIAL,
  DIE_PROTOTYPED,
  DIE_SIGNED_VALUE,
  DIE_DECLARED_INLINE,
  DIE_BIT_OFFSET_CONVERTED,
} from "./records.js";
export type {
  ElementType,
  DieOffset,
  StrId,
  UnitTable,
  FuncTable,
  ParamTable,
  SiteTable,
  LocTable,
  DwarfRecords,
  DieTable,
} from "./records.js";
