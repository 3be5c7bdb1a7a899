/**
 * DW_OP_entry_value(DW_OP_regN) away from the function's entry, through the
 * callers' call sites (FORMAT.md 5: "resolve when provably equal ... e.g.
 * through DW_TAG_call_site_parameter"; issue 11 item 5).
 *
 * `entry_value(regN)` is the value regN had when the enclosing out-of-line
 * function G was entered. A caller's DW_AT_call_value is an expression in
 * the *caller's* frame, so only a frame-independent one means anything in
 * G: a constant (DW_OP_litN, DW_OP_constN[us], DW_OP_const[us]) or an
 * address constant (DW_OP_addr), with or without DW_OP_stack_value. The
 * value is then proven only if **every** way into G passes that value in
 * regN:
 *  1. G is a local function (no global or weak symbol at its entry), so no
 *     other object can name it;
 *  2. every reference to G's entry the object's bytes hold (the scan of
 *     src/app/entryrefs.ts: code, data, relocations) is a direct call or
 *     jump — no address taken, no unknown form;
 *  3. each of those branches has a call site DIE in G's own unit (matched by
 *     its DW_AT_call_return_pc / low_pc = the branch's end, or DW_AT_call_pc
 *     = its start) whose callee is G's origin and which is not indirect;
 *  4. each such call site has a DW_TAG_call_site_parameter for regN whose
 *     DW_AT_call_value is a constant, and all of them are the same.
 * Only G's own unit is looked at, so the answer depends on that unit and the
 * object's bytes alone — the same whichever unit batch or worker asks.
 * A branch whose call site DIE lives in another unit (LTO, a hidden symbol
 * of a shared object called from another file) is unmatched: not proven.
 *
 * For a value wider than 4 bytes the constant must lie in [0, 2^31): a
 * 32-bit argument's register has undefined upper bits by the psABI, and a
 * caller materialising a non-negative 32-bit constant (`mov $c, %edi`) leaves
 * them zero, so only there do the 4- and 8-byte readings agree.
 */
import { CALL_HAS_TARGET, CALL_ORIGIN_LOCAL, CALL_PC, CALL_RETURN_PC, NONE, u64, type DwarfRecords } from "../dwarf/records.js";

/**
 * What the object says about the ways into one function entry: its direct
 * branches (the instruction's address and end), or why they are not known
 * to be all of them.
 */
export type EntryCallers =
  | { branches: { at: bigint; end: bigint }[]; unknown?: undefined }
  | { unknown: string; branches?: undefined };

/** A proven entry value as the expression `<constant op> ; DW_OP_stack_value`, or why there is none. */
export type EntryValue = { expr: Uint8Array; cause?: undefined } | { cause: string; expr?: undefined };

const DW_OP_addr = 0x03;
const DW_OP_stack_value = 0x9f;

/** The cause prefix of every entry value left unresolved here. */
export const ENTRY_VALUE_CAUSE = "DW_OP_entry_value";

const toAddr = u64;

function push(m: Map<number, number[]>, k: number, v: number): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * The value a call value expression stands for, as a comparable key and
 * its bytes without DW_OP_stack_value; undefined when it is not a constant.
 */
export function constantCallValue(b: Uint8Array, addrSize: number, le: boolean): { key: string; ops: Uint8Array; value?: bigint } | undefined {
  if (b.length === 0) return undefined;
  const end = b[b.length - 1] === DW_OP_stack_value ? b.length - 1 : b.length;
  const ops = b.subarray(0, end);
  const op = ops[0]!;
  let pos = 1;
  const fixed = (n: number, signed: boolean): bigint | undefined => {
    if (pos + n !== ops.length) return undefined;
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(ops[pos + (le ? n - 1 - i : i)]!);
    return signed ? BigInt.asIntN(n * 8, v) : v;
  };
  const leb = (signed: boolean): bigint | undefined => {
    let v = 0n, shift = 0n, byte = 0x80;
    while (byte & 0x80) {
      if (pos >= ops.length) return undefined;
      byte = ops[pos++]!;
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    }
    if (pos !== ops.length) return undefined;
    if (signed && byte & 0x40) v -= 1n << shift;
    return v;
  };
  let v: bigint | undefined;
  if (op >= 0x30 && op <= 0x4f) v = ops.length === 1 ? BigInt(op - 0x30) : undefined;
  else if (op === 0x08) v = fixed(1, false);
  else if (op === 0x09) v = fixed(1, true);
  else if (op === 0x0a) v = fixed(2, false);
  else if (op === 0x0b) v = fixed(2, true);
  else if (op === 0x0c) v = fixed(4, false);
  else if (op === 0x0d) v = fixed(4, true);
  else if (op === 0x0e) v = fixed(8, false);
  else if (op === 0x0f) v = fixed(8, true);
  else if (op === 0x10) v = leb(false);
  else if (op === 0x11) v = leb(true);
  else if (op === DW_OP_addr) {
    const a = fixed(addrSize, false);
    return a === undefined ? undefined : { key: `a${a}`, ops };
  }
  if (v === undefined) return undefined;
  // The DWARF stack is address-sized: compare modulo its width.
  return { key: `c${BigInt.asUintN(addrSize * 8, v)}`, ops, value: v };
}

/** Per records: the call sites by unit and address, and the answers already given. */
export class EntryValues {
  /**
   * Call sites by unit and callee DIE (key `unit * 2^32 + die`), made on the
   * first proof (most sites never ask), and by unit and the low 32 bits of
   * their pc, made when a proof first gets past the DWARF checks.
   */
  private byOrigin?: Map<number, number[]>;
  private byPc?: Map<number, number[]>;
  private readonly cache = new Map<string, EntryValue>();

  constructor(
    private readonly rec: DwarfRecords,
    private readonly callers: (entry: bigint) => EntryCallers,
    private readonly littleEndian: boolean,
  ) {}

  /** {@link byOrigin} or {@link byPc} (`pc`), made now if not yet. */
  private callIndex(pc: boolean): Map<number, number[]> {
    const have = pc ? this.byPc : this.byOrigin;
    if (have) return have;
    const m = new Map<number, number[]>();
    const C = this.rec.calls;
    for (let c = 0; C && c < C.count; c++) {
      if ((C.flags[c]! & (CALL_RETURN_PC | CALL_PC)) === 0) continue;
      push(m, C.unit[c]! * 0x1_0000_0000 + (pc ? C.pcLo[c]! : C.origin[c]!), c);
    }
    return pc ? (this.byPc = m) : (this.byOrigin = m);
  }

  /**
   * The value register `reg` held on entry to the out-of-line function that
   * encloses site row `site`, when every caller provably passed the same
   * constant there; else the cause, `DW_OP_entry_value: <why>`.
   */
  at(site: number, reg: number): EntryValue {
    const S = this.rec.sites;
    const g = S.caller[site]!;
    if (g === NONE) return { cause: `${ENTRY_VALUE_CAUSE}: no enclosing function` };
    const entry = toAddr(S.callerLo[site]!, S.callerHi[site]!);
    const unit = S.unit[site]!;
    const key = `${unit}:${entry}:${g}:${reg}`;
    let r = this.cache.get(key);
    if (!r) this.cache.set(key, (r = this.prove(unit, entry, this.rec.funcs.die[g]!, reg)));
    return r;
  }

  private prove(unit: number, entry: bigint, root: number, reg: number): EntryValue {
    const why = (text: string): EntryValue => ({ cause: `${ENTRY_VALUE_CAUSE}: ${text}` });
    const C = this.rec.calls, P = this.rec.callParams;
    if (!C || !P) return why("no call sites read");
    const addrSize = this.rec.units.addrSize[unit]!;
    const valueAt = (c: number): ReturnType<typeof constantCallValue> | "none" | "several" => {
      let value: ReturnType<typeof constantCallValue> | "none" = "none";
      for (let q = C.paramStart[c]!; q < C.paramStart[c]! + C.paramCount[c]!; q++) {
        if (P.reg[q] !== reg) continue;
        if (value !== "none") return "several";
        value = constantCallValue(this.rec.exprs.subarray(P.exprOff[q]!, P.exprOff[q]! + P.exprLen[q]!), addrSize, this.littleEndian);
      }
      return value;
    };
    // DWARF first (cheap): some call site of G in its unit must give a constant for the register.
    const known = this.callIndex(false).get(unit * 0x1_0000_0000 + root) ?? [];
    if (known.length === 0) return why("no call sites");
    const values = known.map(valueAt);
    if (!values.some((v) => v !== undefined && typeof v === "object")) {
      return why(values.every((v) => v === "none") ? "caller value unknown" : "caller value not constant");
    }
    // Every call site of G is a call into it, so each must give the same
    // constant (necessary, not sufficient): only then is the object scanned,
    // which a worker otherwise pays for on its first candidate (~1 s on vmlinux).
    let agreed: { key: string; ops: Uint8Array; value?: bigint } | undefined;
    for (const v of values) {
      if (v === "none") return why("caller value unknown");
      if (v === undefined || v === "several") return why("caller value not constant");
      if (agreed && agreed.key !== v.key) return why("callers disagree");
      agreed ??= v;
    }
    // Then the object: every way into G a direct branch.
    const into = this.callers(entry);
    if (into.unknown !== undefined) return why(into.unknown);
    if (into.branches.length === 0) return why("no calls");
    // The call sites a branch is matched to are among `known`, whose values agree.
    const byPc = this.callIndex(true);
    const atPc = (pc: bigint) => byPc.get(unit * 0x1_0000_0000 + Number(pc & 0xffffffffn)) ?? [];
    for (const b of into.branches) {
      const rows = [...atPc(b.end), ...atPc(b.at)].filter((c) => {
        const f = C.flags[c]!;
        const pc = toAddr(C.pcLo[c]!, C.pcHi[c]!);
        return (f & CALL_RETURN_PC ? pc === b.end : pc === b.at) && C.origin[c] === root;
      });
      if (rows.length === 0) return why("call without call site");
      for (const c of rows) {
        if (C.flags[c]! & CALL_HAS_TARGET) return why("call without call site");
        if ((C.flags[c]! & CALL_ORIGIN_LOCAL) === 0) return why("call site origin in another unit");
      }
    }
    const expr = new Uint8Array(agreed!.ops.length + 1);
    expr.set(agreed!.ops);
    expr[agreed!.ops.length] = DW_OP_stack_value;
    return { expr };
  }
}
