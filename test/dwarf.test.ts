// The gimli wasm reader (src/dwarf) against the llvm-dwarfdump-19 oracle
// (test/helpers/dwarfdump.ts): site counts, entry addresses, call file/line,
// and the location chosen at each site address, for every fixture object;
// objects compiled on the fly; corrupt input.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ElfFile } from "../src/elf/index.ts";
import {
  addrOf,
  DwarfReader,
  LOC_CONST_BLOCK,
  LOC_CONST_S,
  LOC_CONST_U,
  LOC_EXPR,
  LOC_LIST_NO_ENTRY,
  LOC_NONE,
  NONE,
  readDwarf,
  SITE_FUNC,
  SITE_INLINE,
  strAt,
  type DwarfRecords,
} from "../src/dwarf/index.ts";
import { BtfgenError, MalformedError } from "../src/errors.ts";
import { inlineSites, inlinedCount, locationAt, splitOps, type InlineSite } from "./helpers/dwarfdump.ts";
import { checkAgainstOracle } from "./dwarf-check.ts";

const OBJ_DIR = join(import.meta.dirname, "..", "testdata", "obj");
const objects = readdirSync(OBJ_DIR)
  .filter((f) => f.endsWith(".o") || f.startsWith("all-"))
  .sort();

function inlineCount(r: DwarfRecords): number {
  let n = 0;
  for (let i = 0; i < r.sites.count; i++) if (r.sites.kind[i] === SITE_INLINE) n++;
  return n;
}

describe.each(objects)("%s", (f) => {
  const obj = join(OBJ_DIR, f);
  test("inline sites and their locations agree with llvm-dwarfdump", () => {
    const elf = ElfFile.open(obj);
    try {
      const r = readDwarf(elf);
      expect(inlineCount(r)).toBe(inlinedCount(obj));
      checkAgainstOracle(obj, r, elf.littleEndian, elf.type === 1);
      // Every site row has its slots; funcs/params/locs tables are consistent.
      for (let i = 0; i < r.sites.count; i++) {
        const fn = r.sites.func[i]!;
        expect(fn).toBeLessThan(r.funcs.count);
        expect(r.sites.locStart[i]! + r.funcs.paramCount[fn]!).toBeLessThanOrEqual(r.locs.count);
        if (r.sites.kind[i] === SITE_FUNC) expect(r.sites.caller[i]).toBe(fn);
      }
    } finally {
      elf.close();
    }
  });
});

test("clones: out-of-line .isra/.constprop/.part/.cold instances are flagged optimized", () => {
  const elf = ElfFile.open(join(OBJ_DIR, "clones-gcc12-O2-dwarf5-x86_64.o"));
  const r = readDwarf(elf);
  const names: string[] = [];
  for (let i = 0; i < r.sites.count; i++) {
    if (r.sites.kind[i] !== SITE_FUNC) continue;
    const n = strAt(r, r.sites.siteName[i]!);
    if (/\.(isra|constprop|part)\.|\.cold/.test(n)) {
      expect(r.sites.flags[i]! & 1).toBe(1);
      expect(r.funcs.flags[r.sites.func[i]!]! & 0x80).toBe(0x80);
      names.push(n);
    }
  }
  expect(names.length).toBeGreaterThanOrEqual(3);
  elf.close();
});

test("types: legacy DW_AT_bit_offset (DWARF 4) converts to the DWARF 5 data_bit_offset values", () => {
  const members = (file: string) => {
    const elf = ElfFile.open(join(OBJ_DIR, file));
    const r = readDwarf(elf, { sites: false, types: true });
    elf.close();
    const D = r.dies!;
    const out: string[] = [];
    for (let i = 0; i < D.count; i++) {
      if (D.tag[i] !== 0x0d) continue;
      const p = D.parent[i]!;
      expect(p).not.toBe(NONE);
      out.push(`${strAt(r, D.name[p]!)}.${strAt(r, D.name[i]!)}:${D.bitOffset[i]}:${D.bitSize[i]}`);
    }
    return out;
  };
  const v4 = members("types-gcc12-O2-dwarf4-x86_64.o");
  const v5 = members("types-gcc12-O2-dwarf5-x86_64.o");
  expect(v4.length).toBeGreaterThan(20);
  expect(v4).toEqual(v5);
  // Union members without DW_AT_data_member_location sit at 0.
  expect(v4.filter((m) => m.endsWith(`:${NONE}:0`) || m.includes(`:${NONE}:`))).toEqual([]);
});

test("types: enumerators keep their sign, subranges their counts", () => {
  for (const f of ["types-gcc12-O2-dwarf5-x86_64.o", "types-clang19-O2-dwarf5-x86_64.o", "types-gcc12-O2-dwarf4-aarch64.o"]) {
    const elf = ElfFile.open(join(OBJ_DIR, f));
    const r = readDwarf(elf, { types: true });
    elf.close();
    const D = r.dies!;
    const dump = execFileSync("llvm-dwarfdump-19", ["--debug-info", join(OBJ_DIR, f)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    // Enumerators: `DW_TAG_enumerator` then `DW_AT_name ("X")` and `DW_AT_const_value (N)`.
    const want = new Map<string, bigint>();
    for (const m of dump.matchAll(/DW_TAG_enumerator\n\s+DW_AT_name\s+\("(\w+)"\)\n\s+DW_AT_const_value\s+\((-?\d+|0x[0-9a-f]+)\)/g))
      want.set(m[1]!, BigInt(m[2]!));
    expect(want.size).toBeGreaterThan(3);
    for (let i = 0; i < D.count; i++) {
      if (D.tag[i] !== 0x28) continue;
      const v = (BigInt(D.valHi[i]!) << 32n) | BigInt(D.valLo[i]!);
      const name = strAt(r, D.name[i]!);
      const w = want.get(name);
      if (w === undefined) continue;
      // Hex forms print raw bits: compare as 64-bit patterns.
      expect(BigInt.asUintN(64, v), name).toBe(BigInt.asUintN(64, w));
      if (w < 0n) expect(D.flags[i]! & 0x20).toBe(0x20);
    }
    let counts = 0;
    for (let i = 0; i < D.count; i++) if (D.tag[i] === 0x21 && D.count_[i] !== NONE) counts++;
    expect(counts).toBeGreaterThan(2);
  }
});

describe("objects compiled on the fly", () => {
  const dir = mkdtempSync(join(tmpdir(), "btfgen-dwarf-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, "t.c");
  writeFileSync(
    src,
    `static inline __attribute__((always_inline)) int sq(int x) { return x * x; }
     static inline __attribute__((always_inline)) int sum3(int a, int b, int c) { return sq(a) + sq(b) + c; }
     int g;
     __attribute__((noinline)) int run(int n, int m) { int s = 0; for (int i = 0; i < n; i++) s += sum3(i, m, g); return s + sum3(n, 2, 3); }
     int main(int argc, char **argv) { (void)argv; return run(argc, argc * 3); }
    `,
  );
  const builds: Array<[string, string[]]> = [
    ["gcc", ["-O2", "-g", "-gdwarf-4"]],
    ["gcc", ["-O2", "-g", "-gdwarf-5"]],
    ["clang-19", ["-O2", "-g", "-gdwarf-5"]],
    ["clang-19", ["-O2", "-g", "-gdwarf-4"]],
    ["aarch64-linux-gnu-gcc", ["-O2", "-g", "-gdwarf-5", "-c"]],
  ];
  test.each(builds)("%s %j", (cc, flags) => {
    const out = join(dir, `${cc}${flags.join("")}.out`);
    try {
      execFileSync(cc, [...flags, src, "-o", out], { stdio: "pipe" });
    } catch {
      return; // toolchain missing: nothing to compare
    }
    const elf = ElfFile.open(out);
    const r = readDwarf(elf);
    expect(inlineCount(r)).toBe(inlinedCount(out));
    expect(inlineCount(r)).toBeGreaterThan(0);
    checkAgainstOracle(out, r, elf.littleEndian, elf.type === 1);
    elf.close();
  });
});

describe("bad input", () => {
  const base = readFileSync(join(OBJ_DIR, "all-gcc12-O2-dwarf5-x86_64"));
  const info = ElfFile.fromBytes(new Uint8Array(base)).section(".debug_info")!;

  test("a unit length beyond the section is a MalformedError", () => {
    const b = new Uint8Array(base);
    b[info.offset + 0] = 0xf0;
    b[info.offset + 1] = 0xff;
    b[info.offset + 2] = 0xff;
    b[info.offset + 3] = 0x7f;
    expect(() => readDwarf(ElfFile.fromBytes(b))).toThrow(MalformedError);
  });

  test("an unknown abbreviation code is a MalformedError with the offset", () => {
    const b = new Uint8Array(base);
    // DWARF 5 CU header is 12 bytes; the first DIE's abbreviation code follows.
    b[info.offset + 12] = 0x7e;
    let err: unknown;
    try {
      readDwarf(ElfFile.fromBytes(b));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedError);
    expect((err as MalformedError).section).toBe(".debug_info");
  });

  test("random corruption only ever throws BtfgenError", () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const secs = [".debug_info", ".debug_abbrev", ".debug_loclists", ".debug_rnglists", ".debug_line", ".debug_str_offsets"];
    const elf0 = ElfFile.fromBytes(new Uint8Array(base));
    let failures = 0;
    for (let round = 0; round < 60; round++) {
      const b = new Uint8Array(base);
      const sec = elf0.section(secs[round % secs.length]!);
      if (!sec) continue;
      for (let k = 0; k < 8; k++) b[sec.offset + Math.floor(rnd() * sec.size)] = Math.floor(rnd() * 256);
      try {
        readDwarf(ElfFile.fromBytes(b), { types: true });
      } catch (e) {
        expect(e).toBeInstanceOf(BtfgenError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });

  test("a reader stays usable for further walks; unit ranges give the same sites", () => {
    const elf = ElfFile.fromBytes(new Uint8Array(base));
    const reader = DwarfReader.open(elf);
    const all = reader.walk();
    let n = 0;
    for (let u = 0; u < reader.unitCount; u++) n += reader.walk(u, u + 1).sites.count;
    expect(n).toBe(all.sites.count);
  });
});
