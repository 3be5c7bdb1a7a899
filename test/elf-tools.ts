/**
 * Helpers for the ELF tests: run system tools and parse their output, so the
 * reader is compared against binutils, elfutils and pyelftools rather than
 * against itself.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** Runs a program, returns stdout; throws with stderr on failure. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"], ...opts });
}

/** True when `cmd --version` runs. */
export function have(cmd: string): boolean {
  try {
    execFileSync(cmd, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Compiles C `source` with `cc args` into `out`; returns whether it worked. */
export function compile(cc: string, args: string[], srcPath: string, out: string): boolean {
  try {
    execFileSync(cc, [...args, "-c", srcPath, "-o", out], { stdio: "ignore" });
    return fs.existsSync(out);
  } catch {
    return false;
  }
}

/** One row of `readelf -SW`. */
export interface ReadelfSection {
  index: number;
  name: string;
  type: string;
  addr: bigint;
  offset: number;
  size: number;
  entsize: number;
  flags: string;
  link: number;
  info: number;
  align: number;
}

/** Parses `readelf -SW`; names and flags may be empty, so rows are read from the right. */
export function readelfSections(file: string): ReadelfSection[] {
  const rows: ReadelfSection[] = [];
  for (const line of run("readelf", ["-SW", file]).split("\n")) {
    const m = /^\s*\[\s*(\d+)\]\s(.*)$/.exec(line);
    if (!m) continue;
    const t = m[2].trim().split(/\s+/);
    // [name] type addr off size es [flags] lk inf al
    const hasName = t.length >= 3 && /^[0-9a-f]{8,16}$/.test(t[2]) && /^[0-9a-f]{6,}$/.test(t[3] ?? "");
    const name = hasName ? t.shift()! : "";
    const [type, addr, off, size, es] = t.splice(0, 5);
    const hasFlags = t.length === 4;
    const flags = hasFlags ? t.shift()! : "";
    const [lk, inf, al] = t.map(Number);
    rows.push({
      index: Number(m[1]),
      name,
      type,
      addr: BigInt("0x" + addr),
      offset: parseInt(off, 16),
      size: parseInt(size, 16),
      entsize: parseInt(es, 16),
      flags,
      link: lk,
      info: inf,
      align: al,
    });
  }
  return rows;
}

/** One row of `readelf -sW`. */
export interface ReadelfSymbol {
  num: number;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  ndx: string;
  name: string;
}

/** Parses the first symbol table `readelf -sW` prints (`.symtab` when present, else `.dynsym`). */
export function readelfSymbols(file: string, table = ".symtab"): ReadelfSymbol[] {
  const out: ReadelfSymbol[] = [];
  let inTable = false;
  for (const line of run("readelf", ["-sW", file]).split("\n")) {
    if (line.startsWith("Symbol table")) {
      inTable = line.includes(`'${table}'`);
      continue;
    }
    if (!inTable) continue;
    const m = /^\s*(\d+):\s+([0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      num: Number(m[1]),
      value: BigInt("0x" + m[2]),
      size: m[3].startsWith("0x") ? BigInt(m[3]) : BigInt(m[3]),
      type: m[4],
      bind: m[5],
      ndx: m[7],
      name: m[8],
    });
  }
  return out;
}

/** Relocation places (offset, byte width) of every `.rel[a]<section>` table, from `readelf -rW`. */
export function readelfRelocPlaces(file: string): Map<string, { offset: number; width: number }[]> {
  const out = new Map<string, { offset: number; width: number }[]>();
  let cur: { offset: number; width: number }[] | undefined;
  for (const line of run("readelf", ["-rW", file]).split("\n")) {
    const h = /^Relocation section '\.rela?(\S+)'/.exec(line);
    if (h) {
      cur = [];
      out.set(h[1], cur);
      continue;
    }
    const m = /^([0-9a-f]{8,16})\s+[0-9a-f]+\s+(R_\S+)/.exec(line);
    if (m && cur) cur.push({ offset: parseInt(m[1], 16), width: relocWidth(m[2]) });
  }
  return out;
}

function relocWidth(type: string): number {
  if (/(64|ADDR64|_64)$/.test(type) || type.endsWith("64")) return 8;
  if (/16$/.test(type)) return 2;
  if (/(ADD8|SUB8|SET8|SET6|SUB6)$/.test(type)) return 1;
  return 4;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The Debian system Python, which has python3-pyelftools (pyenv shims may not). */
export const PYTHON = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/** True when pyelftools imports. */
export function havePyelftools(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import elftools"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** DWARF sections of `file` as relocated by pyelftools, by name. */
export function pyelftoolsRelocated(file: string): Map<string, Uint8Array> {
  const json = run(PYTHON, [path.join(here, "fixtures/elf/pyelftools-reloc.py"), file]);
  const obj = JSON.parse(json) as Record<string, string>;
  return new Map(Object.entries(obj).map(([k, hex]) => [k, Uint8Array.from(Buffer.from(hex, "hex"))]));
}

/**
 * Runs binutils objcopy, or llvm-objcopy-19 for machines the host binutils
 * was not built for (aarch64, s390x, … objects on an x86_64 host).
 */
export function objcopy(args: string[]): void {
  try {
    run("objcopy", args);
  } catch (e) {
    if (!/recognise the format/.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
    run("llvm-objcopy-19", args);
  }
}

/** Section contents as `objcopy --dump-section` writes them (raw, unrelocated). */
export function objcopyDump(file: string, names: string[], dir: string): Map<string, Uint8Array> {
  const args: string[] = [];
  const outs = new Map<string, string>();
  names.forEach((n, i) => {
    const p = path.join(dir, `dump-${process.pid}-${i}.bin`);
    outs.set(n, p);
    args.push("--dump-section", `${n}=${p}`);
  });
  const scratch = path.join(dir, `dump-${process.pid}.o`);
  objcopy([...args, file, scratch]);
  const res = new Map<string, Uint8Array>();
  for (const [n, p] of outs) {
    res.set(n, new Uint8Array(fs.readFileSync(p)));
    fs.rmSync(p);
  }
  fs.rmSync(scratch, { force: true });
  return res;
}
