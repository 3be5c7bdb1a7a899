/**
 * The gimli wasm module (`wasm/btfgen_dwarf.wasm`, built from `wasm/src`):
 * loading, and a thin typed wrapper over its exports.
 *
 * ABI (see wasm/src/lib.rs): `alloc_bytes`/`free_bytes` manage wasm memory,
 * `set_section(id, ptr, len)` registers a debug section the ELF reader wrote
 * straight into that memory (ids and names from `section_names()`, gimli's
 * `SectionId`s), `init(littleEndian)`, `unit_count()`,
 * `walk(from, to, flags)`, then `result()` points at (pointer, count) pairs,
 * one per column of `column_names()`, checked against {@link COLUMNS}.
 * Status 0 = ok, 1 = error described by `error()`. Memory can grow on any
 * call, which detaches every view: views are made right before use and data
 * is copied out once.
 */
import { readFileSync } from "node:fs";
import { MalformedError, UnsupportedError } from "../errors.js";
import { COLUMNS, StringBlob, type ElementType } from "./records.js";

/** Walk flag: sites with their funcs, params and locs. */
export const WALK_SITES = 1;
/** Walk flag: the type DIE table. */
export const WALK_TYPES = 2;

interface Exports {
  memory: WebAssembly.Memory;
  alloc_bytes(len: number): number;
  free_bytes(ptr: number, len: number): void;
  set_section(id: number, ptr: number, len: number): number;
  set_sup_section(id: number, ptr: number, len: number): number;
  init(littleEndian: number): number;
  unit_count(): number;
  lazy_info(): number;
  lazy_line(): number;
  lazy_loclists(ptr: number, n: number): number;
  walk(from: number, to: number, flags: number): number;
  demand_types(ptr: number, n: number, fresh: number): number;
  result(): number;
  column_names(): number;
  column_names_len(): number;
  section_names(): number;
  section_names_len(): number;
  error(): number;
  intern_bytes(ptr: number, len: number): number;
  strings_ptr(): number;
  strings_len(): number;
  reset(): void;
}

/** A column copied out of wasm memory. */
export type Column = Uint8Array | Uint16Array | Uint32Array;

/** One column of the module's list: `table.field`, its element type. */
interface ColumnSpec {
  name: string;
  type: ElementType;
}

let compiled: WebAssembly.Module | undefined;
/** The module's column list, checked once against {@link COLUMNS}. */
let columnList: ColumnSpec[] | undefined;

/**
 * Parses `table.field:type,` and checks it against {@link COLUMNS}: the same
 * columns, each with the element type the records declare. A mismatch is a
 * build problem (wasm and TS out of step), not bad input.
 */
export function checkColumns(text: string): ColumnSpec[] {
  const list = text.split(",").filter((s) => s.length > 0).map((s) => {
    const [name, type] = s.split(":");
    return { name: name!, type: type as ElementType };
  });
  const expected = new Map<string, ElementType>();
  for (const [table, fields] of Object.entries(COLUMNS)) {
    for (const [field, type] of Object.entries(fields)) expected.set(`${table}.${field}`, type);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of list) {
    const want = expected.get(c.name);
    if (seen.has(c.name)) problems.push(`${c.name} twice`);
    else if (want === undefined) problems.push(`${c.name} unknown to src/dwarf/records.ts`);
    else if (want !== c.type) problems.push(`${c.name} is ${c.type}, records.ts says ${want}`);
    seen.add(c.name);
  }
  for (const name of expected.keys()) if (!seen.has(name)) problems.push(`${name} missing`);
  if (problems.length > 0) {
    throw new Error(`wasm/btfgen_dwarf.wasm does not match src/dwarf/records.ts (run make build): ${problems.join("; ")}`);
  }
  return list;
}

/** Where the module lives: `<package root>/wasm/btfgen_dwarf.wasm`, from `src/dwarf/` and `dist/dwarf/` alike. */
export const WASM_URL = new URL("../../wasm/btfgen_dwarf.wasm", import.meta.url);

function module(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
  return compiled;
}

const utf8 = new TextDecoder();

/**
 * One instance of the module: its own memory, sections and string interner.
 * Any wasm trap poisons it ({@link DwarfWasm.dead}); callers then drop it.
 */
export class DwarfWasm {
  private readonly x: Exports;
  /** True after a trap: the instance state is unknown, every call throws. */
  dead = false;
  /** Where errors are reported (file name); a reset instance takes its next file's. */
  file?: string;
  /** `set_section` id of each section the module reads, by name, in the module's order. */
  readonly sectionIds: ReadonlyMap<string, number>;

  /**
   * Writes `.debug_info` bytes `[off, off + len)` into `target` (a block of
   * wasm memory the module chose), for a section registered with only its
   * unit headers ({@link lazyInfo}); false when it cannot.
   */
  private infoFiller?: (off: number, target: Uint8Array) => boolean;
  /** Sections registered unfilled ({@link lazyLine}, {@link lazyLocLists}): where each is, and what writes a range of it. */
  private readonly rangeFillers = new Map<number, { ptr: number; fill: (off: number, target: Uint8Array) => boolean }>();

  constructor(file?: string) {
    // The host's answer to a fill request: 0 once `fill` wrote `len` bytes at `at` of wasm memory.
    const hostFill = (fill: ((off: number, target: Uint8Array) => boolean) | undefined, off: number, at: number, len: number): number => {
      if (!fill) return 1;
      try {
        return fill(off >>> 0, new Uint8Array(this.x.memory.buffer, at >>> 0, len >>> 0)) ? 0 : 1;
      } catch {
        // Never unwind through wasm: the module reports what it could not read.
        return 1;
      }
    };
    const host = {
      fill_info: (off: number, len: number, to: number): number => hostFill(this.infoFiller, off, to, len),
      fill_section: (id: number, off: number, len: number): number => {
        const f = this.rangeFillers.get(id);
        return hostFill(f?.fill, off, (f?.ptr ?? 0) + (off >>> 0), len);
      },
    };
    const inst = new WebAssembly.Instance(module(), { btfgen: host });
    this.x = inst.exports as unknown as Exports;
    this.file = file;
    const ids = new Map<string, number>();
    for (const s of this.text(this.x.section_names(), this.x.section_names_len()).split(",")) {
      if (!s) continue;
      const [id, name] = s.split(":");
      ids.set(name!, Number(id));
    }
    this.sectionIds = ids;
    columnList ??= checkColumns(this.text(this.x.column_names(), this.x.column_names_len()));
  }

  private text(ptr: number, len: number): string {
    return utf8.decode(this.u8().subarray(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
  }

  /** Runs an export, turning a trap into {@link MalformedError}. */
  private call<T>(what: string, f: () => T): T {
    if (this.dead) throw new MalformedError(`DWARF reader unusable after an earlier failure (${what})`, { file: this.file });
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
        this.dead = true;
        throw new MalformedError(`DWARF reader trapped in ${what}: ${(e as Error).message}`, { file: this.file }, { cause: e });
      }
      throw e;
    }
  }

  private u8(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer);
  }

  private u32(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer);
  }

  /** Throws the module's last error: a {@link MalformedError}, or an {@link UnsupportedError} (split DWARF). */
  private fail(what: string): never {
    const d = this.x.error() >>> 2;
    const m = this.u32();
    const [mp, ml, sp, sl, lo, hi, kind] = [m[d], m[d + 1], m[d + 2], m[d + 3], m[d + 4], m[d + 5], m[d + 6]];
    const bytes = this.u8();
    // gimli's messages may be wrapped over several lines: the CLI prints one.
    const msg = utf8.decode(bytes.subarray(mp, mp + ml)).replace(/\s+/g, " ").trim();
    const section = utf8.decode(bytes.subarray(sp, sp + sl));
    const where = { file: this.file, section: section || undefined, offset: hi * 0x1_0000_0000 + lo };
    if (kind === 1) throw new UnsupportedError(msg, where);
    throw new MalformedError(`${what}: ${msg}`, where);
  }

  /**
   * Allocates `len` bytes for section `name`, lets `fill` write them into a
   * fresh view of wasm memory, and registers the section (with `sup`, as a
   * section of the supplementary file).
   */
  addSection(name: string, len: number, fill: (target: Uint8Array) => void, sup = false): void {
    this.register(name, len, sup, (ptr) => fill(new Uint8Array(this.x.memory.buffer, ptr, len)));
  }

  /**
   * Registers section `name` of `len` bytes unfilled: the module asks
   * `fill` for ranges of it, written in place, once told which it may ask
   * for ({@link lazyLine}, {@link lazyLocLists}). Its untouched pages cost
   * no memory.
   */
  addRangeSection(name: string, len: number, fill: (off: number, target: Uint8Array) => boolean): void {
    this.register(name, len, false, (ptr) => this.rangeFillers.set(this.sectionIds.get(name)!, { ptr, fill }));
  }

  private register(name: string, len: number, sup: boolean, written: (ptr: number) => void): void {
    const id = this.sectionIds.get(name);
    if (id === undefined) throw new RangeError(`unknown DWARF section ${name}`);
    if (len === 0) return;
    const ptr = this.call("alloc_bytes", () => this.x.alloc_bytes(len)) >>> 0;
    if (ptr === 0) throw new MalformedError(`cannot allocate ${len} bytes for ${name}`, { file: this.file, section: name });
    written(ptr);
    const set = sup ? this.x.set_sup_section : this.x.set_section;
    if (this.call("set_section", () => set(id, ptr, len)) !== 0) this.fail("set_section");
  }

  /** After {@link init}: `.debug_line` (an {@link addRangeSection}) is read header by header as units are parsed. */
  lazyLine(): void {
    if (this.call("lazy_line", () => this.x.lazy_line()) !== 0) this.fail("lazy_line");
  }

  /**
   * After {@link init}: `.debug_loclists` (an {@link addRangeSection}) is
   * read contribution by contribution (`parts`: start, end pairs in order)
   * as lists in them are first read.
   */
  lazyLocLists(parts: Uint32Array): void {
    const n = parts.length >>> 1;
    const bytes = Math.max(8, parts.byteLength);
    const ptr = this.call("alloc_bytes", () => this.x.alloc_bytes(bytes)) >>> 0;
    if (ptr === 0) throw new MalformedError(`cannot allocate ${bytes} bytes`, { file: this.file, section: ".debug_loclists" });
    try {
      new Uint32Array(this.x.memory.buffer, ptr, parts.length).set(parts);
      if (this.call("lazy_loclists", () => this.x.lazy_loclists(ptr, n)) !== 0) this.fail("lazy_loclists");
    } finally {
      this.x.free_bytes(ptr, bytes);
    }
  }

  /**
   * Forgets the file this instance read (its sections, units and strings),
   * keeping the memory, so the instance can read another file; false when
   * it cannot be reused (it trapped).
   */
  reset(file?: string): boolean {
    if (this.dead) return false;
    this.x.reset();
    this.infoFiller = undefined;
    this.rangeFillers.clear();
    // A new blob: records of the previous file keep theirs.
    this.blob = new StringBlob();
    this.file = file;
    return true;
  }

  /**
   * After {@link init}: the rest of each `.debug_info` unit (of which only
   * the headers were filled) is written by `fill` when the module first
   * needs it, so a walk of some units reads only those, and holds only
   * those of its last walk (and the demand walks after it).
   */
  lazyInfo(fill: (off: number, target: Uint8Array) => boolean): void {
    this.infoFiller = fill;
    if (this.call("lazy_info", () => this.x.lazy_info()) !== 0) this.fail("lazy_info");
  }

  /** Parses the unit headers; returns the unit count. */
  init(littleEndian: boolean): number {
    if (this.call("init", () => this.x.init(littleEndian ? 1 : 0)) !== 0) this.fail("reading unit headers");
    return this.x.unit_count() >>> 0;
  }

  /** Walks units `[from, to)`; returns every column by `table.field` name. */
  walk(from: number, to: number, flags: number): Map<string, Column> {
    if (this.call("walk", () => this.x.walk(from, to, flags)) !== 0) this.fail("reading DWARF");
    return this.result();
  }

  /**
   * The type DIEs reachable from the DIEs at `roots` (global offsets): a
   * new table with `fresh`, else the previous call's with the new rows
   * added (see the module's `demand_types`). Only `units` and `dies` have rows.
   */
  demandTypes(roots: Uint32Array, fresh: boolean): Map<string, Column> {
    const len = Math.max(4, roots.length * 4);
    const ptr = this.call("alloc_bytes", () => this.x.alloc_bytes(len)) >>> 0;
    if (ptr === 0) throw new MalformedError(`cannot allocate ${len} bytes`, { file: this.file });
    new Uint32Array(this.x.memory.buffer, ptr, roots.length).set(roots);
    const status = this.call("demand_types", () => this.x.demand_types(ptr, roots.length, fresh ? 1 : 0));
    this.x.free_bytes(ptr, len);
    if (status !== 0) this.fail("reading DWARF types");
    return this.result();
  }

  /** Every column of the last walk, by `table.field` name (copied out). */
  private result(): Map<string, Column> {
    const desc = this.x.result() >>> 2;
    const m = this.u32();
    const buf = this.x.memory.buffer;
    const cols = new Map<string, Column>();
    columnList!.forEach(({ name, type }, i) => {
      const ptr = m[desc + 2 * i];
      const len = m[desc + 2 * i + 1];
      const size = type === "u8" ? 1 : type === "u16" ? 2 : 4;
      if (name === "blob.strings") {
        // The interner only grows: copy just what this walk added.
        cols.set(name, this.strings());
        return;
      }
      const bytes = buf.slice(ptr, ptr + len * size);
      cols.set(name, type === "u8" ? new Uint8Array(bytes) : type === "u16" ? new Uint16Array(bytes) : new Uint32Array(bytes));
    });
    return cols;
  }

  /** Interns `text` in the instance's string table (stable across walks). */
  intern(text: string): number {
    const bytes = new TextEncoder().encode(text);
    const ptr = this.call("alloc_bytes", () => this.x.alloc_bytes(bytes.length)) >>> 0;
    if (ptr === 0) throw new MalformedError("cannot allocate a string", { file: this.file });
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    const id = this.call("intern_bytes", () => this.x.intern_bytes(ptr, bytes.length)) >>> 0;
    this.x.free_bytes(ptr, bytes.length);
    return id;
  }

  /** JS-side copy of the interner's blob. */
  private blob = new StringBlob();

  /** The whole string blob so far; each call copies only the bytes the interner added since the last. */
  strings(): Uint8Array {
    const p = this.x.strings_ptr() >>> 0;
    const len = this.x.strings_len() >>> 0;
    const have = this.blob.length;
    return len > have ? this.blob.append(new Uint8Array(this.x.memory.buffer, p + have, len - have)) : this.blob.view();
  }
}
