// Per-cpu variables (src/encode/vars.ts) on every machine's addr.c object:
// the `.data..percpu` DATASEC of `btfgen encode` holds exactly the section's
// OBJECT symbols, at the offsets and sizes readelf gives them. The
// DW_OP_addr operand is read in the object's byte order (s390x and mips are
// big-endian; mips relocates with SHT_REL, implicit addends), and at arm64
// kernel addresses (above 2^53: offsets are computed in BigInt, or both
// variables of the -kaddr executable fall on one offset).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { BTF_KIND_DATASEC } from "../src/btf/kinds.js";
import { readDwarf } from "../src/dwarf/index.js";
import { ElfFile } from "../src/elf/index.js";
import { encodeBtf } from "../src/encode/index.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const FIXTURES = readdirSync(OBJ).filter((f) => /^addr-.*(\.o|-kaddr)$/.test(f)).sort();

/** `name offset size` of each OBJECT symbol in .data..percpu (offset from the section's address), by readelf, sorted by offset. */
function readelfPercpu(path: string): string[] {
  const sections = execFileSync("readelf", ["-SW", path], { encoding: "utf8" });
  const sec = /\[\s*(\d+)\] \.data\.\.percpu\s+\S+\s+([0-9a-f]+)\s/.exec(sections);
  if (!sec) return [];
  const ndx = sec[1];
  const base = BigInt("0x" + sec[2]); // 0 in an object; an executable's offsets are from the section address
  const out: [bigint, string][] = [];
  for (const line of execFileSync("readelf", ["-sW", path], { encoding: "utf8" }).split("\n")) {
    const m = /^\s*\d+: ([0-9a-f]+)\s+(\d+) OBJECT\s+\w+\s+\w+\s+(\d+) (\S+)$/.exec(line);
    if (m && m[3] === ndx) out.push([BigInt("0x" + m[1]), `${m[4]} ${BigInt("0x" + m[1]) - base} ${m[2]}`]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

test("addr.c objects of big-endian machines are among them", () => {
  expect(FIXTURES).toContain("addr-gcc12-O2-dwarf5-s390x.o");
  expect(FIXTURES).toContain("addr-gcc12-O2-dwarf5-mips.o");
  expect(FIXTURES).toContain("addr-gcc12-O2-dwarf5-aarch64-kaddr");
});

describe.each(FIXTURES)("%s", (f) => {
  test(".data..percpu: one VAR per symbol, at its offset, of its size", () => {
    const path = join(OBJ, f);
    const want = readelfPercpu(path);
    expect(want.length).toBeGreaterThanOrEqual(2);
    const elf = ElfFile.open(path);
    try {
      const { btf } = encodeBtf(readDwarf(elf, { types: true, sites: false }), { elf });
      const sec = btf.types.find((t) => t.kind === BTF_KIND_DATASEC && btf.str(t.nameOff) === ".data..percpu");
      expect(sec).toBeDefined();
      const have = sec!.kind === BTF_KIND_DATASEC ? sec!.vars.map((v) => `${btf.nameOf(v.type)} ${v.offset} ${v.size}`) : [];
      expect(have).toEqual(want);
    } finally {
      elf.close();
    }
  });
});
