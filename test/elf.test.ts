/**
 * ELF reader against real objects compiled in beforeAll, checked with
 * independent tools: readelf (sections, symbols), objcopy (decompression),
 * pyelftools and eu-strip (relocation of DWARF sections).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ElfFile, type ElfSection, ET_REL, EM_X86_64, EM_AARCH64, SHF_COMPRESSED } from "../src/elf/index.js";
import { UnsupportedError } from "../src/errors.js";
import {
  compile,
  have,
  havePyelftools,
  objcopy,
  objcopyDump,
  pyelftoolsRelocated,
  readelfRelocPlaces,
  readelfSections,
  readelfSymbols,
  run,
} from "./elf-tools.js";

const SOURCE = `
struct point { int x, y; };
int counter = 3;
static int hidden;

__attribute__((noinline)) int scale(int value, int factor) { return value * factor + hidden; }
static inline int add(struct point *p, int d) { return scale(p->x, d) + p->y; }
int entry(int c) { struct point p = { c, c + 1 }; counter += add(&p, 2); return add(&p, c); }
`;

/** Object name → compiler and flags. Missing compilers or flags skip their object. */
const BUILDS: Record<string, [string, string[]]> = {
  "gcc-x86_64.o": ["gcc", ["-g", "-O2"]],
  "gcc-x86_64-dwarf4.o": ["gcc", ["-gdwarf-4", "-O2"]],
  "gcc-x86_64-zlib.o": ["gcc", ["-g", "-O2", "-gz=zlib"]],
  "clang-x86_64.o": ["clang-19", ["-g", "-O2"]],
  "clang-x86_64-zstd.o": ["clang-19", ["-g", "-O2", "-gz=zstd"]],
  "gcc-aarch64.o": ["aarch64-linux-gnu-gcc", ["-g", "-O2"]],
  "clang-i386.o": ["clang-19", ["--target=i386-linux-gnu", "-g", "-O2"]],
  "clang-arm.o": ["clang-19", ["--target=armv7-linux-gnueabihf", "-g", "-O2"]],
  "clang-ppc64be.o": ["clang-19", ["--target=powerpc64-linux-gnu", "-g", "-O2"]],
  "clang-s390x.o": ["clang-19", ["--target=s390x-linux-gnu", "-g", "-O2"]],
  "clang-riscv64.o": ["clang-19", ["--target=riscv64-linux-gnu", "-g", "-O2"]],
};

let dir: string;
const built = new Map<string, string>();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "btfgen-elf-"));
  const src = path.join(dir, "inline.c");
  fs.writeFileSync(src, SOURCE);
  for (const [name, [cc, args]] of Object.entries(BUILDS)) {
    const out = path.join(dir, name);
    if (compile(cc, args, src, out)) built.set(name, out);
  }
  const plain = built.get("gcc-x86_64.o");
  if (plain) {
    // Legacy GNU .zdebug_* and gABI zstd via objcopy, when binutils can.
    for (const [name, mode] of [
      ["gcc-x86_64-zdebug.o", "zlib-gnu"],
      ["gcc-x86_64-objcopy-zstd.o", "zstd"],
    ]) {
      try {
        run("objcopy", [`--compress-debug-sections=${mode}`, plain, path.join(dir, name)]);
        built.set(name, path.join(dir, name));
      } catch {
        /* older binutils */
      }
    }
  }
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `it` over every object that could be built (names known up front for the table). */
const objects = [...Object.keys(BUILDS), "gcc-x86_64-zdebug.o", "gcc-x86_64-objcopy-zstd.o"];

const flagLetters = (f: number): string => {
  let s = "";
  if (f & 0x1) s += "W";
  if (f & 0x2) s += "A";
  if (f & 0x4) s += "X";
  if (f & 0x10) s += "M";
  if (f & 0x20) s += "S";
  if (f & 0x40) s += "I";
  if (f & 0x200) s += "G";
  if (f & 0x400) s += "T";
  if (f & SHF_COMPRESSED) s += "C";
  return s;
};
const sortLetters = (s: string): string => [...s].filter((c) => "WAXMSIGTC".includes(c)).sort().join("");

describe.each(objects)("%s", (name) => {
  const file = (): string | undefined => built.get(name);

  test("section table matches readelf -SW", (ctx) => {
    const p = file();
    if (!p) return ctx.skip();
    const elf = ElfFile.open(p);
    try {
      const ref = readelfSections(p);
      expect(elf.sections.length).toBe(ref.length);
      for (const r of ref) {
        const s = elf.sections[r.index];
        expect({ name: s.name, addr: s.addr, offset: s.offset, size: s.size, entsize: s.entsize }).toEqual({
          name: r.name,
          addr: r.addr,
          offset: r.offset,
          size: r.size,
          entsize: r.entsize,
        });
        expect([s.link, s.info, s.addralign]).toEqual([r.link, r.info, r.align]);
        expect(sortLetters(flagLetters(s.flags))).toBe(sortLetters(r.flags));
      }
      expect(elf.type).toBe(ET_REL);
      expect(elf.loadBase()).toBe(0n);
      expect(elf.debugSection(".debug_info")).toBeDefined();
      expect(elf.debugSection(".debug_nonexistent")).toBeUndefined();
    } finally {
      elf.close();
    }
  });

  test("symbols match readelf -sW", (ctx) => {
    const p = file();
    if (!p) return ctx.skip();
    const elf = ElfFile.open(p);
    const syms = elf.symbols();
    const ref = readelfSymbols(p);
    expect(syms.length).toBe(ref.length);
    const typeNames = ["NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS"];
    const bindNames = ["LOCAL", "GLOBAL", "WEAK"];
    for (const r of ref) {
      const s = syms[r.num];
      expect(s.value).toBe(r.value);
      expect(s.size).toBe(r.size);
      expect(typeNames[s.type]).toBe(r.type);
      expect(bindNames[s.bind]).toBe(r.bind);
      const ndx = s.shndx === 0 ? "UND" : s.shndx === 0xfff1 ? "ABS" : s.shndx === 0xfff2 ? "COM" : String(s.shndx);
      expect(ndx).toBe(r.ndx);
      // readelf prints the section's name for unnamed STT_SECTION symbols.
      if (!(s.type === 3 && s.name === "")) expect(s.name).toBe(r.name);
    }
    expect(syms.some((s) => s.name === "scale" && s.type === 2)).toBe(true);
    elf.close();
  });

  test("contents equal objcopy's (decompressed, unrelocated)", (ctx) => {
    const p = file();
    if (!p) return ctx.skip();
    const elf = ElfFile.open(p);
    const compressed = elf.sections.filter((s) => (s.flags & SHF_COMPRESSED) !== 0 || s.name.startsWith(".zdebug_"));
    if (name.includes("zlib") || name.includes("zstd") || name.includes("zdebug")) expect(compressed.length).toBeGreaterThan(0);
    // PROGBITS with unique names: objcopy rewrites symbol and relocation tables.
    const count = new Map<string, number>();
    for (const s of elf.sections) count.set(s.name, (count.get(s.name) ?? 0) + 1);
    const withData = elf.sections.filter((s) => s.type === 1 && s.size > 0 && count.get(s.name) === 1);
    expect(withData.some((s) => s.name.endsWith("debug_info"))).toBe(true);
    // objcopy names .zdebug_* sections by their decompressed name once decompressed.
    const decompressed = path.join(dir, `${name}.decompressed.o`);
    objcopy(["--decompress-debug-sections", p, decompressed]);
    const refName = (s: ElfSection): string => s.name.replace(/^\.zdebug_/, ".debug_");
    const ref = objcopyDump(decompressed, withData.map(refName), dir);
    for (const s of withData) {
      const ours = elf.sectionData(s, { relocate: false });
      expect(ours.length, s.name).toBe(elf.sectionSize(s));
      expect(Buffer.from(ours).equals(Buffer.from(ref.get(refName(s))!)), s.name).toBe(true);
    }
    // readSectionInto a larger buffer writes only the prefix.
    const info = elf.debugSection(".debug_info")!;
    const big = new Uint8Array(elf.sectionSize(info) + 16).fill(0xee);
    elf.readSectionInto(info, big);
    expect(big.subarray(0, elf.sectionSize(info))).toEqual(elf.sectionData(info));
    expect([...big.subarray(elf.sectionSize(info))].every((b) => b === 0xee)).toBe(true);
    expect(() => elf.readSectionInto(info, new Uint8Array(1))).toThrow(RangeError);
    elf.close();
  });
});

/** Objects whose relocation types pyelftools implements. */
const PYELFTOOLS_OBJECTS = [
  "gcc-x86_64.o",
  "gcc-x86_64-dwarf4.o",
  "gcc-x86_64-zlib.o",
  "clang-x86_64.o",
  "gcc-aarch64.o",
  "clang-i386.o",
  "clang-arm.o",
  "clang-ppc64be.o",
];

describe.runIf(havePyelftools())("relocated DWARF equals pyelftools'", () => {
  test.for(PYELFTOOLS_OBJECTS)("%s", (name, ctx) => {
    const p = built.get(name);
    if (!p) return ctx.skip();
    const elf = ElfFile.open(p);
    const ref = pyelftoolsRelocated(p);
    expect(ref.has(".debug_info")).toBe(true);
    let relocatedSomething = false;
    for (const [secName, bytes] of ref) {
      const sec = elf.debugSection(secName);
      if (!sec) continue;
      const ours = elf.sectionData(sec);
      expect(Buffer.from(ours).equals(Buffer.from(bytes)), `${secName}`).toBe(true);
      if (elf.relocationsFor(sec).length > 0 && !Buffer.from(ours).equals(Buffer.from(elf.sectionData(sec, { relocate: false })))) {
        relocatedSomething = true;
      }
    }
    // REL objects (i386, arm) keep the addend in place and their section
    // symbols are 0, so relocating them changes nothing; RELA ones must change.
    const rela = elf.sections.some((s) => s.type === 4 && s.name.startsWith(".rela.debug_"));
    expect(relocatedSomething).toBe(rela);
    expect(elf.sections.some((s) => (s.type === 4 || s.type === 9) && s.name.includes(".debug_"))).toBe(true);
    elf.close();
  });
});

/**
 * eu-strip --reloc-debug-sections-only resolves relocations between debug
 * sections with elfutils' own per-arch backends and keeps those against code;
 * every byte it resolved must match ours (the places it kept are masked).
 */
describe.runIf(have("eu-strip"))("relocated DWARF agrees with eu-strip", () => {
  test.for(["gcc-x86_64.o", "clang-s390x.o", "clang-riscv64.o", "clang-ppc64be.o", "gcc-aarch64.o"])("%s", (name, ctx) => {
    const p = built.get(name);
    if (!p) return ctx.skip();
    const stripped = path.join(dir, `${name}.eu.o`);
    run("eu-strip", ["--reloc-debug-sections-only", p, "-o", stripped]);
    const kept = readelfRelocPlaces(stripped);
    const elf = ElfFile.open(p);
    const ref = ElfFile.open(stripped, { relocate: false });
    let compared = 0;
    for (const sec of elf.sections) {
      if (!sec.name.startsWith(".debug_") || elf.relocationsFor(sec).length === 0) continue;
      const ours = elf.sectionData(sec);
      const theirs = ref.sectionData(ref.section(sec.name)!, { relocate: false });
      expect(ours.length).toBe(theirs.length);
      const mask = new Uint8Array(ours.length);
      for (const k of kept.get(sec.name) ?? []) mask.fill(1, k.offset, k.offset + k.width);
      for (let i = 0; i < ours.length; i++) {
        if (!mask[i] && ours[i] !== theirs[i]) {
          throw new Error(`${name} ${sec.name}+0x${i.toString(16)}: ours 0x${ours[i].toString(16)}, eu-strip 0x${theirs[i].toString(16)}`);
        }
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
    elf.close();
    ref.close();
  });
});

test("machine and byte order of cross objects", (ctx) => {
  const a64 = built.get("gcc-aarch64.o");
  const s390 = built.get("clang-s390x.o");
  if (!a64 || !s390) return ctx.skip();
  const a = ElfFile.open(a64);
  expect([a.machine, a.is64, a.littleEndian]).toEqual([EM_AARCH64, true, true]);
  const s = ElfFile.open(s390);
  expect([s.machine, s.is64, s.littleEndian]).toEqual([22, true, false]);
  const x = ElfFile.open(built.get("gcc-x86_64.o")!);
  expect(x.machine).toBe(EM_X86_64);
  const i386 = built.get("clang-i386.o");
  if (i386) expect(ElfFile.open(i386).is64).toBe(false);
});

test("an unknown relocation type in a debug section is UnsupportedError", (ctx) => {
  const p = built.get("gcc-x86_64.o");
  if (!p) return ctx.skip();
  const bytes = new Uint8Array(fs.readFileSync(p));
  const elf = ElfFile.fromBytes(bytes, "patched.o");
  const info = elf.section(".debug_info")!;
  const rela = elf.relocationsFor(info)[0];
  // First entry's r_info type (low 32 bits, little endian) → 0x7777.
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(rela.offset + 8, 0x7777, true);
  const patched = ElfFile.fromBytes(bytes, "patched.o");
  const err = (() => {
    try {
      patched.sectionData(patched.section(".debug_info")!);
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(UnsupportedError);
  expect((err as UnsupportedError).section).toBe(".debug_info");
  expect((err as UnsupportedError).file).toBe("patched.o");
  expect((err as Error).message).toContain("30583");
  // Raw reads still work.
  expect(patched.sectionData(patched.section(".debug_info")!, { relocate: false }).length).toBe(info.size);
});
