/**
 * One argument location (a v2 LOC_PARAM, FORMAT.md 3.1) as each tracer reads
 * it: a kprobe/uprobe fetcharg (Documentation/trace/kprobetrace.rst:
 * `%REG`, `+|-OFFS(FETCHARG)`, `\IMM`, `:TYPE`), a bpftrace expression
 * (`reg("di")`, `*(int32*)(reg("si") + 16)`), or a USDT argument spec as
 * sys/sdt.h writes it and libbpf's usdt.c parses it (`-4@%edi`,
 * `8@-16(%rbp)`, `8@[sp, 16]`).
 *
 * Nothing is invented: a location a tracer cannot express (the frame base,
 * whose definition func_info does not carry; an address constant, which moves
 * with KASLR; a register outside `pt_regs`; `reg + offset` as a value for a
 * tracer that cannot add) gives a {@link Unreadable} with the reason.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_INT_BOOL, BTF_INT_SIGNED, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_RESTRICT,
  BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { TypeId } from "../btf/model.js";
import { LOC_ADDR, LOC_CONST, LOC_DEREF, LOC_OFFSET, LOC_REG, LOC_SIGNED, REG_FRAME_BASE, locConstValue, type LocParam } from "../lower/locparam.js";
import { fetchRegister, type RegisterTable } from "./regs.js";

/** How a value's bits are to be shown: signed or unsigned decimal, or hexadecimal. */
export type ValueClass = "signed" | "unsigned" | "hex";

/**
 * The class of a BTF type's value: signed INTs and signed ENUMs `signed`,
 * other INTs (bool, char, unsigned) and unsigned ENUMs `unsigned`, pointers
 * and everything else (structs passed in registers, floats) `hex`.
 */
export function valueClassOf(btf: Btf, id: TypeId): ValueClass {
  for (let depth = 0; depth < 32; depth++) {
    const t = btf.maybeType(id);
    if (!t) return "hex";
    switch (t.kind) {
      case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
        id = t.type;
        continue;
      case BTF_KIND_INT:
        if (t.encoding & BTF_INT_BOOL) return "unsigned";
        return t.encoding & BTF_INT_SIGNED ? "signed" : "unsigned";
      case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
        return t.signed ? "signed" : "unsigned";
      case BTF_KIND_PTR:
        return "hex";
      default:
        return "hex";
    }
  }
  return "hex";
}

/** A location a tracer cannot read, and why. */
export interface Unreadable {
  why: string;
}

/** One piece of an argument a tracer fetches (two for a register pair or a 16-byte value in memory). */
export interface FetchPiece {
  /** Suffix of the argument name for this piece ("" for a whole value, `_lo`/`_hi` for halves). */
  suffix: string;
  /** The fetch expression (kprobe: `+16(%si)`; bpftrace: `*(uint64*)(reg("si") + 16)`). */
  expr: string;
  /** kprobe type (`s32`, `u64`, `x64`); bpftrace: the printf conversion. */
  type: string;
}

/** What a location reads as: pieces, or why it cannot be read. */
export type Fetch = { pieces: FetchPiece[] } | Unreadable;

/** True when `f` could not be expressed. */
export function isUnreadable(f: Fetch): f is Unreadable {
  return "why" in f;
}

const PIECE_SIZES = new Set([1, 2, 4, 8]);

/** The kprobe type of a `size`-byte value of class `c` (`s32`, `u8`, `x64`). */
export function kprobeType(size: number, c: ValueClass): string {
  return `${c === "signed" ? "s" : c === "unsigned" ? "u" : "x"}${size * 8}`;
}

function signedOffset(p: LocParam): number {
  const raw = p.values[1] ?? 0;
  return p.flags & LOC_SIGNED ? raw | 0 : raw >>> 0;
}

/** The shape every tracer starts from: what the location is, in tracer-neutral terms. */
type Shape =
  | { kind: "const"; value: bigint }
  | { kind: "reg"; regs: number[] }
  | { kind: "deref"; reg: number; off: number }
  | { kind: "regoff"; reg: number; off: number };

function shapeOf(p: LocParam, t: RegisterTable): Shape | Unreadable {
  const f = p.flags;
  if (f & LOC_CONST) {
    if (f & LOC_ADDR) return { why: "an address constant relative to the load base: its runtime value depends on where the object is loaded (KASLR)" };
    return { kind: "const", value: locConstValue(p) };
  }
  if (!(f & LOC_REG)) return { why: `LOC_PARAM flags 0x${f.toString(16)} name no register or constant` };
  const reg = p.values[0] >>> 0;
  if (reg === REG_FRAME_BASE) return { why: "relative to the frame base (DW_OP_fbreg), which func_info does not define" };
  if (f & LOC_DEREF) return { kind: "deref", reg, off: f & LOC_OFFSET ? signedOffset(p) : 0 };
  if (f & LOC_OFFSET) return { kind: "regoff", reg, off: signedOffset(p) };
  // A pair splits the value evenly (lower/expr.ts takes no other): each register holds half.
  if (p.values.length === 2) {
    const half = p.size / 2;
    if (!PIECE_SIZES.has(half) || half > t.wordSize) return { why: `a register pair holding ${p.size} bytes` };
    return { kind: "reg", regs: [reg, p.values[1] >>> 0] };
  }
  return { kind: "reg", regs: [reg] };
}

/**
 * Sizes of the pieces a `size`-byte value is read in: one piece up to a word,
 * else words (a register pair holds two halves).
 */
function pieceSizes(size: number, t: RegisterTable, pair = false): number[] | Unreadable {
  if (pair) return [size / 2, size / 2];
  if (PIECE_SIZES.has(size) && size <= t.wordSize) return [size];
  if (size === 2 * t.wordSize) return [t.wordSize, t.wordSize];
  if (size === 8 && t.wordSize === 4) return [4, 4];
  return { why: `a ${size}-byte value has no fetch type` };
}

const halves = (n: number) => (n === 1 ? [""] : ["_lo", "_hi"]);

/** `\IMM` / literal text of a constant: decimal when signed, else hexadecimal. */
function immText(v: bigint, c: ValueClass, size: number): string {
  const bits = BigInt(size * 8);
  const u = BigInt.asUintN(Number(bits), v);
  if (c === "signed") return BigInt.asIntN(Number(bits), v).toString();
  if (c === "unsigned") return u.toString();
  return "0x" + u.toString(16);
}

/** What a kprobe or bpftrace fetch of a location starts from. */
interface FetchParts {
  s: Shape;
  /** Bytes of each piece (one, or two for a value over a register). */
  sizes: number[];
  /** Class each piece is printed as: a value split in pieces shows its pieces in hex (its halves are no numbers of their own). */
  pc: ValueClass;
  /** A register in the tracer's syntax, or why it cannot be read. */
  reg: (n: number) => string | Unreadable;
}

function fetchParts(p: LocParam, c: ValueClass, t: RegisterTable, tracer: "kprobe" | "bpftrace", regText: (name: string) => string): FetchParts | Unreadable {
  const s = shapeOf(p, t);
  if ("why" in s) return s;
  const sizes = pieceSizes(p.size, t, s.kind === "reg" && s.regs.length === 2);
  if ("why" in sizes) return sizes;
  const reg = (n: number): string | Unreadable => {
    const r = fetchRegister(t, n, tracer);
    return "why" in r ? r : regText(r.name);
  };
  return { s, sizes, pc: sizes.length > 1 ? "hex" : c, reg };
}

type PieceText = (reg: string, size: number) => { expr: string; type: string };

/** A value in one register, or in two as halves: `piece` writes each register's expression and type. */
function inRegisters({ sizes, reg }: FetchParts, regs: number[], size: number, piece: PieceText): Fetch {
  if (regs.length !== sizes.length) return { why: `${size} bytes in ${regs.length} register(s)` };
  const pieces: FetchPiece[] = [];
  for (let i = 0; i < regs.length; i++) {
    const r = reg(regs[i]);
    if (typeof r !== "string") return r;
    pieces.push({ suffix: halves(regs.length)[i], ...piece(r, sizes[i]) });
  }
  return { pieces };
}

/** A value in memory at register + offset, its pieces one after the other: `piece` writes each one's load. */
function inMemory({ sizes, reg }: FetchParts, base: number, at: number, piece: (reg: string, off: number, size: number) => { expr: string; type: string }): Fetch {
  const r = reg(base);
  if (typeof r !== "string") return r;
  let off = at;
  const pieces = sizes.map((size, i) => {
    const p = { suffix: halves(sizes.length)[i], ...piece(r, off, size) };
    off += size;
    return p;
  });
  return { pieces };
}

/**
 * The kprobe/uprobe fetchargs of `p` (a value of class `c`) on the
 * architecture `t`: `%di:s32`, `+16(%si):u64`, `\5:s32`, or a pair
 * `%ax:x64 %dx:x64` for a 16-byte value in two registers.
 */
export function kprobeFetch(p: LocParam, c: ValueClass, t: RegisterTable): Fetch {
  const f = fetchParts(p, c, t, "kprobe", (name) => `%${name}`);
  if ("why" in f) return f;
  const { s, sizes, pc } = f;
  switch (s.kind) {
    case "const":
      if (sizes.length > 1) return { why: "a constant wider than a register" };
      return { pieces: [{ suffix: "", expr: `\\${immText(s.value, c, p.size)}`, type: kprobeType(p.size, c) }] };
    case "reg":
      return inRegisters(f, s.regs, p.size, (r, size) => ({ expr: r, type: kprobeType(size, pc) }));
    case "deref":
      return inMemory(f, s.reg, s.off, (r, off, size) => ({ expr: `${off < 0 ? "-" : "+"}${Math.abs(off)}(${r})`, type: kprobeType(size, pc) }));
    case "regoff":
      return { why: `the value is ${locName(t, s.reg)}${s.off < 0 ? "-" : "+"}${Math.abs(s.off)} (a register plus a constant), which a fetcharg cannot compute` };
  }
}

function locName(t: RegisterTable, reg: number): string {
  return t.regs.get(reg)?.dwarf ?? `DWARF register ${reg}`;
}

/** bpftrace's integer cast and printf conversion for a `size`-byte value of class `c`. */
function bpftraceType(size: number, c: ValueClass): { cast: string; conv: string } {
  const bits = size * 8;
  const cast = `${c === "signed" ? "int" : "uint"}${bits}`;
  const conv = c === "signed" ? (size === 8 ? "%ld" : "%d") : c === "unsigned" ? (size === 8 ? "%lu" : "%u") : size === 8 ? "%lx" : "%x";
  return { cast, conv };
}

/**
 * The bpftrace expressions of `p` in a kprobe/uprobe block: `(int32)reg("di")`,
 * `*(uint64*)(reg("si") + 16)`, `reg("sp") + 16`; a constant becomes literal
 * text (`type` is then the printed value itself, `expr` empty).
 */
export function bpftraceFetch(p: LocParam, c: ValueClass, t: RegisterTable): Fetch {
  const f = fetchParts(p, c, t, "bpftrace", (name) => `reg("${name}")`);
  if ("why" in f) return f;
  const { s, sizes, pc, reg } = f;
  const plus = (base: string, off: number) => (off === 0 ? base : `${base} ${off < 0 ? "-" : "+"} ${Math.abs(off)}`);
  switch (s.kind) {
    case "const":
      if (sizes.length > 1) return { why: "a constant wider than a register" };
      return { pieces: [{ suffix: "", expr: "", type: immText(s.value, c, p.size) }] };
    case "reg":
      return inRegisters(f, s.regs, p.size, (r, size) => {
        const bt = bpftraceType(size, pc);
        return { expr: `(${bt.cast})${r}`, type: bt.conv };
      });
    case "deref":
      return inMemory(f, s.reg, s.off, (r, off, size) => {
        const bt = bpftraceType(size, pc);
        return { expr: `*(${bt.cast}*)(${plus(r, off)})`, type: bt.conv };
      });
    case "regoff": {
      const r = reg(s.reg);
      if (typeof r !== "string") return r;
      if (sizes.length > 1) return { why: "a computed value wider than a register" };
      const bt = bpftraceType(p.size, c);
      return { pieces: [{ suffix: "", expr: `(${bt.cast})(${plus(r, s.off)})`, type: bt.conv }] };
    }
  }
}

/**
 * The USDT argument spec of `p` (sys/sdt.h: `[-]SIZE@OPERAND`, negative size
 * for signed values), in the operand syntax libbpf's usdt.c parses for the
 * architecture: x86 `%edi`, `-16(%rbp)`, `$5`; arm64 `x0`, `[sp, 16]`, `5`;
 * riscv `a0`, `16(sp)`; s390 `%r2`, `16(%r15)`.
 */
export function usdtSpec(p: LocParam, c: ValueClass, t: RegisterTable): string | Unreadable {
  if (!t.usdt) return { why: `libbpf has no USDT argument parser for ${t.arch}` };
  const s = shapeOf(p, t);
  if ("why" in s) return s;
  if (!PIECE_SIZES.has(p.size)) return { why: `a ${p.size}-byte value has no USDT argument size` };
  const size = `${c === "signed" ? "-" : ""}${p.size}@`;
  const regName = (n: number, sz: 1 | 2 | 4 | 8): string | Unreadable => {
    const r = t.regs.get(n);
    const name = r?.usdt?.[sz];
    return name ?? { why: `register ${locName(t, n)} (DWARF ${n}) has no USDT operand name` };
  };
  switch (s.kind) {
    case "const": {
      const v = immText(s.value, c === "signed" ? "signed" : "unsigned", p.size);
      return size + (t.usdt === "x86" ? `$${v}` : v);
    }
    case "reg": {
      if (s.regs.length !== 1) return { why: "a value in two registers has no USDT argument form" };
      const r = regName(s.regs[0], p.size as 1 | 2 | 4 | 8);
      if (typeof r !== "string") return r;
      return size + (t.usdt === "x86" ? `%${r}` : r);
    }
    case "deref": {
      const r = regName(s.reg, 8);
      if (typeof r !== "string") return r;
      if (t.usdt === "x86") return `${size}${s.off}(%${r})`;
      if (t.usdt === "arm64") return s.off === 0 ? `${size}[${r}]` : `${size}[${r}, ${s.off}]`;
      return `${size}${s.off}(${r})`;
    }
    case "regoff":
      return { why: "a register plus a constant (reg + offset) has no USDT argument form" };
  }
}
