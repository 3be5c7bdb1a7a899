// Pathological ELF + DWARF inputs for `scripts/fuzz.mjs` and test/fuzz-slice.test.ts,
// built byte by byte (no compiler): an x86_64 ET_EXEC with .text at 0x401000 and
// hand-written DWARF 5.
//
//   deep-nest      100,000 nested DW_TAG_inlined_subroutine DIEs (each with a parameter)
//   deep-types     a DW_AT_type chain of 100,000 pointers/typedefs/consts
//   cycle-origin   DW_AT_abstract_origin A -> B -> A (and a parameter that is its own origin)
//   cycle-spec     DW_AT_specification A -> B -> A
//   cycle-type     DW_AT_type typedef -> const -> typedef, a volatile of itself
//   loclist-1m     a parameter whose location list has 1,000,000 entries (the covering one last)
//
//   node scripts/fuzz-gen.mjs OUTDIR [NAME...]     writes OUTDIR/NAME for each (default all)

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** A growable little-endian byte writer. */
class Bytes {
  constructor(cap = 1 << 12) {
    this.buf = new Uint8Array(cap);
    this.len = 0;
  }
  room(n) {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(v) { this.room(1); this.buf[this.len++] = v & 0xff; return this; }
  u16(v) { return this.u8(v).u8(v >>> 8); }
  u32(v) { return this.u16(v & 0xffff).u16(v >>> 16); }
  u64(v) { v = BigInt(v); return this.u32(Number(v & 0xffffffffn)).u32(Number(v >> 32n)); }
  uleb(v) {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v) b |= 0x80;
      this.u8(b);
    } while (v);
    return this;
  }
  str(s) { for (const c of Buffer.from(s)) this.u8(c); return this.u8(0); }
  bytes(a) { this.room(a.length); this.buf.set(a, this.len); this.len += a.length; return this; }
  put32(at, v) { this.buf[at] = v & 0xff; this.buf[at + 1] = (v >>> 8) & 0xff; this.buf[at + 2] = (v >>> 16) & 0xff; this.buf[at + 3] = (v >>> 24) & 0xff; }
  done() { return this.buf.slice(0, this.len); }
}

// DWARF constants used here.
const TAG = { compile_unit: 0x11, subprogram: 0x2e, inlined_subroutine: 0x1d, formal_parameter: 0x05, base_type: 0x24, pointer_type: 0x0f, typedef: 0x16, const_type: 0x26, volatile_type: 0x35, variable: 0x34 };
const AT = { name: 0x03, producer: 0x25, language: 0x13, low_pc: 0x11, high_pc: 0x12, type: 0x49, inline: 0x20, abstract_origin: 0x31, specification: 0x47, location: 0x02, encoding: 0x3e, byte_size: 0x0b, external: 0x3f, prototyped: 0x27, declaration: 0x3c };
const FORM = { addr: 0x01, data1: 0x0b, data4: 0x06, string: 0x08, ref4: 0x13, exprloc: 0x18, sec_offset: 0x17, flag_present: 0x19 };

const TEXT_ADDR = 0x401000;
const TEXT_SIZE = 0x1000;

/** Abbreviation table: each entry [tag, children, [[at, form], ...]]; codes from 1. */
function abbrevTable(entries) {
  const w = new Bytes();
  entries.forEach(([tag, children, attrs], i) => {
    w.uleb(i + 1).uleb(tag).u8(children ? 1 : 0);
    for (const [at, form] of attrs) w.uleb(at).uleb(form);
    w.uleb(0).uleb(0);
  });
  return w.uleb(0).done();
}

/**
 * A DWARF 5 compile unit writer: DIEs with CU-relative ref4 labels, fixed up
 * at the end.
 */
class Unit {
  constructor() {
    this.w = new Bytes(1 << 16);
    this.w.u32(0).u16(5).u8(1).u8(8).u32(0); // unit_length (later), version 5, DW_UT_compile, address_size 8, abbrev 0
    this.labels = new Map();
    this.fixups = [];
  }
  label(name) { this.labels.set(name, this.w.len); return this; }
  ref(name) { this.fixups.push([this.w.len, name]); this.w.u32(0); return this; }
  done() {
    for (const [at, name] of this.fixups) {
      const off = this.labels.get(name);
      if (off === undefined) throw new Error(`no label ${name}`);
      this.w.put32(at, off);
    }
    this.w.put32(0, this.w.len - 4);
    return this.w.done();
  }
}

/** Writes an x86_64 ET_EXEC holding .text and the given (name, bytes) debug sections. */
function elf(debug) {
  const names = new Bytes().u8(0);
  const nameOff = (n) => { const o = names.len; names.str(n); return o; };
  const secs = [{ name: nameOff(".text"), type: 1, flags: 6, addr: TEXT_ADDR, data: new Uint8Array(TEXT_SIZE).fill(0x90), align: 16 }];
  for (const [n, data] of debug) secs.push({ name: nameOff(n), type: 1, flags: 0, addr: 0, data, align: 1 });
  const shstr = { name: nameOff(".shstrtab"), type: 3, flags: 0, addr: 0, data: null, align: 1 };
  secs.push(shstr);
  shstr.data = names.done();
  const out = new Bytes(1 << 16);
  out.len = 64;
  out.room(0);
  for (const s of secs) {
    while (out.len % s.align) out.u8(0);
    s.offset = out.len;
    out.bytes(s.data);
  }
  while (out.len % 8) out.u8(0);
  const shoff = out.len;
  out.bytes(new Uint8Array(64)); // SHT_NULL
  for (const s of secs) {
    out.u32(s.name).u32(s.type).u64(s.flags).u64(s.addr).u64(s.offset).u64(s.data.length).u32(0).u32(0).u64(s.align).u64(0);
  }
  const h = new Bytes(64);
  h.bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  h.u16(2).u16(62).u32(1).u64(TEXT_ADDR).u64(0).u64(shoff).u32(0).u16(64).u16(56).u16(0).u16(64).u16(secs.length + 1).u16(secs.length);
  const file = out.done();
  file.set(h.done(), 0);
  return file;
}

const CU_ATTRS = [[AT.producer, FORM.string], [AT.language, FORM.data1], [AT.name, FORM.string], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.data4]];

/** The CU DIE (abbrev 1) with .text as its range. */
function cuDie(u, name) {
  u.w.uleb(1).str("btfgen fuzz-gen").u8(0x1d /* DW_LANG_C11 */).str(name).u64(TEXT_ADDR).u32(TEXT_SIZE);
}

/**
 * The unit both inline-site generators start from: abbreviations 1-7 (CU,
 * int, the abstract `f(int x)` and its parameter, the out-of-line `outer`,
 * an inline of `f`, its parameter with a location of form `locForm`), and
 * the DIEs up to `outer`'s (open): the caller adds the inlines under it.
 */
function inlineOfF(cuName, locForm) {
  const abbrev = abbrevTable([
    [TAG.compile_unit, true, CU_ATTRS],
    [TAG.base_type, false, [[AT.name, FORM.string], [AT.encoding, FORM.data1], [AT.byte_size, FORM.data1]]],
    [TAG.subprogram, true, [[AT.name, FORM.string], [AT.prototyped, FORM.flag_present], [AT.type, FORM.ref4], [AT.inline, FORM.data1]]],
    [TAG.formal_parameter, false, [[AT.name, FORM.string], [AT.type, FORM.ref4]]],
    [TAG.subprogram, true, [[AT.name, FORM.string], [AT.external, FORM.flag_present], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.data4]]],
    [TAG.inlined_subroutine, true, [[AT.abstract_origin, FORM.ref4], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.data4]]],
    [TAG.formal_parameter, false, [[AT.abstract_origin, FORM.ref4], [AT.location, locForm]]],
  ]);
  const u = new Unit();
  cuDie(u, cuName);
  u.label("int").w.uleb(2).str("int").u8(5).u8(4);
  u.label("f").w.uleb(3).str("f");
  u.ref("int").w.u8(1);
  u.label("fx").w.uleb(4).str("x");
  u.ref("int").w.u8(0); // end of f's children
  u.w.uleb(5).str("outer").u64(TEXT_ADDR).u32(TEXT_SIZE);
  return { abbrev, u };
}

/** 100,000 nested inlined subroutines of one abstract function `f(int x)`, each with x in a register. */
export function deepNest(depth = 100_000) {
  const { abbrev, u } = inlineOfF("deep-nest.c", FORM.exprloc);
  for (let i = 0; i < depth; i++) {
    const lo = TEXT_ADDR + (i % (TEXT_SIZE - 0x10));
    u.w.uleb(6);
    u.ref("f").w.u64(lo).u32(0x10);
    u.w.uleb(7);
    u.ref("fx").w.uleb(1).u8(0x50 + (i % 16)); // DW_OP_regN
  }
  for (let i = 0; i < depth; i++) u.w.u8(0); // close each inline
  u.w.u8(0).u8(0); // outer, CU
  return elf([[".debug_abbrev", abbrev], [".debug_info", u.done()]]);
}

/** A DW_AT_type chain `length` long: pointer -> typedef -> const -> pointer ... -> int, used by a parameter. */
export function deepTypes(length = 100_000) {
  const abbrev = abbrevTable([
    [TAG.compile_unit, true, CU_ATTRS],
    [TAG.base_type, false, [[AT.name, FORM.string], [AT.encoding, FORM.data1], [AT.byte_size, FORM.data1]]],
    [TAG.pointer_type, false, [[AT.byte_size, FORM.data1], [AT.type, FORM.ref4]]],
    [TAG.typedef, false, [[AT.name, FORM.string], [AT.type, FORM.ref4]]],
    [TAG.const_type, false, [[AT.type, FORM.ref4]]],
    [TAG.subprogram, true, [[AT.name, FORM.string], [AT.external, FORM.flag_present], [AT.prototyped, FORM.flag_present], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.data4]]],
    [TAG.formal_parameter, false, [[AT.name, FORM.string], [AT.type, FORM.ref4], [AT.location, FORM.exprloc]]],
  ]);
  const u = new Unit();
  cuDie(u, "deep-types.c");
  u.label("t0").w.uleb(2).str("int").u8(5).u8(4);
  for (let i = 1; i <= length; i++) {
    u.label(`t${i}`);
    const k = i % 3;
    if (k === 0) u.w.uleb(3).u8(8);
    else if (k === 1) u.w.uleb(4).str(`t${i}`);
    else u.w.uleb(5);
    u.ref(`t${i - 1}`);
  }
  u.w.uleb(6).str("g").u64(TEXT_ADDR).u32(0x10);
  u.w.uleb(7).str("p");
  u.ref(`t${length}`).w.uleb(1).u8(0x55);
  u.w.u8(0).u8(0);
  return elf([[".debug_abbrev", abbrev], [".debug_info", u.done()]]);
}

/**
 * Reference cycles. `which`: "origin" (abstract_origin A -> B -> A, a
 * parameter its own origin), "spec" (specification A -> B -> A), "type"
 * (typedef -> const -> typedef, volatile of itself, as a parameter's and a
 * return type).
 */
export function cycle(which) {
  const t = which === "type";
  const link = which === "spec" ? [[AT.specification, FORM.ref4]] : which === "origin" ? [[AT.abstract_origin, FORM.ref4]] : [];
  const plink = which === "origin" ? [[AT.abstract_origin, FORM.ref4]] : [];
  const abbrev = abbrevTable([
    [TAG.compile_unit, true, CU_ATTRS],
    [TAG.base_type, false, [[AT.name, FORM.string], [AT.encoding, FORM.data1], [AT.byte_size, FORM.data1]]],
    [TAG.subprogram, true, [[AT.name, FORM.string], [AT.prototyped, FORM.flag_present], [AT.type, FORM.ref4], [AT.inline, FORM.data1], ...link]],
    [TAG.formal_parameter, false, [[AT.name, FORM.string], [AT.type, FORM.ref4], ...plink]],
    [TAG.subprogram, true, [[AT.name, FORM.string], [AT.external, FORM.flag_present], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.data4], [AT.type, FORM.ref4]]],
    [TAG.inlined_subroutine, true, [[AT.abstract_origin, FORM.ref4], [AT.low_pc, FORM.addr], [AT.high_pc, FORM.data4]]],
    [TAG.formal_parameter, false, [[AT.abstract_origin, FORM.ref4], [AT.location, FORM.exprloc]]],
    [TAG.typedef, false, [[AT.name, FORM.string], [AT.type, FORM.ref4]]],
    [TAG.const_type, false, [[AT.type, FORM.ref4]]],
    [TAG.volatile_type, false, [[AT.type, FORM.ref4]]],
    [TAG.variable, false, [[AT.name, FORM.string], [AT.type, FORM.ref4], [AT.external, FORM.flag_present]]],
  ]);
  const u = new Unit();
  cuDie(u, `cycle-${which}.c`);
  u.label("int").w.uleb(2).str("int").u8(5).u8(4);
  if (t) {
    u.label("td").w.uleb(8).str("loop_t");
    u.ref("cst");
    u.label("cst").w.uleb(9);
    u.ref("td");
    u.label("vol").w.uleb(10);
    u.ref("vol");
    u.w.uleb(11).str("gv");
    u.ref("td");
  }
  const ptype = t ? "td" : "int";
  const rtype = t ? "vol" : "int";
  // A and B, one parameter each; origin: A -> B -> A and x of A its own origin; spec: A -> B -> A.
  for (const [me, other] of [["A", "B"], ["B", "A"]]) {
    u.label(me).w.uleb(3).str(me.toLowerCase());
    u.ref(rtype).w.u8(1);
    if (link.length) u.ref(other);
    u.label(`${me}x`).w.uleb(4).str("x");
    u.ref(ptype);
    if (plink.length) u.ref("Ax");
    u.w.u8(0);
  }
  u.w.uleb(5).str("outer").u64(TEXT_ADDR).u32(TEXT_SIZE);
  u.ref(rtype);
  for (const origin of ["A", "B"]) {
    u.w.uleb(6);
    u.ref(origin).w.u64(TEXT_ADDR + 0x20).u32(0x10);
    u.w.uleb(7);
    u.ref(`${origin}x`).w.uleb(1).u8(0x55);
    u.w.u8(0);
  }
  u.w.u8(0).u8(0);
  return elf([[".debug_abbrev", abbrev], [".debug_info", u.done()]]);
}

/** One inline site whose parameter's location list has `entries` entries; only the last covers the site. */
export function bigLoclist(entries = 1_000_000) {
  const { abbrev, u } = inlineOfF("loclist.c", FORM.sec_offset);
  u.w.uleb(6);
  u.ref("f").w.u64(TEXT_ADDR + 0x10).u32(0x10);
  u.w.uleb(7);
  u.ref("fx").w.u32(12); // just past the .debug_loclists header
  u.w.u8(0).u8(0).u8(0).u8(0);

  const l = new Bytes(entries * 8 + 64);
  l.u32(0).u16(5).u8(8).u8(0).u32(0); // unit_length (later), version 5, address_size 8, no segment, no offsets
  l.u8(0x06).u64(TEXT_ADDR); // DW_LLE_base_address
  for (let i = 0; i < entries - 1; i++) {
    const lo = 0x800 + (i % 0x400);
    l.u8(0x04).uleb(lo).uleb(lo + 1).uleb(1).u8(0x50 + (i % 8)); // DW_LLE_offset_pair [lo, lo+1) DW_OP_regN
  }
  l.u8(0x04).uleb(0x10).uleb(0x20).uleb(1).u8(0x55); // covers the site: DW_OP_reg5
  l.u8(0x00); // DW_LLE_end_of_list
  l.put32(0, l.len - 4);
  return elf([[".debug_abbrev", abbrev], [".debug_info", u.done()], [".debug_loclists", l.done()]]);
}

/** Every pathological input by name. */
export const PATHOLOGICAL = {
  "deep-nest": () => deepNest(),
  "deep-types": () => deepTypes(),
  "cycle-origin": () => cycle("origin"),
  "cycle-spec": () => cycle("spec"),
  "cycle-type": () => cycle("type"),
  "loclist-1m": () => bigLoclist(),
};

/** Writes the named inputs (default all) into `dir`; returns their paths by name. */
export function writePathological(dir, names = Object.keys(PATHOLOGICAL)) {
  mkdirSync(dir, { recursive: true });
  const out = {};
  for (const n of names) {
    if (!PATHOLOGICAL[n]) throw new Error(`unknown pathological input ${n} (have ${Object.keys(PATHOLOGICAL).join(", ")})`);
    out[n] = join(dir, n);
    writeFileSync(out[n], PATHOLOGICAL[n]());
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, ...names] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: node scripts/fuzz-gen.mjs OUTDIR [NAME...]");
    process.exit(2);
  }
  for (const [n, p] of Object.entries(writePathological(dir, names.length ? names : undefined))) console.log(`${n}: ${p}`);
}
