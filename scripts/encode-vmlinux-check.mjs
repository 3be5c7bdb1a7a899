#!/usr/bin/env node
// Encodes the Debian vmlinux from DWARF with btfgen and compares it with its
// own .BTF and with `pahole -J -j2` run in the same invocation; then encodes
// one module split on the vmlinux .BTF and checks it with `bpftool -B`.
// Usage: npx tsc -p tsconfig.json && node --max-old-space-size=6144 scripts/encode-vmlinux-check.mjs [vmlinux] [module.ko]
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElfFile } from "../dist/elf/index.js";
import { readDwarf } from "../dist/dwarf/index.js";
import { encodeBtf, countKinds } from "../dist/encode/index.js";
import { parseBtf } from "../dist/btf/read.js";
import { writeBtf } from "../dist/btf/write.js";
import { kindName } from "../dist/btf/kinds.js";
import { kernelPaths } from "../test/helpers/kernel.mjs";

const KERNEL = kernelPaths(); // BTFGEN_KERNEL_DIR (or KERNEL_DIR), default ~/.cache/btfgen/kernel
const vmlinux = process.argv[2] ?? KERNEL.vmlinux;
const moduleKo = process.argv[3] ?? (KERNEL.modules && join(KERNEL.modules, "kernel/fs/btrfs/btrfs.ko"));
if (!vmlinux || !moduleKo) {
  console.error(`${KERNEL.skipReason}, or give vmlinux and module paths`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), "btfgen-encode-"));

function peakRssMiB() {
  return (process.resourceUsage().maxRSS / 1024).toFixed(0);
}
function names(btf) {
  const m = new Map();
  for (const t of btf.types) {
    if (!t.nameOff) continue;
    const k = kindName(t.kind);
    const set = m.get(k) ?? new Set();
    set.add(btf.str(t.nameOff));
    m.set(k, set);
  }
  return m;
}
function table(cols) {
  const kinds = new Set();
  for (const c of Object.values(cols)) for (const k of Object.keys(c)) kinds.add(k);
  const hdr = ["kind", ...Object.keys(cols)];
  console.log(hdr.map((h) => h.padStart(14)).join(""));
  for (const k of [...kinds].sort()) console.log([k, ...Object.values(cols).map((c) => c[k] ?? 0)].map((v) => String(v).padStart(14)).join(""));
  console.log(["total", ...Object.values(cols).map((c) => Object.values(c).reduce((a, b) => a + b, 0))].map((v) => String(v).padStart(14)).join(""));
}
function diffNames(label, a, b) {
  console.log(`\nnamed types: btfgen vs ${label} (only-in-btfgen / only-in-${label}, examples)`);
  const kinds = new Set([...a.keys(), ...b.keys()]);
  for (const k of [...kinds].sort()) {
    const x = a.get(k) ?? new Set();
    const y = b.get(k) ?? new Set();
    const onlyA = [...x].filter((n) => !y.has(n));
    const onlyB = [...y].filter((n) => !x.has(n));
    if (!onlyA.length && !onlyB.length) continue;
    console.log(`  ${k.padEnd(10)} +${onlyA.length} -${onlyB.length}  +[${onlyA.slice(0, 6).join(", ")}] -[${onlyB.slice(0, 6).join(", ")}]`);
  }
}

// 1. btfgen on vmlinux.
let t = performance.now();
const elf = ElfFile.open(vmlinux);
const records = readDwarf(elf, { types: true, sites: false });
const readMs = performance.now() - t;
t = performance.now();
const { btf, stats } = encodeBtf(records, { elf });
const encMs = performance.now() - t;
const outPath = join(tmp, "vmlinux.btfgen.btf");
writeFileSync(outPath, writeBtf(btf));
console.log(`btfgen: DWARF read ${(readMs / 1000).toFixed(1)} s (${records.dies.count} DIEs), encode+dedup ${(encMs / 1000).toFixed(1)} s` +
  ` (dedup ${(stats.timeMs.dedup / 1000).toFixed(1)} s, ${stats.batches} batches, ${stats.rawTypes} raw types), peak RSS ${peakRssMiB()} MiB`);
console.log("FUNC skips:", JSON.stringify(stats.funcSkips), "VAR skips:", JSON.stringify(stats.varSkips), `unsupported=${stats.unsupported}`);

// 2. The kernel's own .BTF.
const own = parseBtf(elf.sectionData(elf.section(".BTF")));

// 3. pahole 1.24 in the same run.
const pahPath = join(tmp, "vmlinux.pahole.btf");
t = performance.now();
execFileSync("/usr/bin/time", ["-f", "pahole: %e s wall, %M KiB peak RSS", "pahole", "-J", "-j2", "--btf_gen_floats", "--btf_encode_detached", pahPath, vmlinux], { stdio: ["ignore", "inherit", "inherit"] });
const pah = parseBtf(readFileSync(pahPath));

console.log("");
table({ btfgen: countKinds(btf), "vmlinux .BTF": countKinds(own), "pahole -J": countKinds(pah) });
diffNames(".BTF", names(btf), names(own));
diffNames("pahole", names(btf), names(pah));

// 4. One module, split on the vmlinux .BTF.
const vmlinuxBtfPath = join(tmp, "vmlinux.BTF");
writeFileSync(vmlinuxBtfPath, elf.sectionData(elf.section(".BTF")));
t = performance.now();
const kelf = ElfFile.open(moduleKo);
const krec = readDwarf(kelf, { types: true, sites: false });
const mod = encodeBtf(krec, { elf: kelf, base: own });
const modPath = join(tmp, "module.btfgen.btf");
writeFileSync(modPath, writeBtf(mod.btf));
const kown = parseBtf(kelf.sectionData(kelf.section(".BTF")), { base: own });
console.log(`\nmodule ${moduleKo.split("/").pop()}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
table({ btfgen: countKinds(mod.btf), "module .BTF": countKinds(kown) });
const dump = execFileSync("bpftool", ["btf", "dump", "file", modPath, "-B", vmlinuxBtfPath], { maxBuffer: 1 << 28 }).toString();
const dumped = dump.split("\n").filter((l) => l.startsWith("[")).length;
// Base types duplicated in the split: named split types whose (kind, name) exist in the base with equal dump text.
const baseNames = names(own);
let dupNamed = 0;
for (const tt of mod.btf.types) {
  if (!tt.nameOff || kindName(tt.kind) === "FUNC") continue;
  if (baseNames.get(kindName(tt.kind))?.has(mod.btf.str(tt.nameOff))) dupNamed++;
}
console.log(`bpftool -B dumps ${dumped} split types (first id ${mod.btf.firstTypeId}); split types whose kind+name also exist in the base: ${dupNamed}` +
  ` (the kernel's own module .BTF has ${[...kown.types].filter((tt) => tt.nameOff && kindName(tt.kind) !== "FUNC" && baseNames.get(kindName(tt.kind))?.has(kown.str(tt.nameOff))).length})`);
console.log(`peak RSS ${peakRssMiB()} MiB; outputs in ${tmp}`);
