// Comparison of btfgen's site records with the llvm-dwarfdump-19 oracle,
// shared by the dwarf tests.
import { expect } from "vitest";
import {
  addrOf,
  LOC_CONST_BLOCK,
  LOC_CONST_S,
  LOC_CONST_U,
  LOC_EXPR,
  LOC_LIST_NO_ENTRY,
  LOC_NONE,
  SITE_INLINE,
  strAt,
  type DwarfRecords,
} from "../src/dwarf/index.ts";
import { inlineSites, splitOps, type InlineSite } from "./helpers/dwarfdump.ts";
import { decodeOps, normaliseDumpOp } from "./dwarf-ops.ts";
import { locationAtEntry } from "./dwarf-views.ts";

/** Site row by instance DIE offset. */
function siteIndex(r: DwarfRecords): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < r.sites.count; i++) m.set(r.sites.die[i]!, i);
  return m;
}

/** Our location of slot `row` as comparable text, or a LOC_* marker. */
function ourLoc(r: DwarfRecords, row: number, addrSize: number, le: boolean): string {
  const L = r.locs;
  const lo = BigInt(L.valLo[row]!);
  const hi = BigInt(L.valHi[row]!);
  switch (L.kind[row]) {
    case LOC_EXPR: {
      const bytes = r.exprs.subarray(L.exprOff[row], L.exprOff[row]! + L.exprLen[row]!);
      return decodeOps(bytes, addrSize, le)
        .map((o) => {
          if (/entry_value|implicit_value|const_type|regval_type|deref_type|convert|implicit_pointer|regx|bregx/.test(o.name))
            return o.name;
          return [o.name, ...o.args.map(String)].join(" ");
        })
        .join(", ");
    }
    case LOC_CONST_U: return `const ${(hi << 32n) | lo}`;
    case LOC_CONST_S: return `const ${BigInt.asIntN(64, (hi << 32n) | lo)}`;
    case LOC_CONST_BLOCK:
      return `block ${[...r.exprs.subarray(L.exprOff[row], L.exprOff[row]! + L.exprLen[row]!)].join(" ")}`;
    default: return `kind ${L.kind[row]}`;
  }
}

/** The oracle's location text at the site address, in the same shape as {@link ourLoc}. */
function oracleLoc(obj: string, site: InlineSite, p: InlineSite["params"][number]): string {
  const t = locationAtEntry(obj, site, p).text;
  if (t === undefined) {
    if (p.location?.kind === "list") return `kind ${LOC_LIST_NO_ENTRY}`;
    return `kind ${LOC_NONE}`;
  }
  if (t.startsWith("DW_AT_const_value ")) {
    const c = p.constValue!;
    if (c.block) return `block ${c.block.join(" ")}`;
    return `const ${c.value}`;
  }
  if (t.startsWith("<decoding error>")) return t; // compared by bytes below
  return splitOps(t)
    .map((op) => {
      const { name, args } = normaliseDumpOp(op);
      return args === undefined ? name : [name, ...args.map(String)].join(" ");
    })
    .join(", ");
}

/**
 * llvm-dwarfdump does not apply relocations inside location expressions, so
 * in ET_REL objects it prints DW_OP_addr operands as the raw section bytes
 * (0 with RELA) where btfgen has the relocated value (the addend): compare
 * only the operation there.
 */
function dropAddrOperand(t: string): string {
  return t.replace(/DW_OP_addr -?\d+/g, "DW_OP_addr");
}

export function checkAgainstOracle(obj: string, r: DwarfRecords, le: boolean, relocatable: boolean): number {
  const sites = inlineSites(obj);
  const byDie = siteIndex(r);
  let compared = 0;
  for (const s of sites) {
    const i = byDie.get(s.dieOffset);
    expect(i, `site 0x${s.dieOffset.toString(16)}`).toBeDefined();
    const S = r.sites;
    expect(S.kind[i!]).toBe(SITE_INLINE);
    expect(addrOf(S, i!)).toBe(s.address);
    expect(S.depth[i!]).toBe(s.inlineDepth + 1);
    if (s.callFile !== undefined) expect(strAt(r, S.callFile[i!]!)).toBe(s.callFile);
    if (s.callLine !== undefined) expect(S.callLine[i!]).toBe(s.callLine);
    const f = S.func[i!]!;
    expect(strAt(r, r.funcs.name[f]!)).toBe(s.origin);
    const addrSize = r.units.addrSize[S.unit[i!]!]!;
    for (const p of s.params) {
      if (p.originOffset === undefined) continue;
      let slot = -1;
      for (let k = 0; k < r.funcs.paramCount[f]!; k++)
        if (r.params.die[r.funcs.paramStart[f]! + k] === p.originOffset) slot = k;
      // gcc -flto: the origin is a parameter of another abstract copy of the function
      // (testdata/src/ltoparams.c); then the one parameter of that name.
      if (slot < 0 && p.name) {
        const named: number[] = [];
        for (let k = 0; k < r.funcs.paramCount[f]!; k++)
          if (strAt(r, r.params.name[r.funcs.paramStart[f]! + k]!) === p.name) named.push(k);
        if (named.length === 1) slot = named[0]!;
      }
      expect(slot, `param 0x${p.dieOffset.toString(16)} of site 0x${s.dieOffset.toString(16)}`).toBeGreaterThanOrEqual(0);
      const row = S.locStart[i!]! + slot;
      const want = oracleLoc(obj, s, p);
      if (want.startsWith("<decoding error>")) {
        // llvm-dwarfdump cannot print it; compare the raw bytes it shows.
        expect(r.locs.kind[row]).toBe(LOC_EXPR);
        const bytes = [...r.exprs.subarray(r.locs.exprOff[row], r.locs.exprOff[row]! + r.locs.exprLen[row]!)];
        expect(bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")).toBe(want.replace("<decoding error> ", ""));
      } else {
        const ours = ourLoc(r, row, addrSize, le);
        const msg = `${obj} site 0x${s.dieOffset.toString(16)} param ${p.name}`;
        if (relocatable) expect(dropAddrOperand(ours), msg).toBe(dropAddrOperand(want));
        else expect(ours, msg).toBe(want);
      }
      compared++;
    }
  }
  return compared;
}

