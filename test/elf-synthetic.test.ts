/**
 * ELF inputs no installed compiler makes: a big-endian s390x object with
 * hand-written relocations, an ET_EXEC that keeps `.rela.debug_*`, broken
 * files of every kind, fuzzed bytes; plus the writer checked by binutils.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  ByteReader,
  ElfFile,
  EM_386,
  EM_AARCH64,
  EM_S390,
  EM_X86_64,
  ET_EXEC,
  SHF_COMPRESSED,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  writeElf,
  writeElfWithSection,
  type ElfSectionSpec,
} from "../src/elf/index.js";
import { BtfgenError, MalformedError, NotFoundError, TruncatedError } from "../src/errors.js";
import { compile, have, objcopy, readelfSections, run } from "./elf-tools.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "btfgen-elfsyn-"));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Byte builder in either order (test-side, independent of src/elf). */
class Bytes {
  private out: number[] = [];
  constructor(readonly le: boolean) {}
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.out.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.out.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u64(v: bigint): this {
    const b: number[] = [];
    for (let i = 0n; i < 8n; i++) b.push(Number((BigInt.asUintN(64, v) >> (8n * i)) & 0xffn));
    this.out.push(...(this.le ? b : b.reverse()));
    return this;
  }
  cstr(s: string): this {
    for (const c of Buffer.from(s)) this.out.push(c);
    this.out.push(0);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.out.push(0);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
  /** Elf64_Sym. */
  sym64(name: number, info: number, shndx: number, value: bigint, size = 0n): this {
    return this.u32(name).u8(info).u8(0).u16(shndx).u64(value).u64(size);
  }
  /** Elf64_Rela. */
  rela64(offset: bigint, sym: number, type: number, addend: bigint): this {
    return this.u64(offset).u64((BigInt(sym) << 32n) | BigInt(type)).u64(addend);
  }
}

/**
 * A big-endian s390x relocatable object:
 * [1] .debug_info (24 bytes of placeholders) [2] .debug_str [3] .symtab [4] .strtab [5] .rela.debug_info
 */
function s390xObject(type = 1, relocs?: Uint8Array): Uint8Array {
  const le = false;
  const strtab = new Bytes(le).u8(0).cstr("target").done();
  const symtab = new Bytes(le)
    .sym64(0, 0, 0, 0n)
    .sym64(0, 3, 2, 0n) // STT_SECTION .debug_str
    .sym64(1, 0x12, 0xfff1, 0x40n) // "target": GLOBAL FUNC, absolute 0x40
    .done();
  const rela =
    relocs ??
    new Bytes(le)
      .rela64(0n, 1, 4, 0x10n) // R_390_32 → .debug_str+0x10
      .rela64(4n, 2, 22, 8n) // R_390_64 → target+8
      .rela64(12n, 2, 5, 0n) // R_390_PC32 → target-12
      .rela64(16n, 2, 0, 99n) // R_390_NONE
      .rela64(20n, 1, 52, 4n) // R_390_TLS_LDO32
      .done();
  const info = new Bytes(le).zeros(16).u32(0xaabbccdd).zeros(4).done();
  const str = new Bytes(le).zeros(16).cstr("hello").done();
  const sections: ElfSectionSpec[] = [
    { name: ".debug_info", data: info, addralign: 1 },
    { name: ".debug_str", data: str, addralign: 1, flags: 0x30, entsize: 1 },
    { name: ".symtab", type: SHT_SYMTAB, data: symtab, link: 4, info: 2, entsize: 24, addralign: 8 },
    { name: ".strtab", type: SHT_STRTAB, data: strtab, addralign: 1 },
    { name: ".rela.debug_info", type: SHT_RELA, data: rela, link: 3, info: 1, entsize: 24, addralign: 8, flags: 0x40 },
  ];
  return writeElf({ is64: true, littleEndian: false, machine: EM_S390, type, sections });
}

describe("big-endian s390x object built by hand", () => {
  test("relocations applied in big-endian order", () => {
    const elf = ElfFile.fromBytes(s390xObject(), "s390x.o");
    expect([elf.is64, elf.littleEndian, elf.machine]).toEqual([true, false, EM_S390]);
    const info = elf.debugSection(".debug_info")!;
    const d = new DataView(elf.sectionData(info).buffer);
    expect(d.getUint32(0, false)).toBe(0x10);
    expect(d.getBigUint64(4, false)).toBe(0x48n);
    expect(d.getInt32(12, false)).toBe(0x40 - 12);
    expect(d.getUint32(16, false)).toBe(0xaabbccdd); // NONE left it alone
    expect(d.getUint32(20, false)).toBe(4);
    expect(elf.symbols().map((s) => s.name)).toEqual(["", "", "target"]);
    expect(elf.symbols()[2].value).toBe(0x40n);
  });

  test.runIf(have("readelf"))("binutils reads it and names the relocation types we implement", () => {
    const p = path.join(dir, "s390x.o");
    fs.writeFileSync(p, s390xObject());
    expect(readelfSections(p).map((s) => s.name)).toEqual(["", ".debug_info", ".debug_str", ".symtab", ".strtab", ".rela.debug_info", ".shstrtab"]);
    const r = run("readelf", ["-rW", p]);
    for (const name of ["R_390_32", "R_390_64", "R_390_PC32", "R_390_NONE", "R_390_TLS_LDO32"]) expect(r).toContain(name);
  });

  test.runIf(have("eu-strip"))("eu-strip resolves the debug-to-debug relocation to the same value", () => {
    const p = path.join(dir, "s390x-eu.o");
    fs.writeFileSync(p, s390xObject());
    const out = path.join(dir, "s390x-eu-out.o");
    run("eu-strip", ["--reloc-debug-sections-only", p, "-o", out]);
    const theirs = ElfFile.open(out, { relocate: false });
    const ours = ElfFile.open(p);
    const t = theirs.sectionData(theirs.section(".debug_info")!);
    const o = ours.sectionData(ours.section(".debug_info")!);
    expect(t.subarray(0, 4)).toEqual(o.subarray(0, 4));
    theirs.close();
    ours.close();
  });

  test("ET_EXEC keeps .rela.debug_* unapplied (vmlinux --emit-relocs)", () => {
    const elf = ElfFile.fromBytes(s390xObject(ET_EXEC), "vmlinux");
    const info = elf.section(".debug_info")!;
    expect(elf.relocationsFor(info).length).toBe(1);
    const d = elf.sectionData(info);
    expect([...d.subarray(0, 16)].every((b) => b === 0)).toBe(true);
  });

  test("bad relocation entries are MalformedError", () => {
    const pastEnd = new Bytes(false).rela64(22n, 1, 4, 0n).done();
    expect(() => readInfo(s390xObject(1, pastEnd))).toThrow(MalformedError);
    const badSym = new Bytes(false).rela64(0n, 9, 4, 0n).done();
    expect(() => readInfo(s390xObject(1, badSym))).toThrow(MalformedError);
  });
});

function readInfo(bytes: Uint8Array): Uint8Array {
  const elf = ElfFile.fromBytes(bytes, "x.o");
  return elf.sectionData(elf.section(".debug_info")!);
}

/** A little-endian x86_64 object with a zlib- and a zstd-less compressed section. */
function compressedObject(): Uint8Array {
  const payload = new Uint8Array(300).map((_, i) => i % 7);
  const z = zlib.deflateSync(payload);
  const chdr = new Bytes(true).u32(1).u32(0).u64(BigInt(payload.length)).u64(1n).done();
  const zdebug = new Bytes(true).cstr("ZLIB").done().subarray(0, 4);
  const size = new Uint8Array(8);
  new DataView(size.buffer).setBigUint64(0, BigInt(payload.length), false);
  return writeElf({
    is64: true,
    littleEndian: true,
    machine: EM_X86_64,
    sections: [
      { name: ".debug_info", flags: SHF_COMPRESSED, data: concat(chdr, z), addralign: 8 },
      { name: ".zdebug_line", data: concat(zdebug, size, z), addralign: 1 },
      { name: ".text", flags: 0x6, data: new Uint8Array([0xc3]), addr: 0x1000n },
    ],
  });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe("compression", () => {
  test("gABI zlib and legacy .zdebug", () => {
    const elf = ElfFile.fromBytes(compressedObject());
    const want = new Uint8Array(300).map((_, i) => i % 7);
    expect(elf.sectionSize(elf.debugSection(".debug_info")!)).toBe(300);
    expect(elf.sectionData(elf.debugSection(".debug_info")!)).toEqual(want);
    expect(elf.debugSection(".debug_line")!.name).toBe(".zdebug_line");
    expect(elf.sectionData(elf.debugSection(".debug_line")!)).toEqual(want);
    expect(elf.loadBase()).toBe(0x1000n);
    expect(elf.sectionAt(0x1000n)?.name).toBe(".text");
    expect(elf.sectionAt(0x1001n)).toBeUndefined();
  });

  test("corrupt header or stream is MalformedError", () => {
    const bytes = compressedObject();
    const elf = ElfFile.fromBytes(bytes);
    const info = elf.section(".debug_info")!;
    const badType = bytes.slice();
    new DataView(badType.buffer).setUint32(info.offset, 9, true);
    expect(() => ElfFile.fromBytes(badType).sectionSize(info)).toThrow(MalformedError);
    const badStream = bytes.slice();
    badStream.fill(0xff, info.offset + 24, info.offset + 34);
    expect(() => readSection(badStream, ".debug_info")).toThrow(MalformedError);
    const badSize = bytes.slice();
    new DataView(badSize.buffer).setUint32(info.offset + 8, 299, true);
    expect(() => readSection(badSize, ".debug_info")).toThrow(MalformedError);
    const zstdGarbage = bytes.slice();
    new DataView(zstdGarbage.buffer).setUint32(info.offset, 2, true);
    expect(() => readSection(zstdGarbage, ".debug_info")).toThrow(MalformedError);
  });
});

function readSection(bytes: Uint8Array, name: string): Uint8Array {
  const elf = ElfFile.fromBytes(bytes, "bad.o");
  return elf.sectionData(elf.section(name)!);
}

describe("bad inputs", () => {
  const good = (): Uint8Array => s390xObject();

  test("not an ELF file", () => {
    expect(() => ElfFile.fromBytes(new TextEncoder().encode("#!/bin/sh\necho hello\n"))).toThrow(MalformedError);
    expect(() => ElfFile.fromBytes(new Uint8Array(0))).toThrow(MalformedError);
    const p = path.join(dir, "text.txt");
    fs.writeFileSync(p, "hello");
    const err = catchErr(() => ElfFile.open(p));
    expect(err).toBeInstanceOf(MalformedError);
    expect((err as MalformedError).file).toBe(p);
    expect(catchErr(() => ElfFile.open(path.join(dir, "missing.o")))).toBeInstanceOf(NotFoundError);
  });

  test.each([5, 16, 40, 63])("truncated inside the header at %i bytes", (n) => {
    expect(() => ElfFile.fromBytes(good().subarray(0, n))).toThrow(TruncatedError);
  });

  test("truncated inside the section header table", () => {
    const b = good();
    const shoff = Number(new DataView(b.buffer).getBigUint64(40, false));
    for (const n of [shoff + 1, shoff + 64 * 3 + 5, b.length - 1]) {
      const err = catchErr(() => ElfFile.fromBytes(b.subarray(0, n), "cut.o"));
      expect(err).toBeInstanceOf(TruncatedError);
      expect((err as TruncatedError).file).toBe("cut.o");
      expect((err as TruncatedError).section).toBe("section header table");
    }
  });

  test("section data beyond the end of the file", () => {
    const b = good();
    const v = new DataView(b.buffer);
    const shoff = Number(v.getBigUint64(40, false));
    v.setBigUint64(shoff + 64 * 1 + 24, 0x7fff_0000n, false); // .debug_info sh_offset
    const elf = ElfFile.fromBytes(b, "far.o");
    const err = catchErr(() => elf.sectionData(elf.section(".debug_info")!));
    expect(err).toBeInstanceOf(TruncatedError);
    expect((err as TruncatedError).section).toBe(".debug_info");
    // On disk, via readSync, too.
    const p = path.join(dir, "far.o");
    fs.writeFileSync(p, b);
    const f = ElfFile.open(p);
    expect(() => f.sectionData(f.section(".debug_info")!)).toThrow(TruncatedError);
    f.close();
  });

  test("bad e_shstrndx, class, data, entsize, name offset", () => {
    const patch = (off: number, write: (v: DataView) => void): Uint8Array => {
      const b = good();
      write(new DataView(b.buffer));
      void off;
      return b;
    };
    expect(() => ElfFile.fromBytes(patch(62, (v) => v.setUint16(62, 40, false)))).toThrow(MalformedError);
    expect(() => ElfFile.fromBytes(patch(4, (v) => v.setUint8(4, 3)))).toThrow(MalformedError);
    expect(() => ElfFile.fromBytes(patch(5, (v) => v.setUint8(5, 0)))).toThrow(MalformedError);
    expect(() => ElfFile.fromBytes(patch(58, (v) => v.setUint16(58, 12, false)))).toThrow(MalformedError);
    const b = good();
    const v = new DataView(b.buffer);
    const shoff = Number(v.getBigUint64(40, false));
    v.setUint32(shoff + 64 * 2, 0xffff, false);
    expect(() => ElfFile.fromBytes(b)).toThrow(MalformedError);
  });

  test("fuzzed bytes throw only BtfgenError", () => {
    const seeds = [s390xObject(), compressedObject()];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, flips, cut) => {
          const b = seeds[which].slice();
          for (const [pos, val] of flips) b[pos % b.length] = val;
          const input = cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
          try {
            const elf = ElfFile.fromBytes(input, "fuzz.o");
            for (const s of elf.sections) {
              try {
                elf.sectionData(s);
              } catch (e) {
                if (!(e instanceof BtfgenError)) throw e;
              }
            }
            elf.symbols();
            elf.loadBase();
          } catch (e) {
            if (!(e instanceof BtfgenError)) throw e;
          }
        },
      ),
      { numRuns: Number(process.env.ELF_FUZZ_RUNS ?? 400), seed: process.env.ELF_FUZZ_RUNS ? undefined : 1 },
    );
  });
});

function catchErr(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("ByteReader", () => {
  test("reads both orders, LEB128, strings, and reports where it ran out", () => {
    const le = new ByteReader(Uint8Array.from([1, 2, 3, 4, 0xe5, 0x8e, 0x26, 0x7f, 0x80, 0x7f, 0x68, 0x69, 0]), true, {
      base: 0x100,
      section: ".x",
      file: "f.o",
    });
    expect(le.u16()).toBe(0x0201);
    expect(le.u16()).toBe(0x0403);
    expect(le.uleb()).toBe(624485);
    expect(le.sleb()).toBe(-1);
    expect(le.sleb()).toBe(-128);
    expect(le.cstr()).toBe("hi");
    const err = catchErr(() => le.u8()) as TruncatedError;
    expect(err).toBeInstanceOf(TruncatedError);
    expect([err.file, err.section, err.offset]).toEqual(["f.o", ".x", 0x100 + 13]);
    const be = new ByteReader(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), false);
    expect(be.u32()).toBe(0x01020304);
    const sub = be.sub(4);
    expect(sub.offset).toBe(4);
    expect(sub.u32()).toBe(0x05060708);
    expect(() => sub.u8()).toThrow(TruncatedError);
    expect(be.u8()).toBe(9);
    const big = new ByteReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), true);
    expect(big.ulebBig()).toBe(0xffff_ffff_ffff_ffffn);
    expect(() => new ByteReader(Uint8Array.from([0x68, 0x69]), true).cstr()).toThrow(TruncatedError);
  });
});

describe("writeElfWithSection", () => {
  const data = Uint8Array.from({ length: 37 }, (_, i) => i * 3);
  test.each([
    ["x86_64", true, true, EM_X86_64],
    ["aarch64", true, true, EM_AARCH64],
    ["i386", false, true, EM_386],
    ["s390x", true, false, EM_S390],
  ] as const)("%s object is accepted by readelf/objcopy and reads back", (name, is64, littleEndian, machine) => {
    const bytes = writeElfWithSection({ is64, littleEndian, machine, sectionName: ".BTF.func_info", data });
    const elf = ElfFile.fromBytes(bytes);
    expect([elf.is64, elf.littleEndian, elf.machine, elf.type]).toEqual([is64, littleEndian, machine, 1]);
    const sec = elf.section(".BTF.func_info")!;
    expect([sec.type, sec.flags, sec.addralign]).toEqual([1, 0, 4]);
    expect(elf.sectionData(sec)).toEqual(data);
    const p = path.join(dir, `func_info-${name}.o`);
    fs.writeFileSync(p, bytes);
    const out = run("readelf", ["-SW", p]);
    expect(out).toContain(".BTF.func_info");
    const dump = path.join(dir, `func_info-${name}.bin`);
    objcopy(["--dump-section", `.BTF.func_info=${dump}`, p, path.join(dir, `func_info-${name}.copy.o`)]);
    expect(new Uint8Array(fs.readFileSync(dump))).toEqual(data);
  });

  test.runIf(have("ld") && have("gcc"))("ld -r links it with a compiled object", () => {
    const src = path.join(dir, "f.c");
    fs.writeFileSync(src, "int f(void) { return 1; }\n");
    const obj = path.join(dir, "f.o");
    expect(compile("gcc", ["-O2"], src, obj)).toBe(true);
    const extra = path.join(dir, "btf.o");
    fs.writeFileSync(extra, writeElfWithSection({ is64: true, littleEndian: true, machine: EM_X86_64, sectionName: ".BTF.inline", data }));
    const linked = path.join(dir, "linked.o");
    run("ld", ["-r", obj, extra, "-o", linked]);
    const elf = ElfFile.open(linked);
    expect(elf.sectionData(elf.section(".BTF.inline")!)).toEqual(data);
    elf.close();
  });
});
