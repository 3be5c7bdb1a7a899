/**
 * Text and JSON views of lowered sites, in the style of
 * `pfunct --inline_sites` (FORMAT.md 7), one line per site:
 *
 *   0xffffffff81001234 [caller+0x34, .text +0x1234] scale(int value [reg5], int factor [const 0x2])
 *
 * Sites are ordered by function name, then address, the order of LOCSECs.
 */
import { SITE_FUNC } from "../dwarf/records.js";
import { locParamText, type LocParam } from "./locparam.js";
import type { LoweredSite } from "./sites.js";

/** Names (and optional C type text) of one function's parameter slots. */
export interface ParamNames {
  names: string[];
  /** C type text per slot ("" when unknown). */
  types: string[];
  /** The DWARF does not tell the parameters at all (minimal debug info, src/dwarf/prototype.ts). */
  unknown?: boolean;
}

/** Byte-wise name order (what a reader's binary search assumes), then address. */
export function compareSites(a: { name: string; addr: bigint }, b: { name: string; addr: bigint }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0;
}

/** One parameter of a `sites` line: `int value [reg5]`. */
export function paramText(type: string, name: string, loc: LocParam | null): string {
  const decl = [type, name].filter((s) => s !== "").join(" ") || "?";
  return `${decl} [${loc ? locParamText(loc) : "unavailable"}]`;
}

/** One `sites` line. */
export function formatSite(s: LoweredSite, p: ParamNames): string {
  const where = s.caller !== "" ? `${s.caller}+0x${s.callerOffset.toString(16)}, ` : "";
  const args = s.params.map((loc, i) => (p.names[i] === "..." ? "..." : paramText(p.types[i] ?? "", p.names[i] ?? "", loc)));
  const tag = s.kind === SITE_FUNC ? " (out-of-line)" : "";
  const list = p.unknown ? "?" : args.join(", ");
  return `0x${s.addr.toString(16)} [${where}${s.section} +0x${s.offset.toString(16)}] ${s.name}(${list})${tag}`;
}

/** The JSON form of one site (`--json`). */
export function siteJson(s: LoweredSite, p: ParamNames): object {
  return {
    name: s.name,
    kind: s.kind === SITE_FUNC ? "function" : "inline",
    addr: "0x" + s.addr.toString(16),
    section: s.section,
    offset: Number(s.offset),
    caller: s.caller || null,
    caller_offset: s.caller ? Number(s.callerOffset) : null,
    params: s.params.map((loc, i) => ({
      name: p.names[i] ?? "",
      type: p.types[i] ?? "",
      loc: loc ? locParamText(loc) : null,
      size: loc?.size ?? null,
      flags: loc?.flags ?? null,
      values: loc?.values ?? null,
      cause: s.causes[i] ?? null,
    })),
    ...(p.unknown ? { params_unknown: true } : {}),
  };
}
