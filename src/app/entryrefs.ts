/**
 * Every reference an object makes to the entry of each of its local
 * functions, for DW_OP_entry_value through call sites
 * (src/lower/entryvalues.ts): a constant the callers pass is the value on
 * entry only if *every* way into the function is a call whose
 * DW_TAG_call_site says so, and DWARF alone cannot show that no other way
 * exists (an address taken, a call from assembly, from an alternative's
 * replacement code or another unit). So the object's bytes are searched for
 * anything that could name the entry address.
 *
 * x86_64 only (little-endian, rel8/rel32 branches). Over every SHF_ALLOC
 * section with contents, each byte position `p` (address `P`) is read as:
 *  - a 32-bit value equal to the entry's low 32 bits: an absolute reference
 *    (`movq $G`, `.quad G`, `.long G` with R_X86_64_32S);
 *  - a signed 32-bit displacement `v` with `P + v` (data: `.long G - .`)
 *    or, in code, `P + 4 + v + k` (k = 0..4, the immediate after a disp32)
 *    equal to the entry: `call`/`jmp`/`jcc rel32` (opcode `e8`/`e9`/`0f 8x`
 *    before it), or a RIP-relative operand (`lea G(%rip)`: its ModRM byte,
 *    mod 00 r/m 101, before it — x86-64 encodes no other PC-relative disp32);
 *  - in executable sections, a byte after a short branch opcode (`jmp`/`jcc`
 *    rel8, `loop`, `jrcxz`) whose target is the entry.
 * A rel32 hit preceded by `e8`/`e9`/`0f 8x` is a *branch* (its end is the
 * return address a call site DIE gives); every other hit is an *other*
 * reference, unless it lies in alignment padding between sized function
 * symbols that decodes as nothing but nops and int3, or it is a `P + v + k`
 * with k < 4 inside a sized function symbol: an instruction's displacement
 * counts from the instruction's end, so that form is data (`.long G - .`),
 * which compilers never put inside a function's code (the one assumption
 * about code bytes: hand-written assembly in the same object could). Over-matching (a
 * window that merely looks like a reference) only makes a function
 * unprovable; nothing that is a reference in one of these forms is missed.
 * In ET_REL objects absolute references, references to other sections and
 * to global symbols are relocations (their bytes are placeholders: only the
 * assembler-resolved PC-relative forms are read from the bytes there), so
 * every relocation of an SHF_ALLOC section is read as well; in linked files the bytes are final and
 * only the dynamic (SHF_ALLOC) relocation sections are read.
 *
 * Not seen, by design: entries made by name at run time (kallsyms lookups,
 * livepatch, a debugger calling the function) and base-relative encodings
 * (`G - _text` in kallsyms tables). Those are outside the program's own
 * control flow, which is what DW_AT_call_value describes.
 */
import { EM_X86_64, ET_REL, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SHT_RELA, STT_FUNC } from "../elf/constants.js";
import type { ElfFile, ElfSection } from "../elf/elf.js";
import { forEachRela64 } from "../elf/rela.js";
import { decodeSymbols, type ElfSymbol } from "../elf/symbols.js";
import type { EntryCallers } from "../lower/entryvalues.js";

const STB_LOCAL = 0;

/**
 * Sections whose entries name code for a reader that never enters it with
 * arguments of its own. A reference found in one (or in a relocation of
 * one) is not a way in:
 *  - unwind tables: the kernel's ORC (`.orc_unwind_ip`, `.long ip - .` per
 *    change of unwind state, function entries included) and `.eh_frame`
 *    (an FDE's initial location is the function's entry) with its index;
 *  - ftrace's `__mcount_loc` (`-mrecord-mcount`: the `call __fentry__` at a
 *    function's entry, nop'd at boot and patched to a trampoline that saves
 *    and restores the argument registers around the tracer before going on
 *    into the function); in vmlinux the linker script folds it into
 *    `.init.data` between `__start_mcount_loc` and `__stop_mcount_loc`;
 *  - objtool's `.return_sites` (`.long insn - .` of each return, rewritten
 *    in place by the return-thunk patching).
 * Tracers that redirect a function (livepatch, kprobe handlers writing
 * registers) replace the program's control flow; they are not callers.
 */
const METADATA_SECTIONS = new Set([".orc_unwind_ip", ".eh_frame", ".eh_frame_hdr", "__mcount_loc", ".return_sites"]);
/** Symbol pairs delimiting such a table inside another output section. */
const METADATA_RANGES: [string, string][] = [["__start_mcount_loc", "__stop_mcount_loc"]];

const R_X86_64_64 = 1;
const R_X86_64_32 = 10;
const R_X86_64_32S = 11;
const R_X86_64_PC64 = 24;
const R_X86_64_RELATIVE = 8;
const R_X86_64_PC32 = 2;
const R_X86_64_PLT32 = 4;

/** Per-function findings of the scan. */
export interface EntryRecord {
  branches: { at: bigint; end: bigint }[];
  /** The first non-branch reference seen (where), if any. */
  other?: string;
  /** With {@link scanEntryReferences}' `all`: every non-branch reference. */
  others?: string[];
}

/** What {@link scanEntryReferences} finds. */
export interface Scan {
  /** undefined: the object cannot be scanned (machine, byte order). */
  unsupported?: string;
  /** Local function entries (absolute) to their findings. */
  entries: Map<bigint, EntryRecord>;
  /** Entries that also carry a non-local symbol. */
  global: Set<bigint>;
}

const scans = new WeakMap<ElfFile, Scan>();
/** Scans under way in steps ({@link scanEntryReferencesAsync}): a caller that needs one now finishes it. */
const running = new WeakMap<ElfFile, Generator<void, Scan>>();

/** Where a scan comes from when this thread has none yet (see {@link useScansFrom}). */
let scanSource: ((elf: ElfFile) => Scan | undefined) | undefined;

/**
 * Makes {@link entryCallersOf} take its scan from `source` (a worker thread:
 * the one the main thread made, so the object is scanned once per run, not
 * once per worker); `source` returning undefined means scan here.
 */
export function useScansFrom(source: (elf: ElfFile) => Scan | undefined): void {
  scanSource = source;
}

/**
 * What `elf`'s bytes say about the ways into the function at `entry`:
 * the direct branches to it, or why they are not known to be all.
 */
export function entryCallersOf(elf: ElfFile, entry: bigint): EntryCallers {
  let scan = scans.get(elf);
  if (!scan) {
    const steps = running.get(elf);
    scans.set(elf, (scan = steps ? runSteps(steps) : scanSource?.(elf) ?? runSteps(scanSteps(elf))));
  }
  if (scan.unsupported) return { unknown: scan.unsupported };
  if (scan.global.has(entry)) return { unknown: "function not local" };
  const r = scan.entries.get(entry);
  if (!r) return { unknown: "no local function symbol" };
  if (r.other) return { unknown: "address referenced" };
  return { branches: r.branches };
}

/** Where the address of `sec` + `off` is, for a reason text. */
const where = (sec: ElfSection, off: number) => `${sec.name}+0x${off.toString(16)}`;

/**
 * The scan itself, for measurements and tests: per local function entry its
 * branches and (with `all`) every other reference's place.
 */
export function scanEntryReferences(elf: ElfFile, all = false): Scan {
  return runSteps(scanSteps(elf, all));
}

/**
 * {@link scanEntryReferences} in steps of a few megabytes, giving the event
 * loop a turn between them (the main thread scans while it hands batches
 * to its workers); `spent` hears the time of each step. The scan is then
 * the one {@link entryCallersOf} uses on this thread; if that needs it
 * before the last step, it does the remaining steps itself. Never fails:
 * a scan that throws is an unsupported one (every entry unprovable).
 */
export async function scanEntryReferencesAsync(elf: ElfFile, spent?: (ms: number) => void): Promise<Scan> {
  const made = scans.get(elf);
  if (made) return made;
  const steps = scanSteps(elf);
  running.set(elf, steps);
  try {
    for (;;) {
      const finished = scans.get(elf);
      if (finished) return finished;
      const t = performance.now();
      let r: IteratorResult<void, Scan>;
      try {
        r = steps.next();
      } catch (e) {
        r = { done: true, value: { unsupported: `object scan failed (${(e as Error).message})`, entries: new Map(), global: new Set() } };
      }
      spent?.(performance.now() - t);
      if (r.done) {
        scans.set(elf, r.value);
        return r.value;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    running.delete(elf);
  }
}

function runSteps(steps: Generator<void, Scan>): Scan {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Bytes scanned between two turns of {@link scanEntryReferencesAsync}. */
const STEP_BYTES = 2 << 20;

function* scanSteps(elf: ElfFile, all = false): Generator<void, Scan> {
  const scanner = EntryScanner.of(elf, all);
  if (!(scanner instanceof EntryScanner)) return scanner;
  for (const sec of elf.sections) {
    if ((sec.flags & SHF_ALLOC) === 0 || sec.type === SHT_NOBITS || sec.size === 0 || METADATA_SECTIONS.has(sec.name)) continue;
    const bytes = scanner.bytesOf(sec);
    for (let from = 0; from < bytes.b.length; from += STEP_BYTES) {
      if (from > 0) yield;
      scanner.scanWindow(bytes, from, Math.min(bytes.b.length, from + STEP_BYTES));
    }
    if (bytes.exec && bytes.relative) {
      yield;
      scanner.scanShortBranches(bytes);
    }
  }
  return scanner.scanRelocations();
}

/** A section's bytes as {@link EntryScanner} reads them. */
interface SectionBytes {
  sec: ElfSection;
  b: Uint8Array;
  exec: boolean;
  /** Positions relative to the lowest entry mean something (not a section at address 0 of a linked file: absolute checks only). */
  relative: boolean;
  /** The section's address relative to the lowest entry. */
  base: number;
  /** The metadata ranges inside the section, as positions in it. */
  skipIn: (readonly [number, number])[];
}

/**
 * The state of one scan (see the file comment): the local entries as
 * bitmaps relative to the lowest one, the findings, and the section,
 * short-branch and relocation passes, each its own method (small
 * functions for the JIT, the per-byte filter a plain loop of its own).
 */
class EntryScanner {
  private readonly entries: Map<bigint, EntryRecord>;
  /** The same records by entry relative to the lowest one (number keys: no bigint per hit). */
  private readonly byOffset = new Map<number, EntryRecord>();
  private readonly global: Set<bigint>;
  private readonly rel: boolean;
  private readonly lo: bigint;
  private readonly lo32: number;
  private readonly span: number;
  private readonly isEntry: Uint8Array;
  private readonly nearEntry: Uint8Array;
  private readonly padding: PaddingJudge;
  /** Metadata ranges inside output sections (absolute addresses). */
  private readonly skip: [bigint, bigint][];

  private constructor(
    private readonly elf: ElfFile, private readonly all: boolean, private readonly syms: ElfSymbol[],
    found: { entries: Map<bigint, EntryRecord>; global: Set<bigint>; bodies: [bigint, bigint][]; list: bigint[] },
  ) {
    this.rel = elf.type === ET_REL;
    this.entries = found.entries;
    this.global = found.global;
    const list = found.list;
    this.lo = list[0]!;
    this.span = Number(list[list.length - 1]! - this.lo) + 1;
    this.isEntry = new Uint8Array((this.span >>> 3) + 1);
    this.nearEntry = new Uint8Array((this.span >>> 3) + 2);
    for (const a of list) {
      const r = Number(a - this.lo);
      this.byOffset.set(r, this.entries.get(a)!);
      this.isEntry[r >>> 3]! |= 1 << (r & 7);
      // nearEntry[x]: some entry in [x, x + 8].
      for (let x = Math.max(0, r - 8); x <= r; x++) this.nearEntry[x >>> 3]! |= 1 << (x & 7);
    }
    this.lo32 = Number(this.lo & 0xffffffffn);
    this.padding = new PaddingJudge(found.bodies);
    this.skip = [];
    for (const [from, to] of METADATA_RANGES) {
      const a = syms.find((x) => x.name === from), z = syms.find((x) => x.name === to);
      if (a && z && !this.rel && a.value <= z.value) this.skip.push([a.value, z.value]);
    }
  }

  /** A scanner of `elf`, or the finished scan when there is nothing to scan or it cannot be. */
  static of(elf: ElfFile, all: boolean): EntryScanner | Scan {
    const entries = new Map<bigint, EntryRecord>();
    const global = new Set<bigint>();
    if (elf.machine !== EM_X86_64 || !elf.littleEndian || !elf.is64) {
      return { unsupported: "machine not decoded", entries, global };
    }
    const rel = elf.type === ET_REL;
    if (rel) {
      // Addresses must name one section each (ElfOpenOptions.layoutRelocatable).
      const alloc = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0).sort((a, b) => (a.addr < b.addr ? -1 : 1));
      for (let i = 1; i < alloc.length; i++) {
        if (alloc[i - 1]!.addr + BigInt(alloc[i - 1]!.size) > alloc[i]!.addr) {
          return { unsupported: "sections not laid out", entries, global };
        }
      }
    }
    const syms = elf.codeSymbols();
    // Sized function symbols of executable sections (padding lies between them).
    const bodies: [bigint, bigint][] = [];
    for (let i = 1; i < syms.length; i++) {
      const s = syms[i]!;
      const a = symbolAddress(elf, syms, i);
      if (a === undefined) continue;
      if (s.type === STT_FUNC) {
        if (s.bind === STB_LOCAL) {
          if (!entries.has(a)) entries.set(a, { branches: [] });
        } else global.add(a);
        if (s.size > 0n) bodies.push([a, a + s.size]);
      } else if (s.bind !== STB_LOCAL && s.shndx !== 0) {
        global.add(a);
      }
    }
    bodies.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    if (entries.size === 0) return { entries, global };
    // Entries as numbers relative to the lowest one, for bitmaps.
    const list = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (Number(list[list.length - 1]! - list[0]!) + 1 > 1 << 30) return { unsupported: "function entries spread too far", entries, global };
    return new EntryScanner(elf, all, syms, { entries, global, bodies, list });
  }

  private entryAt(r: number): boolean {
    return r >= 0 && r < this.span && (this.isEntry[r >>> 3]! & (1 << (r & 7))) !== 0;
  }

  private recordOf(r: number): EntryRecord {
    return this.byOffset.get(r)!;
  }

  private other(r: number, text: string): void {
    const e = this.recordOf(r);
    e.other ??= text;
    if (this.all) (e.others ??= []).push(text);
  }

  private skipped(addr: bigint): boolean {
    return this.skip.some(([a, z]) => addr >= a && addr < z);
  }

  bytesOf(sec: ElfSection): SectionBytes {
    const b = this.elf.sectionData(sec, { relocate: false });
    const n = b.length;
    return {
      sec, b,
      exec: (sec.flags & SHF_EXECINSTR) !== 0,
      relative: this.rel || sec.addr !== 0n,
      base: Number(sec.addr - this.lo),
      skipIn: this.skip
        .filter(([a, z]) => a < sec.addr + BigInt(n) && z > sec.addr)
        .map(([a, z]) => [Math.max(0, Number(a - sec.addr)), Math.min(n, Number(z - sec.addr))] as const),
    };
  }

  /** Positions [from, to) of a section: every 32-bit window the filter lets through gets the full test. */
  scanWindow(s: SectionBytes, from: number, to: number): void {
    const { sec, b, exec, relative, base, skipIn } = s;
    const span = this.span;
    const isEntry = this.isEntry;
    for (const p of candidatePositions(b, from, to, !this.rel, relative, this.lo32, base, span, isEntry, this.nearEntry)) {
      if (skipIn.length > 0 && skipIn.some(([a, z]) => p >= a && p < z)) continue;
      const v = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
      // In ET_REL an absolute reference is always a relocation (its bytes a placeholder): read below.
      const abs = this.rel ? span : ((v >>> 0) - this.lo32) >>> 0;
      if (abs < span && (isEntry[abs >>> 3]! & (1 << (abs & 7))) !== 0) {
        if (!(exec && this.padding.inPadding(sec, b, p))) this.other(abs, `absolute at ${where(sec, p)}`);
      }
      if (!relative) continue;
      const t = base + p + v;
      if (t >= -8 && t < span && (t < 0 || (this.nearEntry[t >>> 3]! & (1 << (t & 7))) !== 0)) this.relativeHit(s, p, t);
    }
  }

  /**
   * A displacement at `p` naming entry `t + k` for some k: data (`.long G -
   * .`) names G itself; in code a displacement counts from the
   * instruction's end, 4 bytes on (+ an immediate of up to 4).
   */
  private relativeHit(s: SectionBytes, p: number, t: number): void {
    const { sec, b, exec } = s;
    for (let k = 0; k <= (exec ? 8 : 0); k++) {
      if (!this.entryAt(t + k)) continue;
      if (exec && k < 4 && this.padding.insideBody(sec.addr + BigInt(p))) continue;
      const isBranch =
        exec && k === 4 &&
        (b[p - 1] === 0xe8 || b[p - 1] === 0xe9 || (b[p - 2] === 0x0f && (b[p - 1]! & 0xf0) === 0x80));
      if (isBranch) {
        const at = sec.addr + BigInt(b[p - 1] === 0xe8 || b[p - 1] === 0xe9 ? p - 1 : p - 2);
        this.recordOf(t + k).branches.push({ at, end: sec.addr + BigInt(p + 4) });
        continue;
      }
      // Past a branch, an instruction's disp32 relative to its end is a RIP-relative
      // operand, always right after a ModRM byte with mod 00, r/m 101.
      if (exec && k >= 4 && ((b[p - 1] ?? 0) & 0xc7) !== 0x05) continue;
      if (!(exec && this.padding.inPadding(sec, b, p))) this.other(t + k, `relative at ${where(sec, p)}`);
    }
  }

  /** The short branches (rel8) of a code section to an entry. */
  scanShortBranches(s: SectionBytes): void {
    const { sec, b, base } = s;
    for (const p of shortBranchPositions(b, base, this.span, this.isEntry)) {
      const op = b[p - 1]!;
      const t = base + p + 1 + ((b[p]! << 24) >> 24);
      if (op === 0xeb || (op & 0xf0) === 0x70) {
        this.recordOf(t).branches.push({ at: sec.addr + BigInt(p - 1), end: sec.addr + BigInt(p + 1) });
      } else if (!this.padding.inPadding(sec, b, p)) {
        this.other(t, `rel8 at ${where(sec, p)}`);
      }
    }
  }

  /** Relocations: all of an ET_REL file's, the dynamic ones of a linked file; then the finished scan. */
  scanRelocations(): Scan {
    const { elf, rel, entries, global } = this;
    for (const rs of elf.sections) {
      if (rs.type !== SHT_RELA || rs.entsize !== 24) continue;
      const target = rs.info !== 0 ? elf.sections[rs.info] : undefined;
      if (rel ? !target || (target.flags & SHF_ALLOC) === 0 || METADATA_SECTIONS.has(target.name) : (rs.flags & SHF_ALLOC) === 0) continue;
      // r_sym indexes the relocation section's own symbol table (sh_link): `.dynsym` for dynamic ones.
      const table = rs.link === 0 ? undefined : elf.sections[rs.link];
      let tableSyms: ElfSymbol[] | undefined;
      if (table && !rel && table.type !== 2 /* SHT_SYMTAB */) {
        const strs = elf.sections[table.link];
        if (!strs) return { unsupported: `${rs.name}: symbol table without strings`, entries, global };
        tableSyms = decodeSymbols(
          elf.sectionData(table, { relocate: false }), elf.sectionData(strs, { relocate: false }), elf.is64, elf.littleEndian,
          table.entsize, { file: elf.path, section: table.name },
        );
      }
      this.relocationSection(rs, target, tableSyms);
    }
    return { entries, global };
  }

  private relocationSection(rs: ElfSection, target: ElfSection | undefined, tableSyms: ElfSymbol[] | undefined): void {
    const { elf, rel, lo, span } = this;
    const tb = rel && target ? elf.sectionData(target, { relocate: false }) : undefined;
    forEachRela64(elf, rs, (off, symIndex, type, addend, o) => {
      const s = symIndex === 0 ? 0n : tableSyms ? tableSyms[symIndex]?.value : symbolAddress(elf, this.syms, symIndex);
      // A symbol that names no address (undefined, another object's): nothing of this object.
      if (s === undefined || (tableSyms?.[symIndex]?.shndx ?? 1) === 0) return;
      const value = s + addend;
      const place = (rel && target ? target.addr : 0n) + off;
      if (this.skipped(place)) return;
      // What the reference names: S + A for data and absolute forms; in code a
      // PC-relative one counts from the instruction's end (S + A + 4 + imm).
      const absolute = type === R_X86_64_64 || type === R_X86_64_32 || type === R_X86_64_32S || type === R_X86_64_RELATIVE;
      const pcrel = type === R_X86_64_PC32 || type === R_X86_64_PLT32 || type === R_X86_64_PC64;
      const inCode = target !== undefined && (target.flags & SHF_EXECINSTR) !== 0;
      const [k0, k1] = absolute || (pcrel && !inCode) ? [0, 0] : pcrel ? [4, 8] : [0, 8];
      for (let k = k0; k <= k1; k++) {
        const a = value + BigInt(k);
        const r = a - lo;
        if (r < 0n || r >= BigInt(span) || !this.entryAt(Number(r))) continue;
        const p = Number(off);
        const opc = tb?.[p - 1];
        const branch =
          tb !== undefined && k === 4 && (type === R_X86_64_PC32 || type === R_X86_64_PLT32) &&
          (target!.flags & SHF_EXECINSTR) !== 0 &&
          (opc === 0xe8 || opc === 0xe9 || (tb[p - 2] === 0x0f && ((opc ?? 0) & 0xf0) === 0x80));
        if (branch) {
          this.recordOf(Number(r)).branches.push({ at: place - BigInt(opc === 0xe8 || opc === 0xe9 ? 1 : 2), end: place + 4n });
        } else {
          this.other(Number(r), `relocation in ${rs.name}+0x${o.toString(16)}`);
        }
      }
    });
  }
}

/** The address symbol `i` names (in ET_REL: its section's laid-out address plus its value), if any. */
function symbolAddress(elf: ElfFile, syms: ElfSymbol[], i: number): bigint | undefined {
  const s = syms[i];
  if (!s) return undefined;
  if (elf.type !== ET_REL) return s.value;
  if (s.shndx === 0 || s.shndx >= 0xff00) return s.shndx === 0xfff1 ? s.value : undefined;
  const sec = elf.sections[s.shndx];
  return sec ? sec.addr + s.value : undefined;
}

/**
 * The positions `p` in [from, to) of `b` whose 32-bit little-endian value could name an
 * entry: as an absolute address (`absolute`: its low 32 bits, relative to
 * `lo32`, hit `isEntry`) or as a displacement (`relative`: `base + p + v`
 * lands within 8 bytes before an entry, `nearEntry`). A filter only: the
 * scan's full test runs on these alone, so this loop stays small enough
 * for the JIT to keep every byte's work in registers.
 */
function candidatePositions(
  b: Uint8Array, from: number, to: number, absolute: boolean, relative: boolean, lo32: number, base: number, span: number,
  isEntry: Uint8Array, nearEntry: Uint8Array,
): number[] {
  const out: number[] = [];
  const end = Math.min(to, b.length - 3);
  if (from >= end || (!absolute && !relative)) return out;
  let v = (b[from]! << 8) | (b[from + 1]! << 16) | (b[from + 2]! << 24);
  // All in int32 arithmetic (what the JIT keeps in registers): values mod
  // 2^32, tested as unsigned. t in [-8, span) is t + 8 in [0, span + 8): a
  // t past 2^32 wraps into the range, which only adds a candidate (the full
  // test recomputes t exactly), never loses one.
  const lo = lo32 | 0;
  const off8 = (base + 8) | 0;
  const span8 = span + 8;
  for (let p = from; p < end; p++) {
    // The value at p, rolled on from the one at p - 1.
    v = (v >>> 8) | (b[p + 3]! << 24);
    if (absolute) {
      const abs = ((v - lo) | 0) >>> 0;
      if (abs < span && (isEntry[abs >>> 3]! & (1 << (abs & 7))) !== 0) {
        out.push(p);
        continue;
      }
    }
    if (relative) {
      const t8 = ((off8 + p + v) | 0) >>> 0;
      if (t8 < span8) {
        const t = t8 - 8;
        if (t < 0 || (nearEntry[t >>> 3]! & (1 << (t & 7))) !== 0) out.push(p);
      }
    }
  }
  return out;
}

/**
 * The positions `p` of code bytes `b` (at `base` relative to the lowest
 * entry) that hold the rel8 of a short branch opcode before them (`jmp`,
 * `jcc`, `loop*`, `jrcxz`) whose target is an entry.
 */
function shortBranchPositions(b: Uint8Array, base: number, span: number, isEntry: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 1; p < b.length; p++) {
    const op = b[p - 1]!;
    if (op !== 0xeb && (op & 0xf0) !== 0x70 && (op & 0xfc) !== 0xe0) continue;
    const t = base + p + 1 + ((b[p]! << 24) >> 24);
    if (t >= 0 && t < span && (isEntry[t >>> 3]! & (1 << (t & 7))) !== 0) out.push(p);
  }
  return out;
}

/**
 * Whether a byte position of an executable section lies in alignment
 * padding: outside every sized function symbol, in a gap of less than 64
 * bytes that ends at a 16-byte boundary (or the section's end) and whose
 * bytes decode as nops (`90`, `0f 1f /0` with 66/2e prefixes) and int3 only.
 */
class PaddingJudge {
  private readonly cache = new Map<string, boolean>();
  constructor(private readonly bodies: [bigint, bigint][]) {}

  /** Index of the last body starting at or before `addr`, -1 if none. */
  private lastBefore(addr: bigint): number {
    let lo = 0, hi = this.bodies.length - 1, k = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (this.bodies[m]![0] <= addr) { k = m; lo = m + 1; } else hi = m - 1;
    }
    return k;
  }

  /** The 4 bytes at `addr` lie inside one sized function symbol. */
  insideBody(addr: bigint): boolean {
    const k = this.lastBefore(addr);
    for (let j = k; j >= 0 && j > k - 64; j--) if (this.bodies[j]![1] >= addr + 4n) return true;
    return false;
  }

  inPadding(sec: ElfSection, b: Uint8Array, p: number): boolean {
    const addr = sec.addr + BigInt(p);
    const k = this.lastBefore(addr);
    const secEnd = sec.addr + BigInt(b.length);
    let gapStart = sec.addr;
    if (k >= 0) {
      // Inside a body (any body that starts before and ends after).
      for (let j = k; j >= 0 && j > k - 64; j--) if (this.bodies[j]![1] > addr + 3n) return false;
      const e = this.bodies[k]![1];
      if (e > gapStart) gapStart = e;
    }
    const next = k + 1 < this.bodies.length ? this.bodies[k + 1]![0] : secEnd;
    const gapEnd = next < secEnd ? next : secEnd;
    if (gapStart < sec.addr || addr + 4n > gapEnd) return false;
    // Alignment padding: shorter than the largest function alignment, up to an aligned start.
    if (gapEnd - gapStart >= 64n || (gapEnd !== secEnd && gapEnd % 16n !== 0n)) return false;
    const key = `${sec.index}:${gapStart}`;
    let ok = this.cache.get(key);
    if (ok === undefined) {
      ok = isPadding(b, Number(gapStart - sec.addr), Number(gapEnd - sec.addr));
      this.cache.set(key, ok);
    }
    return ok;
  }
}

/** Bytes [from, to) decode as int3 and nop instructions only. */
export function isPadding(b: Uint8Array, from: number, to: number): boolean {
  let p = from;
  while (p < to) {
    if (b[p] === 0xcc || b[p] === 0x90) { p++; continue; }
    let q = p;
    while (q < to && (b[q] === 0x66 || b[q] === 0x2e) && q - p < 8) q++;
    if (b[q] === 0x90 && q > p) { p = q + 1; continue; }
    if (b[q] !== 0x0f || b[q + 1] !== 0x1f) return false;
    const modrm = b[q + 2];
    if (modrm === undefined || ((modrm >> 3) & 7) !== 0) return false;
    const mod = modrm >> 6, rm = modrm & 7;
    if (mod === 3) return false;
    let len = 3;
    if (rm === 4) len++;
    if (mod === 0 && rm === 5) return false;
    if (mod === 1) len += 1;
    if (mod === 2) len += 4;
    p = q + len;
  }
  return p === to;
}
