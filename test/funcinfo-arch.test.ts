/**
 * func_info on other architectures and byte orders, compiled on the fly by
 * clang-19 (`--target`): the site count is llvm-dwarfdump's, the BTF has the
 * object's byte order, and it decodes back to the lowered sites.
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
import { inlinedCount } from "./helpers/dwarfdump.js";

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
] as const)("%s", (target, little) => {
  test("sites, byte order, decode", async () => {
    for (const dwarf of ["-gdwarf-4", "-gdwarf-5"]) {
      const obj = join(dir, `x-${target}${dwarf}.o`);
      execFileSync("clang-19", [`--target=${target}`, "-O2", "-g", dwarf, "-c", join(dir, "x.c"), "-o", obj]);
      const r = await buildFuncInfo(obj);
      expectAccepted(r.bytes, r.btf.base);
      expect(readBtfHeader(r.bytes).littleEndian).toBe(little);
      expect(r.sites.filter((s) => s.kind === 0).length + r.lower.noAddress + r.lower.noSection + r.noProto).toBe(inlinedCount(obj));
      const back = parseBtf(r.bytes, { base: parseBtf(r.encodedBase!) });
      expect(decodeFuncInfo(back).length).toBe(r.sites.length);
    }
  });
});
