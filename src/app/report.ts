/**
 * Text and JSON of the lowering counts, shared by `stats` and the main command.
 */
import type { LowerStats } from "../lower/sites.js";

/** `n` as a percentage of `d`. */
export const pct = (n: number, d: number) => (d ? ((100 * n) / d).toFixed(1) + "%" : "-");

/** Text of the lowering stats. */
export function formatLowerStats(st: LowerStats): string[] {
  const withParams = st.full + st.partial + st.none;
  const lines = [
    `inline sites:        ${st.inlineSites}`,
    `optimised functions: ${st.funcSites}`,
    `without address:     ${st.noAddress} (left out)`,
    `outside sections:    ${st.noSection} (left out)`,
    ...(st.noName ? [`without name:        ${st.noName} (left out)`] : []),
    ...(st.noOrigin ? [`without origin:      ${st.noOrigin} (left out)`] : []),
    `full:                ${st.full} (${pct(st.full, withParams)})`,
    `partial:             ${st.partial} (${pct(st.partial, withParams)})`,
    `none:                ${st.none} (${pct(st.none, withParams)})`,
    `no parameters:       ${st.noParams}`,
    `missing locations by cause:`,
  ];
  for (const [cause, n] of [...st.causes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) lines.push(`  ${cause.padEnd(28)} ${n}`);
  return lines;
}

/** JSON form of the lowering stats. */
export function lowerStatsJson(st: LowerStats): object {
  return { ...st, causes: Object.fromEntries([...st.causes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) };
}

