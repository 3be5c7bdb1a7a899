#!/usr/bin/env node
// Structured fuzzing of the built CLI (`make build` first). Real objects — the
// fixtures in testdata/obj, a few kernel modules when `make kernel` has run,
// BTF btfgen wrote from them, small generated DWARF — are mutated in ways that
// know their layout (ELF header, section headers, DWARF unit headers,
// abbreviations and bytes, relocations, symbols, compression headers, BTF
// headers, type records and strings, "huge" lengths and counts) and every
// command runs on the result under a time and memory bound. Every case replays
// from (object, seed, command).
//
//   node scripts/fuzz.mjs [--runs N] [--seed S] [--jobs N] [--objects SPEC,...]
//                         [--commands NAME,...] [--timeout SEC] [--rss-mb MB]
//                         [--save DIR|none] [--keep] [--verbose] [--json FILE]
//   node scripts/fuzz.mjs --pathological      the scripts/fuzz-gen.mjs inputs, unmutated, every command
//   node scripts/fuzz.mjs --replay DIR        the regression cases of DIR/cases.json
//   node scripts/fuzz.mjs --emit DIR ...      write the cases' mutated inputs, run nothing
//   node scripts/fuzz.mjs --list ...          the objects --objects names
//
// The runs use a snapshot of dist/ (so a rebuild meanwhile changes nothing);
// --no-snapshot runs dist/ itself, --cli PATH another build's main.js.
// --keep keeps each case's directory and prints it with the mutations.
//
// --objects: paths, or `fixtures`, `modules`, `derived`, `gen`, `all` (default);
//   `fi:PATH` (func_info BTF btfgen writes for PATH, read on its base),
//   `fibase:PATH` (the base BTF it encodes), `fielf:PATH` (the --elf object),
//   `gen:NAME` (scripts/fuzz-gen.mjs inputs).
// --commands: sites, sites-notypes, stats, dump, encode, main, check (default all).
// Case i uses seed S+i; its object and command are drawn from that seed among
// those given, so `--objects O --commands C --seed X --runs 1` replays it.
//
// A finding: exit status other than 0/1, a stack trace / internal error on
// stderr, more than one stderr line on failure, a timeout, peak RSS over the
// bound, an output or temporary file left after a failure (a temporary after a
// success too), an output written by encode/main that `btfgen dump` cannot
// read, or an input `check` passes and `btfgen dump` refuses. Distinct
// findings (command + kind + first stderr line with numbers and paths masked)
// are saved under --save (default testdata/fuzz: the input when it is at most
// 200 KB and not a kernel module, and an entry in cases.json).
//
// Exits 0 when there is no finding, 1 when there is one.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PATHOLOGICAL, writePathological } from "./fuzz-gen.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The built CLI. */
export const CLI = join(ROOT, "dist/cli/main.js");
/** The CLI the runs use: {@link CLI}, or a snapshot of it ({@link snapshotCli}). */
let cliPath = CLI;

/**
 * Copies dist/, the wasm module and package.json to a private directory and
 * runs the CLI from there, so a rebuild during a long run (someone's `make
 * build`) does not change or break it half way. Returns the snapshot's CLI.
 */
export function snapshotCli() {
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "btfgen-fuzz-snap-"));
    cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
    mkdirSync(join(dir, "wasm"));
    copyFileSync(join(ROOT, "wasm/btfgen_dwarf.wasm"), join(dir, "wasm/btfgen_dwarf.wasm"));
    copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    const cli = join(dir, "dist/cli/main.js");
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const probe = join(FIXTURES, "inline-gcc12-O2-dwarf5-x86_64.o");
    if (spawnSync(process.execPath, [cli, "sites", "--no-types", probe], { stdio: "ignore" }).status === 0) {
      cliPath = cli;
      return cli;
    }
    rmSync(dir, { recursive: true, force: true });
    spawnSync("sleep", ["2"]);
  }
  throw new Error("dist/ does not run (a build in progress?): cannot snapshot it");
}
const FIXTURES = join(ROOT, "testdata/obj");

// ---------------------------------------------------------------- kernel paths

/** The unpacked Debian dbg package's debug root, or undefined. */
export function kernelRoot() {
  const r = join(process.env.BTFGEN_KERNEL_DIR || process.env.KERNEL_DIR || join(homedir(), ".cache/btfgen/kernel"), "root/usr/lib/debug");
  return existsSync(join(r, "boot")) ? r : undefined;
}

/** The kernel's vmlinux, or undefined. */
export function vmlinuxPath() {
  const r = kernelRoot();
  if (!r) return undefined;
  const v = readdirSync(join(r, "boot")).filter((f) => f.startsWith("vmlinux-")).sort();
  return v.length ? join(r, "boot", v[0]) : undefined;
}

/** A few small kernel modules (relative to the module tree), with inline sites and .BTF. */
const MODULES = [
  "kernel/lib/crc7.ko",
  "kernel/lib/crypto/libchacha.ko",
  "kernel/drivers/scsi/scsi_common.ko",
  "kernel/drivers/firmware/efi/efibc.ko",
  "kernel/net/sched/sch_ingress.ko",
  "kernel/drivers/md/multipath.ko",
];

function moduleDir() {
  const r = kernelRoot();
  if (!r) return undefined;
  const m = readdirSync(join(r, "lib/modules")).sort();
  return m.length ? join(r, "lib/modules", m[0]) : undefined;
}

// ---------------------------------------------------------------- PRNG

/** mulberry32: a small seeded PRNG giving [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (a) => a[Math.floor(next() * a.length)];
  next.chance = (p) => next() < p;
  next.u32 = () => Math.floor(next() * 4294967296);
  return next;
}

/** FNV-1a of a string. */
function hash(s) {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(s)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h;
}

// ---------------------------------------------------------------- byte access

/** Reads and writes fields of `buf` in one byte order; out-of-range reads give undefined, writes are dropped. */
class View {
  constructor(buf, le) {
    this.buf = buf;
    this.le = le;
  }
  get(off, size) {
    if (off < 0 || off + size > this.buf.length) return undefined;
    if (size === 1) return BigInt(this.buf[off]);
    if (size === 2) return BigInt(this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off));
    if (size === 4) return BigInt(this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off));
    return this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
  }
  num(off, size) {
    const v = this.get(off, size);
    return v === undefined ? undefined : Number(v);
  }
  set(off, size, value) {
    if (off < 0 || off + size > this.buf.length) return false;
    const v = BigInt.asUintN(size * 8, BigInt(value));
    if (size === 1) this.buf[off] = Number(v);
    else if (size === 2) this.le ? this.buf.writeUInt16LE(Number(v), off) : this.buf.writeUInt16BE(Number(v), off);
    else if (size === 4) this.le ? this.buf.writeUInt32LE(Number(v), off) : this.buf.writeUInt32BE(Number(v), off);
    else this.le ? this.buf.writeBigUInt64LE(v, off) : this.buf.writeBigUInt64BE(v, off);
    return true;
  }
}

const HUGE = [0xffffffffn, 0x7fffffffn, 0xfffffff0n, 0x80000000n, 0xffffffn, 0xfffffffffffffffn, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x40000000n];

/** A value for a `size`-byte field now holding `cur`: edge cases, neighbours, the given `extra`, or random. */
function interesting(r, size, cur, extra = [], huge = false) {
  const max = (1n << BigInt(size * 8)) - 1n;
  if (huge) return BigInt.asUintN(size * 8, r.pick(HUGE));
  const c = BigInt(cur ?? 0);
  const opts = [0n, 1n, c + 1n, c - 1n, c * 2n, c + 4n, c - 4n, max, max - 1n, max >> 1n, (max >> 1n) + 1n, BigInt(r.int(256)), ...extra.map(BigInt)];
  if (r.chance(0.2)) return BigInt.asUintN(size * 8, BigInt(r.u32()) | (size === 8 ? BigInt(r.u32()) << 32n : 0n));
  return BigInt.asUintN(size * 8, r.pick(opts));
}

// ---------------------------------------------------------------- ELF layout

const EH64 = { e_type: [16, 2], e_machine: [18, 2], e_version: [20, 4], e_entry: [24, 8], e_phoff: [32, 8], e_shoff: [40, 8], e_flags: [48, 4], e_ehsize: [52, 2], e_phentsize: [54, 2], e_phnum: [56, 2], e_shentsize: [58, 2], e_shnum: [60, 2], e_shstrndx: [62, 2] };
const EH32 = { e_type: [16, 2], e_machine: [18, 2], e_version: [20, 4], e_entry: [24, 4], e_phoff: [28, 4], e_shoff: [32, 4], e_flags: [36, 4], e_ehsize: [40, 2], e_phentsize: [42, 2], e_phnum: [44, 2], e_shentsize: [46, 2], e_shnum: [48, 2], e_shstrndx: [50, 2] };
const IDENT = { ei_class: [4, 1], ei_data: [5, 1], ei_version: [6, 1], ei_osabi: [7, 1] };
const SH64 = { sh_name: [0, 4], sh_type: [4, 4], sh_flags: [8, 8], sh_addr: [16, 8], sh_offset: [24, 8], sh_size: [32, 8], sh_link: [40, 4], sh_info: [44, 4], sh_addralign: [48, 8], sh_entsize: [56, 8] };
const SH32 = { sh_name: [0, 4], sh_type: [4, 4], sh_flags: [8, 4], sh_addr: [12, 4], sh_offset: [16, 4], sh_size: [20, 4], sh_link: [24, 4], sh_info: [28, 4], sh_addralign: [32, 4], sh_entsize: [36, 4] };
const SHF_COMPRESSED = 0x800;

/** The header and section table of an ELF in `buf`, or undefined when it is not one (or too broken to walk). */
export function parseElf(buf) {
  if (buf.length < 52 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46) return undefined;
  const is64 = buf[4] === 2;
  const v = new View(buf, buf[5] !== 2);
  const EH = is64 ? EH64 : EH32;
  const SH = is64 ? SH64 : SH32;
  const f = (name) => v.num(...EH[name]);
  const shoff = f("e_shoff");
  const shentsize = f("e_shentsize");
  const shnum = f("e_shnum");
  const sections = [];
  if (shoff === undefined || !shnum || shentsize < (is64 ? 64 : 40) || shoff + shnum * shentsize > buf.length) return { is64, v, EH, SH, sections };
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    const s = { index: i, hdr: at };
    for (const [k, [o, sz]] of Object.entries(SH)) s[k.slice(3)] = v.num(at + o, sz);
    s.name_ = s.name; // sh_name; `name` becomes the string below
    sections.push(s);
  }
  const strtab = sections[f("e_shstrndx")];
  for (const s of sections) {
    s.name = "";
    if (!strtab || strtab.offset === undefined) continue;
    let p = strtab.offset + s.name_;
    if (Number.isNaN(p)) continue;
    const end = buf.indexOf(0, p);
    if (p < buf.length && end > p && end - p < 256) s.name = buf.toString("latin1", p, end);
  }
  return { is64, v, EH, SH, sections };
}

/** Sections whose bytes lie inside the file, with name, offset and size. */
function inFile(elf, buf) {
  return elf.sections.filter((s) => s.type !== 8 && s.type !== 0 && s.offset !== undefined && s.size > 0 && s.offset + s.size <= buf.length);
}

// ---------------------------------------------------------------- mutators

const DEBUG_UNITS = [".debug_info", ".debug_line", ".debug_loclists", ".debug_rnglists", ".debug_addr", ".debug_str_offsets", ".debug_aranges", ".debug_types"];

/** Unit starts of a DWARF section (32-bit unit lengths only). */
function unitStarts(v, s) {
  const out = [];
  let off = 0;
  while (off + 4 <= s.size && out.length < 10000) {
    const len = v.num(s.offset + off, 4);
    out.push(off);
    if (len === undefined || len >= 0xfffffff0 || len === 0) break;
    off += 4 + len;
  }
  return out;
}

/** Fields of the unit header at `u` in section `name` (DWARF version `ver`): [label, offset in section, size]. */
function unitFields(name, u, ver, v, s) {
  const f = [["unit_length", u, 4], ["version", u + 4, 2]];
  if (name === ".debug_info" || name === ".debug_types") {
    if (ver >= 5) f.push(["unit_type", u + 6, 1], ["address_size", u + 7, 1], ["abbrev_offset", u + 8, 4]);
    else f.push(["abbrev_offset", u + 6, 4], ["address_size", u + 10, 1]);
    if (name === ".debug_types") f.push(["type_offset", u + 19, 4]);
  } else if (name === ".debug_loclists" || name === ".debug_rnglists") {
    f.push(["address_size", u + 6, 1], ["segment_selector_size", u + 7, 1], ["offset_entry_count", u + 8, 4], ["offset[0]", u + 12, 4]);
  } else if (name === ".debug_addr") {
    f.push(["address_size", u + 6, 1], ["segment_selector_size", u + 7, 1], ["addr[0]", u + 8, 8]);
  } else if (name === ".debug_str_offsets") {
    f.push(["padding", u + 6, 2], ["offset[0]", u + 8, 4], ["offset[1]", u + 12, 4]);
  } else if (name === ".debug_aranges") {
    f.push(["debug_info_offset", u + 6, 4], ["address_size", u + 10, 1], ["segment_size", u + 11, 1], ["start[0]", u + 16, 8], ["length[0]", u + 24, 8]);
  } else if (name === ".debug_line") {
    // v5: address_size, seg, header_length@8; v4: header_length@6, then min_inst, max_ops, default_is_stmt, line_base, line_range, opcode_base.
    const hl = ver >= 5 ? u + 8 : u + 6;
    if (ver >= 5) f.push(["address_size", u + 6, 1], ["segment_selector_size", u + 7, 1]);
    f.push(["header_length", hl, 4]);
    const p = hl + 4;
    const names = ver >= 4 ? ["minimum_instruction_length", "maximum_operations_per_instruction", "default_is_stmt", "line_base", "line_range", "opcode_base"] : ["minimum_instruction_length", "default_is_stmt", "line_base", "line_range", "opcode_base"];
    names.forEach((n, i) => f.push([n, p + i, 1]));
    if (ver >= 5) {
      const ob = v.num(s.offset + p + names.length - 1, 1) ?? 13;
      const q = p + names.length + Math.max(0, ob - 1);
      f.push(["directory_entry_format_count", q, 1], ["dir_format[0].type", q + 1, 1], ["dir_format[0].form", q + 2, 1]);
    }
  }
  return f.filter(([, o, sz]) => o + sz <= s.size);
}

/** Positions of ULEB128 numbers in `.debug_abbrev` (codes, tags, attributes, forms) and children bytes. */
function abbrevSites(buf, s) {
  const sites = [];
  const end = s.offset + s.size;
  let p = s.offset;
  const uleb = () => {
    const at = p;
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= end) return undefined;
      const b = buf[p++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) break;
    }
    return { at, len: p - at, v };
  };
  while (p < end && sites.length < 20000) {
    const code = uleb();
    if (!code) break;
    if (code.v === 0) continue;
    sites.push({ what: "code", ...code });
    const tag = uleb();
    if (!tag) break;
    sites.push({ what: "tag", ...tag });
    if (p >= end) break;
    sites.push({ what: "children", at: p, len: 1, v: buf[p] });
    p++;
    for (;;) {
      const at = uleb();
      const form = uleb();
      if (!at || !form) return sites;
      if (at.v === 0 && form.v === 0) break;
      sites.push({ what: "attr", ...at }, { what: "form", ...form });
      if (form.v === 0x21) uleb(); // DW_FORM_implicit_const's value (SLEB128; same walk)
    }
  }
  return sites;
}

/** Writes `v` as a ULEB128 of exactly `len` bytes (padded), masking what does not fit. */
function putUleb(buf, at, len, v) {
  v = Math.min(v, 2 ** (7 * len) - 1);
  for (let i = 0; i < len; i++) {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (i < len - 1) b |= 0x80;
    buf[at + i] = b;
  }
}

const FORMS = [0, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x7f];
const ATTRS = [0x01, 0x02, 0x03, 0x0b, 0x11, 0x12, 0x1b, 0x20, 0x27, 0x2f, 0x31, 0x32, 0x3c, 0x3e, 0x47, 0x49, 0x52, 0x55, 0x72, 0x73, 0x74, 0x7f];
const TAGS = [0x01, 0x05, 0x0b, 0x0d, 0x0f, 0x11, 0x13, 0x15, 0x16, 0x17, 0x1d, 0x21, 0x24, 0x26, 0x28, 0x2e, 0x34, 0x35, 0x37, 0x48, 0x49, 0x7f];
const ULEB_HUGE = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
];

// BTF
const BTF_HDR = [["magic", 0, 2], ["version", 2, 1], ["flags", 3, 1], ["hdr_len", 4, 4], ["type_off", 8, 4], ["type_len", 12, 4], ["str_off", 16, 4], ["str_len", 20, 4], ["layout_off", 24, 4], ["layout_len", 28, 4]];

/** BTF regions of a file: `.BTF*` sections of an ELF (not .BTF.ext), or the whole file when it starts with the BTF magic. */
function btfRegions(buf, elf) {
  if (elf) return inFile(elf, buf).filter((s) => s.name.startsWith(".BTF") && s.name !== ".BTF.ext" && !(s.flags & SHF_COMPRESSED)).map((s) => ({ name: s.name, offset: s.offset, size: s.size }));
  if (buf.length >= 24 && ((buf[0] === 0x9f && buf[1] === 0xeb) || (buf[0] === 0xeb && buf[1] === 0x9f))) return [{ name: "raw", offset: 0, size: buf.length }];
  return [];
}

/** Bytes after the 12-byte btf_type of each kind ([info bytes, bytes per vlen]). */
const KIND_TAIL = { 1: [4, 0], 2: [0, 0], 3: [12, 0], 4: [0, 12], 5: [0, 12], 6: [0, 8], 7: [0, 0], 8: [0, 0], 9: [0, 0], 10: [0, 0], 11: [0, 0], 12: [0, 0], 13: [0, 8], 14: [4, 0], 15: [0, 12], 16: [0, 0], 17: [4, 0], 18: [0, 0], 19: [0, 12], 20: [4, 4], 21: [0, 4], 22: [0, 12] };

/** Header fields and record offsets of the BTF at region `g`. */
function btfLayout(buf, g) {
  const le = buf[g.offset] === 0x9f;
  const v = new View(buf, le);
  const hdrLen = v.num(g.offset + 4, 4) ?? 24;
  const typeOff = v.num(g.offset + 8, 4) ?? 0;
  const typeLen = v.num(g.offset + 12, 4) ?? 0;
  const strLen = v.num(g.offset + 20, 4) ?? 0;
  const v2 = hdrLen >= 32 && (v.num(g.offset + 28, 4) ?? 0) > 0;
  const start = g.offset + hdrLen + typeOff;
  const end = Math.min(start + typeLen, g.offset + g.size);
  const records = [];
  let p = start;
  while (p + 12 <= end && records.length < 200000) {
    const info = v.num(p + 4, 4);
    const kind = (info >>> 24) & (v2 ? 0x7f : 0x1f);
    const vlen = info & (v2 ? 0xffffff : 0xffff);
    const tail = KIND_TAIL[kind];
    if (!tail) break;
    records.push({ at: p, kind, vlen, size: 12 + tail[0] + vlen * tail[1] });
    p += 12 + tail[0] + vlen * tail[1];
  }
  return { v, hdrLen, strLen, records, strStart: g.offset + hdrLen + (v.num(g.offset + 16, 4) ?? 0) };
}

/**
 * The mutators: each takes the case's context and returns a one-line
 * description, or undefined when it does not apply to this object.
 */
const MUTATORS = {
  "elf-header"(c) {
    if (!c.elf) return undefined;
    const all = { ...IDENT, ...c.elf.EH };
    const keys = c.huge ? ["e_shoff", "e_shnum", "e_phnum", "e_phoff", "e_shentsize", "e_shstrndx"] : Object.keys(all);
    const k = c.r.pick(keys);
    const [o, sz] = all[k];
    const cur = c.elf.v.get(o, sz);
    const extra = k === "ei_class" || k === "ei_data" ? [0, 1, 2, 3] : k === "e_type" ? [0, 1, 2, 3, 4, 0xfe00] : k === "e_shstrndx" ? [c.elf.sections.length, 0xffff] : [c.buf.length];
    const val = interesting(c.r, sz, cur, extra, c.huge);
    c.elf.v.set(o, sz, val);
    return `${k} ${cur} -> ${val}`;
  },
  shdr(c) {
    if (!c.elf || !c.elf.sections.length) return undefined;
    const pref = c.elf.sections.filter((s) => /^\.(debug_|rela?\.debug|BTF|symtab|strtab|shstrtab|text)/.test(s.name));
    const s = c.r.chance(0.8) && pref.length ? c.r.pick(pref) : c.r.pick(c.elf.sections);
    const fields = c.huge ? ["sh_size", "sh_offset", "sh_entsize", "sh_addralign", "sh_link", "sh_info"] : ["sh_offset", "sh_size", "sh_size", "sh_type", "sh_link", "sh_info", "sh_entsize", "sh_flags", "sh_addr", "sh_addralign", "sh_name"];
    const k = c.r.pick(fields);
    const [o, sz] = c.elf.SH[k];
    const cur = c.elf.v.get(s.hdr + o, sz);
    const other = c.r.pick(c.elf.sections);
    const extra = {
      sh_offset: [c.buf.length, c.buf.length - 1, other.offset ?? 0],
      sh_size: [c.buf.length, c.buf.length - (s.offset ?? 0), (s.size ?? 0) + 1, Math.max(0, (s.size ?? 1) - 1), 1, 3],
      sh_type: [0, 1, 2, 3, 4, 8, 9, 11, 17, 18, 0x6ffffff6, 0x70000001],
      sh_link: [c.elf.sections.length, s.index, 0xffff, other.index],
      sh_info: [c.elf.sections.length, s.index, 0xffffffff, other.index],
      sh_entsize: [0, 1, 3, 8, 12, 16, 24, 25, 0xffffffff],
      sh_flags: [Number(cur ?? 0n) ^ SHF_COMPRESSED, Number(cur ?? 0n) ^ 2, 0xffffffff],
      sh_addr: [0, 0xffffffff, other.addr ?? 0],
      sh_addralign: [0, 3, 1 << 30],
      sh_name: [other.name_ ?? 0, 0xffffffff],
    }[k];
    const val = interesting(c.r, sz, cur, extra, c.huge);
    c.elf.v.set(s.hdr + o, sz, val);
    return `[${s.index}] ${s.name} ${k} ${cur} -> ${val}`;
  },
  "dwarf-bytes"(c) {
    const secs = c.debug.filter((s) => s.name.startsWith(".debug_"));
    if (!secs.length) return undefined;
    const s = c.r.pick(secs);
    const at = s.offset + c.r.int(s.size);
    const op = c.r.int(7);
    if (op === 0) {
      const n = 1 + c.r.int(8);
      for (let i = 0; i < n; i++) c.buf[s.offset + c.r.int(s.size)] = c.r.int(256);
      return `${s.name} ${n} random bytes`;
    }
    if (op === 1) {
      c.buf[at] = c.r.pick([0, 0xff, 0x80, 0x7f, 0x01]);
      return `${s.name}+0x${(at - s.offset).toString(16)} byte = 0x${c.buf[at].toString(16)}`;
    }
    if (op === 2) {
      c.buf[at] ^= 1 << c.r.int(8);
      return `${s.name}+0x${(at - s.offset).toString(16)} bit flip`;
    }
    if (op === 3) {
      const sz = c.r.pick([2, 4, 8]);
      const val = c.r.pick(HUGE);
      new View(c.buf, c.le).set(at, Math.min(sz, s.offset + s.size - at) >= sz ? sz : 1, val);
      return `${s.name}+0x${(at - s.offset).toString(16)} u${sz * 8} = 0x${val.toString(16)}`;
    }
    if (op === 4) {
      const u = c.r.pick(ULEB_HUGE);
      for (let i = 0; i < u.length && at + i < s.offset + s.size; i++) c.buf[at + i] = u[i];
      return `${s.name}+0x${(at - s.offset).toString(16)} huge uleb (${u.length} bytes)`;
    }
    if (op === 5) {
      const n = 1 + c.r.int(64);
      c.buf.fill(c.r.pick([0, 0xff]), at, Math.min(at + n, s.offset + s.size));
      return `${s.name}+0x${(at - s.offset).toString(16)} ${n} bytes filled`;
    }
    const n = 1 + c.r.int(32);
    const from = s.offset + c.r.int(s.size);
    c.buf.copy(c.buf, at, from, Math.min(from + n, s.offset + s.size, c.buf.length));
    return `${s.name}+0x${(at - s.offset).toString(16)} ${n} bytes copied from +0x${(from - s.offset).toString(16)}`;
  },
  "dwarf-header"(c) {
    const secs = c.debug.filter((s) => DEBUG_UNITS.includes(s.name));
    if (!secs.length) return undefined;
    const s = c.r.pick(secs);
    const v = new View(c.buf, c.le);
    const units = unitStarts(v, s);
    if (!units.length) return undefined;
    const u = c.r.pick(units);
    const ver = v.num(s.offset + u + 4, 2) ?? 5;
    const fields = unitFields(s.name, u, ver, v, s);
    const pool = c.huge ? fields.filter(([n]) => /length|count|offset/.test(n)) : fields;
    if (!pool.length) return undefined;
    const [n, o, sz] = c.r.pick(pool);
    const cur = v.get(s.offset + o, sz);
    const extra = n === "version" ? [0, 1, 2, 3, 4, 5, 6] : n === "unit_type" ? [0, 1, 2, 3, 4, 5, 6, 0x80] : n === "address_size" ? [0, 1, 2, 4, 8, 16, 255] : n === "line_range" || n === "opcode_base" ? [0, 1, 255] : [s.size, s.size - u];
    const val = interesting(c.r, sz, cur, extra, c.huge && sz >= 4);
    v.set(s.offset + o, sz, val);
    return `${s.name} unit +0x${u.toString(16)} ${n} ${cur} -> ${val}`;
  },
  abbrev(c) {
    const s = c.debug.find((x) => x.name === ".debug_abbrev");
    if (!s) return undefined;
    const sites = abbrevSites(c.buf, s);
    if (!sites.length) return undefined;
    const site = c.r.pick(sites);
    const pool = { form: FORMS, attr: ATTRS, tag: TAGS, children: [0, 1, 2, 0xff], code: [0, 1, 2, 0x7f, 0xffffffff] }[site.what];
    const val = c.huge ? 0xffffffff : c.r.chance(0.85) ? c.r.pick(pool) : c.r.int(0x4000);
    if (site.what === "children") c.buf[site.at] = val & 0xff;
    else putUleb(c.buf, site.at, site.len, val);
    return `.debug_abbrev+0x${(site.at - s.offset).toString(16)} ${site.what} ${site.v} -> ${val}`;
  },
  rela(c) {
    if (!c.elf) return undefined;
    const rels = inFile(c.elf, c.buf).filter((s) => (s.type === 4 || s.type === 9) && /^\.rela?\.(debug_|BTF)/.test(s.name));
    if (!rels.length) return undefined;
    const s = c.r.pick(rels);
    const rela = s.type === 4;
    const es = c.elf.is64 ? (rela ? 24 : 16) : rela ? 12 : 8;
    const n = Math.floor(s.size / es);
    if (!n) return undefined;
    const i = c.r.int(n);
    const at = s.offset + i * es;
    const w = c.elf.is64 ? 8 : 4;
    const v = c.elf.v;
    const field = c.r.pick(rela ? ["r_offset", "sym", "type", "r_addend"] : ["r_offset", "sym", "type"]);
    const target = c.elf.sections[s.info];
    let desc;
    if (field === "r_offset") {
      const cur = v.get(at, w);
      const val = interesting(c.r, w, cur, [target?.size ?? 0, (target?.size ?? 8) - 1, (target?.size ?? 8) - 4], c.huge);
      v.set(at, w, val);
      desc = `r_offset ${cur} -> ${val}`;
    } else if (field === "r_addend") {
      const cur = v.get(at + 2 * w, w);
      const val = interesting(c.r, w, cur, [BigInt.asUintN(w * 8, -1n), BigInt.asUintN(w * 8, -0x1000n)], c.huge);
      v.set(at + 2 * w, w, val);
      desc = `r_addend ${cur} -> ${val}`;
    } else {
      const info = v.get(at + w, w);
      let sym = c.elf.is64 ? info >> 32n : info >> 8n;
      let type = c.elf.is64 ? info & 0xffffffffn : info & 0xffn;
      if (field === "sym") sym = interesting(c.r, c.elf.is64 ? 4 : 3, sym, [0, 0xffffff], c.huge);
      else type = BigInt(c.r.chance(0.8) ? c.r.int(60) : c.r.u32());
      const val = c.elf.is64 ? (BigInt.asUintN(32, sym) << 32n) | BigInt.asUintN(32, type) : (BigInt.asUintN(24, sym) << 8n) | BigInt.asUintN(8, type);
      v.set(at + w, w, val);
      desc = `r_info ${field} -> ${field === "sym" ? sym : type}`;
    }
    return `${s.name}[${i}] ${desc}`;
  },
  symtab(c) {
    if (!c.elf) return undefined;
    const s = inFile(c.elf, c.buf).find((x) => x.type === 2);
    if (!s) return undefined;
    const es = c.elf.is64 ? 24 : 16;
    const n = Math.floor(s.size / es);
    if (n < 2) return undefined;
    const i = 1 + c.r.int(n - 1);
    const at = s.offset + i * es;
    const F = c.elf.is64 ? { st_name: [0, 4], st_info: [4, 1], st_shndx: [6, 2], st_value: [8, 8], st_size: [16, 8] } : { st_name: [0, 4], st_value: [4, 4], st_size: [8, 4], st_info: [12, 1], st_shndx: [14, 2] };
    const k = c.r.pick(Object.keys(F));
    const [o, sz] = F[k];
    const cur = c.elf.v.get(at + o, sz);
    const val = interesting(c.r, sz, cur, k === "st_shndx" ? [0, 0xfff1, 0xfff2, 0xffff, c.elf.sections.length] : [], c.huge);
    c.elf.v.set(at + o, sz, val);
    return `${s.name}[${i}] ${k} ${cur} -> ${val}`;
  },
  chdr(c) {
    if (!c.elf) return undefined;
    const secs = inFile(c.elf, c.buf).filter((s) => s.flags & SHF_COMPRESSED);
    if (!secs.length) return undefined;
    const s = c.r.pick(secs);
    const F = c.elf.is64 ? { ch_type: [0, 4], ch_size: [8, 8], ch_addralign: [16, 8], data: [24 + c.r.int(16), 1] } : { ch_type: [0, 4], ch_size: [4, 4], ch_addralign: [8, 4], data: [12 + c.r.int(16), 1] };
    const k = c.huge ? "ch_size" : c.r.pick(Object.keys(F));
    const [o, sz] = F[k];
    if (o + sz > s.size) return undefined;
    const cur = c.elf.v.get(s.offset + o, sz);
    const val = interesting(c.r, sz, cur, k === "ch_type" ? [0, 1, 2, 3] : [], c.huge);
    c.elf.v.set(s.offset + o, sz, val);
    return `${s.name} ${k} ${cur} -> ${val}`;
  },
  "btf-header"(c) {
    if (!c.btf.length) return undefined;
    const g = c.r.pick(c.btf);
    const L = btfLayout(c.buf, g);
    const fields = BTF_HDR.filter(([, o]) => o + 4 <= L.hdrLen || o < 24).filter(([n]) => !c.huge || /len|off/.test(n));
    const [n, o, sz] = c.r.pick(fields);
    const cur = L.v.get(g.offset + o, sz);
    const extra = n === "magic" ? [0x9feb, 0xeb9f, 0] : n === "version" ? [0, 1, 2, 0xff] : n === "hdr_len" ? [0, 8, 23, 24, 25, 28, 32, 36, g.size, g.size + 1] : [g.size, g.size - L.hdrLen, 0xfffffffc];
    const val = interesting(c.r, sz, cur, extra, c.huge);
    L.v.set(g.offset + o, sz, val);
    return `${g.name} ${n} ${cur} -> ${val}`;
  },
  "btf-type"(c) {
    if (!c.btf.length) return undefined;
    const g = c.r.pick(c.btf);
    const L = btfLayout(c.buf, g);
    if (!L.records.length) return undefined;
    const i = c.r.int(L.records.length);
    const rec = L.records[i];
    const what = c.huge ? c.r.pick(["vlen", "size_type"]) : c.r.pick(["name_off", "info", "vlen", "kind", "size_type", "size_type", "tail", "tail", "tail"]);
    const v = L.v;
    const info = v.num(rec.at + 4, 4);
    let desc;
    if (what === "name_off") {
      const val = interesting(c.r, 4, v.get(rec.at, 4), [L.strLen, L.strLen - 1, L.strLen + 1, 0xffffffff], c.huge);
      v.set(rec.at, 4, val);
      desc = `name_off -> ${val}`;
    } else if (what === "info") {
      const val = (info ^ (1 << c.r.int(32))) >>> 0;
      v.set(rec.at + 4, 4, val);
      desc = `info bit flip -> 0x${val.toString(16)}`;
    } else if (what === "vlen") {
      const vlen = c.huge ? c.r.pick([0xffff, 0xffffff, 0x7fffff]) : c.r.pick([0, 1, rec.vlen + 1, rec.vlen - 1, 0xffff, 0xffffff, c.r.int(64)]);
      const val = ((info & 0xff000000) | (vlen & 0xffffff)) >>> 0;
      v.set(rec.at + 4, 4, val);
      desc = `vlen ${rec.vlen} -> ${vlen & 0xffffff}`;
    } else if (what === "kind") {
      const kind = c.r.int(32);
      v.set(rec.at + 4, 4, ((info & 0x80ffffff) | (kind << 24)) >>> 0);
      desc = `kind ${rec.kind} -> ${kind}`;
    } else if (what === "size_type") {
      const val = interesting(c.r, 4, v.get(rec.at + 8, 4), [i + 1, i, L.records.length, L.records.length + 1, 0xffffffff, 0x80000000], c.huge);
      v.set(rec.at + 8, 4, val);
      desc = `size/type -> ${val}`;
    } else {
      if (rec.size <= 12) return undefined;
      const w = 12 + 4 * c.r.int((rec.size - 12) / 4);
      const val = interesting(c.r, 4, v.get(rec.at + w, 4), [L.records.length, i + 1, 0xffffffff, 0x80000000]);
      v.set(rec.at + w, 4, val);
      desc = `word +${w} -> ${val}`;
    }
    return `${g.name} type [${i + 1}] (kind ${rec.kind}) ${desc}`;
  },
  "btf-strings"(c) {
    if (!c.btf.length) return undefined;
    const g = c.r.pick(c.btf);
    const L = btfLayout(c.buf, g);
    const end = Math.min(L.strStart + L.strLen, g.offset + g.size);
    if (end <= L.strStart) return undefined;
    const op = c.r.int(3);
    const at = op === 0 ? L.strStart : op === 1 ? end - 1 : L.strStart + c.r.int(end - L.strStart);
    c.buf[at] = c.r.pick([0x41, 0, 0xff, 0x2e, 0x20]);
    return `${g.name} strings+0x${(at - L.strStart).toString(16)} = 0x${c.buf[at].toString(16)}`;
  },
  truncate(c) {
    const secs = [...c.debug, ...c.btf];
    const s = secs.length && c.r.chance(0.8) ? c.r.pick(secs) : { offset: 0, size: c.buf.length, name: "file" };
    const at = s.offset + c.r.int(s.size);
    c.buf = c.buf.subarray(0, at);
    return `truncated at 0x${at.toString(16)} (inside ${s.name})`;
  },
};

/** Mutator weights (huge: the same mutators with length/count fields set to huge values). */
const WEIGHTS = [["elf-header", 5], ["shdr", 14], ["dwarf-bytes", 20], ["dwarf-header", 12], ["abbrev", 8], ["rela", 9], ["symtab", 4], ["chdr", 4], ["btf-header", 6], ["btf-type", 12], ["btf-strings", 3], ["truncate", 3], ["huge", 8]];
const HUGE_ON = ["elf-header", "shdr", "dwarf-header", "chdr", "btf-header", "btf-type", "abbrev", "rela"];

/**
 * Mutates `bytes` (an object's contents) for `seed`: 1 to 4 structured
 * mutations drawn from the seed and the object's name. Returns the new bytes
 * and one description per mutation.
 */
export function mutate(bytes, name, seed) {
  const r = rng((hash(name) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
  const c = { r, buf: Buffer.from(bytes), huge: false };
  const n = r.chance(0.6) ? 1 : r.chance(0.6) ? 2 : 3 + r.int(2);
  const done = [];
  for (let k = 0, tries = 0; k < n && tries < 50; tries++) {
    c.elf = parseElf(c.buf);
    c.le = c.elf ? c.elf.v.le : true;
    c.debug = c.elf ? inFile(c.elf, c.buf).filter((s) => s.name.startsWith(".debug_") || s.name.startsWith(".zdebug")) : [];
    c.btf = btfRegions(c.buf, c.elf);
    let total = 0;
    for (const [, w] of WEIGHTS) total += w;
    let x = r() * total;
    let m = WEIGHTS[0][0];
    for (const [nm, w] of WEIGHTS) if ((x -= w) < 0) { m = nm; break; }
    c.huge = m === "huge";
    if (c.huge) m = r.pick(HUGE_ON);
    const d = MUTATORS[m](c);
    if (d === undefined) continue;
    done.push(`${c.huge ? "huge " : ""}${m}: ${d}`);
    k++;
  }
  if (!done.length) {
    c.buf[r.int(c.buf.length)] ^= 0xff;
    done.push("byte flip (no structured mutator applied)");
  }
  return { bytes: c.buf, mutations: done };
}

// ---------------------------------------------------------------- objects

/**
 * An object to mutate: `spec` (how --objects names it), `name` (what the
 * mutation seed hashes), `path` of its bytes, `base` chain for reading it,
 * `module` (large, never committed), `ext` of saved copies.
 */
export function objectFor(spec, cache) {
  const vm = vmlinuxPath();
  const gm = /^(fi|fibase|fielf|gen):(.*)$/.exec(spec);
  if (!gm) {
    const path = resolve(spec);
    if (!existsSync(path)) throw new Error(`no object ${spec}`);
    const module = path.endsWith(".ko");
    return { spec, name: basename(path), path, base: module && vm ? [vm] : [], module, size: statSync(path).size };
  }
  const [, kind, rest] = gm;
  if (kind === "gen") {
    if (!PATHOLOGICAL[rest]) throw new Error(`unknown generated input ${rest}`);
    const path = writePathological(join(cache, "gen"), [rest])[rest];
    return { spec, name: `gen-${rest}`, path, base: [], module: false, size: statSync(path).size };
  }
  const src = resolve(rest);
  const module = src.endsWith(".ko");
  const srcBase = module && vm ? [vm] : [];
  const stem = join(cache, basename(src));
  const fi = `${stem}.fi.btf`;
  const fiBase = `${stem}.fi.base.btf`;
  const fiElf = `${stem}.fi.o`;
  const make = (out, extra) => {
    if (existsSync(out)) return;
    const args = [cliPath, src, "-o", out, "-q", ...extra, ...srcBase.flatMap((b) => ["--btf_base", b])];
    const p = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (p.status !== 0) throw new Error(`cannot derive ${spec}: ${p.stderr.trim()}`);
  };
  if (kind === "fi" || kind === "fibase") make(fi, []);
  if (kind === "fielf") make(fiElf, ["--elf"]);
  if (kind === "fi") {
    // Its base: the object's own .BTF chain, or the base btfgen encoded beside it.
    const base = existsSync(fiBase) ? [fiBase] : [...srcBase, src];
    return { spec, name: `${basename(src)}.fi.btf`, path: fi, base, module, size: statSync(fi).size };
  }
  if (kind === "fibase") {
    if (!existsSync(fiBase)) throw new Error(`${spec}: ${src} has its own .BTF, no base is encoded`);
    return { spec, name: `${basename(src)}.fi.base.btf`, path: fiBase, base: [], module: false, size: statSync(fiBase).size };
  }
  return { spec, name: `${basename(src)}.fi.o`, path: fiElf, base: srcBase, module, size: statSync(fiElf).size };
}

/** The objects of --objects words, made (derived ones) in `cache`; those that cannot be made are skipped unless named. */
export function loadObjects(words, cache) {
  const objects = [];
  for (const s of objectSpecs(words)) {
    try {
      const obj = objectFor(s.spec, cache);
      const buf = readFileSync(obj.path);
      const elf = parseElf(buf);
      objects.push({ ...obj, group: s.group, hasBtf: btfRegions(buf, elf).length > 0, hasDwarf: !!elf?.sections.some((x) => x.name === ".debug_info") });
    } catch (e) {
      if (s.group === "given") throw e;
      process.stderr.write(`skipping ${s.spec}: ${e.message}\n`);
    }
  }
  if (!objects.length) throw new Error("no objects");
  return objects;
}

/** The object specs named by --objects words (`fixtures`, `modules`, `derived`, `gen`, `all`, or specs). */
export function objectSpecs(words) {
  const out = [];
  const fixtures = readdirSync(FIXTURES).filter((f) => f !== "VERSIONS.txt").sort().map((f) => join(FIXTURES, f));
  const md = moduleDir();
  const modules = md ? MODULES.map((m) => join(md, m)).filter((p) => existsSync(p)) : [];
  const derivedFrom = ["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf4-aarch64", "clones-gcc12-O2-dwarf4-x86_64.o", "struct16-clang19-O2-dwarf5-x86_64.o"].map((f) => join(FIXTURES, f));
  const derived = [
    ...derivedFrom.flatMap((p) => [`fi:${p}`, `fielf:${p}`]),
    `fibase:${derivedFrom[0]}`, `fibase:${derivedFrom[2]}`,
    ...modules.slice(0, 2).flatMap((p) => [`fi:${p}`, `fielf:${p}`]),
  ];
  const gen = ["cycle-origin", "cycle-spec", "cycle-type"].map((n) => `gen:${n}`);
  for (const w of words) {
    if (w === "fixtures" || w === "all") out.push(...fixtures.map((p) => ({ spec: p, group: "fixtures" })));
    if (w === "modules" || w === "all") out.push(...modules.map((p) => ({ spec: p, group: "modules" })));
    if (w === "derived" || w === "all") out.push(...derived.map((p) => ({ spec: p, group: "derived" })));
    if (w === "gen" || w === "all") out.push(...gen.map((p) => ({ spec: p, group: "gen" })));
    if (!["fixtures", "modules", "derived", "gen", "all"].includes(w)) out.push({ spec: w, group: "given" });
  }
  return out;
}

// ---------------------------------------------------------------- commands

/** The commands: argv for (input path, output dir, base chain). */
export const COMMANDS = {
  sites: (f, _o, b) => ["sites", f, ...b.flatMap((x) => ["--base", x])],
  "sites-notypes": (f, _o, b) => ["sites", "--no-types", f, ...b.flatMap((x) => ["--base", x])],
  stats: (f, _o, b) => ["stats", f, ...b.flatMap((x) => ["--base", x])],
  dump: (f, _o, b) => ["dump", f, ...b.flatMap((x) => ["--base", x])],
  encode: (f, o, b) => ["encode", f, "-o", join(o, "out.btf"), ...b.flatMap((x) => ["--btf_base", x])],
  main: (f, o, b) => [f, "-o", join(o, "out.btf"), ...b.flatMap((x) => ["--btf_base", x])],
  check: (f, _o, b) => ["check", f, ...b.flatMap((x) => ["--base", x])],
};

/** Runs the CLI with `args` under `time`, killing it at `timeoutMs` or when its RSS passes `rssKb`. */
export function runCli(args, opts = {}) {
  const { timeoutMs = 20000, rssKb = 2 * 1024 * 1024, cwd = ROOT } = opts;
  return new Promise((done) => {
    const stat = join(mkdtempSync(join(tmpdir(), "btfgen-fuzz-t-")), "time");
    const env = { ...process.env };
    delete env.BTFGEN_DEBUG;
    delete env.NODE_OPTIONS;
    const t0 = Date.now();
    const p = spawn("/usr/bin/time", ["-f", "RSS %M", "-o", stat, process.execPath, opts.cli ?? cliPath, ...args], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdoutBytes = 0;
    let killed;
    p.stdout.on("data", (d) => (stdoutBytes += d.length));
    p.stderr.on("data", (d) => {
      if (stderr.length < 65536) stderr += d.toString();
    });
    const kill = (why) => {
      if (killed) return;
      killed = why;
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill("timeout"), timeoutMs);
    let peakWatch = 0;
    const watch = setInterval(() => {
      try {
        for (const pid of readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) {
          const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
          if (m && +m[1] > peakWatch) peakWatch = +m[1];
          if (m && +m[1] > rssKb) kill("rss");
        }
      } catch {
        // exited between reads
      }
    }, 100);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      let rss = peakWatch;
      let status = code ?? (signal ? 128 : -1);
      try {
        const t = readFileSync(stat, "utf8");
        const m = /RSS (\d+)/.exec(t);
        if (m) rss = Math.max(rss, +m[1]);
        const sig = /terminated by signal (\d+)/.exec(t);
        if (sig) status = 128 + +sig[1];
      } catch {
        // killed before time wrote it
      }
      rmSync(dirname(stat), { recursive: true, force: true });
      done({ status, signal, killed, stderr, stdoutBytes, rssKb: rss, ms: Date.now() - t0 });
    });
  });
}

const STACK = /^\s+at\s.+(\(|:\d+)|internal error|out of memory|FATAL ERROR|Uncaught|node:internal|wasm-function|RuntimeError|unreachable executed/m;

/** The first stderr line with paths, numbers and quoted names masked (the dedup key's text). */
export function pattern(line, paths) {
  let s = line;
  for (const [p, name] of paths) if (p) s = s.split(p).join(name);
  return s
    .replace(/0x[0-9a-f]+/gi, "0xN")
    .replace(/\b\d+\b/g, "N")
    .replace(/'[^']*'/g, "'S'")
    .replace(/"[^"]*"/g, '"S"')
    .slice(0, 200);
}

/**
 * Runs one command on input `file` (base chain `base`) in a fresh directory
 * and classifies the outcome. Returns { kinds: [...], line, result } where
 * kinds is empty when nothing is wrong.
 */
export async function runOne(command, file, base, opts = {}) {
  const dir = mkdtempSync(join(opts.workDir ?? tmpdir(), "case-"));
  const inDir = join(dir, "in");
  const outDir = join(dir, "out");
  mkdirSync(inDir);
  mkdirSync(outDir);
  const input = join(inDir, opts.inputName ?? basename(file));
  copyFileSync(file, input);
  const args = COMMANDS[command](input, outDir, base);
  const res = await runCli(args, opts);
  const kinds = [];
  const lines = res.stderr.split("\n").filter((l) => l.trim() !== "");
  if (res.killed === "timeout") kinds.push("timeout");
  else if (res.killed === "rss") kinds.push("rss");
  else if (res.status !== 0 && res.status !== 1) kinds.push(`exit-${res.status}`);
  if (res.rssKb > (opts.rssKb ?? 2 * 1024 * 1024) && !kinds.includes("rss")) kinds.push("rss");
  if (STACK.test(res.stderr)) kinds.push("stack");
  if (res.status !== 0 && !res.killed && lines.length > 1) kinds.push("stderr-lines");
  const left = [...readdirSync(inDir).filter((f) => f !== basename(input)).map((f) => join(inDir, f)), ...readdirSync(outDir).map((f) => join(outDir, f))];
  if (left.some((f) => f.endsWith(".tmp"))) kinds.push("tmp-left");
  if (res.status !== 0 && !res.killed && left.some((f) => !f.endsWith(".tmp"))) kinds.push("output-left");
  // A written BTF must be readable by btfgen itself.
  const out = join(outDir, "out.btf");
  if (res.status === 0 && (command === "encode" || command === "main") && existsSync(out) && opts.verifyOutputs !== false) {
    // The func_info's base: the BTF encoded beside it (itself split on the --btf_base chain), else the input's own .BTF.
    const obase = existsSync(join(outDir, "out.base.btf")) ? [...base, join(outDir, "out.base.btf")] : command === "encode" ? base : [...base, input];
    const d = await runCli(COMMANDS.dump(out, outDir, obase), opts);
    if (d.status !== 0 || d.killed) {
      kinds.push("bad-output");
      lines.unshift(`written output unreadable: ${d.killed ?? "exit " + d.status}: ${d.stderr.split("\n")[0]}`);
    }
  }
  // What check passes, btfgen's own reader must read.
  if (res.status === 0 && command === "check" && opts.verifyOutputs !== false) {
    const d = await runCli(COMMANDS.dump(input, outDir, base), opts);
    if (d.status !== 0 || d.killed) {
      kinds.push("check-disagrees");
      lines.unshift(`check says ok, dump: ${d.killed ?? "exit " + d.status}: ${d.stderr.split("\n")[0].split(input).join("FILE")}`);
    }
  }
  const line = lines[0] ?? "";
  const key = `${command} ${kinds[0] ?? "ok"} ${pattern(line, [[input, "FILE"], [outDir, "OUT"], [inDir, "IN"]])}`;
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  return { kinds, line: line.split(input).join("FILE"), key, res, dir, args };
}

// ---------------------------------------------------------------- the run

function parseArgs(argv) {
  const o = { snapshot: true, runs: 200, seed: 1, jobs: 2, objects: ["all"], commands: Object.keys(COMMANDS), timeout: 20, rssMb: 2048, save: join(ROOT, "testdata/fuzz"), keep: false, pathological: false, list: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--runs") o.runs = +val();
    else if (a === "--seed") o.seed = +val();
    else if (a === "--jobs" || a === "-j") o.jobs = +val();
    else if (a === "--objects") o.objects = val().split(",");
    else if (a === "--commands") o.commands = val().split(",");
    else if (a === "--timeout") o.timeout = +val();
    else if (a === "--rss-mb") o.rssMb = +val();
    else if (a === "--save") o.save = val() === "none" ? undefined : resolve(argv[i]);
    else if (a === "--keep") o.keep = true;
    else if (a === "--no-snapshot") o.snapshot = false;
    else if (a === "--cli") {
      cliPath = resolve(val());
      o.snapshot = false;
    }
    else if (a === "--emit") o.emit = resolve(val());
    else if (a === "--replay") o.replay = resolve(val());
    else if (a === "--pathological") o.pathological = true;
    else if (a === "--list") o.list = true;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--verbose") o.verbose = true;
    else if (a === "--json") o.json = val();
    else throw new Error(`unknown argument ${a}`);
  }
  for (const c of o.commands) if (!COMMANDS[c]) throw new Error(`unknown command ${c} (have ${Object.keys(COMMANDS).join(", ")})`);
  return o;
}

/** The object and command case `seed` runs: drawn from the seed, groups weighted so the many fixtures do not crowd out the rest. */
export function pickCase(seed, objects, commands) {
  const r = rng(Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) >>> 0);
  const groups = [...new Set(objects.map((o) => o.group))];
  const weight = { fixtures: 4, modules: 3, derived: 3, gen: 1, given: 4 };
  let total = 0;
  for (const g of groups) total += weight[g];
  let x = r() * total;
  let g = groups[0];
  for (const k of groups) if ((x -= weight[k]) < 0) { g = k; break; }
  const pool = objects.filter((o) => o.group === g);
  const object = r.pick(pool);
  let command = r.pick(commands);
  // dump and check of an object without BTF, encode and main of one without DWARF only say so: drawn a quarter as often.
  const pointless = (c) => (object.hasBtf === false && (c === "dump" || c === "check")) || (object.hasDwarf === false && (c === "encode" || c === "main"));
  if (pointless(command) && r.chance(0.75)) command = r.pick(commands);
  return { object, command };
}

/** Saves a distinct finding's input under `dir` (small non-module inputs) and records it in cases.json. */
function saveFinding(dir, f) {
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, "cases.json");
  const cases = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")) : [];
  if (cases.some((c) => c.key === f.key)) return;
  const entry = { key: f.key, kind: f.kinds.join(","), command: f.command, line: f.line, object: f.objectRel, seed: f.seed, mutations: f.mutations };
  if (!f.module && f.bytes.length <= 200 * 1024) {
    const file = `${f.command}-${f.objectName}-s${f.seed}`.replace(/[^A-Za-z0-9_.-]/g, "_");
    writeFileSync(join(dir, file), f.bytes);
    entry.file = file;
    entry.base = f.base.map((b) => {
      if (b === vmlinuxPath()) return "$VMLINUX";
      if (portablePath(b).startsWith("$KROOT")) return portablePath(b);
      const name = basename(b);
      mkdirSync(join(dir, "bases"), { recursive: true });
      if (!existsSync(join(dir, "bases", name))) copyFileSync(b, join(dir, "bases", name));
      return `bases/${name}`;
    });
  } else {
    entry.base = f.base.map((b) => (b === vmlinuxPath() ? "$VMLINUX" : portablePath(b)));
  }
  cases.push(entry);
  writeFileSync(manifest, JSON.stringify(cases, null, 1) + "\n");
}

/** A path as cases.json keeps it: kernel files under `$KROOT`, repository files relative, others as they are. */
function portablePath(p) {
  const k = kernelRoot();
  if (k && p.startsWith(k + "/")) return "$KROOT" + p.slice(k.length);
  return p.startsWith(ROOT + "/") ? relative(ROOT, p) : p;
}

/** {@link portablePath} back to a path here (undefined when it names the kernel and there is none). */
function localPath(p) {
  if (p === "$VMLINUX") return vmlinuxPath();
  if (p.startsWith("$KROOT")) {
    const k = kernelRoot();
    return k ? k + p.slice("$KROOT".length) : undefined;
  }
  return resolve(ROOT, p);
}

/** How a path is written in a replay command: relative to the repository when inside it. */
function displayPath(p) {
  return p.startsWith(ROOT + "/") ? relative(ROOT, p) : p;
}

/** An object spec as cases.json keeps it. */
function specPortable(spec) {
  const m = /^(fi|fibase|fielf|gen):(.*)$/.exec(spec);
  return m ? `${m[1]}:${m[1] === "gen" ? m[2] : portablePath(m[2])}` : portablePath(spec);
}

/** An object spec as a replay command writes it. */
function specDisplay(spec) {
  const m = /^(fi|fibase|fielf|gen):(.*)$/.exec(spec);
  return m ? `${m[1]}:${m[1] === "gen" ? m[2] : displayPath(m[2])}` : displayPath(spec);
}

/**
 * Runs `runs` mutated cases (seeds seed..seed+runs-1), `jobs` at a time.
 * Returns the summary; `onFinding` sees each finding as it happens.
 */
export async function fuzz(o, onFinding = () => {}) {
  const cache = o.cache ?? join(tmpdir(), "btfgen-fuzz-cache");
  mkdirSync(cache, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), "btfgen-fuzz-"));
  const objects = loadObjects(o.objects, cache);
  const bytesOf = new Map();
  const summary = { runs: 0, findings: 0, byKind: {}, byCommand: {}, distinct: new Map(), errors: new Map(), peakRssKb: 0, peakRssCase: "", ms: 0, slowestMs: 0, slowestCase: "", outcomes: { 0: 0, 1: 0 } };
  const t0 = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < o.runs) {
      const i = next++;
      const seed = o.seed + i;
      const { object, command } = pickCase(seed, objects, o.commands);
      if (!bytesOf.has(object.path)) bytesOf.set(object.path, readFileSync(object.path));
      const { bytes, mutations } = mutate(bytesOf.get(object.path), object.name, seed);
      const file = join(workDir, `input-${seed}`);
      writeFileSync(file, bytes);
      const r = await runOne(command, file, object.base, { workDir, inputName: object.name, timeoutMs: o.timeout * 1000, rssKb: o.rssMb * 1024, keep: o.keep });
      rmSync(file, { force: true });
      summary.runs++;
      summary.outcomes[r.res.status] = (summary.outcomes[r.res.status] ?? 0) + 1;
      const replay = `node scripts/fuzz.mjs --objects ${specDisplay(object.spec)} --commands ${command} --seed ${seed} --runs 1`;
      if (r.res.rssKb > summary.peakRssKb) {
        summary.peakRssKb = r.res.rssKb;
        summary.peakRssCase = replay;
      }
      if (r.res.ms > summary.slowestMs) {
        summary.slowestMs = r.res.ms;
        summary.slowestCase = replay;
      }
      if (o.keep) process.stderr.write(`case dir: ${r.dir}\n  ${mutations.join("\n  ")}\n  exit ${r.res.status}, ${r.res.rssKb} KB, ${r.res.ms} ms: ${r.line}\n`);
      if (!r.kinds.length) {
        if (r.res.status === 1) summary.errors.set(r.key.replace(/^\S+ ok /, ""), (summary.errors.get(r.key.replace(/^\S+ ok /, "")) ?? 0) + 1);
        continue;
      }
      summary.findings++;
      for (const k of r.kinds) summary.byKind[k] = (summary.byKind[k] ?? 0) + 1;
      summary.byCommand[command] = (summary.byCommand[command] ?? 0) + 1;
      let d = summary.distinct.get(r.key);
      const fresh = !d;
      if (!d) summary.distinct.set(r.key, (d = { key: r.key, kinds: r.kinds, command, line: r.line, count: 0, replay, mutations }));
      d.count++;
      if (fresh && o.save) {
        saveFinding(o.save, { key: r.key, kinds: r.kinds, command, line: r.line, objectRel: specPortable(object.spec), objectName: object.name, seed, mutations, module: object.module, bytes, base: object.base });
      }
      onFinding(d, fresh, r);
    }
  };
  const progress = o.quiet ? undefined : setInterval(() => {
    const s = (Date.now() - t0) / 1000;
    process.stderr.write(`[${s.toFixed(0)} s] ${summary.runs}/${o.runs} runs, ${summary.findings} findings, ${summary.distinct.size} distinct, ${(summary.runs / s).toFixed(2)} runs/s\n`);
  }, 30000);
  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  if (progress) clearInterval(progress);
  summary.ms = Date.now() - t0;
  if (!o.keep) rmSync(workDir, { recursive: true, force: true });
  summary.objects = objects.length;
  return summary;
}

/**
 * Replays the regression cases of `dir`/cases.json: a saved input, or a
 * kernel module's (path, seed) regenerated when the kernel is there. Entries
 * marked `open` (a known finding not fixed yet) and those whose kernel is
 * missing come back as `skipped`.
 */
export async function replayCases(dir, o = {}) {
  const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));
  const vm = vmlinuxPath();
  const work = mkdtempSync(join(tmpdir(), "btfgen-replay-"));
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const entry = cases[next++];
      if (entry.open && !o.includeOpen) {
        results.push({ entry, skipped: `open: ${entry.open}` });
        continue;
      }
      const kernelBound = [...entry.base, entry.file ? "" : entry.object].some((b) => b.startsWith("$"));
      if (kernelBound && !vm) {
        results.push({ entry, skipped: "no kernel (make kernel)" });
        continue;
      }
      const base = entry.base.map((b) => (b.startsWith("$") ? localPath(b) : join(dir, b)));
      let file = entry.file ? join(dir, entry.file) : undefined;
      if (!file) {
        if (/^(fi|fibase|fielf|gen):/.test(entry.object)) {
          results.push({ entry, skipped: "derived object without a saved input" });
          continue;
        }
        const src = localPath(entry.object);
        if (!existsSync(src)) {
          results.push({ entry, skipped: `no ${src}` });
          continue;
        }
        file = join(work, `input-${entry.seed}`);
        writeFileSync(file, mutate(readFileSync(src), basename(src), entry.seed).bytes);
      }
      const r = await runOne(entry.command, file, base, { workDir: work, inputName: entry.name ?? basename(file), timeoutMs: (o.timeout ?? 20) * 1000, rssKb: (o.rssMb ?? 2048) * 1024 });
      results.push({ entry, kinds: r.kinds, line: r.line, rssKb: r.res.rssKb, ms: r.res.ms });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? 2) }, worker));
  rmSync(work, { recursive: true, force: true });
  return results;
}

/** Runs the pathological inputs unmutated through every command (longer time bound); returns their results. */
export async function pathological(o, names = Object.keys(PATHOLOGICAL)) {
  const dir = mkdtempSync(join(tmpdir(), "btfgen-patho-"));
  const paths = writePathological(dir, names);
  const jobs = [];
  for (const [n, p] of Object.entries(paths)) for (const c of o.commands) jobs.push([n, p, c]);
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [n, p, c] = jobs[next++];
      const r = await runOne(c, p, [], { workDir: dir, timeoutMs: (o.timeout ?? 60) * 1000, rssKb: (o.rssMb ?? 2048) * 1024 });
      results.push({ name: n, command: c, kinds: r.kinds, status: r.res.status, line: r.line, rssKb: r.res.rssKb, ms: r.res.ms });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? 2) }, worker));
  rmSync(dir, { recursive: true, force: true });
  return results;
}

function printSummary(s) {
  const lines = [
    `runs: ${s.runs} over ${s.objects} objects in ${(s.ms / 1000).toFixed(1)} s (${(s.runs / (s.ms / 1000)).toFixed(2)} runs/s)`,
    `exit status: ${Object.entries(s.outcomes).map(([k, v]) => `${k}: ${v}`).join(", ")}`,
    `peak RSS: ${(s.peakRssKb / 1024).toFixed(0)} MB (${s.peakRssCase})`,
    `slowest: ${(s.slowestMs / 1000).toFixed(1)} s (${s.slowestCase})`,
    `findings: ${s.findings}${Object.keys(s.byKind).length ? " — " + Object.entries(s.byKind).map(([k, v]) => `${k} ${v}`).join(", ") : ""}`,
    `distinct findings: ${s.distinct.size}`,
  ];
  if (s.verbose) {
    lines.push(`most frequent errors (exit 1, ${s.errors.size} patterns):`);
    for (const [k, v] of [...s.errors].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`  ${String(v).padStart(6)} ${k}`);
  }
  for (const d of [...s.distinct.values()].sort((a, b) => b.count - a.count)) {
    lines.push(`  ${d.count}x [${d.kinds.join(",")}] ${d.command}: ${d.line || "(no stderr)"}`, `     replay: ${d.replay}`, `     ${d.mutations.join("; ")}`);
  }
  console.log(lines.join("\n"));
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${e.message}`);
    process.exit(2);
  }
  if (!existsSync(CLI)) {
    console.error(`fuzz: ${CLI} is missing: run \`make build\` first`);
    process.exit(2);
  }
  if (o.list) {
    for (const s of objectSpecs(o.objects)) console.log(`${s.group}\t${displayPath(s.spec)}`);
    return;
  }
  if (o.emit) {
    // The mutated inputs of the cases, without running them.
    const objects = loadObjects(o.objects, join(tmpdir(), "btfgen-fuzz-cache"));
    mkdirSync(o.emit, { recursive: true });
    for (let i = 0; i < o.runs; i++) {
      const seed = o.seed + i;
      const { object, command } = pickCase(seed, objects, o.commands);
      const { bytes, mutations } = mutate(readFileSync(object.path), object.name, seed);
      const out = join(o.emit, `${object.name}-s${seed}`);
      writeFileSync(out, bytes);
      console.log(`${out}: ${command} (base: ${object.base.map(displayPath).join(" ") || "-"}): ${mutations.join("; ")}`);
    }
    return;
  }
  if (o.snapshot) snapshotCli();
  if (o.replay) {
    const res = await replayCases(o.replay, o);
    let bad = 0;
    for (const r of res) {
      if (r.kinds?.length) bad++;
      console.log(`${r.skipped ? "skip" : r.kinds.length ? "FAIL" : "ok  "} ${r.entry.file ?? `${r.entry.object} seed ${r.entry.seed}`} ${r.entry.command}: ${r.skipped ?? (r.kinds.length ? r.kinds.join(",") + ": " : "") + r.line}`);
    }
    process.exit(bad ? 1 : 0);
  }
  if (o.pathological) {
    const res = await pathological(o);
    let bad = 0;
    for (const r of res.sort((a, b) => a.name.localeCompare(b.name) || a.command.localeCompare(b.command))) {
      if (r.kinds.length) bad++;
      console.log(`${r.name.padEnd(13)} ${r.command.padEnd(14)} exit ${r.status} ${String(Math.round(r.rssKb / 1024)).padStart(5)} MB ${(r.ms / 1000).toFixed(1).padStart(5)} s ${r.kinds.length ? "FINDING " + r.kinds.join(",") + ": " : ""}${r.line}`);
    }
    process.exit(bad ? 1 : 0);
  }
  const s = await fuzz(o, (d, fresh, r) => {
    if (fresh) process.stderr.write(`finding [${r.kinds.join(",")}] ${d.command}: ${d.line}\n  replay: ${d.replay}\n`);
  });
  printSummary({ ...s, verbose: o.verbose });
  if (o.json) writeFileSync(o.json, JSON.stringify({ ...s, distinct: [...s.distinct.values()], errors: Object.fromEntries(s.errors) }, null, 1));
  process.exit(s.findings ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
