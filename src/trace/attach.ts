/**
 * Attachability of a site, decided offline from the traced ELF:
 *
 *  - the containing function symbol, and a `SYM+OFF` anchor whose symbol is
 *    unique in the symbol table (kallsyms keeps duplicate static names, and
 *    `p SYM+OFF` resolves a name to one address: since 6.7 a duplicated name
 *    is refused, before that the first one is taken). A duplicated name falls
 *    back to the nearest unique function symbol before it in the same
 *    section, then (vmlinux) to `_text`; the kernel re-anchors any
 *    `sym+off` on the symbol that holds the address (`_kprobe_addr()`), so
 *    both probe the same byte;
 *  - code a kprobe refuses (kernel/kprobes.c `populate_kprobe_blacklist()`
 *    and the arch's `arch_populate_kprobe_blacklist()`): `.kprobes.text`
 *    (`__kprobes`), `.noinstr.text`, `.entry.text` (x86, arm64), arm64's
 *    irqentry/idmap/hyp text, the functions `NOKPROBE_SYMBOL()` lists in
 *    `_kprobe_blacklist`, and `.init.text`, which is freed after boot
 *    (`core_kernel_text()` stops accepting it);
 *  - whether the address starts an instruction (insn.ts);
 *  - for user-space objects, the file offset a uprobe needs (segments.ts).
 *
 * Nothing here runs the traced object: each fact comes from its sections,
 * symbols and bytes.
 */
import { basename } from "node:path";
import { EM_AARCH64, ET_REL, SHN_LORESERVE, STT_FUNC } from "../elf/constants.js";
import type { ElfFile, ElfSection } from "../elf/elf.js";
import { forEachRela64 } from "../elf/rela.js";
import { BoundaryChecker, DECODED_MACHINES, loadDisassembler } from "./insn.js";
import { fileOffsetOf, readProgramHeaders, type ProgramHeader } from "./segments.js";

/** What kind of object is traced: the kernel image, a kernel module, or a user-space program or library. */
export type ObjectKind = "vmlinux" | "module" | "user";

/** STT_SECTION, STT_FILE: names that are not in kallsyms. */
const STT_SECTION = 3;
const STT_FILE = 4;

/**
 * The kind of `elf`: a module has `.modinfo` (or `.gnu.linkonce.this_module`),
 * the kernel image `__ksymtab_strings` or `linux_banner`; anything else is
 * user space.
 */
export function detectObjectKind(elf: ElfFile): ObjectKind {
  if (elf.section(".modinfo") || elf.section(".gnu.linkonce.this_module")) return "module";
  if (elf.type !== ET_REL && (elf.section("__ksymtab_strings") || elf.symbols().some((s) => s.name === "linux_banner"))) return "vmlinux";
  return "user";
}

/** A module's name as kprobe_events wants it (`MOD:SYM`): `.modinfo`'s `name=`, else the file name. */
export function moduleName(elf: ElfFile): string {
  const mi = elf.section(".modinfo");
  if (mi) {
    const text = new TextDecoder().decode(elf.sectionData(mi, { relocate: false }));
    for (const kv of text.split("\0")) if (kv.startsWith("name=")) return kv.slice(5);
  }
  return basename(elf.path).replace(/\.(ko|o)(\.debug)?$/, "").replace(/[^A-Za-z0-9_]/g, "_");
}

/** One failed check of a site. */
export interface AttachFailure {
  /** The reason's kind, for counting (`noinstr text`, `not an instruction boundary`, ...). */
  reason: string;
  /** The same with this site's details. */
  detail: string;
}

/** Where and whether a probe can be placed at one site. */
export interface SiteAttach {
  /** The site's address in the ELF (laid out for relocatable objects). */
  address: bigint;
  /** The function symbol holding the address, and the offset in it. */
  symbol?: string;
  symbolOffset?: bigint;
  /** The `SYM+OFF` a probe definition names. */
  anchor?: { symbol: string; offset: bigint; how: "symbol" | "neighbour" | "_text" };
  /** Why the anchor is not the containing symbol (duplicate name), when it is not. */
  anchorNote?: string;
  /** uprobes: the file offset of the address. */
  fileOffset?: bigint;
  /** Whether the instruction boundary was checked (no decoder for the machine: "unchecked"). */
  boundary: "checked" | "unchecked";
  failures: AttachFailure[];
}

interface FuncSym {
  start: bigint;
  end: bigint;
  name: string;
  global: boolean;
  shndx: number;
  /** Index in the sorted list. */
  idx: number;
}

interface Range {
  start: bigint;
  end: bigint;
  reason: string;
  what: string;
}

/** Options of {@link Attachability.open}. */
export interface AttachOptions {
  /** Override the detected object kind. */
  kind?: ObjectKind;
}

/** Boundary symbols of the text ranges a kprobe refuses, per machine (null: every machine). */
const TEXT_RANGES: { start: string; end: string; reason: string; machine: number | null }[] = [
  { start: "_sinittext", end: "_einittext", reason: "init text", machine: null },
  { start: "__kprobes_text_start", end: "__kprobes_text_end", reason: "kprobes text", machine: null },
  { start: "__noinstr_text_start", end: "__noinstr_text_end", reason: "noinstr text", machine: null },
  { start: "__entry_text_start", end: "__entry_text_end", reason: "entry text", machine: null },
  { start: "__irqentry_text_start", end: "__irqentry_text_end", reason: "irqentry text", machine: EM_AARCH64 },
  { start: "__idmap_text_start", end: "__idmap_text_end", reason: "idmap text", machine: EM_AARCH64 },
  { start: "__hyp_text_start", end: "__hyp_text_end", reason: "hyp text", machine: EM_AARCH64 },
  { start: "__hyp_idmap_text_start", end: "__hyp_idmap_text_end", reason: "hyp text", machine: EM_AARCH64 },
];

/** Sections of a relocatable object (a module) whose code a kprobe refuses, by name. */
const TEXT_SECTIONS: Record<string, string> = {
  ".init.text": "init text",
  ".kprobes.text": "kprobes text",
  ".noinstr.text": "noinstr text",
  ".entry.text": "entry text",
};

const WHAT: Record<string, string> = {
  "init text": ".init.text is freed after boot",
  "kprobes text": "__kprobes code (.kprobes.text)",
  "noinstr text": "noinstr code (.noinstr.text)",
  "entry text": "entry code (.entry.text)",
  "irqentry text": "irq entry code (.irqentry.text)",
  "idmap text": "identity-mapped code (.idmap.text)",
  "hyp text": "hypervisor code (.hyp.text)",
};

/** The attachability checks of one traced ELF (symbols indexed and blacklist read once). */
export class Attachability {
  private readonly funcs: FuncSym[] = [];
  private readonly nameCount = new Map<string, number>();
  private readonly ranges: Range[] = [];
  /** Start addresses of the functions `_kprobe_blacklist` names. */
  private readonly nokprobe = new Set<bigint>();
  private readonly code = new Map<number, Uint8Array>();
  private readonly boundary?: BoundaryChecker;
  private readonly phdrs: ProgramHeader[];
  private readonly textSym?: bigint;
  /** Module name (kprobe `MOD:SYM`), for kind "module". */
  readonly module?: string;

  private constructor(readonly elf: ElfFile, readonly kind: ObjectKind, checker?: BoundaryChecker) {
    this.boundary = checker;
    const rel = elf.type === ET_REL;
    for (const s of elf.codeSymbols()) {
      if (s.name === "" || s.type === STT_SECTION || s.type === STT_FILE || s.name.startsWith("$")) continue;
      this.nameCount.set(s.name, (this.nameCount.get(s.name) ?? 0) + 1);
      if (s.type !== STT_FUNC || s.shndx === 0 || s.shndx >= SHN_LORESERVE) continue;
      const sec = elf.sections[s.shndx];
      if (!sec) continue;
      const start = rel ? s.value + sec.addr : s.value;
      this.funcs.push({ start, end: start + s.size, name: s.name, global: s.bind !== 0, shndx: s.shndx, idx: 0 });
    }
    this.funcs.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.funcs.forEach((f, i) => (f.idx = i));
    if (kind === "module") this.module = moduleName(elf);
    if (kind !== "user") this.readBlacklist();
    this.phdrs = kind === "user" && elf.type !== ET_REL ? readProgramHeaders(elf.path) : [];
    if (kind === "vmlinux" && this.nameCount.get("_text") === 1) this.textSym = elf.symbols().find((s) => s.name === "_text")?.value;
  }

  /** Opens the checks for `elf`; loads the disassembler when the machine has one. */
  static async open(elf: ElfFile, opts: AttachOptions = {}): Promise<Attachability> {
    let checker: BoundaryChecker | undefined;
    if (DECODED_MACHINES.has(elf.machine)) {
      await loadDisassembler();
      checker = new BoundaryChecker(elf.machine);
    }
    return new Attachability(elf, opts.kind ?? detectObjectKind(elf), checker);
  }

  /** Instructions decoded so far. */
  get instructionsDecoded(): number {
    return this.boundary?.instructions ?? 0;
  }

  /** Frees the disassembler. */
  close(): void {
    this.boundary?.close();
  }

  private readBlacklist(): void {
    const syms = this.elf.symbols();
    const value = (name: string) => {
      const hits = syms.filter((s) => s.name === name);
      return hits.length === 1 ? hits[0].value : undefined;
    };
    if (this.elf.type !== ET_REL) {
      for (const r of TEXT_RANGES) {
        if (r.machine !== null && r.machine !== this.elf.machine) continue;
        const start = value(r.start);
        const end = value(r.end);
        if (start !== undefined && end !== undefined && end > start) this.ranges.push({ start, end, reason: r.reason, what: WHAT[r.reason] });
      }
    }
    for (const sec of this.elf.sections) {
      const reason = TEXT_SECTIONS[sec.name];
      if (reason && sec.size > 0) this.ranges.push({ start: sec.addr, end: sec.addr + BigInt(sec.size), reason, what: WHAT[reason] });
    }
    for (const addr of this.blacklistAddresses()) this.nokprobe.add(addr);
  }

  /**
   * The function addresses `_kprobe_blacklist` holds: words of the section
   * in a linked image (in vmlinux, the words between `__start_kprobe_blacklist`
   * and `__stop_kprobe_blacklist`); in a relocatable object each word is a relocation
   * against a symbol (Elf64_Rela: offset, info = sym << 32 | type, addend).
   */
  private blacklistAddresses(): bigint[] {
    const word = this.elf.is64 ? 8 : 4;
    const out: bigint[] = [];
    const words = (d: Uint8Array) => {
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let o = 0; o + word <= d.length; o += word) out.push(word === 8 ? v.getBigUint64(o, this.elf.littleEndian) : BigInt(v.getUint32(o, this.elf.littleEndian)));
    };
    const sec = this.elf.section("_kprobe_blacklist");
    if (!sec || sec.size === 0) {
      // vmlinux: the linker script puts the entries in .init.data, between these symbols.
      if (this.elf.type === ET_REL) return out;
      const syms = this.elf.symbols();
      const start = syms.filter((s) => s.name === "__start_kprobe_blacklist");
      const stop = syms.filter((s) => s.name === "__stop_kprobe_blacklist");
      if (start.length !== 1 || stop.length !== 1 || stop[0].value <= start[0].value) return out;
      const holder = this.elf.sectionAt(start[0].value);
      if (!holder || holder.type === 8 || stop[0].value > holder.addr + BigInt(holder.size)) return out;
      const from = Number(start[0].value - holder.addr);
      words(this.elf.sectionData(holder, { relocate: false }).subarray(from, from + Number(stop[0].value - start[0].value)));
      return out;
    }
    if (this.elf.type !== ET_REL) {
      words(this.elf.sectionData(sec, { relocate: false }));
      return out;
    }
    if (!this.elf.is64) return out;
    const syms = this.elf.codeSymbols();
    for (const rs of this.elf.relocationsFor(sec)) {
      forEachRela64(this.elf, rs, (_offset, symIndex, _type, addend) => {
        const sym = syms[symIndex];
        if (!sym || sym.shndx === 0 || sym.shndx >= SHN_LORESERVE) return;
        const target = this.elf.sections[sym.shndx];
        if (target) out.push(sym.value + target.addr + addend);
      });
    }
    return out;
  }

  /** The function symbol holding `addr` (aliases: a unique name first, then a global one, then by name). */
  private containing(addr: bigint): FuncSym | undefined {
    let lo = 0;
    let hi = this.funcs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.funcs[mid].start <= addr) lo = mid + 1;
      else hi = mid;
    }
    const hits: FuncSym[] = [];
    for (let i = lo - 1; i >= 0 && i >= lo - 64; i--) {
      const f = this.funcs[i];
      if (f.end > addr && f.start <= addr) hits.push(f);
      if (hits.length && f.start < hits[0].start) break;
    }
    if (hits.length === 0) return undefined;
    const best = hits.filter((h) => h.start === hits[0].start);
    best.sort((a, b) => this.rank(a) - this.rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return best[0];
  }

  private rank(f: FuncSym): number {
    return (this.nameCount.get(f.name) === 1 ? 0 : 2) + (f.global ? 0 : 1);
  }

  /** The nearest function symbol at or before `from` in the same section whose name is unique. */
  private uniqueNeighbour(from: FuncSym, sec: ElfSection): FuncSym | undefined {
    for (let i = from.idx; i >= 0; i--) {
      const f = this.funcs[i];
      if (f.start < sec.addr) break;
      if (f.shndx === from.shndx && this.nameCount.get(f.name) === 1) return f;
    }
    return undefined;
  }

  /** The checks for the site at `offset` of ELF section `section`. */
  check(section: string, offset: number): SiteAttach {
    const sec = this.elf.section(section);
    if (!sec) return { address: 0n, boundary: "unchecked", failures: [{ reason: "no such section", detail: `the ELF has no section ${section}` }] };
    const address = sec.addr + BigInt(offset);
    const out: SiteAttach = { address, boundary: "unchecked", failures: [] };
    // One failure per reason: vmlinux's .init.text is both a section and the _sinittext.._einittext range.
    const fail = (reason: string, detail: string) => {
      if (!out.failures.some((f) => f.reason === reason)) out.failures.push({ reason, detail });
    };
    for (const r of this.ranges) if (address >= r.start && address < r.end) fail(r.reason, r.what);
    if (this.kind === "user" && this.elf.type === ET_REL) fail("relocatable object", "a relocatable object (.o) is not what a uprobe attaches to: probe the linked program or library");
    if (this.kind === "user" && this.elf.type !== ET_REL) {
      out.fileOffset = fileOffsetOf(this.phdrs, address);
      if (out.fileOffset === undefined) fail("not in an executable segment", `0x${address.toString(16)} is in no executable PT_LOAD segment's file bytes`);
    }
    const f = this.containing(address);
    if (!f) {
      fail("no function symbol", `no function symbol holds 0x${address.toString(16)}`);
      return out;
    }
    out.symbol = f.name;
    out.symbolOffset = address - f.start;
    // The kernel blacklists the whole function (kallsyms size) of each _kprobe_blacklist address.
    if (this.nokprobe.has(f.start)) fail("NOKPROBE_SYMBOL", `NOKPROBE_SYMBOL(${f.name}) in _kprobe_blacklist`);
    if (this.nameCount.get(f.name) === 1) out.anchor = { symbol: f.name, offset: address - f.start, how: "symbol" };
    else {
      const n = this.uniqueNeighbour(f, sec);
      const dup = `${f.name} is not unique in the symbol table (${this.nameCount.get(f.name)} symbols)`;
      if (n) {
        out.anchor = { symbol: n.name, offset: address - n.start, how: "neighbour" };
        out.anchorNote = `${dup}: anchored on the unique ${n.name} before it`;
      } else if (this.textSym !== undefined && address >= this.textSym) {
        out.anchor = { symbol: "_text", offset: address - this.textSym, how: "_text" };
        out.anchorNote = `${dup}: anchored on _text`;
      } else fail("no unique anchor", `${dup}, and no unique symbol before it in ${section}`);
    }
    if (this.boundary) {
      const bytes = this.sectionBytes(sec);
      const start = Number(f.start - sec.addr);
      const end = Math.min(bytes.length, Number(f.end - sec.addr));
      if (start >= 0 && end > start) {
        out.boundary = "checked";
        const b = this.boundary.isBoundary(`${sec.index}:${start}`, bytes.subarray(start, end), Number(out.symbolOffset));
        if (b === "no") fail("not an instruction boundary", `${f.name}+0x${out.symbolOffset.toString(16)} is inside an instruction`);
        else if (b !== "yes") fail("instruction boundary unknown", `${f.name}+0x${out.symbolOffset.toString(16)}: ${b.unknown}`);
      }
    }
    return out;
  }

  private sectionBytes(sec: ElfSection): Uint8Array {
    let d = this.code.get(sec.index);
    if (!d) {
      d = sec.type === 8 ? new Uint8Array(0) : this.elf.sectionData(sec, { relocate: false });
      this.code.set(sec.index, d);
    }
    return d;
  }
}
