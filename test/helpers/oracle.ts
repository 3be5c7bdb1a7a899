/**
 * The parameter locations llvm-dwarfdump-19 gives for every inline site of
 * an object, turned into the text btfgen must print (FORMAT.md section 5,
 * written again here from the llvm-dwarfdump side, with no btfgen code), and
 * compared with what btfgen found. Used by sites-oracle (fixtures, through
 * the site reader) and funcinfo-arch (other targets, through the written and
 * decoded func_info).
 */
import { expect } from "vitest";
import { locationAtEntry } from "../dwarf-views.js";
import { inlineSites, splitOps, type InlineSite } from "./dwarfdump.js";

const hex = (n: bigint) => (n < 0n ? "-0x" + (-n).toString(16) : "0x" + n.toString(16));

/** What decides an expression's text beside the expression itself. */
export interface OracleContext {
  relocatable: boolean;
  atEntry: boolean;
  littleEndian: boolean;
  /** ELF e_machine. */
  machine: number;
  /**
   * btfgen knew the parameters' types (the func_info path; the bare site
   * reader does not, and refuses what depends on a size).
   */
  typed?: boolean;
  /** Bytes of an address (the generic type DWARF evaluates on); constant arithmetic is judged only with it. */
  addrSize?: number;
  /** The site's enclosing subprogram has DW_AT_frame_base DW_OP_call_frame_cfa (set per site). */
  frameBaseCfa?: boolean;
}

/**
 * DWARF 5 2.5.1 on llvm-dwarfdump's text: the value of constants and
 * arithmetic on them ending in DW_OP_stack_value, on the address-sized
 * generic type; undefined for anything else (no btfgen code).
 */
export function constantValue(ops: string[], addrSize: number): bigint | undefined {
  const bits = BigInt(addrSize * 8);
  const u = (v: bigint) => BigInt.asUintN(Number(bits), v);
  const st: bigint[] = [];
  if (ops.at(-1) !== "DW_OP_stack_value") return undefined;
  for (const op of ops.slice(0, -1)) {
    let m: RegExpMatchArray | null;
    if ((m = op.match(/^DW_OP_lit(\d+)$/))) st.push(BigInt(m[1]!));
    else if ((m = op.match(/^DW_OP_const(?:[1248]u|u) (0x[0-9a-f]+|\d+)$/))) st.push(u(BigInt(m[1]!)));
    else if ((m = op.match(/^DW_OP_const(?:[1248]s|s) ([+-]?\d+)$/))) st.push(u(BigInt(m[1]!)));
    else if ((m = op.match(/^DW_OP_plus_uconst (0x[0-9a-f]+|\d+)$/))) {
      if (!st.length) return undefined;
      st.push(u(st.pop()! + BigInt(m[1]!)));
    } else if (op === "DW_OP_neg" || op === "DW_OP_not") {
      if (!st.length) return undefined;
      const a = st.pop()!;
      st.push(u(op === "DW_OP_neg" ? -a : ~a));
    } else {
      const two: Record<string, (a: bigint, b: bigint) => bigint> = {
        DW_OP_plus: (a, b) => a + b, DW_OP_minus: (a, b) => a - b, DW_OP_mul: (a, b) => a * b,
        DW_OP_and: (a, b) => a & b, DW_OP_or: (a, b) => a | b, DW_OP_xor: (a, b) => a ^ b,
        DW_OP_shl: (a, b) => (b >= bits ? 0n : a << b), DW_OP_shr: (a, b) => (b >= bits ? 0n : a >> b),
        DW_OP_shra: (a, b) => BigInt.asIntN(Number(bits), a) >> (b >= bits ? bits : b),
      };
      const f = two[op];
      if (!f || st.length < 2) return undefined;
      const b = st.pop()!;
      const a = st.pop()!;
      st.push(u(f(a, b)));
    }
  }
  return st.length === 1 ? st[0] : undefined;
}

/**
 * The text btfgen must print for an oracle expression, "unavailable" for
 * what it must refuse, or undefined for a form this mapping cannot judge.
 */
export function expectedLocation(expr: string, ctx: OracleContext): string | undefined {
  const ops = splitOps(expr);
  const m0 = ops[0]?.match(/^DW_OP_(reg|breg)(\d+) ?\S*?([+-]\d+)?$/);
  const sv = ops.length === 2 && ops[1] === "DW_OP_stack_value";
  if (ops.length === 0) return "unavailable";
  if (m0 && m0[1] === "reg" && ops.length === 1) return `reg${m0[2]}`;
  if (m0 && m0[1] === "breg" && (ops.length === 1 || sv)) {
    const off = BigInt(m0[3] ?? "0");
    // FORMAT.md 3: a register offset is an s32; a larger one cannot be written.
    if (off < -(2n ** 31n) || off >= 2n ** 31n) return "unavailable";
    const base = `reg${m0[2]}${off < 0n ? "-" + hex(-off) : "+" + hex(off)}`;
    if (sv) return off === 0n ? `reg${m0[2]}` : base;
    return `*(${base})`;
  }
  const fb = ops[0].match(/^DW_OP_fbreg ([+-]?\d+)$/);
  if (fb && (ops.length === 1 || sv)) {
    const off = BigInt(fb[1]);
    if (off < -(2n ** 31n) || off >= 2n ** 31n) return "unavailable";
    const base = `fbreg${off < 0n ? "-" + hex(-off) : "+" + hex(off)}`;
    if (sv) return off === 0n ? "fbreg" : base; // the frame base's value itself, as breg<n> 0 is reg<n>
    return `*(${base})`;
  }
  // The CFA is the frame base where DW_AT_frame_base says so (Go, gcc); elsewhere it is not expressible.
  if (ops[0] === "DW_OP_call_frame_cfa") {
    if (!ctx.frameBaseCfa) return "unavailable";
    if (ops.length === 1) return "*(fbreg+0x0)";
    const pu = ops.length === 2 ? ops[1].match(/^DW_OP_plus_uconst (0x[0-9a-f]+|\d+)$/) : null;
    return pu ? `*(fbreg+${hex(BigInt(pu[1]))})` : undefined;
  }
  const lit = ops[0].match(/^DW_OP_lit(\d+)$/);
  if (lit && sv) return `const ${hex(BigInt(lit[1]))}`;
  const cu = ops[0].match(/^DW_OP_const(?:u|[1248]u) (0x[0-9a-f]+|\d+)$/);
  if (cu && sv) return `const ${hex(BigInt(cu[1]))}`;
  const cs = ops[0].match(/^DW_OP_const(?:s|[1248]s) ([+-]?\d+)$/);
  if (cs && sv) return `const ${hex(BigInt(cs[1]))}`;
  const iv = expr.match(/^DW_OP_implicit_value 0x([0-9a-f]+)((?: 0x[0-9a-f]{2})+)$/);
  if (iv && ctx.littleEndian) {
    const bytes = iv[2].trim().split(" ").map((b) => BigInt(b));
    if (bytes.length > 8) return "unavailable";
    return `const ${hex(bytes.reduceRight((acc, b) => (acc << 8n) | b, 0n))}`;
  }
  const addr = ops[0].match(/^DW_OP_addr (0x[0-9a-f]+)$/);
  if (addr) {
    if (!sv) return "unavailable";
    if (ctx.relocatable) return "unavailable";
    return undefined; // section-dependent (load-relative or per-cpu): checked by the emitter tests
  }
  // aarch64 FP/SIMD registers are DWARF 64..95; llvm-dwarfdump names them B/H/S/D/Q/V<n>.
  const vreg = expr.match(/^DW_OP_regx [BHSDQV](\d+)$/);
  if (vreg && ctx.machine === 183) return `reg${64 + Number(vreg[1])}`;
  // Floating-point registers by the psABIs' DWARF numbers, as llvm-dwarfdump names them:
  // ARM (AADWARF32) D0-D31 are 256-287, PowerPC64 F0-F31 and RISC-V f0-f31 (F<n>_H/_F/_D) 32-63.
  const dreg = expr.match(/^DW_OP_regx D(\d+)$/);
  if (dreg && ctx.machine === 40) return `reg${256 + Number(dreg[1])}`;
  const freg = expr.match(/^DW_OP_regx F(\d+)(_[HFD])?$/);
  if (freg && ((ctx.machine === 21 && !freg[2]) || (ctx.machine === 243 && freg[2]))) return `reg${32 + Number(freg[1])}`;
  // MIPS $f0-$f31 are 32-63 (llvm-dwarfdump: F<n>, or D<n>_64 in FR=1 / pair naming).
  const mreg = expr.match(/^DW_OP_regx (?:F(\d+)|D(\d+)_64)$/);
  if (mreg && ctx.machine === 8) return `reg${32 + Number(mreg[1] ?? mreg[2])}`;
  // Two register pieces of one size (regN or regx): needs the type size, judged with types.
  const pieces = expr.match(/^DW_OP_reg(?:\d+|x) \S+, DW_OP_piece 0x(\d+), DW_OP_reg(?:\d+|x) \S+, DW_OP_piece 0x(\d+)$/);
  if (pieces && pieces[1] === pieces[2]) return undefined;
  // One piece as the whole value: a location when the piece is the type's size, which only a typed run knows.
  if (ctx.typed && /^[^]*?, DW_OP_piece 0x[0-9a-f]+$/.test(expr) && (expr.match(/DW_OP_piece/g) ?? []).length === 1) return undefined;
  if (/DW_OP_piece/.test(expr)) return "unavailable";
  // Constant arithmetic: btfgen folds it; untyped, the value is printed whole (typed: cut to the type's width).
  if (/^DW_OP_(lit\d+|const)/.test(ops[0]) && ctx.addrSize) {
    const v = constantValue(ops, ctx.addrSize);
    if (v !== undefined) return ctx.typed ? undefined : `const ${hex(v)}`;
  }
  if (/^DW_OP_(GNU_)?entry_value/.test(ops[0])) return ctx.atEntry ? undefined : "unavailable";
  // A register or frame base, a load, stack_value: on little-endian, a load at least as wide
  // as the parameter is its memory (clang spills an xmm register and reads it back this way,
  // `fbreg +16, deref_size 0x10, stack_value` for a double); that needs the type's size.
  const load = ops.length === 3 && /^DW_OP_(breg\d+|fbreg)\b/.test(ops[0]) && /^DW_OP_deref(_size 0x[0-9a-f]+)?$/.test(ops[1]) && ops[2] === "DW_OP_stack_value";
  if (load && ctx.typed) return ctx.littleEndian ? undefined : "unavailable";
  if (/DW_OP_(deref|deref_size|plus|minus|and|or|shl|shr|neg|not|implicit_pointer|GNU_implicit_pointer|convert|GNU_convert|GNU_parameter_ref|bit_piece)\b/.test(expr)) {
    return "unavailable";
  }
  if (/<decoding error>/.test(expr)) return "unavailable";
  return undefined;
}

/** The key of a site in {@link judgeLocations}: origin name and address. */
export function siteKey(name: string, addr: bigint): string {
  return `${name}@${addr.toString(16)}`;
}

/** How many oracle parameters were compared, and how many this mapping could not judge. */
export interface Judged {
  sites: number;
  judged: number;
  unjudged: number;
}

/**
 * Every inline site llvm-dwarfdump lists in `path` must be among `ours`
 * (by {@link siteKey}: one row of `name=text` per site btfgen has there),
 * and every parameter location the oracle gives at its address must be what
 * btfgen has for that parameter at one of those rows. Fails the test on the
 * first mismatch.
 */
export function judgeLocations(path: string, ours: Map<string, string[][]>, ctx: Omit<OracleContext, "atEntry">): Judged {
  const oracle = inlineSites(path);
  let judged = 0;
  let unjudged = 0;
  for (const site of oracle as InlineSite[]) {
    if (site.noCode) continue; // no address: left out by btfgen, counted as such
    const candidates = ours.get(siteKey(site.origin, site.address));
    expect(candidates, `${path}: site ${site.origin} at 0x${site.address.toString(16)}`).toBeDefined();
    for (const p of site.params) {
      if (!p.name) continue;
      let want: string | undefined;
      if (p.constValue) {
        const v = p.constValue.value;
        // Decimal forms are sdata/udata: their sign is the form's, as btfgen
        // reads it without types. Hex data forms depend on the type: not judged here.
        want = v !== undefined && /^-?\d+$/.test(p.constValue.text) ? `const ${hex(v)}` : undefined;
      } else if (!p.location) {
        want = "unavailable";
      } else {
        const text = locationAtEntry(path, site, p).text; // location views honoured (test/dwarf-views.ts)
        want = text === undefined ? "unavailable" : expectedLocation(text, { ...ctx, atEntry: false, frameBaseCfa: site.frameBaseCfa });
        // An entry value btfgen resolved through the callers' call sites (a constant) is
        // judged by test/entryvalues.test.ts against every call site, not here.
        const ev = text !== undefined && /^DW_OP_(GNU_)?entry_value\(DW_OP_reg\d+ \w+\), DW_OP_stack_value$/.test(text);
        if (ev && candidates!.some((row) => row.some((c) => c.startsWith(`${p.name}=const `)))) want = undefined;
      }
      if (want === undefined) {
        unjudged++;
        continue;
      }
      judged++;
      const found = candidates!.some((row) => row.includes(`${p.name}=${want}`));
      expect(found, `${path}: ${site.origin}@0x${site.address.toString(16)} param ${p.name}: want ${want}, have ${JSON.stringify(candidates)}`).toBe(true);
    }
  }
  return { sites: oracle.length, judged, unjudged };
}
