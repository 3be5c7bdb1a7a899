/**
 * Indexes over a {@link DieTable}: DIE offset → row, children lists, and
 * decoded names. The table is columns (STYLE.md 7); these helpers add the
 * few derived columns the encoder needs without one object per DIE.
 *
 * Offset lookup is a binary search over `off` when the column is sorted (the
 * walker emits units in order, DIEs in order inside a unit), else over a
 * sorted permutation; a `Map` of several million entries would cost more
 * memory than the columns themselves.
 */
import { NONE, type DieOffset, type DieTable, type DwarfRecords, type StrId } from "../dwarf/records.js";

/** DWARF tags the encoder looks at (DWARF 5, 7.5.3, plus the LLVM/GNU annotation tags). */
export const DW_TAG_array_type = 0x01;
/** `class` (C++), encoded like a struct. */
export const DW_TAG_class_type = 0x02;
/** `enum`. */
export const DW_TAG_enumeration_type = 0x04;
/** A function or subroutine-type parameter. */
export const DW_TAG_formal_parameter = 0x05;
/** Struct/union member. */
export const DW_TAG_member = 0x0d;
/** `T *`. */
export const DW_TAG_pointer_type = 0x0f;
/** `T &` (C++), encoded as PTR like pahole. */
export const DW_TAG_reference_type = 0x10;
/** `struct`. */
export const DW_TAG_structure_type = 0x13;
/** Function type. */
export const DW_TAG_subroutine_type = 0x15;
/** `typedef`. */
export const DW_TAG_typedef = 0x16;
/** `union`. */
export const DW_TAG_union_type = 0x17;
/** `...`. */
export const DW_TAG_unspecified_parameters = 0x18;
/** C++ base class (not encoded). */
export const DW_TAG_inheritance = 0x1c;
/** `T C::*` (C++; encoded as void). */
export const DW_TAG_ptr_to_member_type = 0x1f;
/** Array dimension. */
export const DW_TAG_subrange_type = 0x21;
/** Base (int/float) type. */
export const DW_TAG_base_type = 0x24;
/** `const T`. */
export const DW_TAG_const_type = 0x26;
/** Enum value. */
export const DW_TAG_enumerator = 0x28;
/** Function. */
export const DW_TAG_subprogram = 0x2e;
/** Variable. */
export const DW_TAG_variable = 0x34;
/** `volatile T`. */
export const DW_TAG_volatile_type = 0x35;
/** `restrict T`. */
export const DW_TAG_restrict_type = 0x37;
/** `void` spelled by the language (C++ `decltype(nullptr)`, ...). */
export const DW_TAG_unspecified_type = 0x3b;
/** `T &&` (C++). */
export const DW_TAG_rvalue_reference_type = 0x42;
/** `_Atomic T` (dropped: BTF has no atomic kind, pahole drops it too). */
export const DW_TAG_atomic_type = 0x47;
/** DW_TAG_LLVM_annotation (clang `btf_decl_tag` / `btf_type_tag`). */
export const DW_TAG_LLVM_annotation = 0x6000;
/** DW_TAG_GNU_annotation (gcc 15 spelling of the same). */
export const DW_TAG_GNU_annotation = 0x6001;

/** DW_ATE_* encodings of base types. */
export const DW_ATE_boolean = 0x02;
/** Complex float. */
export const DW_ATE_complex_float = 0x03;
/** Float. */
export const DW_ATE_float = 0x04;
/** Signed integer. */
export const DW_ATE_signed = 0x05;
/** Signed char. */
export const DW_ATE_signed_char = 0x06;
/** Unsigned integer. */
export const DW_ATE_unsigned = 0x07;
/** Unsigned char. */
export const DW_ATE_unsigned_char = 0x08;
/** Unicode character (char8_t, char16_t...). */
export const DW_ATE_UTF = 0x10;

const utf8 = new TextDecoder("utf-8");

/** Bytes of `.debug_info` per lookup bucket of {@link DieIndex} (a DIE takes ~10-20). */
const BUCKET_BYTES = 64;

/** Derived indexes over one {@link DwarfRecords}' DIE table. */
export class DieIndex {
  /** The table indexed. */
  readonly dies: DieTable;
  /** The string blob names point into. */
  readonly strings: Uint8Array;
  /** First child row of each row, NONE if none. */
  readonly firstChild: Uint32Array;
  /** Next sibling row of each row, NONE if last. */
  readonly nextSibling: Uint32Array;
  /** Rows sorted by offset, or undefined when `off` is sorted already. */
  private readonly order?: Uint32Array;
  /**
   * Offset buckets of {@link BUCKET_BYTES}: entry b is the first position
   * (in offset order) whose offset is at least `bucketBase + b *
   * BUCKET_BYTES`, so a lookup reads one entry and scans the few DIEs of one
   * bucket. Undefined when the offsets are too spread for it to pay
   * (several files' segments): {@link row} searches by halving then.
   */
  private readonly buckets?: Uint32Array;
  private readonly bucketBase: number = 0;
  private readonly names = new Map<number, string>();

  /** Builds the indexes; O(n) plus a sort when offsets are not in order. */
  constructor(records: DwarfRecords) {
    const dies = records.dies;
    if (!dies) throw new RangeError("DwarfRecords has no DIE table: read it with { types: true }");
    this.dies = dies;
    this.strings = records.strings;
    const n = dies.count;
    this.firstChild = new Uint32Array(n).fill(NONE);
    this.nextSibling = new Uint32Array(n).fill(NONE);
    // Walk backwards and prepend: children end up in DIE order.
    for (let r = n - 1; r >= 0; r--) {
      const p = dies.parent[r];
      if (p === NONE || p >= n) continue;
      this.nextSibling[r] = this.firstChild[p];
      this.firstChild[p] = r;
    }
    let sorted = true;
    for (let r = 1; r < n && sorted; r++) if (dies.off[r] <= dies.off[r - 1]) sorted = false;
    if (!sorted) {
      const order = new Uint32Array(n);
      for (let r = 0; r < n; r++) order[r] = r;
      const off = dies.off;
      // Comparator on u32 values: compare, never subtract into a signed int.
      order.sort((a, b) => (off[a] < off[b] ? -1 : off[a] > off[b] ? 1 : 0));
      this.order = order;
    }
    // A whole-object encode looks up ~10 million references (vmlinux); by halving, 20 steps each.
    if (n > 0) {
      const order = this.order;
      const off = dies.off;
      const at = (k: number) => off[order ? order[k]! : k]!;
      const base = at(0);
      const nb = Math.floor((at(n - 1) - base) / BUCKET_BYTES) + 2;
      if (nb <= 4 * n + 16) {
        const buckets = new Uint32Array(nb);
        let k = 0;
        for (let b = 0; b < nb; b++) {
          const from = base + b * BUCKET_BYTES;
          while (k < n && at(k) < from) k++;
          buckets[b] = k;
        }
        this.buckets = buckets;
        this.bucketBase = base;
      }
    }
  }

  /** Row of the DIE at `off`, or NONE if the table does not hold it. */
  row(off: DieOffset): number {
    if (off === NONE) return NONE;
    const col = this.dies.off;
    const order = this.order;
    const buckets = this.buckets;
    if (buckets) {
      if (off < this.bucketBase) return NONE;
      const b = Math.floor((off - this.bucketBase) / BUCKET_BYTES);
      if (b + 1 >= buckets.length) return NONE;
      for (let k = buckets[b]!, end = buckets[b + 1]!; k < end; k++) {
        const r = order ? order[k]! : k;
        if (col[r] === off) return r;
      }
      return NONE;
    }
    let lo = 0;
    let hi = this.dies.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = col[order ? order[mid] : mid];
      if (v < off) lo = mid + 1;
      else if (v > off) hi = mid - 1;
      else return order ? order[mid] : mid;
    }
    return NONE;
  }

  /** Rows of the children of `row`, in DIE order. */
  children(row: number): number[] {
    const out: number[] = [];
    for (let c = this.firstChild[row]; c !== NONE; c = this.nextSibling[c]) out.push(c);
    return out;
  }

  /** The string `id` of the blob ("" for 0). */
  str(id: StrId): string {
    if (id === 0 || id === NONE) return "";
    let s = this.names.get(id);
    if (s === undefined) {
      let end = id;
      const b = this.strings;
      while (end < b.length && b[end] !== 0) end++;
      s = utf8.decode(b.subarray(id, end));
      this.names.set(id, s);
    }
    return s;
  }

  /**
   * The row that holds the name and parameters of subprogram/variable `row`:
   * DW_AT_abstract_origin / DW_AT_specification followed to the end (cycle-safe).
   */
  originRoot(row: number): number {
    let r = row;
    for (let guard = 0; guard < 16; guard++) {
      const o = this.dies.origin[r];
      if (o === NONE) return r;
      const next = this.row(o);
      if (next === NONE) return r;
      r = next;
    }
    return r;
  }

  /** Name of `row`, taken from its origin chain when the DIE itself has none. */
  nameOf(row: number): string {
    const d = this.dies;
    if (d.name[row] !== 0 && d.name[row] !== NONE) return this.str(d.name[row]);
    const root = this.originRoot(row);
    return this.str(d.name[root]);
  }
}
