/**
 * Every fixture object encoded by btfgen vs `pahole -J --btf_encode_detached`
 * (dwarves 1.24): the whole `bpftool btf dump file` of each, every type with
 * its size, offsets, bitfields, members, enumerators, prototype parameters,
 * array bounds, linkage and encoding, compared after type ids are replaced by
 * the types they name (test/helpers/bpftool.ts). Where btfgen and pahole
 * 1.24 may differ on purpose, the difference is listed below with its
 * reason; anything else fails. Skipped, saying so in the title, when pahole
 * or bpftool is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeBtf } from "../src/btf/write.js";
import { readDwarf } from "../src/dwarf/index.js";
import { ElfFile } from "../src/elf/index.js";
import { encodeBtf } from "../src/encode/index.js";
import { bpftoolDump, normaliseDump, parseBpftoolDump } from "./helpers/bpftool.js";
import { expectAccepted } from "./helpers/check.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const haveTools = existsSync("/usr/bin/pahole") && existsSync("/usr/sbin/bpftool");
const objs = existsSync(OBJ) ? readdirSync(OBJ).filter((f) => f !== "VERSIONS.txt").sort() : [];
const tmp = mkdtempSync(join(tmpdir(), "btfgen-encode-fx-"));

/**
 * How btfgen's BTF may differ from pahole 1.24's, and why. The first ones
 * are handled by how the comparison is made; `blocks` lists normalised type
 * blocks allowed on one side only (one object today: on every other fixture
 * the two agree type for type).
 */
const DIFFERENCES = {
  /** Not compared: the normalisation removes them. */
  order:
    "type ids: pahole adds an anonymous struct/union nested in a clang struct before the struct (clang's DIE order), " +
    "btfgen after it; the ids of everything later shift, so ids are replaced by the types they name",
  /** Passed to pahole so that the outputs are comparable. */
  floats: "FLOAT: pahole 1.24 writes it only with --btf_gen_floats (the kernel has taken it since 5.13); btfgen always does",
  /** Inputs pahole 1.24 cannot read, compared with the same object's uncompressed twin. */
  twins: {
    "inline-clang19-O2-dwarf5-x86_64-zstd.o": {
      twin: "inline-clang19-O2-dwarf5-x86_64.o",
      why: "zstd-compressed .debug_* (ELFCOMPRESS_ZSTD): the elfutils pahole 1.24 is built with reads zlib only",
    },
  } as Record<string, { twin: string; why: string }>,
  /** Normalised blocks allowed on one side: object pattern, block text, side, reason. */
  blocks: [
    ...[
      "DATASEC '.data..percpu' size=12 vlen=2\n\ttype_id=VAR 'percpu_long' offset=0 size=4 (VAR 'percpu_long')\n\ttype_id=VAR 'percpu_counter' offset=4 size=8 (VAR 'percpu_counter')",
      "VAR 'percpu_counter' type_id=STRUCT 'counter', linkage=global",
      "VAR 'percpu_long' type_id=INT 'long int', linkage=global",
    ].map((block) => ({
      object: /^addr-gcc12-O2-dwarf5-mips\.o$/,
      block,
      side: "btfgen" as const,
      why: "pahole 1.24 writes no per-cpu VAR for this MIPS object (SHT_REL, big-endian); the symbol table puts " +
        "percpu_long at 0 and percpu_counter at 4 in .data..percpu, as btfgen's DATASEC has them (test/percpu.test.ts)",
    })),
  ] as { object: RegExp; block: string; side: "btfgen" | "pahole"; why: string }[],
};
const usedBlocks = new Set<number>();

/** Blocks in `a` and not in `b` (as multisets). */
function missingFrom(a: string[], b: string[]): string[] {
  const n = new Map<string, number>();
  for (const x of b) n.set(x, (n.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const k = n.get(x) ?? 0;
    if (k > 0) n.set(x, k - 1);
    else out.push(x);
  }
  return out;
}

/** Drops the blocks DIFFERENCES.blocks allows for `name` on `side`. */
function unexplained(name: string, side: "btfgen" | "pahole", blocks: string[]): string[] {
  return blocks.filter((b) => {
    const i = DIFFERENCES.blocks.findIndex((d) => d.side === side && d.object.test(name) && d.block === b);
    if (i >= 0) usedBlocks.add(i);
    return i < 0;
  });
}

const title = "encode vs pahole -J on fixtures: full bpftool dumps" + (haveTools ? "" : " (skipped: pahole or bpftool missing)");
describe.skipIf(!haveTools || objs.length === 0)(title, () => {
  it.each(objs)("%s", (name) => {
    const path = join(OBJ, name);
    const elf = ElfFile.open(path);
    const { btf } = encodeBtf(readDwarf(elf, { types: true, sites: false }), { elf });
    elf.close();
    const mine = join(tmp, `${name}.btfgen.btf`);
    const bytes = writeBtf(btf);
    expectAccepted(bytes);
    writeFileSync(mine, bytes);
    const theirs = join(tmp, `${name}.pahole.btf`);
    const twin = DIFFERENCES.twins[name]?.twin ?? name;
    execFileSync("pahole", ["-J", "--btf_gen_floats", "--btf_encode_detached", theirs, join(OBJ, twin)], { stdio: "pipe" });

    const ours = bpftoolDump(mine);
    const ref = bpftoolDump(theirs);
    // The normalisation keeps one block per type, and every line of the dump.
    expect(normaliseDump(ours).length).toBe(parseBpftoolDump(ours).size);
    expect(normaliseDump(ours).join("\n").split("\n").length).toBe(ours.trimEnd().split("\n").length);
    // Not a trivial dump (minimal debug info, gline*, has only its functions and one prototype).
    expect(parseBpftoolDump(ours).size).toBeGreaterThan(name.startsWith("gline") ? 2 : 5);

    const a = normaliseDump(ours);
    const b = normaliseDump(ref);
    const onlyOurs = unexplained(name, "btfgen", missingFrom(a, b));
    const onlyTheirs = unexplained(name, "pahole", missingFrom(b, a));
    expect({ onlyBtfgen: onlyOurs, onlyPahole: onlyTheirs }).toEqual({ onlyBtfgen: [], onlyPahole: [] });
  });

  afterAll(() => {
    // A listed difference that no fixture shows any more is stale: remove it.
    if (objs.length === 0 || !haveTools) return;
    expect(DIFFERENCES.blocks.filter((_, i) => !usedBlocks.has(i))).toEqual([]);
  });
});
