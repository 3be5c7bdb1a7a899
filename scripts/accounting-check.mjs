#!/usr/bin/env node
// Nothing dropped silently, on the kernel (issue 11, item 4). Build first: `make build`.
//
//   node scripts/accounting-check.mjs [--btf_base VMLINUX] [VMLINUX_OR_OBJECT ...]
//
// For each object (default: the Debian vmlinux under BTFGEN_KERNEL_DIR or
// ~/.cache/btfgen/kernel): buildFuncInfo (what the main command writes), then
//   walked inline sites                         = llvm-dwarfdump-19 --statistics "#inlined functions"
//   written + left out under a named cause      = walked inline sites + optimised functions
// where the causes are the lowering's (no address, outside sections, no name,
// no origin) and the sites without a prototype. Prints the terms; exits 1 on
// a mismatch. (The per-function oracle of test/dwarf-accounting.test.ts reads
// llvm-dwarfdump's full text, too big for a vmlinux.)
import { execFileSync } from "node:child_process";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const { buildFuncInfo } = await import(join(REPO, "dist/app/funcinfo.js"));
const kernel = process.env.BTFGEN_KERNEL_DIR ?? join(homedir(), ".cache/btfgen/kernel");
const args = process.argv.slice(2);
const baseAt = args.indexOf("--btf_base");
const base = baseAt >= 0 ? args.splice(baseAt, 2)[1] : undefined;
const inputs = args.length > 0 ? args : [join(kernel, "root/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64")];

let bad = 0;
for (const path of inputs) {
  const t0 = Date.now();
  const r = await buildFuncInfo(path, { base: base ? [base] : undefined });
  const l = r.lower;
  const stats = JSON.parse(execFileSync("llvm-dwarfdump-19", ["--statistics", path], { encoding: "utf8", maxBuffer: 64 << 20 }));
  const inlined = stats["#inlined functions"];
  const leftOut = { noAddress: l.noAddress, noSection: l.noSection, noName: l.noName, noOrigin: l.noOrigin, noPrototype: r.noProto };
  const counted = Object.values(leftOut).reduce((a, b) => a + b, 0);
  const okInline = l.inlineSites === inlined;
  const okTotal = r.emit.entries + counted === l.inlineSites + l.funcSites;
  console.log(JSON.stringify({
    file: path, seconds: (Date.now() - t0) / 1000,
    dwarfdumpInlined: inlined, walkedInline: l.inlineSites, optimisedFunctions: l.funcSites, notOptimised: l.notOptimized,
    written: r.emit.entries, leftOut, counted,
    inlineMatches: okInline, writtenPlusCountedMatches: okTotal,
  }, null, 1));
  if (!okInline || !okTotal) bad++;
}
process.exit(bad ? 1 : 0);
