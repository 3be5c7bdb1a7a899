// An independent DWARF oracle for tests: it runs `llvm-dwarfdump-19` and parses
// its *text* output. It shares no code with btfgen (no gimli, no src/ imports),
// so agreement between the two means something.
//
// Text forms understood (llvm-dwarfdump 19, non-verbose `--debug-info`):
//   unit header   `0x00000000: Compile Unit: length = ..., version = 0x0005, ...`
//                 (also Partial/Type/Skeleton Unit headers: only the version is read)
//   DIE line      `0x0000013e:     DW_TAG_inlined_subroutine` (depth = (spaces - 1) / 2)
//                 `0x000001fb:         NULL`
//   attribute     `DW_AT_xxx\t(value)`; the value may span several lines, it ends
//                 where its parentheses balance (parentheses inside "..." ignored).
//   DW_AT_abstract_origin  `(0x0000052d "add3")`, absolute DIE offset, name
//                 resolved by llvm-dwarfdump through origin/specification chains.
//   DW_AT_entry_pc / low_pc / high_pc   `(0x0000000000000050)` (high_pc printed as
//                 an address even when encoded as a length).
//   DW_AT_ranges  `(0x0000001a` (DWARF 4 .debug_ranges offset) or
//                 `(indexed (0x0) rangelist = 0x00000010` (DWARF 5), then one
//                 `[lo, hi)` per line; `(0x00000000)` alone is an empty list.
//   DW_AT_call_file `("/path")`, DW_AT_call_line / call_column `(32)`.
//   DW_AT_location either one expression `(DW_OP_fbreg -20)` or a list
//                 `(0x00000097: ` (DWARF 4 .debug_loc offset) or
//                 `(indexed (0x2) loclist = 0x0000005a: ` (DWARF 5), followed by
//                 entries `[lo, hi): EXPR`. llvm-dwarfdump resolves
//                 DW_LLE_offset_pair / base_addressx / startx_length /
//                 start_length / DW_LLE_base_address and DWARF 4 base-address
//                 selection entries into absolute `[lo, hi)` ranges itself; the
//                 oracle only ever sees the resolved form. A `<default>: EXPR`
//                 entry (DW_LLE_default_location) is kept with lo = hi = undefined.
//                 An entry `[lo, hi): <decoding error> fa 0e ...` (operations
//                 llvm-dwarfdump cannot print, e.g. gcc's DW_OP_GNU_parameter_ref
//                 0xfa or DW_OP_GNU_const_type 0xf4) is kept with
//                 `decodeError: true` and the text as printed.
//   DW_AT_const_value `(5)`, `(-3)` (sdata/udata, decimal), `(0x000000123456789a)`
//                 (data1..8, hex, raw bits), `(<0x08> 00 00 ...)` (block).
//   Expressions are `, `-separated ops; each op must start with `DW_OP_`;
//   `DW_OP_addrx N` is resolved to `DW_OP_addr 0x...` via `--debug-addr`
//   (the unit's DW_AT_addr_base), keeping the printed text in `raw`.
//
// Anything else inside an inlined subroutine or its parameters (an unknown
// value shape, a list entry that is not `[lo, hi): ...`, an op that is not
// DW_OP_*) throws `DwarfdumpFormError`: the oracle never guesses.
//
// Addresses in ET_REL objects are section offsets (llvm-dwarfdump applies the
// relocations with section symbols at 0), so sites in .text and .text.unlikely
// can share addresses there.

import { execFileSync } from "node:child_process";

export const DWARFDUMP = process.env.LLVM_DWARFDUMP ?? "llvm-dwarfdump-19";

export class DwarfdumpFormError extends Error {
  constructor(obj: string, line: number, msg: string) {
    super(`${obj}: dwarfdump text line ${line}: ${msg}`);
    this.name = "DwarfdumpFormError";
  }
}

export interface LocEntry {
  /** Inclusive start; undefined for a `<default>` entry. */
  lo?: bigint;
  /** Exclusive end; undefined for a `<default>` entry. */
  hi?: bigint;
  /** Expression text, DW_OP_addrx resolved to DW_OP_addr. */
  expr: string;
  /** Expression text as llvm-dwarfdump printed it. */
  raw: string;
  /** llvm-dwarfdump printed `<decoding error> hex...` for this expression. */
  decodeError: boolean;
}

export type Location =
  | { kind: "expr"; expr: string; raw: string; decodeError: boolean }
  | { kind: "list"; offset: number; entries: LocEntry[] };

export interface ConstValue {
  /** As printed, e.g. `5`, `-3`, `0x000000123456789a`, `<0x08> 00 11 ...`. */
  text: string;
  /** Decimal forms as signed, hex data forms as unsigned raw bits; undefined for blocks. */
  value?: bigint;
  /** Block bytes, for `<0xNN> ..` forms. */
  block?: number[];
}

export interface SiteParam {
  dieOffset: number;
  /** Name of the DW_AT_abstract_origin formal parameter (null if it has none). */
  name: string | null;
  originOffset?: number;
  location?: Location;
  constValue?: ConstValue;
}

export interface InlineSite {
  obj: string;
  dieOffset: number;
  cuOffset: number;
  dwarfVersion: number;
  /** Number of DW_TAG_inlined_subroutine ancestors (0 = directly in a subprogram). */
  inlineDepth: number;
  /** Name of the abstract origin function. */
  origin: string;
  originOffset: number;
  entryPc?: bigint;
  lowPc?: bigint;
  highPc?: bigint;
  ranges?: Array<[bigint, bigint]>;
  /** FORMAT.md §5: entry_pc, else low_pc, else the lowest start of a non-empty DW_AT_ranges entry. */
  address: bigint;
  /** Every range empty: the site has no code (its address is then the lowest empty one's). */
  noCode?: boolean;
  /** First range as listed (pahole's choice), or [low_pc, high_pc). */
  firstRange?: [bigint, bigint];
  callFile?: string;
  callLine?: number;
  callColumn?: number;
  /** Concrete DW_TAG_formal_parameter children, in DIE order. */
  params: SiteParam[];
  /** The enclosing DW_TAG_subprogram's DW_AT_frame_base is `(DW_OP_call_frame_cfa)`. */
  frameBaseCfa?: boolean;
}

// ---------------------------------------------------------------- running

const cache = new Map<string, string>();

function run(args: string[]): string {
  const key = args.join("\0");
  let out = cache.get(key);
  if (out === undefined) {
    // stderr kept from the test output: on s390x objects llvm-dwarfdump 19 warns of
    // each R_390_PC32 of .text and .eh_frame it does not apply (the debug sections have none).
    out = execFileSync(DWARFDUMP, args, { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
    cache.set(key, out);
  }
  return out;
}

/** `"#inlined functions"` from `llvm-dwarfdump --statistics` (JSON). */
export function inlinedCount(obj: string): number {
  const stats = JSON.parse(run(["--statistics", obj])) as Record<string, unknown>;
  const n = stats["#inlined functions"];
  if (typeof n !== "number") throw new Error(`${obj}: no "#inlined functions" in --statistics`);
  return n;
}

/** The whole `--statistics` JSON object. */
export function statistics(obj: string): Record<string, unknown> {
  return JSON.parse(run(["--statistics", obj])) as Record<string, unknown>;
}

// ---------------------------------------------------------------- .debug_addr

/** Address tables of `--debug-addr`, keyed by the addr_base that points at them. */
function addrTables(obj: string): Map<number, bigint[]> {
  const text = run(["--debug-addr", obj]);
  const tables = new Map<number, bigint[]>();
  let off = 0;
  let cur: bigint[] | undefined;
  for (const line of text.split("\n")) {
    const h = /^Address table header: length = 0x([0-9a-f]+), format = (DWARF32|DWARF64)/.exec(line);
    if (h) {
      const hdr = h[2] === "DWARF32" ? 8 : 16;
      const lenField = h[2] === "DWARF32" ? 4 : 12;
      cur = [];
      tables.set(off + hdr, cur);
      off += lenField + parseInt(h[1]!, 16);
      continue;
    }
    const a = /^0x([0-9a-f]+)$/.exec(line.trim());
    if (a && cur) cur.push(BigInt("0x" + a[1]));
  }
  return tables;
}

// ---------------------------------------------------------------- parsing

interface RawAttr {
  name: string;
  value: string; // everything between the outer parentheses, newlines kept
  line: number;
}

interface RawDie {
  offset: number;
  depth: number;
  tag: string; // "NULL" for terminators
  attrs: RawAttr[];
  line: number;
}

interface RawUnit {
  offset: number;
  version: number;
  dies: RawDie[];
}

/** Net "(" minus ")" of a line, ignoring quoted text and the ")" that closes a
 * half-open range "[lo, hi)". */
function parenDelta(s: string): number {
  let d = 0;
  let inStr = false;
  let openSq = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\" && inStr) { i++; continue; }
    if (c === '"') inStr = !inStr;
    else if (inStr) continue;
    else if (c === "[") openSq++;
    else if (c === "]" && openSq > 0) openSq--;
    else if (c === ")" && openSq > 0) openSq--;
    else if (c === "(") d++;
    else if (c === ")") d--;
  }
  return d;
}

function parseUnits(obj: string, text: string): RawUnit[] {
  const units: RawUnit[] = [];
  const lines = text.split("\n");
  let unit: RawUnit | undefined;
  let die: RawDie | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const u = /^0x([0-9a-f]+): (?:Compile|Partial|Type|Skeleton|Split) Unit: .*version = 0x([0-9a-f]+)/.exec(line);
    if (u) {
      unit = { offset: parseInt(u[1]!, 16), version: parseInt(u[2]!, 16), dies: [] };
      units.push(unit);
      die = undefined;
      continue;
    }
    const d = /^0x([0-9a-f]+):( +)(DW_TAG_\w+|NULL)\s*$/.exec(line);
    if (d) {
      if (!unit) throw new DwarfdumpFormError(obj, i + 1, "DIE before any unit header");
      die = { offset: parseInt(d[1]!, 16), depth: (d[2]!.length - 1) / 2, tag: d[3]!, attrs: [], line: i + 1 };
      unit.dies.push(die);
      continue;
    }
    const a = /^\s+(DW_AT_\w+)\t\((.*)$/.exec(line);
    if (a && die) {
      let value = a[2]!;
      let bal = 1 + parenDelta(value);
      const start = i;
      let truncated = false;
      while (bal > 0) {
        const next = lines[i + 1];
        if (next === undefined || next.trim() === "" || /^\s+DW_AT_\w+\t\(|^0x[0-9a-f]+:/.test(next)) {
          // llvm-dwarfdump drops the closing parentheses after a
          // `<decoding error>` nested in an op, e.g.
          // `DW_OP_GNU_entry_value(<decoding error> f5 00 2d 9f)`: accept
          // exactly that case, nothing else.
          // It also drops one after an entry value whose block has several
          // operations (gfortran: `DW_OP_entry_value(DW_OP_breg4 RSI+0,
          // DW_OP_deref_size 0x4, ..., DW_OP_stack_value)` where readelf shows
          // the block end after the deref_size): checkExpr leaves those unjudged.
          if (!value.includes("<decoding error>") && !MULTI_OP_ENTRY_VALUE.test(value))
            throw new DwarfdumpFormError(obj, start + 1, `unterminated ${a[1]}: ${value}`);
          truncated = true;
          break;
        }
        i++;
        value += "\n" + next;
        bal += parenDelta(next);
      }
      if (!truncated && (bal !== 0 || !value.endsWith(")")))
        throw new DwarfdumpFormError(obj, start + 1, `unbalanced value of ${a[1]}: ${value}`);
      die.attrs.push({ name: a[1]!, value: truncated ? value : value.slice(0, -1), line: start + 1 });
      continue;
    }
    if (line.trim() === "") continue;
    // Anything else between DIEs (section titles, file format line) is ignored,
    // but not inside a DIE's attribute block.
    if (die && /^\s/.test(line))
      throw new DwarfdumpFormError(obj, i + 1, `unrecognised line inside DIE 0x${die.offset.toString(16)}: ${line}`);
  }
  return units;
}

function attr(die: RawDie, name: string): RawAttr | undefined {
  return die.attrs.find((a) => a.name === name);
}

function parseAddr(obj: string, a: RawAttr): bigint {
  const m = /^0x([0-9a-f]+)$/.exec(a.value.trim());
  if (!m) throw new DwarfdumpFormError(obj, a.line, `${a.name}: expected an address, got (${a.value})`);
  return BigInt("0x" + m[1]);
}

function parseOrigin(obj: string, a: RawAttr): { offset: number; name: string | null } {
  const m = /^0x([0-9a-f]+)(?: "(.*)")?$/.exec(a.value.trim());
  if (!m) throw new DwarfdumpFormError(obj, a.line, `${a.name}: unknown form (${a.value})`);
  return { offset: parseInt(m[1]!, 16), name: m[2] ?? null };
}

function parseRanges(obj: string, a: RawAttr): Array<[bigint, bigint]> {
  const [head, ...rest] = a.value.split("\n");
  if (!/^(0x[0-9a-f]+|indexed \(0x[0-9a-f]+\) rangelist = 0x[0-9a-f]+)$/.test(head!.trim()))
    throw new DwarfdumpFormError(obj, a.line, `DW_AT_ranges: unknown head (${head})`);
  return rest.map((l, k) => {
    const m = /^\s*\[0x([0-9a-f]+), 0x([0-9a-f]+)\)$/.exec(l);
    if (!m) throw new DwarfdumpFormError(obj, a.line + 1 + k, `DW_AT_ranges: unknown entry (${l.trim()})`);
    return [BigInt("0x" + m[1]), BigInt("0x" + m[2])] as [bigint, bigint];
  });
}

/** Split an expression on top-level ", " (not inside parentheses or quotes). */
export function splitOps(expr: string): string[] {
  const ops: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = "";
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"') inStr = !inStr;
    if (!inStr && c === "(") depth++;
    if (!inStr && c === ")") depth--;
    if (!inStr && depth === 0 && c === "," && expr[i + 1] === " ") {
      ops.push(cur);
      cur = "";
      i++;
      continue;
    }
    cur += c;
  }
  if (cur !== "") ops.push(cur);
  return ops;
}

interface ExprCtx {
  obj: string;
  line: number;
  addrs: () => bigint[] | undefined;
}

/** An entry value whose block llvm-dwarfdump prints with more than one operation (where it misplaces the closing parenthesis). */
const MULTI_OP_ENTRY_VALUE = /DW_OP_(GNU_)?entry_value\([^()]*,/;

function checkExpr(ctx: ExprCtx, raw: string): { expr: string; decodeError: boolean } {
  const t = raw.trim();
  // Where its block ends cannot be read from the text: no operation of it is trusted.
  if (MULTI_OP_ENTRY_VALUE.test(t)) return { expr: t, decodeError: true };
  // An empty expression (Go writes DW_AT_location as a zero-length exprloc): no location (DWARF 5 2.6.1.1.1).
  if (t === "<empty>") return { expr: "", decodeError: false };
  if (t.startsWith("<decoding error>")) {
    if (!/^<decoding error>( [0-9a-f]{2})+$/.test(t))
      throw new DwarfdumpFormError(ctx.obj, ctx.line, `unknown decoding-error form: ${t}`);
    return { expr: t, decodeError: true };
  }
  // An operation llvm-dwarfdump does not know after known ones (gcc's DW_OP_GNU_uninit, 0xf0,
  // after a register; DW_OP_deref_type in DWARF 4): the ones before it as usual and the
  // rest kept as "<decoding error>", so no mapping takes the known part for the whole.
  const tail = /^(.*), <decoding error>( [0-9a-f]{2})+$/.exec(t);
  const known = tail && !tail[1]!.includes("<decoding error>") ? tail[1]! : t;
  const nestedError = t.includes("<decoding error>");
  if (nestedError && !tail && !/^DW_OP_(GNU_)?entry_value\(<decoding error>( [0-9a-f]{2})+\)*$/.test(t))
    throw new DwarfdumpFormError(ctx.obj, ctx.line, `unknown decoding-error form: ${t}`);
  const ops = splitOps(known).map((op) => {
    if (!/^DW_OP_\w+/.test(op)) throw new DwarfdumpFormError(ctx.obj, ctx.line, `not a DW_OP: "${op}" in "${t}"`);
    const ax = /^DW_OP_addrx 0x([0-9a-f]+)$/.exec(op);
    if (ax) {
      const table = ctx.addrs();
      const idx = parseInt(ax[1]!, 16);
      const v = table?.[idx];
      if (v === undefined) throw new DwarfdumpFormError(ctx.obj, ctx.line, `cannot resolve ${op} (no address table entry)`);
      return `DW_OP_addr 0x${v.toString(16)}`;
    }
    return op;
  });
  return { expr: tail ? `${ops.join(", ")}, <decoding error>` : ops.join(", "), decodeError: nestedError };
}

function parseLocation(ctx: ExprCtx, a: RawAttr): Location {
  const lines = a.value.split("\n");
  const head = lines[0]!;
  const list = /^(?:0x([0-9a-f]+)|indexed \(0x[0-9a-f]+\) loclist = 0x([0-9a-f]+)): $/.exec(head);
  if (!list) {
    if (lines.length !== 1) throw new DwarfdumpFormError(ctx.obj, a.line, `DW_AT_location: unknown form (${a.value})`);
    const { expr, decodeError } = checkExpr(ctx, head);
    return { kind: "expr", expr, raw: head.trim(), decodeError };
  }
  const offset = parseInt(list[1] ?? list[2]!, 16);
  if (lines.length < 2) throw new DwarfdumpFormError(ctx.obj, a.line, `DW_AT_location: empty list (${a.value})`);
  const entries = lines.slice(1).map((l, k): LocEntry => {
    const ectx = { ...ctx, line: a.line + 1 + k };
    const m = /^\s*\[0x([0-9a-f]+), 0x([0-9a-f]+)\): (.*)$/.exec(l);
    if (m) {
      const { expr, decodeError } = checkExpr(ectx, m[3]!);
      return { lo: BigInt("0x" + m[1]), hi: BigInt("0x" + m[2]), expr, raw: m[3]!.trim(), decodeError };
    }
    const dflt = /^\s*<default>: (.*)$/.exec(l);
    if (dflt) {
      const { expr, decodeError } = checkExpr(ectx, dflt[1]!);
      return { expr, raw: dflt[1]!.trim(), decodeError };
    }
    throw new DwarfdumpFormError(ctx.obj, ectx.line, `DW_AT_location: unknown list entry (${l.trim()})`);
  });
  return { kind: "list", offset, entries };
}

function parseConst(obj: string, a: RawAttr): ConstValue {
  const t = a.value.trim();
  if (/^-?[0-9]+$/.test(t)) return { text: t, value: BigInt(t) };
  if (/^0x[0-9a-f]+$/.test(t)) return { text: t, value: BigInt(t) };
  const b = /^<0x([0-9a-f]+)>((?: [0-9a-f]{2})*)\s*$/.exec(t);
  if (b) {
    const block = b[2]!.trim() === "" ? [] : b[2]!.trim().split(" ").map((x) => parseInt(x, 16));
    if (block.length !== parseInt(b[1]!, 16))
      throw new DwarfdumpFormError(obj, a.line, `DW_AT_const_value: block length mismatch (${t})`);
    return { text: t, block };
  }
  throw new DwarfdumpFormError(obj, a.line, `DW_AT_const_value: unknown form (${t})`);
}

const siteCache = new Map<string, InlineSite[]>();

/** Every DW_TAG_inlined_subroutine of `obj`, in DIE order. */
export function inlineSites(obj: string): InlineSite[] {
  const hit = siteCache.get(obj);
  if (hit) return hit;
  const units = parseUnits(obj, run(["--debug-info", obj]));
  let tables: Map<number, bigint[]> | undefined;
  const sites: InlineSite[] = [];
  // llvm-dwarfdump names a referenced DIE by its DW_AT_linkage_name when it
  // has one (an assembler label, `asmname.sq`); a site is named by the
  // origin's DW_AT_name (FORMAT.md section 5), so look that up.
  const byOffset = new Map<number, RawDie>();
  for (const unit of units) for (const die of unit.dies) byOffset.set(die.offset, die);
  // Without one of its own, the name of the DIE it specifies or comes from (C++ members).
  const sourceName = (offset: number): string | undefined => {
    for (let hops = 0, n = byOffset.get(offset); n && hops < 8; hops++) {
      const a = attr(n, "DW_AT_name");
      if (a) return /^"(.*)"$/.exec(a.value.trim())?.[1];
      const next = attr(n, "DW_AT_specification") ?? attr(n, "DW_AT_abstract_origin");
      n = next ? byOffset.get(parseOrigin(obj, next).offset) : undefined;
    }
    return undefined;
  };
  for (const unit of units) {
    const cuDie = unit.dies[0];
    const addrBaseAttr = cuDie && attr(cuDie, "DW_AT_addr_base");
    const addrs = (): bigint[] | undefined => {
      if (!addrBaseAttr) return undefined;
      tables ??= addrTables(obj);
      return tables.get(parseInt(addrBaseAttr.value, 16));
    };
    // stack of open DIE tags by depth
    const stack: string[] = [];
    const frames: (boolean | undefined)[] = []; // per depth: a subprogram's frame base is the CFA
    for (let k = 0; k < unit.dies.length; k++) {
      const die = unit.dies[k]!;
      if (die.tag === "NULL") continue;
      stack.length = die.depth;
      frames.length = die.depth;
      const inlineDepth = stack.filter((t) => t === "DW_TAG_inlined_subroutine").length;
      stack.push(die.tag);
      frames.push(die.tag === "DW_TAG_subprogram" ? attr(die, "DW_AT_frame_base")?.value.trim() === "DW_OP_call_frame_cfa" : undefined);
      if (die.tag !== "DW_TAG_inlined_subroutine") continue;
      const frameBaseCfa = frames.findLast((f) => f !== undefined) ?? false;

      const ao = attr(die, "DW_AT_abstract_origin");
      if (!ao) throw new DwarfdumpFormError(obj, die.line, "inlined subroutine without DW_AT_abstract_origin");
      const origin = parseOrigin(obj, ao);
      if (origin.name === null) throw new DwarfdumpFormError(obj, ao.line, "abstract origin without a name");
      const ep = attr(die, "DW_AT_entry_pc");
      const lp = attr(die, "DW_AT_low_pc");
      const hp = attr(die, "DW_AT_high_pc");
      const rg = attr(die, "DW_AT_ranges");
      const entryPc = ep && parseAddr(obj, ep);
      const lowPc = lp && parseAddr(obj, lp);
      const highPc = hp && parseAddr(obj, hp);
      const ranges = rg && parseRanges(obj, rg);
      let address = entryPc ?? lowPc;
      // An empty range ([a, a): DWARF 5 2.17.3) holds no address: the lowest start of the others.
      // Only empty ones: no code (btfgen counts the site as without an address); kept, marked.
      const nonEmpty = ranges?.filter((r) => r[1] > r[0]);
      const noCode = address === undefined && ranges !== undefined && ranges.length > 0 && nonEmpty!.length === 0;
      const starts = noCode ? ranges! : nonEmpty;
      if (address === undefined && starts && starts.length > 0)
        address = starts.reduce((m, r) => (r[0] < m ? r[0] : m), starts[0]![0]);
      if (address === undefined) throw new DwarfdumpFormError(obj, die.line, "inlined subroutine without an address");
      const firstRange: [bigint, bigint] | undefined =
        ranges && ranges.length > 0 ? ranges[0] : lowPc !== undefined && highPc !== undefined ? [lowPc, highPc] : undefined;
      const cf = attr(die, "DW_AT_call_file");
      const cl = attr(die, "DW_AT_call_line");
      const cc = attr(die, "DW_AT_call_column");
      const callFile = cf ? /^"(.*)"$/.exec(cf.value.trim())?.[1] : undefined;
      if (cf && callFile === undefined) throw new DwarfdumpFormError(obj, cf.line, `DW_AT_call_file: unknown form (${cf.value})`);
      const num = (x: RawAttr | undefined): number | undefined => {
        if (!x) return undefined;
        if (!/^[0-9]+$/.test(x.value.trim())) throw new DwarfdumpFormError(obj, x.line, `${x.name}: unknown form (${x.value})`);
        return parseInt(x.value, 10);
      };

      // direct children
      const params: SiteParam[] = [];
      for (let j = k + 1; j < unit.dies.length; j++) {
        const c = unit.dies[j]!;
        if (c.depth <= die.depth) break;
        if (c.depth !== die.depth + 1 || c.tag !== "DW_TAG_formal_parameter") continue;
        const pao = attr(c, "DW_AT_abstract_origin");
        const po = pao ? parseOrigin(obj, pao) : undefined;
        const loc = attr(c, "DW_AT_location");
        const cv = attr(c, "DW_AT_const_value");
        params.push({
          dieOffset: c.offset,
          name: po?.name ?? null,
          originOffset: po?.offset,
          location: loc ? parseLocation({ obj, line: loc.line, addrs }, loc) : undefined,
          constValue: cv ? parseConst(obj, cv) : undefined,
        });
      }
      sites.push({
        obj,
        dieOffset: die.offset,
        cuOffset: unit.offset,
        dwarfVersion: unit.version,
        inlineDepth,
        origin: sourceName(origin.offset) ?? origin.name,
        originOffset: origin.offset,
        entryPc,
        lowPc,
        highPc,
        ranges,
        address,
        noCode: noCode || undefined,
        frameBaseCfa: frameBaseCfa || undefined,
        firstRange,
        callFile,
        callLine: num(cl),
        callColumn: num(cc),
        params,
      });
    }
  }
  siteCache.set(obj, sites);
  return sites;
}

/**
 * The expression describing `param` at `addr`: a single DW_AT_location
 * expression as is; for a list, the entry with lo <= addr < hi (else a
 * `<default>` entry, else undefined); for DW_AT_const_value the text
 * `DW_AT_const_value <text>`. Undefined when nothing covers addr.
 */
export function locationAt(param: SiteParam, addr: bigint): string | undefined {
  const loc = param.location;
  if (loc?.kind === "expr") return loc.expr;
  if (loc?.kind === "list") {
    const e = loc.entries.find((x) => x.lo !== undefined && x.hi !== undefined && x.lo <= addr && addr < x.hi);
    if (e) return e.expr;
    return loc.entries.find((x) => x.lo === undefined)?.expr;
  }
  if (param.constValue) return `DW_AT_const_value ${param.constValue.text}`;
  return undefined;
}

// ---------------------------------------------------------------- classification

/** The FORMAT.md §5 table rows, as the oracle reads an expression text. */
export type LocClass =
  | "reg" //               DW_OP_regN / regx N
  | "breg-value" //        DW_OP_bregN off ; DW_OP_stack_value
  | "breg-mem" //          DW_OP_bregN off
  | "fbreg" //             DW_OP_fbreg off (memory)
  | "fbreg-value" //       DW_OP_fbreg off ; DW_OP_stack_value (not a table row; &local with gcc)
  | "const" //             constu/consts/litN/constNu/s ; stack_value, or DW_AT_const_value
  | "addr" //              DW_OP_addr A ; stack_value
  | "implicit-value" //    DW_OP_implicit_value
  | "piece-regs" //        DW_OP_piece sequence of registers only
  | "entry-value" //       DW_OP_entry_value / DW_OP_GNU_entry_value anywhere
  | "parameter-ref" //     DW_OP_GNU_parameter_ref (printed as a decoding error, 0xfa)
  | "other";

/** Classify an expression text (as returned by locationAt) into a §5 row. */
export function classify(expr: string): LocClass {
  if (expr.startsWith("DW_AT_const_value ")) return "const";
  if (expr.startsWith("<decoding error>")) return /^<decoding error> fa /.test(expr) ? "parameter-ref" : "other";
  const ops = splitOps(expr);
  if (ops.some((o) => /^DW_OP_(GNU_)?entry_value/.test(o))) return "entry-value";
  const sv = ops[ops.length - 1] === "DW_OP_stack_value";
  const body = sv ? ops.slice(0, -1) : ops;
  if (body.length === 1) {
    const o = body[0]!;
    if (!sv && /^DW_OP_(reg\d+|regx) /.test(o)) return "reg";
    if (/^DW_OP_breg\d+ \S*?[+-]\d+$|^DW_OP_bregx /.test(o)) return sv ? "breg-value" : "breg-mem";
    if (/^DW_OP_fbreg [+-]?\d+$/.test(o)) return sv ? "fbreg-value" : "fbreg";
    if (sv && /^DW_OP_(lit\d+|const[1248]?[us]|constu|consts)\b/.test(o)) return "const";
    if (sv && /^DW_OP_addr 0x[0-9a-f]+$/.test(o)) return "addr";
    if (!sv && /^DW_OP_implicit_value /.test(o)) return "implicit-value";
  }
  if (!sv && ops.length >= 2 && ops.length % 2 === 0) {
    let ok = true;
    for (let i = 0; i < ops.length; i += 2)
      if (!/^DW_OP_(reg\d+|regx) /.test(ops[i]!) || !/^DW_OP_piece /.test(ops[i + 1]!)) ok = false;
    if (ok) return "piece-regs";
  }
  return "other";
}
