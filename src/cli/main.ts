#!/usr/bin/env node
/**
 * The btfgen command line. Every command maps to a function of the library
 * (src/index.ts); this file only parses arguments, prints and sets the exit
 * status. Bad input ends in one line on stderr and exit status 1; a bug in
 * btfgen in one line and status 2 (BTFGEN_DEBUG=1 shows the stack).
 */
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { BtfgenError, UsageError, checkBtfFeatures, commands, removeTemporaries } from "../index.js";

const VERSION = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version as string;

const debug = () => process.env.BTFGEN_DEBUG !== undefined || process.argv.includes("--debug");


// A reader that stops early (`btfgen sites vmlinux | head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  fail(e);
});

function fail(e: unknown): never {
  if (e instanceof BtfgenError) {
    process.stderr.write(`btfgen: ${e.describe()}\n`);
    process.exit(1);
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (debug() && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  const oom = e instanceof RangeError && /memory|allocation|Array buffer/i.test(msg);
  const hint = debug() ? "" : " (a bug in btfgen: rerun with --debug for the stack)";
  process.stderr.write(`btfgen: ${oom ? "out of memory: " : "internal error: "}${msg.split("\n")[0]}${oom ? "" : hint}\n`);
  removeTemporaries();
  process.exit(2);
}

/** Runs a command body, printing its output and mapping errors to exit codes. */
async function run(body: () => string | void | Promise<string | void>): Promise<void> {
  try {
    const out = await body();
    if (out !== undefined && out !== "") process.stdout.write(out.endsWith("\n") ? out : out + "\n");
  } catch (e) {
    fail(e);
  }
}

/**
 * Progress on stderr for long runs, only when it is a terminal (quiet when
 * piped or redirected); the line is cleared when the command ends.
 * `label(done, total)` is the text, e.g. `vmlinux: 12/2900 units`.
 */
function progressLine(label: (done: number, total: number) => string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 200) return;
    last = now;
    process.stderr.write(done < total ? `\rbtfgen: ${label(done, total)}` : "\r\x1b[K");
  };
}
const progress = (file: string) => progressLine((d, t) => `${file}: ${d}/${t} units`);
const progressOf = (what: string) => progressLine((d, t) => `${d}/${t} ${what}`);

/**
 * The base chain, one spelling for every command: `--btf_base` (pahole's),
 * also `--btf-base`, `--base` and `-B`; explained once, in the --help epilogue.
 */
function baseChain<T>(y: Argv<T>, what = "base BTF chain (see BASE CHAIN below)") {
  // One file per flag (nargs 1), as in pahole: `--btf_base vmlinux foo.ko` keeps foo.ko the input.
  return y.option("btf_base", { alias: ["btf-base", "base", "B"], type: "string", array: true, nargs: 1, describe: what }).epilogue(BASE_CHAIN_HELP);
}

const BASE_CHAIN_HELP =
  "BASE CHAIN: --btf_base FILE (also --base, -B; repeat it for a chain) names the BTF a split is read or " +
      "written on: vmlinux first, then a module's BTF, each later file split on the ones before it. A file is an ELF (its " +
      ".BTF) or raw BTF. Without it, an ELF's own .BTF is used, and a raw /sys/kernel/btf/*.inline finds vmlinux (and its " +
      "module) beside it.";

/** The options every command that reads BTF shares, declared once: the input, its base chain, the wire profile, `--json`. */
function btfReader<T>(y: Argv<T>, baseWhat?: string) {
  return baseChain(y.positional("file", { type: "string", demandOption: true }), baseWhat)
    .option("format", WIRE_PROFILE)
    .option("json", { type: "boolean", default: false });
}

const WIRE_PROFILE = { choices: ["v2", "rfc-v1"] as const, describe: "wire profile of a BTF input (default: layout section, else detected)" };

/** {@link btfReader} for a command whose `--format` names its output: the wire profile is `--profile` there. */
function btfReaderWithOutputFormat<T>(y: Argv<T>, baseWhat?: string) {
  return baseChain(y.positional("file", { type: "string", demandOption: true }), baseWhat)
    .option("profile", WIRE_PROFILE)
    .option("json", { type: "boolean", default: false });
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** pahole's bare `-j` (as many threads as CPUs): `-j 0`, which btfgen reads as its default. */
function paholeArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]);
    if ((argv[i] === "-j" || argv[i] === "--jobs") && !/^\d+$/.test(argv[i + 1] ?? "")) out.push("0");
  }
  return out;
}

const cli = yargs(paholeArgv(hideBin(process.argv)))
  .scriptName("btfgen")
  .usage("$0 FILE -o OUT     write FILE's BTF.func_info (inline sites and argument locations)")
  .command(
    "$0 [files..]",
    "encode BTF.func_info for FILE (vmlinux, a module, any ELF with DWARF); several FILEs (or --from) with --out-dir",
    (y) =>
      baseChain(y, "base BTF chain (see BASE CHAIN below); default FILE's own .BTF, else BTF encoded from its DWARF")
        .positional("files", { type: "string", array: true, describe: "ELF objects with DWARF" })
        .option("out-dir", { type: "string", describe: "batch mode: write DIR/<FILE basename>.func_info.btf for each input, the base parsed once" })
        .option("from", { type: "string", describe: "batch mode: read input paths from this file, one per line (e.g. modules.order)" })
        .option("output", { alias: "o", type: "string", describe: "output file (default FILE.func_info.btf)" })
        .option("format", { choices: ["v2", "rfc-v1"] as const, default: "v2" as const, describe: "wire profile" })
        .option("locsec-max", { type: "number", describe: "at most N entries per LOCSEC (name-range partitions)" })
        .option("locsec-order", { choices: ["name", "id"] as const, default: "name" as const, describe: "LOCSEC entries by function name (binary search by name) or by (func id, offset) as resolve_btfids --inline sorts them" })
        .option("layout", { type: "boolean", default: true, describe: "v2: write the layout section (--no-layout: as the kernel's resolve_btfids --inline writes, for readers that know kinds 20-22)" })
        .option("elf", { type: "boolean", default: false, describe: "write an ELF object holding the BTF as a section" })
        .option("section-name", { type: "string", default: ".BTF.func_info", describe: "section name with --elf (e.g. .BTF.inline)" })
        .option("inline", { type: "boolean", default: false, describe: "shorthand for --elf --section-name .BTF.inline" })
        .option("base-only", { type: "boolean", default: false, describe: "write the base BTF encoded from DWARF instead (like pahole -J)" })
        .option("btf_encode_detached", { type: "string", describe: "write the base BTF encoded from DWARF to this file, as pahole -J --btf_encode_detached does (implies --base-only)" })
        .option("J", { type: "boolean", describe: "pahole's -J: with --btf_encode_detached FILE, base BTF to FILE (btfgen never writes into its input)" })
        .option("btf_features", { type: "string", describe: "pahole's feature list: names btfgen always encodes are accepted, others refused" })
        .option("jobs", { alias: "j", type: "number", describe: "threads (output does not depend on it)" })
        .option("alt", { type: "string", describe: "supplementary DWARF file of a dwz'd input (default: the one its .gnu_debugaltlink / .debug_sup names, beside it or by build-id under /usr/lib/debug/.build-id)" })
        .option("json", { type: "boolean", default: false, describe: "print the run's stats as JSON" })
        .option("quiet", { alias: "q", type: "boolean", default: false, describe: "print nothing on success" })
        .option("timings", { type: "boolean", default: false, describe: "print how long each stage took (stderr; with --json, in the JSON)" }),
    (a) =>
      run(async () => {
        const files = asList(a.files);
        if (a.btf_features !== undefined) checkBtfFeatures(a.btf_features);
        // pahole -J without a detached file writes .BTF into the object; btfgen never changes an input.
        if (a.J && a.btf_encode_detached === undefined) throw new UsageError("-J writes BTF into the input in pahole; btfgen never changes an input: add --btf_encode_detached FILE");
        const baseOnly = a["base-only"] || a.btf_encode_detached !== undefined;
        const batch = a["out-dir"] !== undefined || a.from !== undefined || files.length > 1;
        const common = {
          base: asList(a.btf_base), format: a.format, locsecMax: a["locsec-max"], locsecOrder: a["locsec-order"], layout: a.layout,
          elf: a.elf || a.inline, sectionName: a.inline ? ".BTF.inline" : a["section-name"], jobs: a.jobs, alt: a.alt,
        };
        if (batch) {
          if (a["out-dir"] === undefined) throw new UsageError("several inputs need --out-dir DIR (one output per input)");
          if (a.output !== undefined) throw new UsageError("-o names one output; with several inputs use --out-dir");
          if (baseOnly) throw new UsageError("--base-only / --btf_encode_detached take one input");
          const r = await commands.funcInfoMany({
            ...common, files, from: a.from, outDir: a["out-dir"],
            onProgress: progressOf("inputs"), onError: (_f, msg) => process.stderr.write(`btfgen: ${msg}\n`),
          });
          if (r.failed) process.exitCode = 1;
          if (a.json) return JSON.stringify(r, null, 1);
          if (a.quiet) return "";
          const sites = r.items.reduce((n, i) => n + (i.sites ?? 0), 0);
          return `wrote ${r.items.length - r.failed} of ${r.items.length} outputs to ${a["out-dir"]} (${sites} sites)${r.failed ? `; ${r.failed} failed` : ""}`;
        }
        if (files.length === 0) throw new UsageError("no input file (see btfgen --help)");
        const file = files[0];
        // pahole's `--btf_encode_detached FILE` means base BTF to FILE, as --base-only does.
        if (baseOnly) {
          if (a.output !== undefined && a.btf_encode_detached !== undefined) throw new UsageError("give -o or --btf_encode_detached, not both");
          return commands.encode({ file, output: a.btf_encode_detached ?? a.output, base: asList(a.btf_base), json: a.json, quiet: a.quiet, jobs: a.jobs });
        }
        return commands.funcInfo({ ...common, file, output: a.output, json: a.json, quiet: a.quiet, timings: a.timings, onProgress: progress(file) });
      }),
  )
  .command(
    "sites <file>",
    "list inline sites: from an ELF's DWARF, or decoded from a func_info BTF (with --base)",
    (y) =>
      btfReader(y)
        .option("elf", { type: "string", describe: "ELF whose section addresses turn offsets into addresses (decode mode)" })
        .option("all-functions", { type: "boolean", default: false, describe: "list every out-of-line function, not only optimiser-changed ones" })
        .option("inline-only", { type: "boolean", default: false, describe: "list inline sites only" })
        .option("types", { type: "boolean", default: true, describe: "run the func_info pipeline for parameter types and sizes (--no-types: DWARF only, faster)" })
        .option("jobs", { alias: "j", type: "number" }),
    (a) =>
      run(() =>
        commands.sites({
          file: a.file!, base: asList(a.btf_base), elf: a.elf, allFunctions: a["all-functions"], inlineOnly: a["inline-only"],
          json: a.json, types: a.types, jobs: a.jobs, format: a.format,
        }),
      ),
  )
  .command(
    "dump <file>",
    "print BTF like `bpftool btf dump file` (raw BTF or an ELF's .BTF)",
    (y) =>
      btfReader(y)
        .option("section", { type: "string", describe: "ELF section to read (default .BTF, or .BTF.func_info/.BTF.inline if present)" }),
    (a) => run(() => commands.dump({ file: a.file!, base: asList(a.btf_base), section: a.section, json: a.json, format: a.format })),
  )
  .command(
    "stats <file>",
    "site, function and location counts of an ELF's DWARF or of a func_info BTF",
    (y) =>
      btfReader(y)
        .option("jobs", { alias: "j", type: "number" }),
    (a) => run(() => commands.stats({ file: a.file!, base: asList(a.btf_base), json: a.json, jobs: a.jobs, format: a.format })),
  )
  .command(
    "check <file>",
    "check BTF the way the kernel and libbpf do when they load it (raw BTF, or every BTF section of an ELF)",
    (y) =>
      btfReader(y)
        .option("section", { type: "string", describe: "check only this ELF section" })
        .option("locsec-order", { choices: ["any", "name", "id"] as const, default: "any" as const, describe: "LOCSEC entry order to require" }),
    (a) =>
      run(() => {
        const r = commands.check({ file: a.file!, base: asList(a.btf_base), section: a.section, format: a.format, locsecOrder: a["locsec-order"], json: a.json });
        if (r.failed) process.exitCode = 1;
        return r.text;
      }),
  )
  .command(
    "diff <old> <new>",
    "what changed between two builds: functions inlined or no longer, site counts, clones, signatures, argument locations",
    (y) =>
      y
        .positional("old", { type: "string", demandOption: true, describe: "func_info file (on --base-old) or ELF with DWARF" })
        .positional("new", { type: "string", demandOption: true, describe: "func_info file (on --base-new) or ELF with DWARF" })
        .option("base-old", { alias: ["btf_base_old", "btf-base-old"], type: "string", array: true, nargs: 1, describe: "base BTF chain of OLD (vmlinux first; for an ELF, its --btf_base)" })
        .option("base-new", { alias: ["btf_base_new", "btf-base-new"], type: "string", array: true, nargs: 1, describe: "base BTF chain of NEW" })
        .option("func", { type: "string", describe: "compare only this function, and show all its parameters" })
        .option("fail-on", { type: "string", array: true, describe: "exit 1 when a difference of these kinds is present: inlined, uninlined, sites, clone, signature, locations, added, removed, any (comma-separated or repeated)" })
        .option("format", { choices: ["v2", "rfc-v1"] as const, describe: "wire profile of func_info inputs (default: detected)" })
        .option("jobs", { alias: "j", type: "number" })
        .option("json", { type: "boolean", default: false })
        .epilogue(
          "A function is out of line when the func_info's base has a FUNC of its name (or, with a symbol table, an STT_FUNC symbol of it); " +
          "its sites are its LOCSEC entries, less the entries of optimised out-of-line copies when a symbol table (the input ELF, or the last ELF of the base chain) shows them; " +
          "clones are symbols NAME.isra.N / .constprop.N / .part.N. Sites are never matched by address (addresses differ between builds): " +
          "per function and parameter name, the share of entries that give the parameter a location is compared. Exit status 0 whatever differs, unless --fail-on.",
        ),
    (a) =>
      run(async () => {
        const r = await commands.diff({
          old: a.old!, new: a.new!, baseOld: asList(a["base-old"]), baseNew: asList(a["base-new"]), func: a.func,
          json: a.json, failOn: asList(a["fail-on"]), format: a.format, jobs: a.jobs,
        });
        if (r.failed) process.exitCode = 1;
        return r.text;
      }),
  )
  .command(
    "probes <file>",
    "probe definitions (kprobe_events/uprobe_events, perf probe, bpftrace, USDT specs, JSON) for every site of a function, checked for attachability",
    (y) =>
      btfReaderWithOutputFormat(y)
        .option("format", { choices: ["kprobe", "perf", "bpftrace", "usdt", "json"] as const, describe: "output format (--json: json; the wire profile of the input is detected, --profile forces it)" })
        .option("func", { type: "string", array: true, describe: "probe this function's sites (repeatable)" })
        .option("all", { type: "boolean", default: false, describe: "probe every function's sites" })
        .option("elf", { type: "string", describe: "the traced ELF (machine, symbols, code); default the input when it is that object" })
        .option("target", { choices: ["vmlinux", "module", "user"] as const, describe: "what the traced ELF is (default: detected; user gives uprobes)" })
        .option("target-path", { type: "string", describe: "the traced object's path on the traced machine (uprobes; default the --elf path made absolute)" })
        .option("group", { type: "string", default: "btfgen", describe: "event group" })
        .option("include-unattachable", { type: "boolean", default: false, describe: "keep sites that fail an attachability check (with the reason)" })
        .option("output", { alias: "o", type: "string", describe: "write to this file instead of stdout" })
        .option("jobs", { alias: "j", type: "number" }),
    (a) =>
      run(() => {
        const format = a.json ? "json" : a.format;
        if (format === undefined) throw new UsageError("give the output format: --format kprobe|perf|bpftrace|usdt|json");
        return commands.probes({
          file: a.file!, base: asList(a.btf_base), profile: a.profile, format, funcs: asList(a.func), all: a.all, elf: a.elf,
          target: a.target, targetPath: a["target-path"], group: a.group, includeUnattachable: a["include-unattachable"], output: a.output, jobs: a.jobs,
        });
      }),
  )
  .command(
    "verdict <file>",
    "per function: is every site attachable and every argument readable (all-or-none attach), and if not, which fail and why",
    (y) =>
      btfReader(y)
        .option("func", { type: "string", array: true, describe: "judge only this function (repeatable)" })
        .option("elf", { type: "string", describe: "the traced ELF (machine, symbols, code); default the input when it is that object" })
        .option("target", { choices: ["vmlinux", "module", "user"] as const, describe: "what the traced ELF is (default: detected)" })
        .option("failing", { type: "boolean", default: false, describe: "list only the functions that are not ready" })
        .option("jobs", { alias: "j", type: "number" }),
    (a) =>
      run(() =>
        commands.verdict({
          file: a.file!, base: asList(a.btf_base), profile: a.format, funcs: asList(a.func), elf: a.elf, target: a.target, failing: a.failing, json: a.json, jobs: a.jobs,
        }),
      ),
  )
  .command(
    "encode <file>",
    "encode FILE's DWARF types as BTF (like pahole -J)",
    (y) =>
      baseChain(y, "encode as split BTF on this base chain (see BASE CHAIN below)")
        .positional("file", { type: "string", demandOption: true })
        .option("output", { alias: ["o", "btf_encode_detached"], type: "string", describe: "output file (default FILE.btf)" })
        .option("jobs", { alias: "j", type: "number", describe: "threads: above 1, a worker walks the DWARF while this thread encodes (big objects; output does not depend on it)" })
        .option("json", { type: "boolean", default: false })
        .option("quiet", { alias: "q", type: "boolean", default: false }),
    (a) => run(() => commands.encode({ file: a.file!, output: a.output, base: asList(a.btf_base), json: a.json, quiet: a.quiet, jobs: a.jobs })),
  )
  .option("debug", { type: "boolean", global: true, describe: "on an internal error, print the stack" })
  .strict()
  .help()
  .version(`btfgen ${VERSION} (BTF.func_info wire profiles: v2 (default, with the layout section), rfc-v1)`)
  .wrap(Math.min(110, process.stdout.columns || 110))
  .fail((msg, err) => {
    if (err) fail(err);
    process.stderr.write(`btfgen: ${msg}\n(see btfgen --help)\n`);
    process.exit(1);
  });

await cli.parseAsync();
