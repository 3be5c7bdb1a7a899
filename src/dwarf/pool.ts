/**
 * Walking unit ranges in worker threads. Each worker opens the ELF file and
 * loads the debug sections into its own wasm instance once, then walks the
 * ranges it is given; the columns come back as transferred buffers (no
 * copy, no object per DIE). Results are handed out strictly in range order,
 * so what a caller builds from them does not depend on the worker count.
 *
 * Strings: each instance has its own interner, so a record's StrIds are
 * only meaningful with that worker's blob. A worker sends just the bytes its
 * interner added since its last message; the pool keeps one growing blob per
 * worker and gives each record a view of it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { BtfgenError, MalformedError, NotFoundError, TruncatedError, UnsupportedError } from "../errors.js";
import type { DwarfRecords } from "./records.js";

/** What the main thread asks a worker to do. */
export interface WalkRequest {
  id: number;
  from: number;
  to: number;
  flags: number;
}

/** How a worker opens the file (sent once, at start). */
export interface WorkerInit {
  path: string;
  layoutRelocatable: boolean;
}

/** A worker's answer. */
export type WalkReply =
  | { id: number; ok: true; records: DwarfRecords; stringsFrom: number; stringsAdded: Uint8Array }
  | { id: number; ok: false; error: { name: string; message: string; file?: string; section?: string; offset?: number } };

/** The compiled worker script (dist/dwarf/walk-worker.js), also when running from src/ under a test runner. */
function workerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const local = join(here, "walk-worker.js");
  if (existsSync(local)) return local;
  const dist = join(here, "../../dist/dwarf/walk-worker.js");
  if (existsSync(dist)) return dist;
  throw new NotFoundError("worker script walk-worker.js not built (run make)", { file: local });
}

const ERRORS: Record<string, new (m: string, w: object) => BtfgenError> = {
  BtfgenError, MalformedError, NotFoundError, TruncatedError, UnsupportedError,
};

/** A pool of DWARF walkers over one file. */
export class WalkPool {
  private readonly workers: Worker[] = [];
  private readonly blobs: { buf: Uint8Array; len: number }[] = [];
  private nextId = 0;

  /** Starts `jobs` workers on `path`. */
  constructor(init: WorkerInit, jobs: number) {
    const script = workerScript();
    for (let i = 0; i < jobs; i++) {
      this.workers.push(new Worker(script, { workerData: init }));
      this.blobs.push({ buf: new Uint8Array(0), len: 0 });
    }
  }

  /**
   * Walks `ranges` (with `flags`) spread over the workers and yields the
   * records in range order. At most `2 * jobs` ranges are in flight, which
   * bounds memory.
   */
  async *walk(ranges: readonly [number, number][], flags: number): AsyncGenerator<DwarfRecords> {
    const n = this.workers.length;
    const pending: Promise<DwarfRecords>[] = [];
    const issue = (k: number) => {
      if (k < ranges.length) pending[k] = this.request(k % n, ranges[k][0], ranges[k][1], flags);
    };
    for (let k = 0; k < Math.min(ranges.length, 2 * n); k++) issue(k);
    for (let k = 0; k < ranges.length; k++) {
      const rec = await pending[k];
      delete pending[k];
      issue(k + 2 * n);
      yield rec;
    }
  }

  private request(w: number, from: number, to: number, flags: number): Promise<DwarfRecords> {
    const worker = this.workers[w];
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (m: WalkReply) => {
        if (m.id !== id) return;
        cleanup();
        if (!m.ok) {
          const Cls = ERRORS[m.error.name];
          // Only btfgen's own errors stay input errors; anything else is a bug, reported as such.
          reject(Cls ? new Cls(m.error.message, { file: m.error.file, section: m.error.section, offset: m.error.offset }) : new Error(m.error.message));
          return;
        }
        m.records.strings = this.appendStrings(w, m.stringsFrom, m.stringsAdded);
        resolve(m.records);
      };
      const onError = (e: Error) => {
        cleanup();
        reject(e);
      };
      const cleanup = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage({ id, from, to, flags } satisfies WalkRequest);
    });
  }

  /** Appends a worker's new string bytes to its blob; returns a view of the whole blob. */
  private appendStrings(w: number, from: number, added: Uint8Array): Uint8Array {
    const b = this.blobs[w];
    if (from !== b.len) throw new MalformedError(`worker string blob out of step (${from} != ${b.len})`, {});
    const len = b.len + added.length;
    if (len > b.buf.length) {
      const grown = new Uint8Array(Math.max(len, b.buf.length * 2, 1 << 16));
      grown.set(b.buf.subarray(0, b.len));
      b.buf = grown;
    }
    b.buf.set(added, b.len);
    b.len = len;
    return b.buf.subarray(0, len);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
