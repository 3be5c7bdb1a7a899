/**
 * The func_info file end to end on every fixture object: what the emitter
 * wrote, read back by the BTF reader and decoded, gives exactly the sites and
 * locations the lowering produced; the site count is llvm-dwarfdump's; the
 * LOCSECs are sorted so a binary search finds every function; the bytes do
 * not change between runs; the rfc-v1 profile, LOCSEC partitions, the ELF
 * container and a reader that does not know kinds 20-22 all work.
 */
import { expectAccepted, expectFileAccepted } from "./helpers/check.js";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { decodeFuncInfo, type DecodedSite } from "../src/app/decode.js";
import { funcInfoFileStats } from "../src/app/commands.js";
import { buildFuncInfo, funcInfoCommand } from "../src/app/funcinfo.js";
import type { Btf } from "../src/btf/btf.js";
import { BTF_KIND_LOCSEC, BTF_KIND_FUNC } from "../src/btf/kinds.js";
import { parseBtf } from "../src/btf/read.js";
import { locParamText } from "../src/lower/locparam.js";
import { SITE_INLINE } from "../src/dwarf/records.js";
import { UnsupportedError } from "../src/errors.js";
import { inlinedCount } from "./helpers/dwarfdump.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const objects = readdirSync(OBJ).filter((f) => /\.o$|-x86_64(-pie)?$|-aarch64(-pie)?$/.test(f)).sort();

const siteKey = (name: string, section: string, offset: number | bigint, locs: string[]) =>
  `${name}|${section}|${offset}|${locs.join(";")}`;

function decodedKeys(sites: DecodedSite[]): string[] {
  return sites.map((s) => siteKey(s.name, s.section, s.offset, s.params.map((p) => (p.loc ? locParamText(p.loc) : "-"))));
}

/** Every LOCSEC's entries in (name, offset) order, and each name's entries contiguous and found by binary search. */
function checkLocsecOrder(btf: Btf): number {
  let checked = 0;
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) {
    const t = btf.typeById(id);
    if (t.kind !== BTF_KIND_LOCSEC) continue;
    const names = t.entries.map((e) => ("func" in e ? btf.nameOf(e.func) : btf.str(e.nameOff)));
    for (let i = 1; i < names.length; i++) {
      expect(names[i - 1] <= names[i], `${names[i - 1]} before ${names[i]}`).toBe(true);
      if (names[i - 1] === names[i]) expect(t.entries[i - 1].offset <= t.entries[i].offset).toBe(true);
    }
    for (const name of new Set(names)) {
      let lo = 0, hi = names.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (names[mid] < name) lo = mid + 1;
        else hi = mid;
      }
      const found: number[] = [];
      for (let i = lo; i < names.length && names[i] === name; i++) found.push(i);
      expect(found.length).toBe(names.filter((n) => n === name).length);
      checked++;
    }
  }
  return checked;
}

describe.each(objects)("%s", (obj) => {
  const path = join(OBJ, obj);
  test("written, read back and decoded: the same sites, sorted, llvm-dwarfdump's count", async () => {
    const r = await buildFuncInfo(path);
    const base = r.btf.base!;
    expectAccepted(r.bytes, base);
    const back = parseBtf(r.bytes, { base });
    expect(back.types.length).toBe(r.btf.types.length);
    const decoded = decodeFuncInfo(back);
    expect(decodedKeys(decoded).sort()).toEqual(
      r.sites.map((s) => siteKey(s.name, s.section, s.offset, s.params.map((p) => (p ? locParamText(p) : "-")))).sort(),
    );
    const inline = r.sites.filter((s) => s.kind === SITE_INLINE).length;
    expect(inline + r.lower.noAddress + r.lower.noSection + r.noProto).toBe(inlinedCount(path));
    checkLocsecOrder(back);
    // `stats` of the written file says what the lowering counted.
    if (r.noProto === 0) {
      const st = funcInfoFileStats(back, r.bytes.length);
      expect([st.full, st.partial, st.none, st.noParams]).toEqual([r.lower.full, r.lower.partial, r.lower.none, r.lower.noParams]);
    }
    // FUNCs the split adds are sorted by name.
    const added = back.types.filter((t) => t.kind === BTF_KIND_FUNC).map((t) => back.str(t.nameOff));
    expect(added).toEqual([...added].sort());
    // Deterministic bytes.
    expect(Buffer.from((await buildFuncInfo(path)).bytes).equals(Buffer.from(r.bytes))).toBe(true);
  });
});

const SAMPLE = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");
/** An object with its own .BTF (as vmlinux has): the batched path, which worker threads serve. */
let VMLINUX_LIKE = "";
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "btfgen-j-"));
  VMLINUX_LIKE = join(dir, "all-with-btf");
  execFileSync("cp", [SAMPLE, VMLINUX_LIKE]);
  execFileSync("pahole", ["-J", VMLINUX_LIKE]);
});

describe("profiles, partitions, containers", () => {
  test("the bytes are the same for any worker count", async () => {
    const bytes = [];
    for (const jobs of [1, 2, 3, 4]) bytes.push(Buffer.from((await buildFuncInfo(VMLINUX_LIKE, { jobs, unitsPerBatch: 1 })).bytes));
    for (const b of bytes.slice(1)) expect(b.equals(bytes[0])).toBe(true);
  });

  test("--timings: every stage the run went through, worker stages from the workers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "btfgen-timings-"));
    const j = JSON.parse(await funcInfoCommand({ file: VMLINUX_LIKE, output: join(dir, "out.btf"), jobs: 2, unitsPerBatch: 1, json: true, timings: true }));
    const t = j.timingsMs as Record<string, number>;
    for (const stage of ["main: open, base chain", "worker: DWARF walk", "worker: prototypes (types, dedup)", "worker: lowering", "main: LOC emission", "main: check (kernel rules)", "total"]) {
      expect(t[stage], stage).toBeGreaterThanOrEqual(0);
    }
    const plain = JSON.parse(await funcInfoCommand({ file: VMLINUX_LIKE, output: join(dir, "out2.btf"), jobs: 1, json: true }));
    expect(plain.timingsMs).toBeUndefined();
    expect(readFileSync(join(dir, "out.btf")).equals(readFileSync(join(dir, "out2.btf")))).toBe(true);
  });

  test("a reader that knows kinds up to 19 skips the LOC kinds with the layout section", async () => {
    const r = await buildFuncInfo(SAMPLE);
    const old = parseBtf(r.bytes, { base: r.btf.base, maxKnownKind: 19, unknownKinds: "skip" });
    expect(old.types.length).toBe(r.btf.types.length);
    expect(old.types.filter((t) => t.kind === 0).length).toBe(r.btf.types.filter((t) => t.kind >= 20).length);
    expect(() => parseBtf(r.bytes, { base: r.btf.base, maxKnownKind: 19, unknownKinds: "error" })).toThrowError(UnsupportedError);
  });

  test("rfc-v1 decodes to the same sites, except what the RFC format cannot say", async () => {
    const v2 = await buildFuncInfo(SAMPLE);
    const v1 = await buildFuncInfo(SAMPLE, { format: "rfc-v1" });
    expectAccepted(v1.bytes, v1.btf.base);
    const back = parseBtf(v1.bytes, { base: v1.btf.base, profile: "rfc-v1" });
    const a = decodeFuncInfo(parseBtf(v2.bytes, { base: v2.btf.base }));
    const b = decodeFuncInfo(back);
    expect(b.length).toBe(a.length);
    const strip = (s: DecodedSite) => ({ name: s.name, offset: s.offset, n: s.params.length });
    expect(b.map(strip)).toEqual(a.map(strip));
    let same = 0;
    for (let i = 0; i < a.length; i++) {
      for (let p = 0; p < a[i].params.length; p++) {
        const x = a[i].params[p].loc, y = b[i].params[p].loc;
        if (y) expect(locParamText(y)).toBe(x ? locParamText(x) : "unavailable");
        if (x && y) same++;
      }
    }
    expect(same).toBeGreaterThan(0);
  });

  test("--locsec-max partitions into name ranges, each named after its first function", async () => {
    const r = await buildFuncInfo(SAMPLE, { locsecMax: 3 });
    expectAccepted(r.bytes, r.btf.base);
    const back = parseBtf(r.bytes, { base: r.btf.base });
    const secs = back.types.filter((t) => t.kind === BTF_KIND_LOCSEC);
    expect(secs.length).toBeGreaterThan(1);
    let total = 0;
    for (const t of secs) {
      if (t.kind !== BTF_KIND_LOCSEC || "profile" in t && t.profile === "rfc-v1") continue;
      expect(t.entries.length).toBeLessThanOrEqual(3);
      total += t.entries.length;
      const first = back.nameOf((t.entries[0] as { func: number }).func);
      expect(back.str(t.nameOff)).toMatch(new RegExp(`^inline\\.\\S+:${first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    }
    expect(total).toBe(r.sites.length);
    checkLocsecOrder(back);
  });

  test("--elf writes an object of the input's class with the same bytes in .BTF.func_info", async () => {
    const dir = mkdtempSync(join(tmpdir(), "btfgen-fi-"));
    for (const [obj, cls] of [["all-gcc12-O2-dwarf5-x86_64", "ELF64"], ["all-gcc12-O2-dwarf5-aarch64", "ELF64"]]) {
      const out = join(dir, obj + ".o");
      await funcInfoCommand({ file: join(OBJ, obj), output: out, elf: true, quiet: true });
      expectFileAccepted(out);
      const hdr = execFileSync("readelf", ["-hSW", out], { encoding: "utf8" });
      expect(hdr).toMatch(new RegExp(`Class:\\s+${cls}`));
      expect(hdr).toMatch(/\.BTF\.func_info/);
      const raw = join(dir, obj + ".raw");
      execFileSync("llvm-objcopy-19", ["--dump-section", `.BTF.func_info=${raw}`, out, join(dir, "scratch")]);
      expect(Buffer.from(readFileSync(raw)).equals(Buffer.from((await buildFuncInfo(join(OBJ, obj))).bytes))).toBe(true);
    }
    writeFileSync(join(dir, "done"), "");
  });
});

// An object without .BTF gets a base encoded from its DWARF. A big one (a
// kernel built without BTF: a ppc64le vmlinux held 3 GB in one whole walk)
// is encoded range by range, as `btfgen encode` does, then lowered in
// batches as on a .BTF: the same sites, types and locations, the base the
// same bytes as `btfgen encode` writes, the file accepted.
describe("a base encoded range by range (big objects without .BTF)", () => {
  const objs = readdirSync(OBJ).filter((f) => /^all-(gcc12|clang19)-O2-dwarf5-(x86_64|aarch64)$/.test(f)).sort();
  test("the fixtures are there", () => expect(objs.length).toBe(4));
  const text = (btf: Btf) => decodeFuncInfo(btf).map((d) => `${d.section}+${d.offset} ${d.name}(${d.params.map((p) => `${p.name}=${p.loc ? locParamText(p.loc) : "-"}`).join(", ")})`).sort();
  test.each(objs)("%s", async (obj) => {
    const path = join(OBJ, obj);
    const whole = await buildFuncInfo(path, {});
    for (const jobs of [1, 2]) {
      const ranged = await buildFuncInfo(path, { baseByUnits: true, jobs, unitsPerBatch: 1 });
      expect(ranged.baseSource).toBe("encoded from DWARF");
      expectAccepted(ranged.bytes, ranged.btf.base);
      expect(text(parseBtf(ranged.bytes, { base: parseBtf(ranged.encodedBase!) }))).toEqual(text(parseBtf(whole.bytes, { base: parseBtf(whole.encodedBase!) })));
      const dir = mkdtempSync(join(tmpdir(), "btfgen-ranged-"));
      const { encodeCommand } = await import("../src/app/funcinfo.js");
      await encodeCommand({ file: path, output: join(dir, "base.btf"), byUnits: true, jobs: 1, quiet: true });
      expect(Buffer.from(ranged.encodedBase!).equals(readFileSync(join(dir, "base.btf")))).toBe(true);
    }
  });
});
