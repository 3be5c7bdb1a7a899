/**
 * Which subprograms become BTF FUNCs, following pahole 1.24 (`-J`):
 *
 * - not a declaration, named (name and parameters from its origin chain),
 *   and with code (DW_AT_low_pc/ranges) unless an ELF symbol vouches for it;
 * - an ELF STT_FUNC symbol of exactly that name exists, so clones
 *   (`foo.isra.0`, `foo.constprop.0`, `foo.part.0`, `foo.cold`) are left out:
 *   their calling convention is not the prototype's;
 * - every parameter is named (pahole's `has_arg_names`);
 * - optionally (pahole 1.22/1.23), the symbol's range holds an
 *   `__mcount_loc` entry (ftrace-able); 1.24 does not filter so;
 * - linkage is always static: pahole 1.24 writes `fn->external` nowhere
 *   (all 42,049 FUNCs of the Debian 6.1 vmlinux `.BTF` are static);
 * - one FUNC per name: the first CU wins (1.24); a later CU with a different
 *   prototype is counted as `inconsistentProto` (pahole 1.25 drops those).
 *
 * Every other subprogram is counted under the reason it was skipped.
 */
import { BTF_FUNC_GLOBAL, BTF_FUNC_STATIC, BTF_KIND_FUNC } from "../btf/kinds.js";
import type { TypeId } from "../btf/model.js";
import { btfIdentifier } from "../btf/names.js";
import { cloneBase } from "../dwarf/clones.js";
import { DIE_DECLARATION, DIE_EXTERNAL, DIE_HAS_ADDR, NONE } from "../dwarf/records.js";
import type { ElfSymbol } from "../elf/symbols.js";
import {
  type DieIndex,
  DW_TAG_formal_parameter,
  DW_TAG_pointer_type,
  DW_TAG_subprogram,
  DW_TAG_unspecified_parameters,
} from "./dies.js";
import type { EncodeStats } from "./stats.js";
import type { TypeBuilder } from "./types.js";

/** ELF facts the FUNC filter uses. */
export interface FuncFilter {
  /** Names of STT_FUNC symbols (undefined: no symbol check, every named function with code passes). */
  funcSymbols?: Set<string>;
  /** Base names of clone symbols (`foo` for `foo.isra.0`). */
  cloneBases?: Set<string>;
  /** Symbol ranges by name, for the ftrace filter. */
  symbolRanges?: Map<string, { addr: number; size: number }>;
  /** Give external functions BTF_FUNC_GLOBAL linkage (pahole 1.24 does not). */
  globalLinkage?: boolean;
  /** Sorted `__mcount_loc` addresses; undefined: no ftrace filter. */
  mcount?: Float64Array;
}

/** Builds a {@link FuncFilter} from an ELF symbol table and optional mcount addresses. */
export function funcFilterFromSymbols(symbols: readonly ElfSymbol[], mcount?: Float64Array): FuncFilter {
  const funcSymbols = new Set<string>();
  const cloneBases = new Set<string>();
  const symbolRanges = new Map<string, { addr: number; size: number }>();
  for (const s of symbols) {
    if (s.type !== 2 /* STT_FUNC */ || !s.name) continue;
    // A dotted name is no C identifier, so never a FUNC's; clones are told apart for the skip counts.
    if (s.name.indexOf(".") > 0) {
      const base = cloneBase(s.name);
      if (base) cloneBases.add(base);
      continue;
    }
    funcSymbols.add(s.name);
    if (!symbolRanges.has(s.name)) symbolRanges.set(s.name, { addr: addr48(s.value), size: Number(s.size) });
  }
  return { funcSymbols, cloneBases, symbolRanges, mcount };
}

/**
 * An address as a double, keeping the low 48 bits: kernel addresses
 * (0xffffffff8xxxxxxx) do not fit a double's 53-bit mantissa, and two
 * addresses of one kernel differ only below bit 48.
 */
export function addr48(v: bigint): number {
  return Number(BigInt.asUintN(48, v));
}

function hasMcountIn(mcount: Float64Array, lo: number, hi: number): boolean {
  let a = 0;
  let b = mcount.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (mcount[m] < lo) a = m + 1;
    else b = m;
  }
  return a < mcount.length && mcount[a] < hi;
}

/** A chosen function: the concrete row, its origin root, name and linkage. */
export interface FuncChoice {
  row: number;
  root: number;
  name: string;
  linkage: number;
}

/**
 * Picks the subprograms that get a FUNC, in DIE order, counting the others
 * in `stats.funcSkips`.
 */
export function selectFuncs(
  ix: DieIndex, filter: FuncFilter, stats: EncodeStats,
  /** Names chosen so far, kept across unit batches: the first prototype of a name wins everywhere. */
  chosen: Map<string, { sig: string }> = new Map(),
): FuncChoice[] {
  const d = ix.dies;
  const skips = stats.funcSkips;
  const out: FuncChoice[] = [];
  for (let r = 0; r < d.count; r++) {
    if (d.tag[r] !== DW_TAG_subprogram) continue;
    const hasCode = (d.flags[r] & DIE_HAS_ADDR) !== 0;
    if (!hasCode && d.flags[r] & DIE_DECLARATION) {
      skips.declaration++;
      continue;
    }
    const root = ix.originRoot(r);
    const name = ix.nameOf(r);
    if (!name) {
      skips.anonymous++;
      continue;
    }
    if (name.includes(".")) {
      skips.cloneSuffix++;
      continue;
    }
    // pahole 1.24 takes any non-declaration subprogram whose name has an STT_FUNC symbol,
    // code here or not (gcc leaves some out-of-line functions without DW_AT_low_pc in DWARF,
    // e.g. text_poke_kgdb in 6.1); without symbols, code is required.
    if (filter.funcSymbols && !filter.funcSymbols.has(name)) {
      if (filter.cloneBases?.has(name)) skips.cloneSuffix++;
      else if (!hasCode) skips.noCode++;
      else skips.noSymbol++;
      continue;
    }
    if (!filter.funcSymbols && !hasCode) {
      skips.noCode++;
      continue;
    }
    if (!paramsNamed(ix, root)) {
      skips.unnamedParams++;
      continue;
    }
    if (filter.mcount && filter.symbolRanges) {
      const s = filter.symbolRanges.get(name);
      if (!s || !hasMcountIn(filter.mcount, s.addr, s.addr + Math.max(s.size, 1))) {
        skips.notFtrace++;
        continue;
      }
    }
    const sig = protoSignature(ix, root);
    const prev = chosen.get(name);
    if (prev) {
      if (prev.sig === sig) skips.duplicate++;
      else skips.inconsistentProto++;
      continue;
    }
    const ext = (d.flags[r] | d.flags[root]) & DIE_EXTERNAL;
    const linkage = filter.globalLinkage && ext ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC;
    const choice = { row: r, root, name, linkage };
    chosen.set(name, { sig });
    out.push(choice);
  }
  return out;
}

function paramsNamed(ix: DieIndex, root: number): boolean {
  const d = ix.dies;
  for (let c = ix.firstChild[root]; c !== NONE; c = ix.nextSibling[c]) {
    if (d.tag[c] === DW_TAG_formal_parameter && (d.name[c] === 0 || d.name[c] === NONE)) return false;
  }
  return true;
}

/** A textual prototype (type names through pointers/qualifiers), to tell CUs' prototypes apart cheaply. */
export function protoSignature(ix: DieIndex, root: number): string {
  const d = ix.dies;
  const parts = [typeSig(ix, d.type[root], 0)];
  for (let c = ix.firstChild[root]; c !== NONE; c = ix.nextSibling[c]) {
    if (d.tag[c] === DW_TAG_formal_parameter) parts.push(typeSig(ix, d.type[c], 0));
    else if (d.tag[c] === DW_TAG_unspecified_parameters) parts.push("...");
  }
  return parts.join(",");
}

function typeSig(ix: DieIndex, off: number, depth: number): string {
  if (off === NONE) return "void";
  const row = ix.row(off);
  if (row === NONE) return "?";
  const d = ix.dies;
  const tag = d.tag[row];
  const name = ix.str(d.name[row]);
  if (name) return `${tag}:${name}`;
  if (depth > 6) return `${tag}`;
  if (tag === DW_TAG_pointer_type) return `${typeSig(ix, d.type[row], depth + 1)}*`;
  return `${tag}(${typeSig(ix, d.type[row], depth + 1)})/${d.byteSize[row]}`;
}

/**
 * Adds FUNC_PROTO + FUNC for each choice to the builder's batch; returns
 * the batch ids of the FUNCs (valid until the next flush).
 */
export function buildFuncs(b: TypeBuilder, choices: readonly FuncChoice[]): TypeId[] {
  const out: TypeId[] = [];
  for (const c of choices) {
    const proto = b.protoOf(c.root, true);
    const id = b.alloc({ kind: BTF_KIND_FUNC, nameOff: b.target.addStr(btfIdentifier(c.name)), type: proto, linkage: c.linkage });
    b.declTags(c.root, id, -1);
    let i = 0;
    for (let p = b.ix.firstChild[c.root]; p !== NONE; p = b.ix.nextSibling[p]) {
      if (b.ix.dies.tag[p] !== DW_TAG_formal_parameter) continue;
      b.declTags(p, id, i++);
    }
    out.push(id);
  }
  return out;
}
