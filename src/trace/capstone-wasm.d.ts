/**
 * Types of the parts of `capstone-wasm` btfgen uses. The package ships an
 * index.d.ts that its `exports` map does not expose, so TypeScript's
 * node16 resolution cannot see it; these mirror it.
 */
declare module "capstone-wasm" {
  /** One decoded instruction. */
  export interface Insn {
    id: number;
    address: number | bigint;
    size: number;
    bytes: Uint8Array;
    mnemonic: string;
    opStr: string;
  }
  /** A capstone handle for one architecture and mode. */
  export class Capstone {
    constructor(arch: number, mode: number);
    disasm(data: number[] | Uint8Array, options?: { address?: number | bigint; count?: number }): Insn[];
    close(): void;
    static version(): { major: number; minor: number };
  }
  /** capstone's constants (CS_ARCH_*, CS_MODE_*). */
  export const Const: Record<string, number>;
  /** Instantiates the wasm module; call once before any Capstone. */
  export function loadCapstone(args?: Record<string, unknown>): Promise<void>;
}
