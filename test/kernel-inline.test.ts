/**
 * Reading the inline BTF the kernel series writes (issue 16): `resolve_btfids
 * --inline` writes `.BTF.inline` through libbpf's `btf__add_loc_param` /
 * `btf__add_locsec` — v2 kinds with **no layout section** (24-byte header),
 * LOCSECs named after the ELF section (`.text`), entries in (func id,
 * offset) order — and the kernel exposes it as `/sys/kernel/btf/vmlinux.inline`
 * (and `<module>.inline`) beside the base files.
 *
 * The kernel-style split is built with btfgen's writer (a Btf model, no
 * hand-edited bytes) and read as users point at it: a raw `.inline` file
 * next to its base, an ELF with `.BTF` + `.BTF.inline`, a module's
 * `.inline` on its chain. Each must give the same sites, stats and dump as
 * the same data in btfgen's own default form (layout, `inline.text`, name
 * order).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { checkFile } from "../src/app/check.js";
import { dumpCommand, sitesCommand, statsCommand } from "../src/app/commands.js";
import { decodeFuncInfo } from "../src/app/decode.js";
import { buildFuncInfo } from "../src/app/funcinfo.js";
import { Btf } from "../src/btf/btf.js";
import { parseBtf } from "../src/btf/read.js";
import { writeBtf } from "../src/btf/write.js";
import { writeElf } from "../src/elf/write.js";
import { MalformedError } from "../src/errors.js";
import { expectAccepted } from "./helpers/check.js";

const REG = 0x8, CONST = 0x2;

/** Base as in the issue: [1] int, [2] FUNC_PROTO int(int x), [3] FUNC zed. */
function kernelBase(): Btf {
  const b = new Btf();
  b.add({ kind: 1, nameOff: b.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
  b.add({ kind: 13, nameOff: 0, ret: 1, params: [{ nameOff: b.addStr("x"), type: 1 }] });
  b.add({ kind: 12, nameOff: b.addStr("zed"), type: 2, linkage: 1 });
  return b;
}

/**
 * The split: [4] FUNC abc, [5] REG LOC_PARAM, [6] CONST LOC_PARAM, [7] and
 * [8] LOC_PROTOs, [9] LOCSEC. `kernel`: no layout, `.text`, id order (zed
 * id 3 first); otherwise btfgen's form: layout, `inline.text`, name order.
 */
function inlineSplit(base: Btf, kernel: boolean): Uint8Array {
  const s = new Btf({ base, hasLayout: !kernel });
  const abcId = s.add({ kind: 12, nameOff: s.addStr("abc"), type: 2, linkage: 0 });
  const reg = s.add({ kind: 20, nameOff: 0, size: 4, flags: REG, values: [5] });
  const cst = s.add({ kind: 20, nameOff: 0, size: 4, flags: CONST, values: [7] });
  const inReg = s.add({ kind: 21, nameOff: 0, params: [reg], type: 0 });
  const isConst = s.add({ kind: 21, nameOff: 0, params: [cst], type: 0 });
  const zed = { func: 3, locProto: inReg, offset: 0x40 };
  const abc = [{ func: abcId, locProto: isConst, offset: 0x10 }, { func: abcId, locProto: inReg, offset: 0x80 }];
  s.add({ kind: 22, nameOff: s.addStr(kernel ? ".text" : "inline.text"), entries: kernel ? [zed, ...abc] : [...abc, zed] });
  return writeBtf(s, { littleEndian: true, layout: !kernel });
}

let dir = "";
const sys = () => join(dir, "sys/kernel/btf");
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "btfgen-inline-"));
  const base = kernelBase();
  const baseBytes = writeBtf(base, { littleEndian: true, layout: false });
  // btfgen's own form, read with --base.
  writeFileSync(join(dir, "vmlinux.btf"), baseBytes);
  writeFileSync(join(dir, "own.func_info.btf"), inlineSplit(base, false));
  // /sys/kernel/btf laid out in a directory: vmlinux, vmlinux.inline, and a module.
  const s = sys();
  mkdirSync(s, { recursive: true });
  writeFileSync(join(s, "vmlinux"), baseBytes);
  writeFileSync(join(s, "vmlinux.inline"), inlineSplit(base, true));
  const mod = new Btf({ base });
  mod.add({ kind: 8, nameOff: mod.addStr("u32"), type: 1 });
  writeFileSync(join(s, "foo"), writeBtf(mod, { littleEndian: true, layout: false }));
  writeFileSync(join(s, "foo.inline"), inlineSplit(mod, true));
  // vmlinux after resolve_btfids --inline: .BTF and .BTF.inline in one ELF.
  writeFileSync(join(dir, "vmlinux.o"), writeElf({
    is64: true, littleEndian: true, machine: 62,
    sections: [
      { name: ".BTF", type: 1, flags: 0, addralign: 4, data: baseBytes },
      { name: ".BTF.inline", type: 1, flags: 0, addralign: 4, data: inlineSplit(base, true) },
    ],
  }));
});

describe("kernel-style inline BTF (no layout, .text, id order)", () => {
  test("is detected as v2 without a layout section and passes check (any order, and --locsec-order id)", () => {
    const base = kernelBase();
    const bytes = inlineSplit(base, true);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(24);
    const btf = parseBtf(bytes, { base });
    expect(btf.profile).toBe("v2");
    expect(btf.hasLayout).toBe(false);
    expectAccepted(bytes, base);
    const r = checkFile({ file: join(sys(), "vmlinux.inline"), locsecOrder: "id" });
    expect(r.problems).toBe(0);
  });

  test("decodes to the same sites as btfgen's own form", () => {
    const base = kernelBase();
    const strip = (b: Uint8Array) => decodeFuncInfo(parseBtf(b, { base })).map(({ locsec: _l, ...rest }) => rest);
    const kernel = strip(inlineSplit(base, true));
    expect(kernel.map((s) => `${s.name}@${s.offset}`)).toEqual(["abc@16", "abc@128", "zed@64"]);
    expect(kernel).toEqual(strip(inlineSplit(base, false)));
  });

  test("sites, stats and dump of /sys/kernel/btf/vmlinux.inline (base found beside it) equal btfgen's form", async () => {
    const own = { file: join(dir, "own.func_info.btf"), base: [join(dir, "vmlinux.btf")] };
    const kern = { file: join(sys(), "vmlinux.inline") };
    const sites = await sitesCommand(kern);
    expect(sites).toBe(await sitesCommand(own));
    expect(sites).toContain("[.text +0x10] abc(int x [const 0x7])");
    expect(sites).toContain("[.text +0x80] abc(int x [reg5])");
    const st = (t: string) => JSON.parse(t) as Record<string, unknown>;
    const a = st(await statsCommand({ ...kern, json: true })), b = st(await statsCommand({ ...own, json: true }));
    for (const k of ["sites", "functions", "full", "partial", "none", "locsecs"]) expect(a[k]).toBe(b[k]);
    const dump = dumpCommand(kern);
    expect(dump).toContain("[9] LOCSEC '.text' vlen=3");
    expect(dump).toContain("[5] LOC_PARAM '(anon)' size=4 flags=0x8 vlen=1 values='reg5'");
  });

  test("sites of an ELF's .BTF.inline split on its own .BTF", async () => {
    const own = await sitesCommand({ file: join(dir, "own.func_info.btf"), base: [join(dir, "vmlinux.btf")] });
    expect(await sitesCommand({ file: join(dir, "vmlinux.o") })).toBe(own);
    expect(checkFile({ file: join(dir, "vmlinux.o") }).problems).toBe(0);
  });

  test("a module's .inline on vmlinux <- module, found beside it", async () => {
    const sites = await sitesCommand({ file: join(sys(), "foo.inline") });
    expect(sites.split("\n")).toHaveLength(3);
    expect(sites).toContain("zed(int x [reg5])");
  });

  test("--format rfc-v1 forced on v2 bytes is an error, not a wrong decode", async () => {
    await expect(sitesCommand({ file: join(sys(), "vmlinux.inline"), format: "rfc-v1" })).rejects.toThrowError(MalformedError);
  });
});

describe("btfgen writes the kernel's form on request", () => {
  const OBJ = join(import.meta.dirname, "../testdata/obj/all-gcc12-O2-dwarf5-x86_64");
  test("--locsec-order id --no-layout reads back to the same sites as the default form", async () => {
    const def = await buildFuncInfo(OBJ);
    const kern = await buildFuncInfo(OBJ, { locsecOrder: "id", layout: false });
    expectAccepted(kern.bytes, kern.btf.base);
    expect(checkFile({ file: writeTmp("kern.btf", kern.bytes), base: [writeTmp("kern.base.btf", kern.encodedBase!)], locsecOrder: "id" }).problems).toBe(0);
    const back = parseBtf(kern.bytes, { base: kern.btf.base });
    expect(back.hasLayout).toBe(false);
    expect(back.profile).toBe("v2");
    expect(decodeFuncInfo(back)).toEqual(decodeFuncInfo(parseBtf(def.bytes, { base: def.btf.base })));
  });
});

function writeTmp(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
