/**
 * Named aggregates found in the base by name and shape, so the func_info
 * pipeline does not re-encode and re-deduplicate the whole type graph under
 * every prototype (a `struct sk_buff *` parameter drags in hundreds of
 * types) when the base — the object's own `.BTF`, made from this DWARF —
 * already holds it.
 *
 * A complete, named struct/union/enum DIE maps to a base type when the
 * chain holds exactly one complete type of that kind and name, and it has
 * the DIE's byte size and the same members (names and bit offsets, bitfield
 * sizes) or enumerators (names and values) in order. That is the type the
 * libbpf-style dedup would pick for it (the only candidate, and of the same
 * shape); where there are several candidates, none, or any difference, the
 * DIE is left to the full encoder and dedup as before.
 *
 * The check is shallow: member *types* are not compared. A base built from
 * other DWARF (another kernel build) with a same-named, same-layout struct
 * whose member types differ would be taken as equal; the base of a func_info
 * is that object's own `.BTF` (or the `--btf_base` chain the user names for
 * it), where this does not arise.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_STRUCT, BTF_KIND_UNION, type Kind } from "../btf/kinds.js";
import type { TypeId } from "../btf/model.js";
import { DIE_DECLARATION, NONE, u64 } from "../dwarf/records.js";
import {
  DW_TAG_class_type, DW_TAG_enumeration_type, DW_TAG_enumerator, DW_TAG_formal_parameter, DW_TAG_member, DW_TAG_structure_type,
  DW_TAG_subroutine_type, DW_TAG_union_type, type DieIndex,
} from "./dies.js";

/**
 * Calls `preset(row, baseId)` for the DIEs reachable from the subprogram
 * rows `roots` (their return and parameter types, through pointers,
 * modifiers, typedefs, arrays and the members of aggregates not found) that
 * map to a base type as the module comment says; returns how many did.
 * Only what the prototypes reach is looked at, and nothing below a match.
 * `missing` hears of each reference on that way to a DIE the table lacks
 * (a demand-walked table: see `DwarfReader.demandTypes`).
 */
export function presetFromBase(
  ix: DieIndex, base: Btf, roots: readonly number[], preset: (row: number, id: TypeId) => void, missing?: (off: number) => void,
): number {
  const d = ix.dies;
  // DWARF name id -> unique complete base candidate (-1: none or several), per kind group.
  const cache = [new Map<number, TypeId>(), new Map<number, TypeId>(), new Map<number, TypeId>()];
  const candidate = (group: number, nameId: number): TypeId => {
    let id = cache[group].get(nameId);
    if (id === undefined) {
      const name = ix.str(nameId);
      const ids = name === "" ? [] : GROUPS[group].flatMap((k) => base.findAllByName(name, k));
      id = ids.length === 1 ? ids[0] : -1;
      cache[group].set(nameId, id);
    }
    return id;
  };
  const seen = new Uint8Array(d.count);
  const stack: number[] = [];
  const push = (off: number) => {
    if (off === NONE) return;
    const r = ix.row(off);
    if (r === NONE) missing?.(off);
    else if (!seen[r]) {
      seen[r] = 1;
      stack.push(r);
    }
  };
  const pushParams = (row: number) => {
    push(d.type[row]);
    for (let c = ix.firstChild[row]; c !== NONE; c = ix.nextSibling[c]) if (d.tag[c] === DW_TAG_formal_parameter) push(d.type[c]);
  };
  for (const r of roots) if (r !== NONE) pushParams(ix.originRoot(r));
  let n = 0;
  while (stack.length) {
    const row = stack.pop()!;
    const tag = d.tag[row];
    const isComposite = tag === DW_TAG_structure_type || tag === DW_TAG_class_type || tag === DW_TAG_union_type;
    if (isComposite || tag === DW_TAG_enumeration_type) {
      const complete = !(d.flags[row] & DIE_DECLARATION) && d.byteSize[row] !== NONE && d.name[row] !== 0 && d.name[row] !== NONE;
      if (complete) {
        const id = candidate(tag === DW_TAG_union_type ? 1 : isComposite ? 0 : 2, d.name[row]);
        if (id >= 0 && (isComposite ? sameMembers(ix, row, base, base.typeById(id)) : sameEnumerators(ix, row, base, base.typeById(id)))) {
          preset(row, id);
          n++;
          continue;
        }
      }
      if (isComposite) for (let c = ix.firstChild[row]; c !== NONE; c = ix.nextSibling[c]) if (d.tag[c] === DW_TAG_member) push(d.type[c]);
      continue;
    }
    if (tag === DW_TAG_subroutine_type) pushParams(row);
    else push(d.type[row]);
  }
  return n;
}

/** Base kinds a struct/class, a union and an enum DIE may match. */
const GROUPS: readonly (readonly Kind[])[] = [[BTF_KIND_STRUCT], [BTF_KIND_UNION], [BTF_KIND_ENUM, BTF_KIND_ENUM64]];

function sameMembers(ix: DieIndex, row: number, base: Btf, t: ReturnType<Btf["typeById"]>): boolean {
  if (t.kind !== BTF_KIND_STRUCT && t.kind !== BTF_KIND_UNION) return false;
  const d = ix.dies;
  if (t.size !== d.byteSize[row]) return false;
  let i = 0;
  for (let c = ix.firstChild[row]; c !== NONE; c = ix.nextSibling[c]) {
    if (d.tag[c] !== DW_TAG_member || d.flags[c] & DIE_DECLARATION) continue;
    const m = t.members[i++];
    if (!m) return false;
    const off = d.bitOffset[c] === NONE ? 0 : d.bitOffset[c];
    if (m.bitsOffset !== off || m.bitfieldSize !== d.bitSize[c]) return false;
    if (base.str(m.nameOff) !== ix.str(d.name[c])) return false;
  }
  return i === t.members.length;
}

function sameEnumerators(ix: DieIndex, row: number, base: Btf, t: ReturnType<Btf["typeById"]>): boolean {
  if (t.kind !== BTF_KIND_ENUM && t.kind !== BTF_KIND_ENUM64) return false;
  const d = ix.dies;
  if (t.size !== d.byteSize[row]) return false;
  let i = 0;
  for (let c = ix.firstChild[row]; c !== NONE; c = ix.nextSibling[c]) {
    if (d.tag[c] !== DW_TAG_enumerator) continue;
    const v = t.values[i++];
    if (!v || base.str(v.nameOff) !== ix.str(d.name[c])) return false;
    // Compared as the enum's bits: a signed base value and the DIE's raw words agree there.
    const bits = t.size * 8;
    const raw = u64(d.valLo[c]!, d.valHi[c]!);
    if (BigInt.asUintN(bits, BigInt(v.val)) !== BigInt.asUintN(bits, raw)) return false;
  }
  return i === t.values.length;
}
