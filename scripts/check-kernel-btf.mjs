#!/usr/bin/env node
// `btfgen check` on the real Debian kernel's own BTF (build first: `make build`; kernel: `make kernel`):
// the vmlinux `.BTF` and every module's `.BTF` split on it. They are BTF the
// kernel accepts, so any problem reported is a wrong rule in btfgen check.
//
//   node scripts/check-kernel-btf.mjs [--vmlinux PATH] [--modules N|all]
//
// Prints the problem count per rule; exits 1 if there is any.
import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "../dist");
const { checkFile } = await import(join(DIST, "app/check.js"));
const { loadBtfChain } = await import(join(DIST, "app/io.js"));

const args = process.argv.slice(2);
let vmlinux;
let count = "all";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--vmlinux") vmlinux = args[++i];
  else if (args[i] === "--modules") count = args[++i];
  else { console.error(`unknown argument ${args[i]}`); process.exit(2); }
}
if (!vmlinux) {
  const boot = join(process.env.BTFGEN_KERNEL_DIR || process.env.KERNEL_DIR || join(homedir(), ".cache/btfgen/kernel"), "root/usr/lib/debug/boot");
  const v = existsSync(boot) ? readdirSync(boot).filter((f) => f.startsWith("vmlinux-")).sort() : [];
  if (!v.length) { console.error(`no kernel under ${boot}: run \`make kernel\` first`); process.exit(2); }
  vmlinux = join(boot, v[0]);
}
const modDir = join(dirname(vmlinux), "../lib/modules", vmlinux.replace(/.*\/vmlinux-/, ""));
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith(".ko") ? [join(d, f)] : []));
let modules = existsSync(modDir) ? walk(modDir).sort() : [];
if (count !== "all") {
  const n = Number(count);
  const step = Math.max(1, Math.floor(modules.length / Math.max(1, n)));
  modules = modules.filter((_, i) => i % step === 0).slice(0, n);
}

const byRule = new Map();
let files = 0, types = 0, problems = 0;
const t0 = performance.now();
const tally = (r) => {
  files++;
  for (const part of r.parts) {
    types += part.types;
    for (const p of part.problems) {
      problems++;
      byRule.set(p.rule, (byRule.get(p.rule) ?? 0) + 1);
      if (problems <= 20) console.log(`${r.file}:${part.section} [${p.typeId}] ${p.kind} ${p.rule}: ${p.message}`);
    }
  }
};
tally(checkFile({ file: vmlinux, section: ".BTF" }));
const chain = loadBtfChain([vmlinux]);
for (const ko of modules) tally(checkFile({ file: ko, chain, section: ".BTF" }));
console.log(`checked ${files} files (vmlinux + ${modules.length} modules), ${types} types, ${problems} problems in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const [rule, n] of [...byRule].sort((a, b) => b[1] - a[1])) console.log(`  ${rule}: ${n}`);
process.exit(problems ? 1 : 0);
