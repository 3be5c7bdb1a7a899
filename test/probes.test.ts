/**
 * `btfgen probes` and `btfgen verdict` output. Every kprobe_events and
 * uprobe_events line btfgen writes is parsed by a checker written here from
 * the kernel's grammar (Documentation/trace/kprobetrace.rst and
 * uprobetracer.rst, with the name and count limits of
 * kernel/trace/trace_probe.c), itself tried on a table of good and bad lines;
 * bpftrace scripts are parsed by Debian's bpftrace (`-d`: parse, semantic
 * analysis and code generation, without loading anything).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { probesCommand } from "../src/app/probes.js";
import { verdictCommand } from "../src/app/verdict.js";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { NotFoundError, UsageError } from "../src/errors.js";
import { expectFileAccepted } from "./helpers/check.js";
import { writeFileSync } from "node:fs";
import { btfgen as runCli } from "./helpers/cli.js";

const OBJ = join(import.meta.dirname, "../testdata/obj");
const PROBES = join(import.meta.dirname, "../testdata/probes");
const tmp = mkdtempSync(join(tmpdir(), "btfgen-probes-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------
// The kernel's grammar, as a checker.

/** `regs_query_register_offset()` names (arch/x86/kernel/ptrace.c, arch/arm64/kernel/ptrace.c). */
const PT_REGS: Record<string, Set<string>> = {
  x86_64: new Set(["ax", "bx", "cx", "dx", "si", "di", "bp", "sp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip", "flags", "cs", "ss", "orig_ax"]),
  aarch64: new Set([...Array.from({ length: 31 }, (_, i) => `x${i}`), "sp", "pc", "pstate"]),
};
const TYPE = /^(?:[sux](?:8|16|32|64)|char|string|ustring|symbol|symstr|b\d+@\d+\/\d+)(?:\[\d+\])?$/;
const GOOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^(?:0x[0-9a-fA-F]+|\d+)$/;
const RESERVED = new Set(["common_type", "common_flags", "common_preempt_count", "common_pid", "common_tgid", "__probe_ip", "__probe_ret_ip", "__probe_func"]);

/** Why `body` is no FETCHARG (undefined when it is one). */
function fetchargError(body: string, arch: string, user: boolean): string | undefined {
  if (body.startsWith("%")) return PT_REGS[arch].has(body.slice(1)) ? undefined : `unknown register ${body}`;
  if (body.startsWith("\\")) return /^\\(?:-?(?:0x[0-9a-fA-F]+|\d+)|"[^"]*")$/.test(body) ? undefined : `bad immediate ${body}`;
  if (body.startsWith("@")) return /^@(?:0x[0-9a-fA-F]+|\d+|[A-Za-z_.][A-Za-z0-9_.]*(?:[+-](?:0x[0-9a-fA-F]+|\d+))?)$/.test(body) ? undefined : `bad memory ${body}`;
  if (body.startsWith("$")) {
    if (/^\$(?:stack\d*|retval|comm|arg[1-9]\d*)$/.test(body)) return user && body.startsWith("$arg") ? "$argN in a uprobe" : undefined;
    return `bad variable ${body}`;
  }
  const deref = /^([+-])(u?)(0x[0-9a-fA-F]+|\d+)\((.*)\)$/.exec(body);
  if (deref) return fetchargError(deref[4], arch, user);
  return `not a fetcharg: ${body}`;
}

/**
 * Why `line` is not a probe definition the kernel accepts, or undefined:
 * `p[:[GRP/]EVENT] [MOD:]SYM[+offs]|MEMADDR [FETCHARGS]` (kprobe_events) or
 * `p[:[GRP/]EVENT] PATH:OFFSET [FETCHARGS]` (uprobe_events).
 */
function probeLineError(line: string, arch: string, kind: "kprobe" | "uprobe"): string | undefined {
  const tok = line.trim().split(/\s+/);
  const head = /^([pr])(\d*)(?::(?:([^/]+)\/)?([^/]+))?$/.exec(tok[0]);
  if (!head) return `bad command ${tok[0]}`;
  if (head[1] === "p" && head[2] !== "") return "MAXACTIVE on a p probe";
  for (const n of [head[3], head[4]]) {
    if (n === undefined) continue;
    if (!GOOD_NAME.test(n)) return `bad event or group name ${n}`;
    if (n.length >= 64) return `name of ${n.length} bytes (MAX_EVENT_NAME_LEN 64)`;
  }
  const point = tok[1];
  if (point === undefined) return "no probe point";
  if (kind === "kprobe") {
    if (!/^(?:[A-Za-z_][A-Za-z0-9_]*:)?[A-Za-z_.][A-Za-z0-9_.]*(?:\+(?:0x[0-9a-fA-F]+|\d+))?$/.test(point) && !/^0x[0-9a-fA-F]+$/.test(point)) return `bad probe point ${point}`;
  } else {
    const m = /^(\/[^\s:]+):(0x[0-9a-fA-F]+|\d+)(?:\((?:0x[0-9a-fA-F]+|\d+)\))?$/.exec(point);
    if (!m) return `bad uprobe point ${point}`;
  }
  const args = tok.slice(2);
  if (args.length > 128) return `${args.length} args (MAX_TRACE_ARGS 128)`;
  const names = new Set<string>();
  for (const a of args) {
    let rest = a;
    const eq = /^([^=()]+)=(.*)$/.exec(a);
    if (eq) {
      if (!GOOD_NAME.test(eq[1])) return `bad argument name ${eq[1]}`;
      if (eq[1].length >= 32) return `argument name of ${eq[1].length} bytes (MAX_ARG_NAME_LEN 32)`;
      if (RESERVED.has(eq[1])) return `argument name ${eq[1]} is a reserved field`;
      if (names.has(eq[1])) return `argument name ${eq[1]} twice`;
      names.add(eq[1]);
      rest = eq[2];
    }
    const colon = rest.lastIndexOf(":");
    const body = colon >= 0 && !rest.slice(colon).includes(")") ? rest.slice(0, colon) : rest;
    const type = colon >= 0 && body !== rest ? rest.slice(colon + 1) : undefined;
    if (type !== undefined && !TYPE.test(type)) return `bad type ${type}`;
    const e = fetchargError(body, arch, kind === "uprobe");
    if (e) return e;
  }
  return undefined;
}

describe("the grammar checker itself", () => {
  test.each([
    ["p:myprobe do_sys_open dfd=%ax filename=%dx flags=%cx mode=+4($stack)", "kprobe"],
    ["p:btfgen/foo_0 caller+0x34 a=%di:s32 b=+16(%si):u64 c=\\5:s32 d=-8(%bp):x64", "kprobe"],
    ["p:g/e ext4:ext4_file_open+0x10 x=%r12:u8", "kprobe"],
    ["p:g/e foo.isra.0+0x4", "kprobe"],
    ["p 0xffffffff81000000", "kprobe"],
    ["r:myretprobe do_sys_open $retval", "kprobe"],
    ["p:g/e f x=+0(+8(%di)):u32 y=\\-3:s8 z=@jiffies:u64 w=\\0x10:x16", "kprobe"],
    ["p:uprobes/e /bin/bash:0x4245c0 a=%di:s64", "uprobe"],
    ["p /lib/libc.so.6:0x1234(0x10) %si", "uprobe"],
  ] as const)("accepts %s", (line, kind) => {
    expect(probeLineError(line, "x86_64", kind)).toBeUndefined();
  });

  test.each([
    ["p:g/e f a=%xmm0:u32", "kprobe", /unknown register/],
    ["p:g/e f a=%edi:s32", "kprobe", /unknown register/],
    ["p:g/e f a=%di:i32", "kprobe", /bad type/],
    ["p:g/e f a=%di b=%si a=%dx", "kprobe", /twice/],
    ["p:g/e f common_pid=%di", "kprobe", /reserved/],
    ["p:g/foo.bar f", "kprobe", /bad event/],
    ["p:g/0foo f", "kprobe", /bad event/],
    [`p:g/${"e".repeat(64)} f`, "kprobe", /MAX_EVENT_NAME_LEN/],
    [`p:g/e f ${"a".repeat(32)}=%di`, "kprobe", /MAX_ARG_NAME_LEN/],
    ["p:g/e f a=16(%di)", "kprobe", /not a fetcharg/],
    ["p:g/e f a=%di+16", "kprobe", /unknown register/],
    ["p:g/e f a=\\x", "kprobe", /bad immediate/],
    ["p3:g/e f", "kprobe", /MAXACTIVE/],
    ["p:g/e", "kprobe", /no probe point/],
    [`p:g/e f ${Array.from({ length: 129 }, (_, i) => `a${i}=%di`).join(" ")}`, "kprobe", /MAX_TRACE_ARGS/],
    ["p:g/e bin/bash:0x10", "uprobe", /bad uprobe point/],
    ["p:g/e /bin/bash:main", "uprobe", /bad uprobe point/],
    ["p:g/e /bin/bash:0x10 a=$arg1", "uprobe", /argN/],
  ] as const)("refuses %s", (line, kind, why) => {
    expect(probeLineError(line, "x86_64", kind)).toMatch(why);
  });

  test("aarch64 registers are x0..x30, sp, pc", () => {
    expect(probeLineError("p:g/e f a=%x0:s32 b=+8(%sp):u64", "aarch64", "kprobe")).toBeUndefined();
    expect(probeLineError("p:g/e f a=%w0:s32", "aarch64", "kprobe")).toMatch(/unknown register/);
    expect(probeLineError("p:g/e f a=%di", "aarch64", "kprobe")).toMatch(/unknown register/);
  });
});

// ---------------------------------------------------------------------------
// Generated lines.

/** The probe lines of a kprobe/uprobe output (comments dropped). */
const probeLines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

const LINKED = ["all-gcc12-O2-dwarf5-x86_64", "all-clang19-O2-dwarf5-x86_64", "all-gcc12-O2-dwarf5-x86_64-pie", "all-gcc12-O2-dwarf5-aarch64", "all-clang19-O2-dwarf5-aarch64"];

describe.each(LINKED)("%s", (name) => {
  const file = join(OBJ, name);
  const arch = name.includes("aarch64") ? "aarch64" : "x86_64";

  test("every uprobe_events line parses by the kernel's grammar; event names are unique", async () => {
    const text = await probesCommand({ file, all: true, format: "kprobe" });
    const lines = probeLines(text);
    expect(lines.length).toBeGreaterThan(20);
    const events = new Set<string>();
    for (const l of lines) {
      expect(probeLineError(l, arch, "uprobe"), l).toBeUndefined();
      const ev = l.split(" ")[0];
      expect(events.has(ev), ev).toBe(false);
      events.add(ev);
    }
  });

  test("every kprobe_events line parses when the object is traced as a kernel", async () => {
    const text = await probesCommand({ file, all: true, format: "kprobe", target: "vmlinux", includeUnattachable: true });
    const lines = probeLines(text);
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines) expect(probeLineError(l, arch, "kprobe"), l).toBeUndefined();
  });

  test("perf probe definitions carry the same fetchargs", async () => {
    const perf = probeLines(await probesCommand({ file, all: true, format: "perf", target: "vmlinux" }));
    const kp = probeLines(await probesCommand({ file, all: true, format: "kprobe", target: "vmlinux" }));
    expect(perf).toHaveLength(kp.length);
    perf.forEach((p, i) => {
      const m = /^perf probe -a '(\w+):(\w+)=(\S+)((?: \S+)*)'$/.exec(p);
      expect(m, p).not.toBeNull();
      const [, group, event, point, args] = m!;
      expect(`p:${group}/${event} ${point}${args}`).toBe(kp[i]);
    });
  });
});

test("uprobe offsets and the PIE: the probe point is the path and file offset", async () => {
  const file = join(OBJ, "all-gcc12-O2-dwarf5-x86_64-pie");
  const text = await probesCommand({ file, funcs: ["add3"], format: "kprobe", targetPath: "/usr/lib/x/prog" });
  const lines = probeLines(text);
  expect(lines.length).toBeGreaterThan(2);
  for (const l of lines) expect(l).toMatch(/^p:btfgen\/add3_\d+ \/usr\/lib\/x\/prog:0x[0-9a-f]+( |$)/);
});

test.each(["x86_64", "aarch64"])("module lines (%s) name the module: MOD:SYM+OFF", async (arch) => {
  const text = await probesCommand({ file: join(PROBES, `kprobes-mod-gcc12-O2-dwarf5-${arch}.o`), all: true, format: "kprobe" });
  const lines = probeLines(text);
  expect(lines).toHaveLength(2);
  for (const l of lines) {
    expect(probeLineError(l, arch, "kprobe"), l).toBeUndefined();
    expect(l).toMatch(/^p:btfgen\/scale_\d kprobes_mod:(helper|plain_fn)\+0x[0-9a-f]+ /);
  }
  expect(text).toMatch(/^# left out scale_\d .*NOKPROBE_SYMBOL\(blacklisted_fn\)/m);
});

// ---------------------------------------------------------------------------
// bpftrace.

const bpftrace = spawnSync("bpftrace", ["--version"], { encoding: "utf8" });
const bpftraceWhy = bpftrace.error ? "bpftrace is not installed (make installs it)" : bpftrace.status !== 0 ? `bpftrace --version fails: ${bpftrace.stderr}` : undefined;

describe("bpftrace scripts", () => {
  test.skipIf(bpftraceWhy !== undefined)(`parse with Debian's bpftrace -d${bpftraceWhy ? ` (skipped: ${bpftraceWhy})` : ""}`, async () => {
    for (const [name, target] of [["all-gcc12-O2-dwarf5-x86_64", "user"], ["all-clang19-O2-dwarf5-x86_64", "vmlinux"]] as const) {
      const out = join(tmp, `${name}-${target}.bt`);
      await probesCommand({ file: join(OBJ, name), all: true, format: "bpftrace", target, output: out });
      const script = readFileSync(out, "utf8");
      const blocks = (script.match(/^(?:k|u)probe:/gm) ?? []).length;
      expect(blocks).toBeGreaterThan(20);
      const r = spawnSync("bpftrace", ["-d", out], { encoding: "utf8", cwd: tmp, timeout: 120_000 });
      const errors = (r.stdout + r.stderr).split("\n").filter((l) => /ERROR/.test(l) && !/RLIMIT_MEMLOCK/.test(l));
      expect(errors, name).toEqual([]);
      expect(r.status, `${name}: ${r.stderr.slice(0, 500)}`).toBe(0);
    }
  }, 300_000);

  test.skipIf(bpftraceWhy !== undefined)("a script bpftrace refuses fails the same run (the check can fail)", () => {
    const bad = join(tmp, "bad.bt");
    writeFileSync(bad, 'kprobe:f+0x4 { printf("%d\\n", reg("xmm0")); }\n');
    const r = spawnSync("bpftrace", ["-d", bad], { encoding: "utf8", cwd: tmp, timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/not a valid register/);
  });
});

// ---------------------------------------------------------------------------
// Missing arguments, formats, errors.

describe("arguments without a location are never invented", () => {
  const file = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");

  test("json gives null and the lowering's cause; kprobe and usdt name them in comments", async () => {
    const sites = JSON.parse(await probesCommand({ file, all: true, format: "json" }));
    const missing = sites.flatMap((s: { event: string; args: { location: string | null; reason: string | null; fetch: string | null; field: string }[] }) =>
      s.args.filter((a) => a.location === null).map((a) => ({ ...a, event: s.event })));
    expect(missing.length).toBeGreaterThan(0);
    for (const a of missing) {
      expect(a.fetch).toBeNull();
      expect(a.reason).toMatch(/^no location \(.+\)$/);
    }
    const kp = await probesCommand({ file, all: true, format: "kprobe" });
    for (const a of missing) {
      const ev = a.event.split("/")[1];
      expect(kp).toContain(`# ${ev}: ${a.field} omitted: no location`);
      const line = kp.split("\n").find((l) => l.startsWith(`p:btfgen/${ev} `));
      if (line) expect(line).not.toMatch(new RegExp(` ${a.field}=`));
    }
    const usdt = await probesCommand({ file, all: true, format: "usdt" });
    for (const a of missing) expect(usdt).toContain(`# ${a.event.split("/")[1]}: ${a.field} omitted: no location`);
  });

  test("the frame base, xmm registers and address constants are omitted with their reason", async () => {
    const kp = await probesCommand({ file, all: true, format: "kprobe" });
    expect(kp).toMatch(/omitted: relative to the frame base \(DW_OP_fbreg\)/);
    expect(kp).toMatch(/omitted: register xmm\d+ \(DWARF \d+\) is not in pt_regs/);
    expect(kp).toMatch(/omitted: an address constant relative to the load base/);
    for (const l of probeLines(kp)) expect(l).not.toMatch(/%xmm|fbreg|%st|%mm/);
  });

  test("a func_info file read back gives the same probes as the ELF it came from", async () => {
    const r = await buildFuncInfo(file, {});
    const fi = join(tmp, "all.func_info.btf");
    const base = join(tmp, "all.func_info.base.btf");
    writeFileSync(fi, r.bytes);
    writeFileSync(base, r.encodedBase!);
    expectFileAccepted(fi, [base]);
    const fromElf = probeLines(await probesCommand({ file, all: true, format: "kprobe" }));
    const fromFile = probeLines(await probesCommand({ file: fi, base: [base], elf: file, all: true, format: "kprobe" }));
    expect(fromFile).toEqual(fromElf);
    // Without DWARF the cause of a missing location is unknown, and said to be.
    const json = JSON.parse(await probesCommand({ file: fi, base: [base], all: true, format: "json" }));
    const reasons = new Set(json.flatMap((s: { args: { reason: string | null }[] }) => s.args.map((a) => a.reason)).filter((x: unknown) => x !== null));
    expect([...reasons]).toEqual(["no location"]);
    expect(json[0].attachable).toBeNull();
  });
});

describe("errors are one line", () => {
  const file = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");

  test("formats that need register names, without a known machine", async () => {
    const r = await buildFuncInfo(file, {});
    const fi = join(tmp, "noelf.func_info.btf");
    const base = join(tmp, "noelf.func_info.base.btf");
    writeFileSync(fi, r.bytes);
    writeFileSync(base, r.encodedBase!);
    expectFileAccepted(fi, [base]);
    for (const format of ["kprobe", "perf", "bpftrace", "usdt"] as const) {
      await expect(probesCommand({ file: fi, base: [base], all: true, format })).rejects.toThrow(UsageError);
    }
    await expect(verdictCommand({ file: fi, base: [base] })).rejects.toThrow(UsageError);
  });

  test("no --func and no --all; an unknown function", async () => {
    await expect(probesCommand({ file, format: "kprobe" })).rejects.toThrow(UsageError);
    await expect(probesCommand({ file, funcs: ["no_such_function"], format: "kprobe" })).rejects.toThrow(NotFoundError);
    await expect(probesCommand({ file, funcs: ["add3"], all: true, format: "kprobe" })).rejects.toThrow(UsageError);
    await expect(probesCommand({ file, all: true, format: "kprobe", group: "bad-group" })).rejects.toThrow(UsageError);
  });
});

// ---------------------------------------------------------------------------
// Verdict.

describe("verdict", () => {
  test("the kernel-like fixture: which sites and arguments fail, and why", async () => {
    for (const arch of ["x86_64", "aarch64"]) {
      const file = join(PROBES, `kprobes-gcc12-O2-dwarf5-${arch}`);
      const r = JSON.parse(await verdictCommand({ file, target: "vmlinux", json: true }));
      expect(r.sites).toBe(7);
      expect(r.attachable).toBe(3);
      expect(r.failures).toEqual({ "NOKPROBE_SYMBOL": 1, "init text": 1, "kprobes text": 1, "noinstr text": 1 });
      const scale = r.functions.find((f: { name: string }) => f.name === "scale");
      expect(scale.ready).toBe(false);
      expect(scale.problems.map((p: { where: string; arg: string | null }) => [p.where.replace(/\+.*/, ""), p.arg]).sort()).toEqual(
        [["blacklisted_fn", null], ["init_fn", null], ["kprobes_fn", null], ["noinstr_fn", null]]);
      const twice = r.functions.find((f: { name: string }) => f.name === "twice");
      expect(twice.ready).toBe(true);
      expect(r.ready).toBe(1);
      expect(r.notReady).toBe(1);
      // As user space nothing is blacklisted: both ready.
      const u = JSON.parse(await verdictCommand({ file, target: "user", json: true }));
      expect(u.ready).toBe(2);
    }
  });

  test("text names each failing site and argument; --func narrows", async () => {
    const file = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");
    const text = await verdictCommand({ file, funcs: ["add3", "lerp"] });
    expect(text).toMatch(/^add3: NOT READY: 6 of 6 sites attachable/m);
    expect(text).toMatch(/^ {2}add3_2 \[\.text \+0x[0-9a-f]+\] \(\S+\+0x[0-9a-f]+\): argument a: no location \(optimized out\)$/m);
    expect(text).toMatch(/argument a: register xmm0 \(DWARF 17\) is not in pt_regs/);
    expect(text).toMatch(/^functions: 2, all-or-none ready: 0, not ready: 2$/m);
  });
});

// ---------------------------------------------------------------------------
// Kernel output, when asked for: BTFGEN_PROBES_KERNEL_DIR holds vmlinux.kprobe and
// vmlinux.bpftrace written by `btfgen probes vmlinux.func_info.btf --btf_base vmlinux
// --elf vmlinux --all` (README: "Tracing"); the suite itself never makes them.

const KDIR = process.env.BTFGEN_PROBES_KERNEL_DIR;

describe.skipIf(KDIR === undefined)("kernel probes (BTFGEN_PROBES_KERNEL_DIR)", () => {
  test("every kprobe_events line of the vmlinux parses by the kernel's grammar", () => {
    const lines = probeLines(readFileSync(join(KDIR!, "vmlinux.kprobe"), "utf8"));
    expect(lines.length).toBeGreaterThan(100_000);
    const events = new Set<string>();
    for (const l of lines) {
      const e = probeLineError(l, "x86_64", "kprobe");
      if (e) expect(e, l).toBeUndefined();
      const ev = l.slice(0, l.indexOf(" "));
      if (events.has(ev)) expect(ev, "event names unique").toBe("");
      events.add(ev);
    }
  });

  test.skipIf(bpftraceWhy !== undefined)("bpftrace -d parses the script's first 400 blocks", () => {
    const text = readFileSync(join(KDIR!, "vmlinux.bpftrace"), "utf8");
    const blocks = text.split(/\n(?=kprobe:)/).slice(1, 401);
    const part = join(tmp, "vmlinux-400.bt");
    writeFileSync(part, blocks.join("\n") + "\n");
    const r = spawnSync("bpftrace", ["-d", part], { encoding: "utf8", cwd: tmp, timeout: 300_000, maxBuffer: 1 << 28 });
    const errors = (r.stdout + r.stderr).split("\n").filter((l) => /ERROR/.test(l) && !/RLIMIT_MEMLOCK/.test(l));
    expect(errors).toEqual([]);
    expect(r.status).toBe(0);
  }, 300_000);
});

// ---------------------------------------------------------------------------
// The command line.

/** The CLI, from its sources (test/helpers/cli.ts). */
const btfgen = (args: string[]) => runCli(args, { timeout: 120_000 });

describe("btfgen probes / verdict on the command line", () => {
  const file = join(OBJ, "all-gcc12-O2-dwarf5-x86_64");

  test("bad use is one line on stderr and exit 1, nothing on stdout", () => {
    for (const args of [
      ["probes", file, "--all"],
      ["probes", file, "--all", "--format", "v2"],
      ["probes", file, "--format", "kprobe"],
      ["probes", file, "--func", "no_such", "--format", "kprobe"],
      ["probes", join(tmp, "missing.btf"), "--all", "--format", "json"],
    ]) {
      const r = btfgen(args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")[0]).toMatch(/^btfgen: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  test("-o writes the file; --json is json; verdict prints the summary", () => {
    const out = join(tmp, "cli.kprobe");
    const r = btfgen(["probes", file, "--func", "add3", "--format", "kprobe", "-o", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(probeLines(readFileSync(out, "utf8"))).toHaveLength(6);
    const j = btfgen(["probes", file, "--func", "add3", "--json"]);
    expect(JSON.parse(j.stdout)).toHaveLength(6);
    const v = btfgen(["verdict", file, "--func", "add3", "--func", "scale"]);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^scale: ready \(3 sites, 2 arguments\)$/m);
    expect(v.stdout).toMatch(/^functions: 2, all-or-none ready: 1, not ready: 1$/m);
  });
});
