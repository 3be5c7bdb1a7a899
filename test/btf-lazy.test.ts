/**
 * The lazy base read (src/btf/lazy.ts) against the eager parse: same types
 * decoded on demand, same name and string lookups, the same dedup index
 * from the raw records (hashRecord = hashType), and on corrupt input the
 * same verdict (error message, or the same types).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Btf } from "../src/btf/btf.js";
import { parseBtf } from "../src/btf/read.js";
import { writeBtf } from "../src/btf/write.js";
import { readDwarf } from "../src/dwarf/index.js";
import { ElfFile } from "../src/elf/index.js";
import { encodeBtf } from "../src/encode/index.js";
import { hashRecord, hashType } from "../src/encode/dedup/shape.js";
import { TargetIndex } from "../src/encode/dedup/state.js";
import { KERNEL, kernelTitle } from "./helpers/kernel.js";

const OBJ = join(__dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => f.startsWith("all-") && f.endsWith("-x86_64")).slice(0, 4);

function encoded(name: string): Uint8Array {
  const elf = ElfFile.open(join(OBJ, name));
  try {
    const { btf } = encodeBtf(readDwarf(elf, { types: true, sites: false }), { elf });
    return writeBtf(btf);
  } finally {
    elf.close();
  }
}

function btfSection(path: string): Uint8Array {
  const elf = ElfFile.open(path, { relocate: false });
  try {
    return elf.sectionData(elf.section(".BTF")!, { relocate: false });
  } finally {
    elf.close();
  }
}

/** Lazy and eager reads agree on everything a split asks of its base. */
function expectSameAsEager(bytes: Uint8Array, names: "all" | number = "all", base?: [Btf, Btf]): void {
  const eager = parseBtf(bytes, { base: base?.[0] });
  const lazy = parseBtf(bytes, { base: base?.[1], lazy: true });
  expect(lazy.raw, "the lazy pass took it").toBeDefined();
  expect(lazy.nrTypes).toBe(eager.nrTypes);
  expect(lazy.profile).toBe(eager.profile);
  expect(lazy.strings.end).toBe(eager.strings.end);
  // The dedup index from raw records, before anything is decoded.
  const raw = lazy.raw!;
  for (let i = 0; i < raw.count; i++) {
    expect(hashRecord(raw.words, raw.at[i])).toBe(hashType(eager.typeById(eager.firstTypeId + i)));
  }
  const lix = new TargetIndex(lazy);
  lix.sync();
  const eix = new TargetIndex(eager);
  eix.sync();
  // Names and strings looked up before the types are decoded, then the types one by one.
  const all = [...new Set([...eager.entries()].map(([, t]) => eager.str(t.nameOff)))];
  const step = names === "all" ? 1 : Math.max(1, Math.floor(all.length / names));
  for (let i = 0; i < all.length; i += step) {
    expect(lazy.findAllByName(all[i])).toEqual(eager.findAllByName(all[i]));
    expect(lazy.strings.find(all[i])).toBe(eager.strings.find(all[i]));
  }
  expect(lazy.findAllByName("no such name here")).toEqual([]);
  for (let id = lazy.firstTypeId; id < lazy.nrTypes; id++) {
    const t = eager.typeById(id);
    expect(lazy.maybeType(id)).toEqual(t);
    const h = hashType(t);
    expect(lix.lookup(h)).toEqual(eix.lookup(h));
    // Asked with the kind: the ids of the kinds a pass could accept for it (a composite may meet a FWD).
    const compared = t.kind === 4 || t.kind === 5 ? [4, 5, 7] : t.kind === 14 || t.kind === 15 ? [] : [t.kind];
    expect(lix.lookup(h, t.kind)).toEqual(eix.lookup(h).filter((c) => compared.includes(eager.typeById(c).kind)));
    expect(lix.compositesNamed(t.nameOff)).toEqual(eix.compositesNamed(t.nameOff));
  }
  expect(lazy.maybeType(lazy.nrTypes)).toBeUndefined();
  expect(lazy.types).toEqual(eager.types);
  expect(Buffer.from(writeBtf(lazy)).equals(Buffer.from(writeBtf(eager)))).toBe(true);
}

/** A tiny PRNG, so the corruptions are the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function verdict(bytes: Uint8Array, lazy: boolean): string | Btf {
  try {
    return parseBtf(bytes, { lazy });
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe("lazy base read", () => {
  test.each(FIXTURES)("%s: decoded on demand equals the eager parse", (name) => {
    expectSameAsEager(encoded(name));
  });

  test.each([
    ["big-endian", { littleEndian: false }],
    ["with a layout section", { layout: true }],
    ["big-endian with a layout section", { littleEndian: false, layout: true }],
  ] as const)("%s: the same as the eager parse", (_name, opts) => {
    const bytes = writeBtf(parseBtf(encoded(FIXTURES[1])), opts);
    expectSameAsEager(bytes);
    expect(parseBtf(bytes, { lazy: true }).hasLayout).toBe(!!("layout" in opts && opts.layout));
  });

  test("a split read lazily on a lazy base", () => {
    const elf = ElfFile.open(join(OBJ, FIXTURES[0]));
    try {
      const records = readDwarf(elf, { types: true, sites: false });
      const baseBytes = writeBtf(encodeBtf(records, { elf }).btf);
      const eagerBase = parseBtf(baseBytes);
      const lazyBase = parseBtf(baseBytes, { lazy: true });
      // A split on it: the base's own types again, which dedup maps to the base, plus a few new ones.
      const split = new Btf({ base: eagerBase });
      split.add({ kind: 2, nameOff: 0, type: 1 });
      split.add({ kind: 8, nameOff: split.addStr("lazy_split_t"), type: split.nrTypes - 1 });
      split.add({ kind: 7, nameOff: eagerBase.typeById(1).nameOff, union: false });
      expectSameAsEager(writeBtf(split), "all", [eagerBase, lazyBase]);
    } finally {
      elf.close();
    }
  });

  test("corrupt input: the lazy read accepts and refuses exactly what the eager one does", () => {
    const good = encoded(FIXTURES[0]);
    const next = rng(10);
    const hdrLen = 24;
    let refused = 0;
    for (let k = 0; k < 400; k++) {
      const bad = good.slice();
      // Mostly inside the type section, where the lazy pass does its own checks.
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) {
        const at = next() < 0.9 ? hdrLen + Math.floor(next() * (bad.length - hdrLen)) : Math.floor(next() * hdrLen);
        bad[at] = next() < 0.5 ? Math.floor(next() * 256) : bad[at] ^ (1 << Math.floor(next() * 8));
      }
      const e = verdict(bad, false);
      const l = verdict(bad, true);
      if (typeof e === "string") {
        refused++;
        expect(l).toBe(e);
      } else {
        expect(typeof l).toBe("object");
        expect((l as Btf).types).toEqual(e.types);
      }
    }
    expect(refused).toBeGreaterThan(50);
  });

  test("what the lazy pass does not take is parsed eagerly", () => {
    const bytes = encoded(FIXTURES[0]);
    expect(parseBtf(bytes, { lazy: true, maxKnownKind: 19 }).raw).toBeUndefined();
    expect(parseBtf(bytes, { lazy: true, validate: false }).raw).toBeUndefined();
    expect(parseBtf(bytes).raw).toBeUndefined();
  });
});

describe.skipIf(!!KERNEL.skipReason)(kernelTitle("lazy base read of the Debian 6.1 kernel"), () => {
  test("vmlinux .BTF: every type decoded on demand equals the eager parse", () => {
    expectSameAsEager(btfSection(KERNEL.vmlinux!), 3000);
  }, 120_000);

  test("a module's .BTF on a lazy vmlinux", () => {
    const vbytes = btfSection(KERNEL.vmlinux!);
    const ko = join(KERNEL.modules!, "kernel/net/ipv4/ip_vti.ko");
    expectSameAsEager(btfSection(ko), "all", [parseBtf(vbytes), parseBtf(vbytes, { lazy: true })]);
  }, 120_000);
});
