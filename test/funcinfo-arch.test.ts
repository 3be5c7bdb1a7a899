/**
 * func_info on other architectures and byte orders, compiled on the fly by
 * clang-19 (`--target`): the site count is llvm-dwarfdump's, the BTF has the
 * object's byte order, it decodes back to the lowered sites, and every
 * parameter location of every decoded site is the one llvm-dwarfdump gives
 * at that address (test/helpers/oracle.ts, as test/sites-oracle.test.ts does
 * on the fixtures), on every target.
 */
import { expectAccepted } from "./helpers/check.js";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeFuncInfo } from "../src/app/decode.js";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { parseBtf, readBtfHeader } from "../src/btf/read.js";
import { ElfFile } from "../src/elf/elf.js";
import { locParamText } from "../src/lower/locparam.js";
import { inlinedCount } from "./helpers/dwarfdump.js";
import { judgeLocations, siteKey } from "./helpers/oracle.js";

const SRC = `
struct pair { long a, b; };
extern void sink(long);
static inline long scale(long v, int f) { return v * f; }
static inline long add3(long a, long b, long c) { sink(a); return a + b + c; }
static inline long pr(struct pair p, int k) { return p.a * k + p.b; }
long entry(long x, long y, struct pair p) {
  long s = scale(x, 3) + scale(y, x) + add3(x, 1, y);
  s += pr(p, 2);
  return s;
}
extern void note(const char *, unsigned);
extern double dsink(double);
static inline void tag(const char *what, unsigned n) { if (n) note(what, n); }
static inline double mix(double a, float b, int k) { return dsink(a * k + b); }
static inline int pick(const int *v, int i, char c) { sink(c); return v[i] + c; }
long second(const int *v, int n, double d) {
  long t = 0;
  for (int i = 0; i < n; i++) { t += pick(v, i, 'a' + i); tag("loop", i); }
  tag("done", 7);
  t += (long)mix(d, 1.5f, n);
  t += (long)mix(2.0, (float)d, 3);
  return t + pick(v, 0, 'z');
}
`;
const dir = mkdtempSync(join(tmpdir(), "btfgen-arch-"));
writeFileSync(join(dir, "x.c"), SRC);

describe.each([
  ["s390x-linux-gnu", false],
  ["powerpc64-linux-gnu", false],
  ["aarch64_be-linux-gnu", false],
  ["riscv64-linux-gnu", true],
  ["i386-linux-gnu", true],
  ["armv7-linux-gnueabihf", true],
  ["x86_64-linux-gnu", true],
  // MIPS64's split r_info, MIPS32 REL (addends in place), SPARC v9's type bits, LoongArch.
  ["mips64el-linux-gnuabi64", true],
  ["mips64-linux-gnuabi64", false],
  ["mipsel-linux-gnu", true],
  ["sparcv9-linux-gnu", false],
  ["loongarch64-linux-gnu", true],
] as const)("%s", (target, little) => {
  test("sites, byte order, decode, locations as llvm-dwarfdump's", async () => {
    for (const dwarf of ["-gdwarf-4", "-gdwarf-5"]) {
      const obj = join(dir, `x-${target}${dwarf}.o`);
      execFileSync("clang-19", [`--target=${target}`, "-O2", "-g", dwarf, "-c", join(dir, "x.c"), "-o", obj]);
      const r = await buildFuncInfo(obj);
      expectAccepted(r.bytes, r.btf.base);
      expect(readBtfHeader(r.bytes).littleEndian).toBe(little);
      expect(r.sites.filter((s) => s.kind === 0).length + r.lower.noAddress + r.lower.noSection + r.noProto).toBe(inlinedCount(obj));
      const back = parseBtf(r.bytes, { base: parseBtf(r.encodedBase!) });
      const decoded = decodeFuncInfo(back);
      expect(decoded.length).toBe(r.sites.length);

      // The locations as written, decoded from the BTF: one .text (an ET_REL whose
      // section starts at 0), so a LOCSEC offset is the address llvm-dwarfdump prints.
      const ours = new Map<string, string[][]>();
      for (const d of decoded) {
        expect(d.section).toBe(".text");
        const k = siteKey(d.name, BigInt(d.offset));
        (ours.get(k) ?? ours.set(k, []).get(k)!).push(d.params.map((p) => `${p.name}=${p.loc ? locParamText(p.loc) : "unavailable"}`));
      }
      const elf = ElfFile.open(obj);
      const ctx = { relocatable: true, littleEndian: elf.littleEndian, machine: elf.machine, typed: true };
      elf.close();
      const j = judgeLocations(obj, ours, ctx);
      expect(j.sites).toBeGreaterThan(0);
      expect(j.sites).toBe(inlinedCount(obj));
      expect(j.judged).toBeGreaterThanOrEqual(15); // 17-24 on these targets
      expect(j.unjudged).toBeLessThanOrEqual(Math.max(4, j.judged / 4));
    }
  });
});
