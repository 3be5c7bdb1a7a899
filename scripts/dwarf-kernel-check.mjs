#!/usr/bin/env node
// Reads the Debian kernel's DWARF with btfgen's wasm reader and prints the
// figures the dwarf stage is held to: SITE_INLINE count of vmlinux (compare
// with `llvm-dwarfdump-19 --statistics` "#inlined functions" = 310,939 on
// 6.1.0-56), walk time, peak RSS, and how many module debug files read
// without error. Needs a build: `make build` (or `npx tsc -p tsconfig.json`
// and `make wasm/btfgen_dwarf.wasm`).
//
//   node scripts/dwarf-kernel-check.mjs [--types] [--no-modules] [KERNEL_ROOT]
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ElfFile } from "../dist/elf/index.js";
import { DwarfReader, SITE_INLINE, SITE_FUNC, LOC_EXPR } from "../dist/dwarf/index.js";

const args = process.argv.slice(2);
const types = args.includes("--types");
const modules = !args.includes("--no-modules");
const root =
  args.find((a) => !a.startsWith("--")) ??
  join(process.env.BTFGEN_KERNEL_DIR || process.env.KERNEL_DIR || join(process.env.HOME ?? "/root", ".cache/btfgen/kernel"), "root/usr/lib/debug");

function find(dir, pred, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) find(p, pred, out);
    else if (pred(e.name)) out.push(p);
  }
  return out;
}

const mb = (n) => (n / 1048576).toFixed(0) + " MB";
const vmlinux = find(join(root, "boot"), (n) => n.startsWith("vmlinux-"))[0];
if (!vmlinux) throw new Error(`no vmlinux-* under ${root}/boot`);

let t0 = performance.now();
const elf = ElfFile.open(vmlinux);
const reader = DwarfReader.open(elf);
const tLoad = performance.now() - t0;
t0 = performance.now();
const rec = reader.walk(0, reader.unitCount, 1 | (types ? 2 : 0));
const tWalk = performance.now() - t0;
let inline = 0, func = 0, expr = 0;
for (let i = 0; i < rec.sites.count; i++) {
  if (rec.sites.kind[i] === SITE_INLINE) inline++;
  else if (rec.sites.kind[i] === SITE_FUNC) func++;
}
for (let i = 0; i < rec.locs.count; i++) if (rec.locs.kind[i] === LOC_EXPR) expr++;
console.log(`vmlinux: ${vmlinux}`);
console.log(`  units ${reader.unitCount}, load ${tLoad.toFixed(0)} ms, walk ${tWalk.toFixed(0)} ms`);
console.log(`  SITE_INLINE ${inline} (llvm-dwarfdump "#inlined functions" on 6.1.0-56: 310939)`);
console.log(`  SITE_FUNC ${func}, funcs ${rec.funcs.count}, params ${rec.params.count}, locs ${rec.locs.count} (LOC_EXPR ${expr})`);
console.log(`  strings ${mb(rec.strings.length)}, exprs ${mb(rec.exprs.length)}${types ? `, dies ${rec.dies.count}` : ""}`);
console.log(`  rss now ${mb(process.memoryUsage().rss)}`);
elf.close();

if (modules) {
  const kos = find(join(root, "lib/modules"), (n) => n.endsWith(".ko")).sort();
  let ok = 0, sites = 0;
  const failed = [];
  t0 = performance.now();
  for (const ko of kos) {
    let m;
    try {
      m = ElfFile.open(ko);
      const r = DwarfReader.open(m).walk(0, Infinity, 1 | (types ? 2 : 0));
      for (let i = 0; i < r.sites.count; i++) if (r.sites.kind[i] === SITE_INLINE) sites++;
      ok++;
    } catch (e) {
      failed.push(`${ko}: ${e.describe?.() ?? e}`);
    } finally {
      m?.close();
    }
  }
  console.log(`modules: ${ok}/${kos.length} read without error in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${sites} inline sites`);
  for (const f of failed.slice(0, 20)) console.log("  FAIL " + f);
}
console.log(`peak rss (maxrss) ${mb(process.resourceUsage().maxRSS * 1024)}`);
