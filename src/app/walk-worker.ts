/**
 * Worker side of `encode -j`: walks the type DIEs of the unit ranges it is
 * sent, so the main thread encodes one range while this thread reads the
 * next. The object's DWARF lives in this thread's wasm instance only.
 *
 * Columns go back transferred (each is a fresh copy out of wasm memory);
 * the string blob, which only grows from walk to walk, goes back as the
 * bytes added since the previous answer ({@link WalkReply}), so a vmlinux's
 * names cross once, not once per range.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DwarfReader } from "../dwarf/load.js";
import type { DwarfRecords } from "../dwarf/records.js";
import { ElfFile } from "../elf/elf.js";
import { toWorkerError, type WorkerReply } from "./pool.js";

/** What the main thread gives the worker at start. */
export interface WalkWorkerInit {
  path: string;
  /** The walk flags (WALK_*). */
  flags: number;
}

/** A unit range to walk, or the question of the unit count. */
export type WalkRequest = { from: number; to: number } | { count: true };

/** A walked range: its records without the string blob, and the blob's new bytes from `stringsFrom` on. */
export interface WalkedRange {
  records: Omit<DwarfRecords, "strings">;
  stringsFrom: number;
  stringsAdded: Uint8Array;
}

/** The answer: a walked range, or the unit count. */
export type WalkReply = WalkedRange | number;

const init = workerData as WalkWorkerInit;
let reader: DwarfReader | undefined;
let sent = 0;

/** The distinct buffers under every typed array of `v` (what postMessage may move instead of copying). */
function buffersOf(v: unknown, out = new Set<ArrayBuffer>()): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  } else if (v !== null && typeof v === "object") {
    for (const x of Object.values(v)) buffersOf(x, out);
  }
  return out;
}

parentPort!.on("message", ({ id, req }: { id: number; req: WalkRequest }) => {
  let reply: WorkerReply<WalkReply>;
  let transfer: ArrayBuffer[] = [];
  try {
    // Lazy: this thread holds the units of the range it walks, not the whole .debug_info.
    reader ??= DwarfReader.open(ElfFile.open(init.path, { layoutRelocatable: true }), { lazyInfo: true });
    if ("count" in req) {
      reply = { id, ok: true, value: reader.unitCount };
    } else {
      const { strings, ...records } = reader.walk(req.from, req.to, init.flags, false);
      const value: WalkedRange = { records, stringsFrom: sent, stringsAdded: strings.slice(sent) };
      sent = strings.length;
      transfer = [...buffersOf(value)];
      reply = { id, ok: true, value };
    }
  } catch (e) {
    reply = { id, ok: false, error: toWorkerError(e) };
  }
  parentPort!.postMessage(reply, transfer);
});
