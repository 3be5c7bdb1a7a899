/**
 * Per-cpu variables → VAR + one DATASEC `.data..percpu`, as pahole 1.24
 * encodes them (the only variables it encodes by default): a DW_TAG_variable
 * definition whose ELF symbol (STT_OBJECT, same name) lives in the per-cpu
 * section and whose DW_AT_location DW_OP_addr equals that symbol's value.
 * Entries are sorted by offset; offset = symbol value − section address
 * (0 on x86_64), size = symbol size. Addresses are BigInts: arm64's per-cpu
 * section sits at 0xffff8000..., above 2^53, where a number steps by 2048.
 */
import { BTF_KIND_DATASEC, BTF_KIND_VAR } from "../btf/kinds.js";
import type { Btf } from "../btf/btf.js";
import type { Datasec, TypeId, VarSecInfo } from "../btf/model.js";
import { DIE_DECLARATION, DIE_EXTERNAL, NONE } from "../dwarf/records.js";
import type { ElfSymbol } from "../elf/symbols.js";
import { DW_TAG_variable } from "./dies.js";
import type { EncodeStats } from "./stats.js";
import type { TypeBuilder } from "./types.js";

/** Name of the per-cpu data section. */
export const PERCPU_SECTION = ".data..percpu";

/** The per-cpu section and its symbols. */
export interface PercpuInfo {
  /** Section address (sh_addr). */
  addr: bigint;
  /** Section size. */
  size: number;
  /** STT_OBJECT symbols in the section by name (first wins). */
  symbols: Map<string, { value: bigint; size: number }>;
  /** Byte order of the object (of a DW_OP_addr operand). */
  littleEndian: boolean;
}

/** Collects the per-cpu symbols of section index `shndx`. */
export function percpuFromSymbols(symbols: readonly ElfSymbol[], shndx: number, addr: bigint, size: number, littleEndian: boolean): PercpuInfo {
  const map = new Map<string, { value: bigint; size: number }>();
  for (const s of symbols) {
    if (s.shndx !== shndx || s.type !== 1 /* STT_OBJECT */ || !s.name) continue;
    if (!map.has(s.name)) map.set(s.name, { value: BigInt(s.value), size: Number(s.size) });
  }
  return { addr, size, symbols: map, littleEndian };
}

/** Reads a DW_OP_addr location (`0x03` + address, in the object's byte order) of `row`; undefined otherwise. */
function locationAddr(b: TypeBuilder, exprs: Uint8Array, row: number, littleEndian: boolean): bigint | undefined {
  const d = b.ix.dies;
  const off = d.exprOff[row];
  const len = d.exprLen[row];
  if (len !== 5 && len !== 9) return undefined;
  if (exprs[off] !== 0x03) return undefined;
  let v = 0n;
  if (littleEndian) for (let i = len - 1; i >= 1; i--) v = (v << 8n) | BigInt(exprs[off + i]);
  else for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(exprs[off + i]);
  return v;
}

/**
 * Adds VARs and the DATASEC for the per-cpu variables to the builder's
 * batch. Returns the number of VARs.
 */
export function buildPercpuVars(b: TypeBuilder, exprs: Uint8Array, percpu: PercpuInfo, stats: EncodeStats): number {
  const entries = collectPercpuVars(b, exprs, percpu, stats, new Set());
  if (entries.length) b.alloc(percpuDatasec(b.target, percpu, entries));
  stats.vars = entries.length;
  return entries.length;
}

/** The DATASEC of the per-cpu section over `entries` (sorted here by offset). */
export function percpuDatasec(target: Btf, percpu: PercpuInfo, entries: VarSecInfo[]): Datasec {
  entries.sort((x, y) => (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0));
  return { kind: BTF_KIND_DATASEC, nameOff: target.addStr(PERCPU_SECTION), size: percpu.size, vars: entries };
}

/**
 * Adds a VAR to the builder's batch for each per-cpu variable of its DIEs
 * not in `seen` (offsets in the section, shared across unit batches) and returns
 * their DATASEC entries, whose `type` are batch ids until the next flush.
 */
export function collectPercpuVars(b: TypeBuilder, exprs: Uint8Array, percpu: PercpuInfo, stats: EncodeStats, seen: Set<number>): VarSecInfo[] {
  const d = b.ix.dies;
  const entries: VarSecInfo[] = [];
  for (let r = 0; r < d.count; r++) {
    if (d.tag[r] !== DW_TAG_variable) continue;
    if (d.flags[r] & DIE_DECLARATION) {
      stats.varSkips.declaration++;
      continue;
    }
    const name = b.ix.nameOf(r);
    const sym = name ? percpu.symbols.get(name) : undefined;
    if (!sym) {
      stats.varSkips.notPercpu++;
      continue;
    }
    const addr = locationAddr(b, exprs, r, percpu.littleEndian);
    if (addr === undefined || addr !== sym.value) {
      stats.varSkips.noSymbol++;
      continue;
    }
    // The symbol lies in the section: its offset is below the section size, exact as a number.
    const offset = Number(sym.value - percpu.addr);
    if (seen.has(offset)) {
      stats.varSkips.duplicate++;
      continue;
    }
    seen.add(offset);
    const root = b.ix.originRoot(r);
    const type = b.refOff(d.type[r] !== NONE ? d.type[r] : d.type[root]);
    const linkage = (d.flags[r] | d.flags[root]) & DIE_EXTERNAL ? 1 : 0;
    const id: TypeId = b.alloc({ kind: BTF_KIND_VAR, nameOff: b.target.addStr(name), type, linkage });
    b.declTags(root, id, -1);
    entries.push({ type: id, offset, size: sym.size });
  }
  return entries;
}
