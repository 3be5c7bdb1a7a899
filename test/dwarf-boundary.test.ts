// The wasm boundary (issue 15, items 3-5): the module's column and section
// lists against the TS schema, one clone-name rule on relocatable objects
// laid out or not, and errors that keep their section, offset, type id and
// cause across the boundary and across worker threads.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildFuncInfo } from "../src/app/funcinfo.ts";
import { fromWorkerError, toWorkerError } from "../src/app/pool.ts";
import {
  cloneBase, COLUMNS, DwarfReader, DwarfWasm, isCloneName, readDwarf, SITE_FUNC, SITE_OPTIMIZED, strAt, WASM_URL,
} from "../src/dwarf/index.ts";
import { checkColumns } from "../src/dwarf/wasm.ts";
import { ElfFile } from "../src/elf/index.ts";
import { MalformedError, NotFoundError, TruncatedError } from "../src/errors.ts";

const OBJ = join(import.meta.dirname, "..", "testdata", "obj");
const kernelDir = () => process.env.BTFGEN_KERNEL_DIR ?? join(homedir(), ".cache", "btfgen", "kernel");
const LINKED = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");

/** The column list as the module itself spells it. */
function moduleColumns(): string {
  // The host imports (lazily read sections) are never called here.
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(WASM_URL)), { btfgen: { fill_info: () => 1, fill_section: () => 1 } });
  const x = inst.exports as unknown as { memory: WebAssembly.Memory; column_names(): number; column_names_len(): number };
  return new TextDecoder().decode(new Uint8Array(x.memory.buffer, x.column_names(), x.column_names_len()));
}

describe("column schema", () => {
  const text = moduleColumns();

  test("the module's list is the records' schema, table by table", () => {
    const list = checkColumns(text);
    const fromTs = Object.entries(COLUMNS).flatMap(([t, f]) => Object.keys(f).map((k) => `${t}.${k}`)).sort();
    expect(list.map((c) => c.name).sort()).toEqual(fromTs);
  });

  test.each([
    ["a changed element type", (s: string) => s.replace("units.version:u8", "units.version:u32"), /units\.version is u32, records\.ts says u8/],
    ["a column only the module has", (s: string) => s + "sites.extra:u32,", /sites\.extra unknown/],
    ["a column only the records have", (s: string) => s.replace("locs.valHi:u32,", ""), /locs\.valHi missing/],
    ["a column twice", (s: string) => s + "dies.tag:u16,", /dies\.tag twice/],
  ])("%s is refused", (_what, mutate, message) => {
    expect(() => checkColumns(mutate(text))).toThrow(message);
  });

  test("every table's columns have one row count", () => {
    const elf = ElfFile.open(LINKED);
    try {
      const r = readDwarf(elf, { types: true });
      for (const t of ["units", "funcs", "params", "sites", "locs", "dies"] as const) {
        const table = r[t]! as unknown as Record<string, ArrayLike<number> | number>;
        for (const f of Object.keys(COLUMNS[t])) expect((table[f] as ArrayLike<number>).length, `${t}.${f}`).toBe(table.count);
      }
    } finally {
      elf.close();
    }
  });

  test("sections are gimli's SectionIds, each read by its ELF name", () => {
    const ids = new DwarfWasm().sectionIds;
    // gimli 0.27 `SectionId` order: DebugAbbrev = 0, DebugInfo = 7, DebugTypes = 21.
    expect(ids.get(".debug_abbrev")).toBe(0);
    expect(ids.get(".debug_info")).toBe(7);
    expect(ids.get(".debug_types")).toBe(21);
    expect(new Set(ids.values()).size).toBe(ids.size);
    for (const name of ids.keys()) expect(name).toMatch(/^\.debug_/);
  });
});

/** Opens `path`'s DWARF as the commands do, with `mutate` applied to the bytes of `.debug_info` / `.debug_abbrev`. */
function openCorrupt(path: string, mutate: (section: string, bytes: Uint8Array) => void): DwarfReader {
  return DwarfReader.open(corruptElf(ElfFile.open(path), mutate));
}

/** An ElfFile whose debug sections read with `mutate` applied. */
function corruptElf(elf: ElfFile, mutate: (section: string, bytes: Uint8Array) => void): ElfFile {
  const names = new Map<unknown, string>();
  for (const n of [".debug_info", ".debug_abbrev"]) {
    const s = elf.debugSection(n);
    if (s) names.set(s, n);
  }
  return new Proxy(elf, {
    get(target, prop, receiver) {
      if (prop === "readSectionInto") {
        return (sec: Parameters<ElfFile["readSectionInto"]>[0], out: Uint8Array) => {
          target.readSectionInto(sec, out);
          const n = names.get(sec);
          if (n) mutate(n, out);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Unit header offsets and abbreviation offsets, as llvm-dwarfdump prints them. */
function dumpUnits(path: string): { offset: number; abbrev: number; firstDie: number }[] {
  const text = execFileSync("llvm-dwarfdump-19", ["--debug-info", path], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
  const units: { offset: number; abbrev: number; firstDie: number }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^0x([0-9a-f]+): Compile Unit: .*abbr_offset = 0x([0-9a-f]+)/.exec(lines[i]!);
    if (!m) continue;
    // The unit DIE, then its first child.
    let k = i + 1;
    let dies = 0;
    let firstDie = -1;
    for (; k < lines.length; k++) {
      const d = /^0x([0-9a-f]+):\s+DW_TAG_/.exec(lines[k]!);
      if (d && ++dies === 2) {
        firstDie = parseInt(d[1]!, 16);
        break;
      }
    }
    units.push({ offset: parseInt(m[1]!, 16), abbrev: parseInt(m[2]!, 16), firstDie });
  }
  return units;
}

describe("corrupt DWARF is reported at its section and offset", () => {
  const units = dumpUnits(LINKED);

  test("a unit header of an unknown version: .debug_info at that header (init)", () => {
    const u = units[2]!;
    let err: unknown;
    try {
      openCorrupt(LINKED, (s, b) => {
        if (s === ".debug_info") b[u.offset + 4] = 99; // the version's low byte (32-bit DWARF)
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedError);
    const m = err as MalformedError;
    expect([m.section, m.offset, m.file]).toEqual([".debug_info", u.offset, LINKED]);
    expect(m.message).toMatch(/unknown DWARF version/);
  });

  test("an abbreviation with form 0: .debug_abbrev at the unit's table (walk)", () => {
    const u = units[1]!;
    const reader = openCorrupt(LINKED, (s, b) => {
      if (s !== ".debug_abbrev") return;
      // code, tag, children, then the first (name, form) pair: all one-byte ULEBs here.
      for (let i = 0; i < 4; i++) expect(b[u.abbrev + i]! & 0x80).toBe(0);
      b[u.abbrev + 4] = 0;
    });
    let err: unknown;
    try {
      reader.walk(1, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedError);
    const m = err as MalformedError;
    expect([m.section, m.offset]).toEqual([".debug_abbrev", u.abbrev]);
  });

  test.each([["sites", 1], ["types", 2]])("an unknown abbreviation code in a DIE: .debug_info at that DIE (%s walk)", (_w, flags) => {
    const u = units[3]!;
    const reader = openCorrupt(LINKED, (s, b) => {
      if (s !== ".debug_info") return;
      expect(b[u.firstDie]! & 0x80).toBe(0);
      b[u.firstDie] = 0x7f;
    });
    let err: unknown;
    try {
      reader.walk(3, 4, flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedError);
    const m = err as MalformedError;
    expect([m.section, m.offset]).toEqual([".debug_info", u.firstDie]);
    expect(m.message).toMatch(/unknown abbreviation code/);
  });
});

describe("errors from worker threads", () => {
  test("a corrupt DIE walked in a worker thread is reported at its section and offset", async () => {
    // The fixture with a .BTF of its own (so func_info walks unit batches, here in
    // a worker and the main thread), one DIE's abbreviation code made unknown in
    // the file itself: in the first unit, whose batch always goes to a worker (the
    // main thread takes batches only when every worker has two in hand).
    const u = dumpUnits(LINKED)[0]!;
    const dir = mkdtempSync(join(tmpdir(), "btfgen-workererr-"));
    const btf = join(dir, "own.btf");
    writeFileSync(btf, (await buildFuncInfo(LINKED)).encodedBase!);
    const withBtf = join(dir, "with-btf");
    execFileSync("objcopy", ["--add-section", `.BTF=${btf}`, "--set-section-flags", ".BTF=readonly", LINKED, withBtf]);
    const info = / \.debug_info\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(execFileSync("readelf", ["-SW", withBtf], { encoding: "utf8" }))!;
    const bytes = readFileSync(withBtf);
    const at = parseInt(info[1]!, 16) + u.firstDie;
    expect(bytes[at]! & 0x80).toBe(0);
    bytes[at] = 0x7f;
    writeFileSync(withBtf, bytes);
    let err: unknown;
    try {
      await buildFuncInfo(withBtf, { jobs: 2, unitsPerBatch: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedError);
    const m = err as MalformedError;
    expect([m.file, m.section, m.offset]).toEqual([withBtf, ".debug_info", u.firstDie]);
    // The stack is the worker's, where the walk failed.
    expect(m.stack).toContain("batch-worker");
  });

  // postMessage copies with the structured clone algorithm: the transport is what survives it.
  const carry = (e: unknown) => fromWorkerError(structuredClone(toWorkerError(e)));

  test("class, place, type id, cause chain and stack survive", () => {
    const inner = new TruncatedError("want 4 bytes", { section: ".debug_str", offset: 0x40 });
    const outer = new MalformedError("bad name", { file: "m.ko", section: ".BTF", offset: 0x1a4, typeId: 42 }, { cause: inner });
    const got = carry(outer);
    expect(got).toBeInstanceOf(MalformedError);
    const m = got as MalformedError;
    expect([m.file, m.section, m.offset, m.typeId, m.message]).toEqual(["m.ko", ".BTF", 0x1a4, 42, "bad name"]);
    expect(m.describe()).toBe("m.ko:.BTF+0x1a4: type [42]: bad name");
    expect(m.stack).toBe(outer.stack);
    expect(m.cause).toBeInstanceOf(TruncatedError);
    expect([(m.cause as TruncatedError).section, (m.cause as TruncatedError).offset]).toEqual([".debug_str", 0x40]);
  });

  test("a bug stays a plain Error (not an input error), with its stack; a cyclic cause chain ends", () => {
    const bug = new TypeError("x is undefined");
    const got = carry(bug);
    expect(got).not.toBeInstanceOf(MalformedError);
    expect(got.stack).toBe(bug.stack);
    const a = new NotFoundError("a");
    const b = new NotFoundError("b", {}, { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(carry(b)).toBeInstanceOf(NotFoundError);
  });
});

describe("clone names", () => {
  test.each([
    ["big.part.0", "big"], ["only_b.isra.0", "only_b"], ["with_mode.constprop.0", "with_mode"], ["clones_hotcold.cold", "clones_hotcold"],
    ["f.part.0.cold", "f"], ["g.specialized.1", "g"], ["part.isra.0", "part"],
  ])("%s is a clone of %s", (name, base) => {
    expect(isCloneName(name)).toBe(true);
    expect(cloneBase(name)).toBe(base);
  });

  test.each(["isra", "h.localalias", "k.lto_priv.0", "s.llvm.123456", "coldplay", "x.colder"])("%s is no clone", (name) => {
    expect(isCloneName(name)).toBe(false);
    expect(cloneBase(name)).toBeUndefined();
  });

  // gcc names its clones only in the symbol table: nameClones must find them at
  // the sites' addresses, which in an ET_REL file are laid out per section. With
  // -ffunction-sections every function has a section of its own, all at
  // st_value 0: only laid-out addresses tell them apart. In the module, one
  // clone (hexdump.part.0.constprop.0) sits in .text.unlikely.
  const fsections = join(mkdtempSync(join(tmpdir(), "btfgen-clones-")), "clones-fsections.o");
  execFileSync("gcc", ["-c", "-O2", "-g", "-gdwarf-5", "-ffunction-sections", "-o", fsections, "clones.c"], { cwd: join(import.meta.dirname, "..", "testdata", "src") });
  const ko = join(kernelDir(), "root/usr/lib/debug/lib/modules/6.1.0-56-cloud-amd64/kernel/crypto/ansi_cprng.ko");
  const cases: [string, string, boolean, number][] = [
    ["fixture", join(OBJ, "clones-gcc12-O2-dwarf5-x86_64.o"), true, 3],
    ["fixture", join(OBJ, "clones-gcc12-O2-dwarf5-x86_64.o"), false, 3],
    ["-ffunction-sections", fsections, true, 3],
    ["-ffunction-sections", fsections, false, 3],
    ["module", ko, true, 2],
  ];
  test.each(cases)("%s %s, laid out %s: every gcc clone symbol names its SITE_FUNC and flags it", (what, path, layout, min) => {
    if (what === "module" && !existsSync(path)) {
      console.warn(`skipped: ${path} not found (make kernel, or set BTFGEN_KERNEL_DIR)`);
      return;
    }
    const elf = ElfFile.open(path, { layoutRelocatable: layout });
    try {
      const r = readDwarf(elf);
      const named = new Map<string, number>();
      for (let i = 0; i < r.sites.count; i++) {
        if (r.sites.kind[i] === SITE_FUNC) named.set(strAt(r, r.sites.siteName[i]!), r.sites.flags[i]!);
      }
      // `foo.cold` is no subprogram of its own: gcc makes it a second range of `foo`.
      const clones = execFileSync("nm", [path], { encoding: "utf8" }).split("\n")
        .map((l) => l.trim().split(/\s+/)[2] ?? "")
        .filter((n) => isCloneName(n) && !n.endsWith(".cold"));
      expect(clones.length).toBeGreaterThanOrEqual(min);
      for (const c of clones) {
        expect(named.get(c), c).toBeDefined();
        expect(named.get(c)! & SITE_OPTIMIZED, c).toBe(SITE_OPTIMIZED);
      }
    } finally {
      elf.close();
    }
  });
});
