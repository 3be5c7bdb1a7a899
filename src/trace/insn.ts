/**
 * Instruction boundaries, from a real disassembler: a kprobe or uprobe put
 * in the middle of an instruction corrupts it (x86 `can_probe()` refuses such
 * an address by decoding from the symbol's start; arm64 needs 4-byte
 * alignment). btfgen decodes the containing function with capstone (the
 * `capstone-wasm` package, offline once installed) from its first byte, as
 * the kernel does, and asks whether the site's address starts an
 * instruction.
 */
import type { Capstone, Insn } from "capstone-wasm";
import { EM_AARCH64, EM_X86_64 } from "../elf/constants.js";

/** The package, imported on first use: its module costs every btfgen start ~60 ms otherwise. */
let cs: typeof import("capstone-wasm") | undefined;

/** What the decoder says about one address. */
export type Boundary = "yes" | "no" | { unknown: string };

/** Instruction-start offsets of one decoded function, or where decoding stopped. */
interface Decoded {
  starts: Uint8Array;
  /** Bytes decoded before an undecodable one (the function's size when all were). */
  decoded: number;
}

let loaded: Promise<void> | undefined;

/** Loads capstone's wasm once per process. */
export function loadDisassembler(): Promise<void> {
  return (loaded ??= import("capstone-wasm").then(async (m) => {
    await m.loadCapstone();
    cs = m;
  }));
}

/** Machines whose instruction boundaries btfgen checks (the ones capstone decodes here). */
export const DECODED_MACHINES = new Set([EM_X86_64, EM_AARCH64]);

/**
 * Decodes functions of one machine and answers boundary questions; each
 * function is decoded once. Call {@link loadDisassembler} first.
 */
export class BoundaryChecker {
  private readonly cs: Capstone;
  private readonly cache = new Map<string, Decoded>();
  /** Instructions decoded so far (for the report). */
  instructions = 0;

  constructor(readonly machine: number) {
    if (!cs) throw new Error("loadDisassembler() first");
    if (machine === EM_X86_64) this.cs = new cs.Capstone(cs.Const.CS_ARCH_X86, cs.Const.CS_MODE_64);
    else if (machine === EM_AARCH64) this.cs = new cs.Capstone(cs.Const.CS_ARCH_ARM64, cs.Const.CS_MODE_ARM);
    else throw new Error(`no disassembler for machine ${machine}`);
  }

  /**
   * Whether byte `offset` of the function `key` (its bytes `code`, starting
   * at its symbol) begins an instruction. Decoding goes from byte 0; an
   * undecodable byte before `offset` makes the answer unknown, never a guess.
   */
  isBoundary(key: string, code: Uint8Array, offset: number): Boundary {
    if (offset < 0 || offset >= code.length) return { unknown: "outside the function's bytes" };
    let d = this.cache.get(key);
    if (!d) {
      d = this.decode(code);
      this.cache.set(key, d);
    }
    if (d.starts[offset]) return "yes";
    if (offset < d.decoded) return "no";
    return { unknown: `capstone cannot decode the bytes at +0x${d.decoded.toString(16)}` };
  }

  private decode(code: Uint8Array): Decoded {
    const starts = new Uint8Array(code.length);
    let pos = 0;
    // Windows keep each copy into wasm memory small; a window that ends inside an
    // instruction resumes at it, and a window that decodes nothing is undecodable.
    const WINDOW = 4096;
    while (pos < code.length) {
      let insns: Insn[];
      try {
        insns = this.cs.disasm(code.subarray(pos, Math.min(code.length, pos + WINDOW)), { address: 0 });
      } catch {
        // capstone-wasm throws when the first bytes decode to nothing.
        break;
      }
      if (insns.length === 0) break;
      for (const i of insns) starts[pos + Number(i.address)] = 1;
      this.instructions += insns.length;
      const last = insns[insns.length - 1];
      pos += Number(last.address) + last.size;
    }
    return { starts, decoded: Math.min(pos, code.length) };
  }

  /** Frees capstone's handle. */
  close(): void {
    this.cs.close();
  }
}
