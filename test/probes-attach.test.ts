/**
 * Attachability of `btfgen probes`, on the kernel-like fixture
 * testdata/probes/kprobes-* (built by regen.sh with its objdump listing):
 * instruction boundaries from capstone against the committed objdump
 * disassembly, the blacklisted sections and NOKPROBE_SYMBOL entry, the
 * fallback anchor of a duplicated static name, and uprobe file offsets
 * against the program headers readelf prints.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openElf } from "../src/app/io.js";
import { EM_AARCH64, EM_X86_64, STT_FUNC } from "../src/elf/constants.js";
import { Attachability } from "../src/trace/attach.js";
import { BoundaryChecker, loadDisassembler } from "../src/trace/insn.js";
import { loadProbeSites } from "../src/app/probes.js";

const DIR = join(import.meta.dirname, "../testdata/probes");
const ARCHES = [
  { arch: "x86_64", machine: EM_X86_64 },
  { arch: "aarch64", machine: EM_AARCH64 },
];

/** Function name -> instruction addresses, from an `objdump -d --no-show-raw-insn` listing. */
function objdumpListing(path: string): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  let cur: bigint[] | undefined;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const head = /^([0-9a-f]+) <([^>]+)>:$/.exec(line);
    if (head) {
      cur = [];
      out.set(`${head[2]}@${head[1]}`, cur);
      continue;
    }
    const insn = /^\s+([0-9a-f]+):\t/.exec(line);
    if (insn && cur) cur.push(BigInt("0x" + insn[1]));
  }
  return out;
}

describe.each(ARCHES)("instruction boundaries, $arch", ({ arch, machine }) => {
  const file = join(DIR, `kprobes-gcc12-O2-dwarf5-${arch}`);

  test("capstone's instruction starts are objdump's, at every byte of every function", async () => {
    const listing = objdumpListing(`${file}.objdump.txt`);
    expect(listing.size).toBeGreaterThanOrEqual(8);
    await loadDisassembler();
    const elf = openElf(file);
    const checker = new BoundaryChecker(machine);
    try {
      let starts = 0;
      let inside = 0;
      for (const [key, addrs] of listing) {
        const [name, at] = key.split("@");
        const sym = elf.symbols().find((s) => s.type === STT_FUNC && s.name === name && s.value === BigInt("0x" + at));
        expect(sym, key).toBeDefined();
        const sec = elf.sections[sym!.shndx];
        const code = elf.sectionData(sec, { relocate: false }).subarray(Number(sym!.value - sec.addr), Number(sym!.value - sec.addr + sym!.size));
        const want = new Set(addrs.filter((a) => a < sym!.value + sym!.size).map((a) => Number(a - sym!.value)));
        for (let off = 0; off < code.length; off++) {
          const got = checker.isBoundary(key, code, off);
          expect(got, `${name}+0x${off.toString(16)}`).toBe(want.has(off) ? "yes" : "no");
          if (want.has(off)) starts++;
          else inside++;
        }
      }
      expect(starts).toBeGreaterThan(40);
      // x86 has bytes inside instructions; every aarch64 instruction is 4 bytes.
      expect(inside).toBeGreaterThan(arch === "aarch64" ? starts * 2 : 40);
    } finally {
      checker.close();
      elf.close();
    }
  });

  test("undecodable bytes make the answer unknown, never yes or no", async () => {
    await loadDisassembler();
    const checker = new BoundaryChecker(machine);
    try {
      // x86_64: 0x06 (push es) is invalid in 64-bit mode; aarch64: 0x00000000 is udf #0, so use a reserved encoding.
      const bad = machine === EM_X86_64 ? Uint8Array.of(0x90, 0x06, 0x90, 0x90) : Uint8Array.of(0x1f, 0x20, 0x03, 0xd5, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x20, 0x03, 0xd5);
      const after = machine === EM_X86_64 ? 2 : 8;
      expect(checker.isBoundary("bad", bad, 0)).toBe("yes");
      expect(checker.isBoundary("bad", bad, after)).toEqual({ unknown: expect.stringMatching(/cannot decode/) });
    } finally {
      checker.close();
    }
  });

  test("sites in refused code, a NOKPROBE_SYMBOL and a duplicated static name", async () => {
    const input = await loadProbeSites({ file, target: "vmlinux" });
    const byCaller = new Map(input.sites.map((s) => [s.attach!.symbol!, s]));
    const reasons = (sym: string) => byCaller.get(sym)!.attach!.failures.map((f) => f.reason);
    expect(reasons("init_fn")).toEqual(["init text"]);
    expect(reasons("noinstr_fn")).toEqual(["noinstr text"]);
    expect(reasons("kprobes_fn")).toEqual(["kprobes text"]);
    expect(reasons("blacklisted_fn")).toEqual(["NOKPROBE_SYMBOL"]);
    expect(reasons("plain_fn")).toEqual([]);
    // Both helper()s: the name is not unique, so the anchor is the unique function before each.
    const helpers = input.sites.filter((s) => s.attach!.symbol === "helper");
    expect(helpers).toHaveLength(2);
    const nm = execFileSync("nm", [file], { encoding: "utf8" }).split("\n").map((l) => l.split(" "));
    const addrOf = new Map<string, bigint[]>();
    for (const [a, , n] of nm) if (n) addrOf.set(n, [...(addrOf.get(n) ?? []), BigInt("0x" + a)]);
    for (const h of helpers) {
      const a = h.attach!;
      expect(a.anchor!.how).toBe("neighbour");
      expect(a.anchorNote).toMatch(/helper is not unique/);
      expect(addrOf.get(a.anchor!.symbol)).toHaveLength(1);
      // The anchor names the same byte: anchor symbol + offset = the site's address.
      expect(addrOf.get(a.anchor!.symbol)![0] + a.anchor!.offset).toBe(a.address);
      expect(a.failures).toEqual([]);
    }
    // As user space the same object has no blacklist (uprobes have none).
    const user = await loadProbeSites({ file, target: "user" });
    expect(user.sites.every((s) => s.attach!.failures.length === 0)).toBe(true);
  });

  test("the module-like object: detected as a module, its blacklist entry read through the relocation", async () => {
    const mod = join(DIR, `kprobes-mod-gcc12-O2-dwarf5-${arch}.o`);
    const input = await loadProbeSites({ file: mod });
    expect(input.kind).toBe("module");
    expect(input.module).toBe("kprobes_mod");
    const reasons = new Map(input.sites.map((s) => [s.attach!.symbol!, s.attach!.failures.map((f) => f.reason)]));
    expect(Object.fromEntries(reasons)).toEqual({
      init_fn: ["init text"], noinstr_fn: ["noinstr text"], kprobes_fn: ["kprobes text"], blacklisted_fn: ["NOKPROBE_SYMBOL"], helper: [], plain_fn: [],
    });
  });

  test("uprobe file offsets follow the program headers readelf prints", async () => {
    const input = await loadProbeSites({ file, target: "user" });
    const loads = execFileSync("readelf", ["-lW", file], { encoding: "utf8" })
      .split("\n")
      .filter((l) => /^\s+LOAD\s/.test(l))
      .map((l) => l.trim().split(/\s+/))
      .map((f) => ({ off: BigInt(f[1]), vaddr: BigInt(f[2]), filesz: BigInt(f[4]), exec: f.slice(6).join("").includes("E") }));
    for (const s of input.sites) {
      const a = s.attach!;
      const seg = loads.find((l) => l.exec && a.address >= l.vaddr && a.address < l.vaddr + l.filesz)!;
      expect(a.fileOffset).toBe(a.address - seg.vaddr + seg.off);
    }
    expect(input.sites.length).toBeGreaterThanOrEqual(7);
  });
});

test("Attachability reads the machine's decoder only where capstone has one", async () => {
  const elf = openElf(join(DIR, "kprobes-gcc12-O2-dwarf5-x86_64"));
  try {
    const at = await Attachability.open(elf, { kind: "vmlinux" });
    const r = at.check(".text", 0);
    expect(r.boundary).toBe("checked");
    expect(at.check(".no-such", 0).failures.map((f) => f.reason)).toEqual(["no such section"]);
    at.close();
  } finally {
    elf.close();
  }
});
