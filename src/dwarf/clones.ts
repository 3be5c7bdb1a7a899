/**
 * The one rule for compiler clone names, and the function symbols it is
 * applied to.
 *
 * gcc names the out-of-line copies whose calling convention it changed
 * `foo.isra.0` (scalar replacement of aggregates), `foo.constprop.0`
 * (constant propagation), `foo.part.0` (partial inlining) and `foo.cold`
 * (hot/cold splitting; also `foo.part.0.cold`); clang's function
 * specialisation makes `foo.specialized.1`. Such a copy's parameters are not
 * the prototype's, so the walk flags it SITE_OPTIMIZED and BTF encoding
 * gives it no FUNC. Other suffixes keep the prototype and are no clones:
 * `.localalias` (an alias of the same code), `.lto_priv.0` and clang's
 * `.llvm.<hash>` (renamed statics). Used by the walk's post-pass
 * (src/dwarf/load.ts), `btfgen sites` / func_info selection (src/app/sites.ts)
 * and the FUNC filter (src/encode/funcs.ts).
 */
import { ET_REL, STT_FUNC } from "../elf/constants.js";
import type { ElfFile } from "../elf/elf.js";

/** The dot-separated name components that mark a clone. */
export const CLONE_SUFFIXES: readonly string[] = ["isra", "constprop", "part", "cold", "specialized"];

const SUFFIXES = new Set(CLONE_SUFFIXES);

/** True when a component of `name` after its first `.` is one of {@link CLONE_SUFFIXES}. */
export function isCloneName(name: string): boolean {
  let dot = name.indexOf(".");
  // The first component is the source name: `part.isra.0` is a clone of `part`, `isra` alone none.
  while (dot >= 0) {
    const next = name.indexOf(".", dot + 1);
    if (SUFFIXES.has(name.slice(dot + 1, next < 0 ? name.length : next))) return true;
    dot = next;
  }
  return false;
}

/** The source name of a clone (`foo` for `foo.isra.0`), undefined for a name that is no clone. */
export function cloneBase(name: string): string | undefined {
  return isCloneName(name) ? name.slice(0, name.indexOf(".")) : undefined;
}

/**
 * STT_FUNC symbols by address, names sorted (so the first one is stable).
 * In ET_REL files a symbol's value is relative to its section, whose
 * laid-out address is added (see ElfOpenOptions.layoutRelocatable; 0 when
 * not laid out), which is how the DWARF of the same file is relocated: the
 * two agree in either case.
 */
export function functionSymbols(elf: ElfFile): Map<bigint, string[]> {
  const out = new Map<bigint, string[]>();
  const rel = elf.type === ET_REL;
  for (const s of elf.codeSymbols()) {
    if (s.type !== STT_FUNC || s.name === "") continue;
    let addr = s.value;
    if (rel) {
      const sec = elf.sections[s.shndx];
      if (!sec || s.shndx === 0 || s.shndx >= 0xff00) continue;
      addr += sec.addr;
    }
    const list = out.get(addr);
    if (list) list.push(s.name);
    else out.set(addr, [s.name]);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** {@link functionSymbols} as columns, for a worker thread (structured clone copies three arrays, not a map of arrays). */
export interface PackedFunctionSymbols {
  addrs: BigUint64Array;
  /** Names per address, in order. */
  counts: Uint32Array;
  names: string[];
}

/** `syms` as {@link PackedFunctionSymbols}. */
export function packFunctionSymbols(syms: Map<bigint, string[]>): PackedFunctionSymbols {
  const addrs = new BigUint64Array(syms.size);
  const counts = new Uint32Array(syms.size);
  const names: string[] = [];
  let i = 0;
  for (const [a, list] of syms) {
    addrs[i] = a;
    counts[i++] = list.length;
    names.push(...list);
  }
  return { addrs, counts, names };
}

/** The map {@link packFunctionSymbols} packed. */
export function unpackFunctionSymbols(p: PackedFunctionSymbols): Map<bigint, string[]> {
  const out = new Map<bigint, string[]>();
  let k = 0;
  for (let i = 0; i < p.addrs.length; i++) {
    out.set(p.addrs[i]!, p.names.slice(k, k + p.counts[i]!));
    k += p.counts[i]!;
  }
  return out;
}
