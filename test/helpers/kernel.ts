/**
 * The real Debian kernel for the tests, from one configurable place
 * (`BTFGEN_KERNEL_DIR`, see kernel.mjs, which the scripts share). A test
 * that needs it is skipped with a name that says why, never passed silently:
 *
 *   describe.skipIf(!KERNEL.vmlinux)(kernelTitle("Debian vmlinux"), …)
 */
import { kernelPaths } from "./kernel.mjs";

/** The kernel's paths, resolved once per test file. */
export const KERNEL: {
  /** The kernel directory (BTFGEN_KERNEL_DIR, KERNEL_DIR or ~/.cache/btfgen/kernel). */
  dir: string;
  /** `<dir>/root/usr/lib/debug`. */
  debugRoot: string;
  /** The vmlinux with DWARF, when unpacked. */
  vmlinux: string | undefined;
  /** Its release (`6.1.0-56-cloud-amd64`). */
  version: string | undefined;
  /** The module tree `lib/modules/<version>`, when unpacked. */
  modules: string | undefined;
  /** Why kernel tests are skipped, or undefined when the kernel is there. */
  skipReason: string | undefined;
} = kernelPaths();

/** A suite title that carries the skip reason when the kernel is absent, so the skip shows in the report. */
export function kernelTitle(title: string): string {
  return KERNEL.skipReason ? `${title} (skipped: ${KERNEL.skipReason})` : title;
}
