/**
 * btfgen's one public door: every export is named here (no `export *`).
 */
export { BtfgenError, TruncatedError, MalformedError, UnsupportedError, NotFoundError, IoError, UsageError } from "./errors.js";
export { removeTemporaries } from "./app/io.js";
export { checkBtfFeatures, PAHOLE_FEATURES } from "./app/features.js";
export type { ErrorLocation } from "./errors.js";
export { ElfFile } from "./elf/elf.js";
export { readDwarf, DwarfReader } from "./dwarf/load.js";
export type { DwarfRecords } from "./dwarf/records.js";
export { Btf } from "./btf/btf.js";
export { parseBtf } from "./btf/read.js";
export { writeBtf } from "./btf/write.js";
export { dumpBtf, dumpBtfJson } from "./btf/dump.js";
export { lowerExpr } from "./lower/expr.js";
export type { LocParam } from "./lower/locparam.js";
export { lowerSites } from "./lower/sites.js";
export type { LoweredSite, LowerStats } from "./lower/sites.js";
export { decodeFuncInfo } from "./app/decode.js";
export type { DecodedSite } from "./app/decode.js";
export { readObjectSites } from "./app/sites.js";
export { sitesCommand, dumpCommand, statsCommand } from "./app/commands.js";
export { encodeBtf, TypeEncoder } from "./encode/index.js";
export type { EncodeOptions, EncodeResult, EncodeStats } from "./encode/index.js";
export { buildFuncInfo, UNITS_PER_BATCH } from "./app/funcinfo.js";
export type { FuncInfoOptions, FuncInfoResult } from "./app/funcinfo.js";
export { emitLocations } from "./lower/emit.js";
export { checkBtf } from "./btf/check.js";
export type { CheckOptions, CheckProblem, CheckReport, LocsecOrder } from "./btf/check.js";
export { checkFile } from "./app/check.js";
export { funcInfoMany } from "./app/many.js";
export type { ManyOptions, ManyResult, ManyItem } from "./app/many.js";
export type { EmitOptions, EmitStats } from "./lower/emit.js";
export { probesCommand, loadProbeSites } from "./app/probes.js";
export type { ProbesOptions, ProbeInput, ProbeInputOptions } from "./app/probes.js";
export { verdictCommand, judge } from "./app/verdict.js";
export type { VerdictOptions, VerdictReport, FunctionVerdict, VerdictProblem } from "./app/verdict.js";
export { REGISTER_TABLES, registerTable } from "./trace/regs.js";
export type { RegisterTable, DwarfRegister } from "./trace/regs.js";
export { diffCommand, compareBuilds, loadBuild } from "./app/diff.js";
export type { DiffOptions, DiffReport, DiffResult, DiffKind, FuncDiff, FuncState, Build } from "./app/diff.js";

import { dumpCommand, sitesCommand, statsCommand } from "./app/commands.js";
import { encodeCommand, funcInfoCommand } from "./app/funcinfo.js";
import { checkCommand } from "./app/check.js";
import { funcInfoMany } from "./app/many.js";
import { diffCommand } from "./app/diff.js";
import { probesCommand } from "./app/probes.js";
import { verdictCommand } from "./app/verdict.js";

/** The CLI's commands, each returning the text to print. */
export const commands = {
  sites: sitesCommand,
  dump: dumpCommand,
  stats: statsCommand,
  funcInfo: funcInfoCommand,
  encode: encodeCommand,
  check: checkCommand,
  funcInfoMany,
  diff: diffCommand,
  probes: probesCommand,
  verdict: verdictCommand,
};
