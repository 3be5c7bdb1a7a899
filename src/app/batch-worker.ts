/**
 * Worker side of the func_info batches: opens the object once (ELF, DWARF
 * sections in its own wasm instance, the base BTF chain), then
 * walks and lowers the unit ranges it is sent ({@link lowerUnitBatch}).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import type { Btf } from "../btf/btf.js";
import { parseBtf } from "../btf/read.js";
import { unpackFunctionSymbols, type PackedFunctionSymbols } from "../dwarf/clones.js";
import { DwarfReader } from "../dwarf/load.js";
import { ElfFile } from "../elf/elf.js";
import { TargetIndex } from "../encode/dedup/index.js";
import { walkAndLower, type BatchContext } from "./batch.js";
import { wireTransfer, type WireBatch } from "./batch-wire.js";
import { useScansFrom, type Scan } from "./entryrefs.js";
import { loadBtfChain, ownBtf } from "./io.js";
import { toWorkerError, type WorkerReply } from "./pool.js";

/** What the main thread gives each worker at start. */
export interface BatchWorkerInit {
  path: string;
  /** `--alt`: the supplementary (dwz) file. */
  alt?: string;
  /**
   * The base the batches split on: the `--btf_base` files (`paths`, root
   * first) with the object's own `.BTF` on them, read here as the main
   * thread reads them (so the workers start while it does); or, for a base
   * the main thread made (encoded from DWARF) or was given parsed (a chain
   * shared by many inputs), that chain as raw BTF (`bytes`, root first,
   * each split on the one before).
   */
  base: { paths: string[] } | { bytes: Uint8Array[] };
  /** This worker's end of the channel the main thread sends the entry reference scan on (src/app/entryrefs.ts). */
  scanPort?: MessagePort;
  /** Int32 flag, set to 1 once the scan was sent to every worker. */
  scanReady?: SharedArrayBuffer;
  /** The object's function symbols, decoded once by the main thread. */
  functionSymbols: PackedFunctionSymbols;
}

/** A unit range to lower. */
export interface BatchRequest {
  from: number;
  to: number;
}

/** What a worker is asked: a unit range, or the object's unit count. */
export type BatchWorkRequest = BatchRequest | { count: true };
/** Its answer: the lowered batch (null: cross-unit references, redo whole), or the unit count. */
export type BatchWorkReply = WireBatch | null | number;

const init = workerData as BatchWorkerInit;

// The object's entry reference scan comes from the main thread, which makes
// it once while the workers start; a worker that needs it first waits for it.
if (init.scanPort && init.scanReady) {
  const port = init.scanPort;
  const ready = new Int32Array(init.scanReady);
  useScansFrom(() => {
    // Bounded: a main thread that never sends it leaves this worker to scan itself.
    Atomics.wait(ready, 0, 0, 600_000);
    return receiveMessageOnPort(port)?.message as Scan | undefined;
  });
}
let state: { reader: DwarfReader; ctx: BatchContext } | undefined;

function open(): { reader: DwarfReader; ctx: BatchContext } {
  const elf = ElfFile.open(init.path, { layoutRelocatable: true });
  let base: Btf | undefined;
  // Read lazily (btf/lazy.ts): a worker's prototypes touch few of the base's types.
  if ("paths" in init.base) base = ownBtf(elf, loadBtfChain(init.base.paths));
  else {
    for (const bytes of init.base.bytes) base = parseBtf(bytes, { base, profile: "v2", lazy: true });
    base?.prepareIndexes();
  }
  const funcSyms = unpackFunctionSymbols(init.functionSymbols);
  return {
    // Each worker walks some of the batches: it reads only their units.
    reader: DwarfReader.open(elf, { alt: init.alt, lazyInfo: true, functionSymbols: funcSyms }),
    ctx: { elf, base: base!, baseIndex: new TargetIndex(base!), funcSyms, addrSize: elf.is64 ? 8 : 4 },
  };
}

/** The time this worker took to open the object, reported with its first batch only. */
let openMs: number | undefined;
/** Why opening failed, answered to every request. */
let openError: unknown;

// Opened as soon as the worker starts, not on its first request: the main
// thread hands out the first batches only once one worker has told it the
// unit count, and the others would otherwise start opening only then.
{
  const t = performance.now();
  try {
    state = open();
  } catch (e) {
    openError = e;
  }
  openMs = performance.now() - t;
}
function opened(): Record<string, number> {
  const ms = openMs;
  openMs = 0;
  return ms ? { "open (sections, base)": ms } : {};
}

parentPort!.on("message", ({ id, req }: { id: number; req: BatchWorkRequest }) => {
  let reply: WorkerReply<BatchWorkReply>;
  try {
    if (!state) throw openError;
    if ("count" in req) {
      reply = { id, ok: true, value: state.reader.unitCount };
    } else {
      const wire = walkAndLower(state.reader, state.ctx, req) ?? null;
      if (wire) wire.timings = { ...wire.timings, ...opened() };
      parentPort!.postMessage({ id, ok: true, value: wire } satisfies WorkerReply<BatchWorkReply>, wire ? wireTransfer(wire) : []);
      return;
    }
  } catch (e) {
    reply = { id, ok: false, error: toWorkerError(e) };
  }
  parentPort!.postMessage(reply);
});
