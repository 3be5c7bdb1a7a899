#!/usr/bin/env node
// Summarise a V8 .cpuprofile (node --cpu-prof): self and inclusive time per
// function, top N by each.
//
//   node bench/cpuprof.mjs FILE.cpuprofile [N] [UNDER]
//
// With UNDER (a function name), only the samples with UNDER on their stack
// count: where the time of that one function goes.
import { readFileSync } from "node:fs";

const [file, nArg, under] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/cpuprof.mjs FILE.cpuprofile [N] [UNDER]");
  process.exit(1);
}
const N = Number(nArg ?? 30);
const prof = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// Time per sample: the delta that follows it.
const selfUs = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const d = prof.timeDeltas[i + 1] ?? 0;
  selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + d);
}
const key = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, "").replace(/.*\/(dist|src|node_modules)\//, "$1/");
  return `${f.functionName || "(anon)"} ${url}:${f.lineNumber + 1}`;
};
const self = new Map();
const incl = new Map();
const hasUnder = (id) => {
  for (let p = id; p !== undefined; p = parent.get(p)) if (byId.get(p).callFrame.functionName === under) return true;
  return false;
};
for (const [id, us] of selfUs) {
  if (under && !hasUnder(id)) continue;
  const n = byId.get(id);
  self.set(key(n), (self.get(key(n)) ?? 0) + us);
  // Inclusive: count once per distinct key on the stack (recursion).
  const seen = new Set();
  for (let p = id; p !== undefined; p = parent.get(p)) {
    const k = key(byId.get(p));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + us);
  }
}
const total = prof.endTime - prof.startTime;
const show = (title, m) => {
  console.log(`${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, N))
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
};
show("self", self);
console.log();
show("inclusive", incl);
