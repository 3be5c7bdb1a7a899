// Where the real Debian kernel lives (`make kernel`), decided in one place for
// the tests (through kernel.ts) and for the scripts in scripts/ (plain Node 20
// cannot import TypeScript, hence .mjs).
//
//   BTFGEN_KERNEL_DIR (or KERNEL_DIR, the Makefile's name), default
//   ~/.cache/btfgen/kernel; the package is unpacked under <dir>/root.
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The kernel directory: BTFGEN_KERNEL_DIR, else KERNEL_DIR, else
 * ~/.cache/btfgen/kernel.
 * @returns {string}
 */
export function kernelDir() {
  return process.env.BTFGEN_KERNEL_DIR || process.env.KERNEL_DIR || join(homedir(), ".cache/btfgen/kernel");
}

/**
 * The unpacked kernel debug package: its vmlinux and module tree (undefined
 * when absent), and why a test that needs them is skipped.
 * @returns {{ dir: string, debugRoot: string, vmlinux: string | undefined, version: string | undefined, modules: string | undefined, skipReason: string | undefined }}
 */
export function kernelPaths() {
  const dir = kernelDir();
  const debugRoot = join(dir, "root/usr/lib/debug");
  const boot = join(debugRoot, "boot");
  const found = existsSync(boot) ? readdirSync(boot).filter((f) => f.startsWith("vmlinux-")).sort() : [];
  const vmlinux = found.length ? join(boot, found[0]) : undefined;
  const version = vmlinux ? found[0].slice("vmlinux-".length) : undefined;
  const mods = version ? join(debugRoot, "lib/modules", version) : undefined;
  const modules = mods && existsSync(mods) ? mods : undefined;
  const skipReason = !vmlinux
    ? `no kernel at ${boot}/vmlinux-*: run make kernel (or set BTFGEN_KERNEL_DIR)`
    : !modules
      ? `no kernel modules at ${debugRoot}/lib/modules/${version}: run make kernel (or set BTFGEN_KERNEL_DIR)`
      : undefined;
  return { dir, debugRoot, vmlinux, version, modules, skipReason };
}
