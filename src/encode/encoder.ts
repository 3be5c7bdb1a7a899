/**
 * {@link TypeEncoder}: BTF ids for DWARF types on demand, in a split BTF on
 * a given base, deduplicated against that base as they are asked for.
 *
 * This is the door the func_info emitter uses: for an inline-only function
 * it asks for the FUNC_PROTO built from the origin's return and parameter
 * DIEs and gets base ids for every type the base already has; only what the
 * base lacks is appended to the split. Each request encodes the closure of
 * the DIEs not seen before into a batch and deduplicates it into the split
 * (`dedup/index.ts`), so a DIE costs its encoding once; batch requests
 * ({@link TypeEncoder.typeIds}) amortise a dedup run over many DIEs.
 */
import { Btf } from "../btf/btf.js";
import { BTF_FUNC_STATIC, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO } from "../btf/kinds.js";
import type { Param, TypeId } from "../btf/model.js";
import { btfIdentifier } from "../btf/names.js";
import { NONE, type DieOffset, type DwarfRecords } from "../dwarf/records.js";
import { TargetIndex } from "./dedup/index.js";
import { DieIndex, DW_TAG_subprogram } from "./dies.js";
import { newStats, type EncodeStats } from "./stats.js";
import { TypeBuilder } from "./types.js";

/** Options of {@link TypeEncoder}. */
export interface TypeEncoderOptions {
  /** Reuse DIE indexes built for the same records (saves a pass over the table). */
  dieIndex?: DieIndex;
  /** Multi-dimensional arrays as nested ARRAYs (default false: flat, like pahole and kernel .BTF). */
  nestArrays?: boolean;
  /** Write into this BTF instead of a new split on `base` (its base must be `base`). */
  target?: Btf;
  /**
   * The dedup index of `target`, kept from an earlier encoder on the same
   * target, so a caller encoding unit ranges one after the other does not
   * re-index the base and the split for each range.
   */
  index?: TargetIndex;
  /** An index of `base`, shared by many encoders (see {@link TargetIndex.parent}). */
  baseIndex?: TargetIndex;
}

/**
 * Encodes DWARF types of one {@link DwarfRecords} into a split BTF on `base`
 * (or a standalone BTF without base), deduplicating every request against
 * the base and against what earlier requests added. The base is never
 * modified.
 *
 * ```ts
 * const enc = new TypeEncoder(records, vmlinuxBtf);
 * const proto = enc.funcProto(fn.type, paramTypeDies, paramNames, variadic);
 * const func = enc.func("foo", proto, BTF_FUNC_STATIC);
 * const split = enc.finish(); // split on vmlinuxBtf; add LOC kinds to it
 * ```
 */
export class TypeEncoder {
  /** The BTF being built (split on the base when one was given). */
  readonly btf: Btf;
  /** Counters. */
  readonly stats: EncodeStats;
  /** DIE indexes of the records. */
  readonly dies: DieIndex;
  private readonly builder: TypeBuilder;

  /**
   * @param records a walk with `types: true` (its `dies` table)
   * @param base BTF the output is split on (vmlinux or module `.BTF`); omitted: a standalone BTF
   */
  constructor(records: DwarfRecords, base?: Btf, opts: TypeEncoderOptions = {}) {
    this.dies = opts.dieIndex ?? new DieIndex(records);
    this.btf = opts.target ?? new Btf({ base });
    this.stats = newStats();
    this.stats.dies = this.dies.dies.count;
    this.builder = new TypeBuilder(this.dies, opts.index ?? new TargetIndex(this.btf, opts.baseIndex), this.stats);
    this.builder.nestArrays = opts.nestArrays ?? false;
  }

  /** The dedup index of the target (to share with the encoder of the next unit range). */
  get index(): TargetIndex {
    return this.builder.index;
  }

  /** The builder (for the whole-object encoder in this folder). */
  get typeBuilder(): TypeBuilder {
    return this.builder;
  }

  /**
   * The BTF id of the type DIE at `.debug_info` offset `die` (NONE → 0,
   * void). Types equal to a base type get the base id.
   */
  typeId(die: DieOffset): TypeId {
    return this.typeIds([die])[0];
  }

  /** {@link typeId} of many DIEs with one dedup run. */
  typeIds(dies: readonly DieOffset[]): TypeId[] {
    const b = this.builder;
    const ids = dies.map((d) => (d === NONE ? 0 : b.refOff(d)));
    if (!ids.some((id) => id >= b.T)) return ids;
    const { T, ids: fin } = b.flush();
    return ids.map((id) => (id >= T ? fin[id - T] : id));
  }

  /**
   * The id of `FUNC_PROTO ret(params...)`: `retDie` the return type DIE
   * (NONE for void), `paramDies` the parameter type DIEs, `paramNames` their
   * names ("" for none), `variadic` adds the trailing `...`. An equal
   * FUNC_PROTO already in the base (same names and types) is returned as is.
   */
  funcProto(retDie: DieOffset, paramDies: readonly DieOffset[], paramNames: readonly string[], variadic: boolean): TypeId {
    const b = this.builder;
    const params: Param[] = paramDies.map((d, i) => ({
      nameOff: paramNames[i] ? this.btf.addStr(btfIdentifier(paramNames[i])) : 0,
      type: d === NONE ? 0 : b.refOff(d),
    }));
    if (variadic) params.push({ nameOff: 0, type: 0 });
    const id = b.alloc({ kind: BTF_KIND_FUNC_PROTO, nameOff: 0, ret: retDie === NONE ? 0 : b.refOff(retDie), params });
    const { T, ids } = b.flush();
    return ids[id - T];
  }

  /**
   * The FUNC_PROTO of subprogram DIE `die` (its abstract origin's parameter
   * list and names, like pahole builds it).
   */
  funcProtoOf(die: DieOffset): TypeId {
    const row = this.dies.row(die);
    if (row === NONE) return 0;
    const b = this.builder;
    const id = b.protoOf(this.dies.originRoot(row), true);
    const { T, ids } = b.flush();
    return ids[id - T];
  }

  /**
   * The FUNC_PROTOs of many origin roots (FuncTable `die`s: the end of each
   * function's abstract-origin / specification chain) with one dedup run (the
   * func_info emitter asks for tens of thousands at once; a dedup run per
   * prototype would repeat the base lookups each time). NONE/unknown → 0, and
   * 0 for a root that is no DW_TAG_subprogram or still has an origin (corrupt
   * DWARF: the chain loops or is longer than the DWARF reader follows): its
   * parameters are not the ones the reader counted, so its sites get no
   * prototype rather than a wrong one.
   */
  funcProtosOf(dies: readonly DieOffset[]): TypeId[] {
    const b = this.builder;
    const d = this.dies.dies;
    const pending = dies.map((die) => {
      const row = die === NONE ? NONE : this.dies.row(die);
      if (row === NONE || d.tag[row] !== DW_TAG_subprogram || d.origin[row] !== NONE) return -1;
      return b.protoOf(row, true);
    });
    const { T, ids } = b.flush();
    return pending.map((id) => (id < 0 ? 0 : id >= T ? ids[id - T] : id));
  }

  /**
   * The id of `FUNC name` of prototype `proto` and `linkage`
   * (BTF_FUNC_STATIC/GLOBAL): an equal FUNC in the base is reused, else one
   * is added to the split.
   */
  func(name: string, proto: TypeId, linkage: number = BTF_FUNC_STATIC): TypeId {
    const b = this.builder;
    b.flush();
    const id = b.alloc({ kind: BTF_KIND_FUNC, nameOff: this.btf.addStr(btfIdentifier(name)), type: proto, linkage });
    const { T, ids } = b.flush();
    return ids[id - T];
  }

  /** Flushes pending work and returns the BTF (the same object as {@link btf}). */
  finish(): Btf {
    this.builder.flush();
    return this.btf;
  }
}
