#!/usr/bin/env node
// BTF.func_info on the real Debian kernel (build first: `make build`; kernel: `make kernel`).
//
//   node scripts/kernel-funcinfo-check.mjs [--vmlinux PATH] [--modules N|all|0] [--sample N]
//        [--jobs N] [--no-vmlinux] [--no-dwarfdump] [--keep] [module.ko ...]
//
// 1. vmlinux: the main job through the CLI (`btfgen VMLINUX -o OUT -q --json`),
//    `btfgen stats OUT --base VMLINUX`; its site count must equal
//    llvm-dwarfdump-19 --statistics "#inlined functions" minus the sites without
//    address / outside sections that `btfgen stats VMLINUX --json` reports, plus
//    its optimised out-of-line functions (funcSites); `btfgen sites OUT --base
//    VMLINUX` must print one line per LOCSEC entry. Prints full/partial/none,
//    bytes per site, output size.
// 2. modules (default all 1,121; `--modules N` takes N spread over the tree):
//    buildFuncInfo(KO, { base: [VMLINUX] }) in this process (the multi-split
//    vmlinux .BTF <- module .BTF <- func_info, as `btfgen KO --btf_base VMLINUX`),
//    written to a temporary file; counts OK / failed (first error lines), sites,
//    full/partial/none (from the written split), time. For `--sample` modules
//    (default 20, spread) the written bytes are parsed back on the module's
//    chain and decoded: same number of sites, same names, offsets and
//    located/unlocated argument slots as the lowered sites.
//    `--jobs N` spreads the modules over N worker threads (default 1).
// Exits 1 on any failure or count mismatch.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..");
const DIST = join(REPO, "dist");
const CLI = join(DIST, "cli/main.js");

// ---------------------------------------------------------------- worker side
/** Builds, writes, measures (and for sampled modules decodes) one module. */
async function moduleWorker() {
  const { buildFuncInfo } = await import(join(DIST, "app/funcinfo.js"));
  const { decodeFuncInfo } = await import(join(DIST, "app/decode.js"));
  const { parseBtf } = await import(join(DIST, "btf/read.js"));
  const { funcInfoFileStats } = await import(join(DIST, "app/commands.js"));
  const { checkBtf } = await import(join(DIST, "btf/check.js"));
  const { vmlinux, tmp } = workerData;
  const out = join(tmp, `x.${process.pid}.${workerData.id}.btf`);
  parentPort.on("message", async (msg) => {
    if (msg === null) {
      rmSync(out, { force: true });
      process.exit(0);
    }
    const { path, sample } = msg;
    const t0 = performance.now();
    const res = { path, ok: false };
    try {
      const r = await buildFuncInfo(path, { base: [vmlinux] }); // sync or async, either works
      writeFileSync(out, r.bytes);
      res.ms = performance.now() - t0;
      const st = funcInfoFileStats(r.btf, statSync(out).size);
      const lw = r.lower;
      Object.assign(res, {
        ok: true,
        bytes: r.bytes.length,
        sites: r.emit.entries,
        file: { sites: st.sites, full: st.full, partial: st.partial, none: st.none, noParams: st.noParams },
        lower: { inlineSites: lw.inlineSites, funcSites: lw.funcSites, noAddress: lw.noAddress, noSection: lw.noSection, full: lw.full, partial: lw.partial, none: lw.none, noParams: lw.noParams },
        noProto: r.noProto,
        loweredSites: r.sites.length,
        problems: [],
      });
      // What the kernel would load: `btfgen check` on the module's chain.
      const checked = checkBtf(r.bytes, { base: r.btf.base });
      res.checkProblems = checked.problems.length;
      for (const p of checked.problems.slice(0, 3)) res.problems.push(`check: [${p.typeId}] ${p.kind} ${p.rule}: ${p.message}`);
      // Sites the DWARF side found with an address must all be in the file.
      const expected = lw.inlineSites + lw.funcSites - lw.noAddress - lw.noSection - r.noProto;
      if (expected !== r.emit.entries) res.problems.push(`DWARF sites ${expected} (inline ${lw.inlineSites} + funcs ${lw.funcSites} - noAddress ${lw.noAddress} - noSection ${lw.noSection} - noProto ${r.noProto}) != LOCSEC entries ${r.emit.entries}`);
      if (st.sites !== r.emit.entries) res.problems.push(`stats of the written split: ${st.sites} sites, emitter said ${r.emit.entries}`);
      if (sample) {
        const back = parseBtf(readFileSync(out), { base: r.btf.base });
        const dec = decodeFuncInfo(back);
        res.decoded = dec.length;
        if (dec.length !== r.emit.entries) res.problems.push(`decoded ${dec.length} sites, wrote ${r.emit.entries}`);
        else {
          const a = r.sites.map((s) => `${s.section}+${s.offset} ${s.name} ${s.params.map((p) => (p ? 1 : 0)).join("")}`).sort();
          const b = dec.map((s) => `${s.section}+${s.offset} ${s.name} ${s.params.map((p) => (p.loc ? 1 : 0)).join("")}`).sort();
          const i = a.findIndex((x, k) => x !== b[k]);
          if (i >= 0) res.problems.push(`decoded site differs from lowered: ${b[i]} vs ${a[i]}`);
        }
      }
    } catch (e) {
      res.ms = performance.now() - t0;
      res.error = String(e?.stack ?? e).split("\n").slice(0, 4).join("\n");
    }
    parentPort.postMessage(res);
  });
}


// ---------------------------------------------------------------- main side
async function main() {
  const KERNEL_DIR = process.env.BTFGEN_KERNEL_DIR || process.env.KERNEL_DIR || join(homedir(), ".cache/btfgen/kernel");
  const args = process.argv.slice(2);
  let vmlinux;
  let moduleCount = "all";
  let sampleCount = 20;
  let jobs = 1;
  let doVmlinux = true;
  let doDwarfdump = true;
  let keep = false;
  const explicit = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--vmlinux") vmlinux = args[++i];
    else if (a === "--modules") moduleCount = args[++i];
    else if (a === "--sample") sampleCount = Number(args[++i]);
    else if (a === "--jobs" || a === "-j") jobs = Math.max(1, Number(args[++i]) || 1);
    else if (a === "--no-vmlinux") doVmlinux = false;
    else if (a === "--no-dwarfdump") doDwarfdump = false;
    else if (a === "--keep") keep = true;
    else if (a === "--help" || a === "-h") {
      console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 23).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
      return;
    } else if (a.startsWith("-")) fatal(`unknown option ${a}`);
    else explicit.push(a);
  }
  if (!existsSync(CLI)) fatal(`${CLI} missing: run \`make build\` first`);
  if (!vmlinux) {
    const boot = join(KERNEL_DIR, "root/usr/lib/debug/boot");
    const v = existsSync(boot) ? readdirSync(boot).filter((f) => f.startsWith("vmlinux-")).sort() : [];
    if (!v.length) fatal(`no kernel under ${KERNEL_DIR}: run \`make kernel\` first (or --vmlinux PATH)`);
    vmlinux = join(boot, v[0]);
  }
  if (!existsSync(vmlinux)) fatal(`no such file: ${vmlinux}`);
  const version = vmlinux.replace(/.*\/vmlinux-/, "");
  const modDir = join(dirname(vmlinux), "../lib/modules", version);

  const tmp = mkdtempSync(join(tmpdir(), "btfgen-kcheck-"));
  const failures = [];
  const fail = (m) => {
    failures.push(m);
    console.log(`FAIL: ${m}`);
  };
  const summary = {};
  try {
    if (doVmlinux) summary.vmlinux = checkVmlinux(vmlinux, tmp, fail, doDwarfdump);
    const all = explicit.length ? explicit : existsSync(modDir) ? listModules(modDir) : [];
    if (!explicit.length && !existsSync(modDir)) console.log(`(no module tree at ${modDir})`);
    const mods = pick(all, moduleCount === "all" ? all.length : Number(moduleCount));
    if (mods.length) summary.modules = await checkModules(mods, modDir, vmlinux, tmp, jobs, sampleCount, fail, doDwarfdump);
  } finally {
    if (keep) console.log(`(outputs kept in ${tmp})`);
    else rmSync(tmp, { recursive: true, force: true });
  }

  console.log("\n== summary");
  if (summary.vmlinux) {
    const v = summary.vmlinux;
    console.log(`vmlinux: ${v.sites} sites (expected ${v.expected ?? "?"}), ${v.bytes} bytes, ${v.bytesPerSite} bytes/site, full ${v.fullPct} / partial ${v.partialPct} / none ${v.nonePct}, main job ${v.seconds} s`);
  }
  if (summary.modules) {
    const m = summary.modules;
    console.log(`modules: ${m.ok}/${m.total} OK, ${m.failed} failed, ${m.sites} sites, ${m.bytes} bytes (${m.bytesPerSite} bytes/site), full ${m.fullPct} / partial ${m.partialPct} / none ${m.nonePct}, ${m.seconds} s; decode sample ${m.sampled} modules: ${m.sampleOk} equal`);
  }
  if (failures.length) {
    console.log(`${failures.length} failure(s):`);
    for (const f of failures.slice(0, 50)) console.log(`  ${f.split("\n")[0]}`);
    process.exitCode = 1;
  } else console.log("all checks passed");
}

function fatal(msg) {
  console.error(`kernel-funcinfo-check: ${msg}`);
  process.exit(2);
}

function listModules(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ko")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** `n` items spread evenly over `list` (all when n >= length). */
function pick(list, n) {
  if (!(n > 0)) return [];
  if (n >= list.length) return list.slice();
  const out = [];
  for (let i = 0; i < n; i++) out.push(list[Math.floor((i * list.length) / n)]);
  return out;
}

const pct = (n, d) => (d ? ((100 * n) / d).toFixed(1) + "%" : "-");
const secs = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

function node(argv, what) {
  const r = spawnSync(process.execPath, [CLI, ...argv], { maxBuffer: 1 << 30, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status}: ${(r.stderr || "").trim().split("\n").slice(0, 3).join(" | ")}`);
  return r.stdout;
}

function checkVmlinux(vmlinux, tmp, fail, doDwarfdump) {
  console.log(`== vmlinux ${vmlinux}`);
  const out = join(tmp, "vmlinux.func_info.btf");
  let t0 = performance.now();
  const run = JSON.parse(node([vmlinux, "-o", out, "-q", "--json"], "btfgen VMLINUX"));
  const seconds = secs(t0);
  console.log(`main job: ${seconds} s, ${run.bytes} bytes, ${run.sites} sites, ${run.locParams} LOC_PARAM, ${run.locProtos} LOC_PROTO, ${run.locsecs} LOCSEC, FUNCs reused ${run.funcsReused} / added ${run.funcsAdded}, base: ${run.base}`);
  if (run.sitesWithoutPrototype) fail(`vmlinux: ${run.sitesWithoutPrototype} sites without prototype (left out)`);
  if (run.notExpressibleInProfile) console.log(`note: ${run.notExpressibleInProfile} locations not expressible in the profile`);

  t0 = performance.now();
  const ck = spawnSync(process.execPath, [CLI, "check", out, "--base", vmlinux, "--json"], { maxBuffer: 1 << 30, encoding: "utf8" });
  const ckProblems = ck.status === 0 || ck.status === 1 ? JSON.parse(ck.stdout).problems : NaN;
  console.log(`btfgen check OUT --base VMLINUX (${secs(t0)} s): ${ckProblems} problems`);
  if (ckProblems !== 0) fail(`vmlinux: btfgen check OUT: ${ckProblems} problems (exit ${ck.status})`);

  t0 = performance.now();
  const st = JSON.parse(node(["stats", out, "--base", vmlinux, "--json"], "btfgen stats OUT"));
  console.log(`stats OUT (${secs(t0)} s): ${st.sites} sites, ${st.functions} functions, ${st.locsecs} LOCSECs, ${st.bytes} bytes, ${st.bytesPerSite} bytes/site`);
  const wp = st.full + st.partial + st.none;
  console.log(`  full ${st.full} (${pct(st.full, wp)}), partial ${st.partial} (${pct(st.partial, wp)}), none ${st.none} (${pct(st.none, wp)}), no parameters ${st.noParams}`);
  console.log(`  kinds: ${Object.entries(st.kinds).map(([k, v]) => `${k} ${v.count} (${v.bytes} B)`).join(", ")}`);
  if (st.sites !== run.sites) fail(`vmlinux: stats OUT says ${st.sites} sites, the main job ${run.sites}`);
  if (st.bytes !== run.bytes) fail(`vmlinux: file is ${st.bytes} bytes, the main job said ${run.bytes}`);

  t0 = performance.now();
  const dw = JSON.parse(node(["stats", vmlinux, "--json"], "btfgen stats VMLINUX"));
  console.log(`stats VMLINUX (${secs(t0)} s): inline ${dw.inlineSites}, optimised functions ${dw.funcSites}, without address ${dw.noAddress}, outside sections ${dw.noSection}, full ${dw.full}, partial ${dw.partial}, none ${dw.none}, no parameters ${dw.noParams}`);
  const low = run.lowering;
  // Site counts must agree; the location shares may not (`stats VMLINUX`
  // lowers without the FUNC_PROTO parameter sizes the main job has).
  for (const k of ["inlineSites", "funcSites", "noAddress", "noSection", "noParams"]) {
    if (low[k] !== dw[k]) fail(`vmlinux: main job lowering ${k}=${low[k]} but stats VMLINUX ${k}=${dw[k]}`);
  }
  const row = (o) => `full ${o.full}, partial ${o.partial}, none ${o.none}, no parameters ${o.noParams}`;
  if (["full", "partial", "none", "noParams"].some((k) => low[k] !== dw[k] || low[k] !== st[k])) {
    console.log(`note: location shares differ:`);
    console.log(`  stats VMLINUX (DWARF, no types): ${row(dw)}`);
    console.log(`  main job lowering (typed):       ${row(low)}`);
    console.log(`  stats OUT (written file):        ${row(st)}`);
  }

  let inlined;
  if (doDwarfdump) {
    t0 = performance.now();
    const r = spawnSync("llvm-dwarfdump-19", ["--statistics", vmlinux], { maxBuffer: 1 << 28, encoding: "utf8" });
    if (r.error || r.status !== 0) fail(`llvm-dwarfdump-19 --statistics failed: ${r.error?.message ?? r.stderr.split("\n")[0]}`);
    else {
      inlined = JSON.parse(r.stdout)["#inlined functions"];
      console.log(`llvm-dwarfdump-19 --statistics (${secs(t0)} s): #inlined functions ${inlined}`);
      if (inlined !== dw.inlineSites) fail(`vmlinux: llvm-dwarfdump counts ${inlined} inlined functions, btfgen ${dw.inlineSites}`);
    }
  }
  const base = inlined ?? dw.inlineSites;
  const expected = base - dw.noAddress - dw.noSection + dw.funcSites - (run.sitesWithoutPrototype ?? 0);
  const sign = expected === st.sites ? "==" : "!=";
  console.log(`sites: ${base} inlined - ${dw.noAddress} without address - ${dw.noSection} outside sections + ${dw.funcSites} optimised functions = ${expected} ${sign} ${st.sites} LOCSEC entries`);
  if (expected !== st.sites) fail(`vmlinux: expected ${expected} sites, file has ${st.sites}`);

  t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, "sites", out, "--base", vmlinux], { maxBuffer: 1 << 30, encoding: "utf8" });
  if (r.status !== 0) fail(`btfgen sites OUT --base VMLINUX: exit ${r.status}: ${r.stderr.split("\n")[0]}`);
  else {
    const lines = r.stdout.split("\n").filter((l) => l !== "").length;
    console.log(`sites OUT --base VMLINUX (${secs(t0)} s): ${lines} lines ${lines === st.sites ? "==" : "!="} ${st.sites} LOCSEC entries`);
    if (lines !== st.sites) fail(`vmlinux: sites OUT prints ${lines} lines, file has ${st.sites} LOCSEC entries`);
  }
  return {
    seconds: Number(seconds), bytes: st.bytes, sites: st.sites, expected, bytesPerSite: st.bytesPerSite,
    fullPct: pct(st.full, wp), partialPct: pct(st.partial, wp), nonePct: pct(st.none, wp),
  };
}

async function checkModules(mods, modDir, vmlinux, tmp, jobs, sampleCount, fail, doDwarfdump) {
  console.log(`\n== ${mods.length} modules (${jobs} worker${jobs > 1 ? "s" : ""}, decode sample ${Math.min(sampleCount, mods.length)})`);
  const sample = new Set(pick(mods, sampleCount));
  const t0 = performance.now();
  const results = [];
  let next = 0;
  const rel = (p) => (p.startsWith(modDir) ? relative(modDir, p) : p);
  await Promise.all(
    Array.from({ length: Math.min(jobs, mods.length) }, (_, id) =>
      new Promise((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), { workerData: { vmlinux, tmp, id } });
        const feed = () => {
          if (next >= mods.length) return w.postMessage(null);
          const path = mods[next++];
          w.postMessage({ path, sample: sample.has(path) });
        };
        w.on("message", (res) => {
          results.push(res);
          if (!res.ok) console.log(`ERROR ${rel(res.path)}:\n  ${res.error.replace(/\n/g, "\n  ")}`);
          if (results.length % 100 === 0) console.log(`  ${results.length}/${mods.length} modules, ${secs(t0)} s`);
          feed();
        });
        w.on("error", (e) => reject(e));
        w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code} (at module ${next}/${mods.length})`))));
        feed();
      }),
    ),
  );
  const seconds = secs(t0);
  const ok = results.filter((r) => r.ok);
  const bad = results.filter((r) => !r.ok);
  const sum = (f) => ok.reduce((a, r) => a + f(r), 0);
  const sites = sum((r) => r.sites);
  const bytes = sum((r) => r.bytes);
  const full = sum((r) => r.file.full), partial = sum((r) => r.file.partial), none = sum((r) => r.file.none), noParams = sum((r) => r.file.noParams);
  const wp = full + partial + none;
  const inline = sum((r) => r.lower.inlineSites), funcs = sum((r) => r.lower.funcSites);
  const noAddr = sum((r) => r.lower.noAddress), noSec = sum((r) => r.lower.noSection), noProto = sum((r) => r.noProto);
  const zero = ok.filter((r) => r.sites === 0).length;
  console.log(`modules: ${ok.length} OK, ${bad.length} failed, ${seconds} s (${(Number(seconds) / results.length * 1000).toFixed(0)} ms/module)`);
  console.log(`  sites ${sites} (DWARF: inline ${inline} + optimised functions ${funcs} - without address ${noAddr} - outside sections ${noSec} - without prototype ${noProto}); ${zero} modules with no site`);
  console.log(`  bytes ${bytes} (${sites ? (bytes / sites).toFixed(2) : "-"} bytes/site); btfgen check: ${sum((r) => r.checkProblems ?? 0)} problems in ${ok.length} func_info splits`);
  console.log(`  full ${full} (${pct(full, wp)}), partial ${partial} (${pct(partial, wp)}), none ${none} (${pct(none, wp)}), no parameters ${noParams}`);
  const slow = [...ok].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.log(`  slowest: ${slow.map((r) => `${rel(r.path)} ${(r.ms / 1000).toFixed(1)} s (${r.sites} sites)`).join(", ")}`);
  for (const r of bad) fail(`module ${rel(r.path)}: ${r.error}`);
  for (const r of ok) for (const p of r.problems) fail(`module ${rel(r.path)}: ${p}`);
  if (noProto) console.log(`note: ${noProto} module sites without prototype were left out`);
  const sampled = results.filter((r) => sample.has(r.path));
  const sampleOk = sampled.filter((r) => r.ok && r.decoded === r.sites && r.problems.length === 0).length;
  console.log(`  decode sample: ${sampleOk}/${sampled.length} modules decode to the same sites (${sampled.filter((r) => r.ok).reduce((a, r) => a + (r.decoded ?? 0), 0)} sites decoded)`);
  // The sample's inline site counts against llvm-dwarfdump (it applies the ET_REL relocations itself).
  if (doDwarfdump) {
    let same = 0, n = 0;
    // The decode sample, plus every module where btfgen found no site at all.
    const zeroes = ok.filter((r) => r.lower.inlineSites === 0 && !sample.has(r.path));
    for (const r of [...sampled.filter((x) => x.ok), ...zeroes]) {
      const d = spawnSync("llvm-dwarfdump-19", ["--statistics", r.path], { maxBuffer: 1 << 26, encoding: "utf8" });
      if (d.error || d.status !== 0) {
        fail(`llvm-dwarfdump-19 --statistics ${rel(r.path)} failed: ${d.error?.message ?? d.stderr.split("\n")[0]}`);
        continue;
      }
      n++;
      const inlined = JSON.parse(d.stdout)["#inlined functions"];
      if (inlined === r.lower.inlineSites) same++;
      else fail(`module ${rel(r.path)}: llvm-dwarfdump counts ${inlined} inlined functions, btfgen ${r.lower.inlineSites}`);
    }
    console.log(`  llvm-dwarfdump-19 --statistics on the sample and the ${zeroes.length} modules without inline sites: ${same}/${n} modules with the same #inlined functions`);
  }
  return {
    total: results.length, ok: ok.length, failed: bad.length, sites, bytes, bytesPerSite: sites ? (bytes / sites).toFixed(2) : "-",
    fullPct: pct(full, wp), partialPct: pct(partial, wp), nonePct: pct(none, wp), seconds: Number(seconds), sampled: sampled.length, sampleOk,
  };
}

// Dispatch last, so the module-level constants above are initialised.
if (!isMainThread) {
  await moduleWorker();
} else {
  await main();
}
