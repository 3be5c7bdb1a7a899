/**
 * Encode stage: DWARF type DIEs → BTF (like `pahole -J`), with dedup.
 *
 * - {@link TypeEncoder}: ids on demand in a split on a base (func_info).
 * - {@link dedupBtf} / {@link dedupInto}: the libbpf-style dedup (in
 *   `dedup/`, kept inside this stage because the encoder runs it per batch).
 */
export { TypeEncoder } from "./encoder.js";
export type { TypeEncoderOptions } from "./encoder.js";
export { dedupBtf, dedupInto, TargetIndex } from "./dedup/index.js";
export { DieIndex } from "./dies.js";
export { newStats, countKinds } from "./stats.js";
export type { EncodeStats, FuncSkips } from "./stats.js";
export { ARRAY_SIZE_TYPE_NAME } from "./types.js";
export { encodeBtf, readMcount } from "./object.js";
export type { EncodeOptions, EncodeResult } from "./object.js";
export { selectFuncs, funcFilterFromSymbols } from "./funcs.js";
export type { FuncFilter, FuncChoice } from "./funcs.js";
export { PERCPU_SECTION } from "./vars.js";
