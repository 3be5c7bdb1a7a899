#!/usr/bin/env node
// Checks src/btf on the real Debian kernel (build first: `npx tsc -p tsconfig.json`).
//
//   node scripts/btf-vmlinux-check.mjs [--vmlinux PATH] [--modules N|all] [module.ko ...]
//
// 1. vmlinux `.BTF`: parse, re-write, compare bytes (must be identical);
//    raw dump vs `bpftool btf dump file vmlinux` line for line, JSON vs `bpftool -j`.
// 2. modules: `.BTF` split on vmlinux: round trip, and dump vs
//    `bpftool -B vmlinux btf dump file X.ko`. Default: 5 modules spread over the tree.
// Prints diff line counts and times; exits 1 on any mismatch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBtf, writeBtf, dumpBtf, dumpBtfJson } from "../dist/btf/index.js";
import { ElfFile } from "../dist/elf/index.js";
import { kernelPaths } from "../test/helpers/kernel.mjs";

const KERNEL = kernelPaths(); // BTFGEN_KERNEL_DIR (or KERNEL_DIR), default ~/.cache/btfgen/kernel
const args = process.argv.slice(2);
let vmlinux = KERNEL.vmlinux;
let moduleCount = "5";
const explicit = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--vmlinux") vmlinux = args[++i];
  else if (args[i] === "--modules") moduleCount = args[++i];
  else explicit.push(args[i]);
}
if (!vmlinux) {
  console.error(`${KERNEL.skipReason} (or --vmlinux PATH)`);
  process.exit(2);
}
const ROOT = KERNEL.debugRoot;

const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;
let failures = 0;

function sectionBytes(path) {
  const elf = ElfFile.open(path, { relocate: false });
  try {
    const sec = elf.section(".BTF");
    if (!sec) throw new Error(`${path}: no .BTF`);
    return elf.sectionData(sec, { relocate: false });
  } finally {
    elf.close();
  }
}

function bpftool(argv) {
  return execFileSync("bpftool", argv, { maxBuffer: 1 << 30, encoding: "utf8" });
}

/** Number of lines that differ (a simple positional count plus the length difference). */
function diffLines(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  let n = Math.abs(x.length - y.length);
  let first = -1;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      n++;
      if (first < 0) first = i;
    }
  }
  return { n, first, ours: x[first], theirs: y[first] };
}

function report(what, d) {
  if (d.n === 0) console.log(`  ${what}: identical`);
  else {
    failures++;
    console.log(`  ${what}: ${d.n} differing line(s); first at line ${d.first + 1}:\n    ours:    ${d.ours}\n    bpftool: ${d.theirs}`);
  }
}

// ---- vmlinux ----
console.log(`vmlinux: ${vmlinux}`);
let t0 = performance.now();
const vbytes = sectionBytes(vmlinux);
console.log(`  read .BTF (${vbytes.length} bytes): ${ms(t0)}`);
t0 = performance.now();
const vbtf = parseBtf(vbytes, { file: vmlinux });
console.log(`  parse (${vbtf.nrTypes - 1} types, profile ${vbtf.profile}, hdr_len ${vbtf.hdrLen}): ${ms(t0)}`);
t0 = performance.now();
const vout = writeBtf(vbtf);
const same = Buffer.from(vout).equals(Buffer.from(vbytes));
console.log(`  write: ${ms(t0)}; round trip ${same ? "byte-identical" : "DIFFERENT"}`);
if (!same) failures++;
t0 = performance.now();
const ours = dumpBtf(vbtf);
console.log(`  dump (${ours.split("\n").length - 1} lines): ${ms(t0)}`);
t0 = performance.now();
const theirs = bpftool(["btf", "dump", "file", vmlinux]);
console.log(`  bpftool dump: ${ms(t0)}`);
report("raw dump vs bpftool", diffLines(ours, theirs));
t0 = performance.now();
const oursJson = dumpBtfJson(vbtf);
const theirsJson = bpftool(["-j", "btf", "dump", "file", vmlinux]);
console.log(`  JSON dump + bpftool -j: ${ms(t0)}`);
report("JSON dump vs bpftool -j", { n: oursJson === theirsJson ? 0 : 1, first: 0, ours: "(bytes differ)", theirs: "" });

// ---- modules ----
function findModules(dir, out) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) findModules(p, out);
    else if (e.endsWith(".ko")) out.push(p);
  }
  return out;
}
let modules = explicit;
if (modules.length === 0) {
  const all = findModules(`${ROOT}/lib/modules`, []).sort();
  if (moduleCount === "all") modules = all;
  else {
    const n = Math.max(1, Number(moduleCount));
    modules = Array.from({ length: Math.min(n, all.length) }, (_, i) => all[Math.floor((i * all.length) / n)]);
  }
}
const tmp = mkdtempSync(join(tmpdir(), "btf-check-"));
const vraw = join(tmp, "vmlinux.btf");
writeFileSync(vraw, vbytes); // bpftool -B re-reads this small raw file instead of the 590 MB ELF
let modOk = 0;
let modDiff = 0;
let ourMs = 0;
t0 = performance.now();
for (const ko of modules) {
  const kb = sectionBytes(ko);
  const t1 = performance.now();
  const m = parseBtf(kb, { base: vbtf, file: ko });
  const rt = Buffer.from(writeBtf(m)).equals(Buffer.from(kb));
  const text = dumpBtf(m);
  ourMs += performance.now() - t1;
  const ref = bpftool(["-B", vraw, "btf", "dump", "file", ko]);
  const d = diffLines(text, ref);
  if (rt && d.n === 0) modOk++;
  else {
    failures++;
    modDiff += d.n;
    console.log(`  ${ko}: round trip ${rt ? "ok" : "DIFFERENT"}, ${d.n} differing dump line(s)`);
    if (d.n) console.log(`    ours:    ${d.ours}\n    bpftool: ${d.theirs}`);
  }
}
console.log(
  `modules: ${modOk}/${modules.length} byte-identical round trip and dump equal to bpftool -B` +
    ` (${modDiff} differing lines); ours ${ourMs.toFixed(0)} ms, total with bpftool ${ms(t0)}`,
);
if (modules.length <= 5) for (const ko of modules) console.log(`  ${ko.slice(ROOT.length + 1)}`);
rmSync(tmp, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
