/**
 * An ordered pool of worker threads: requests go out to the least busy
 * worker, at most {@link IN_HAND} per worker in flight, and the answers
 * come back strictly in request order, so whatever the caller builds from
 * them does not depend on the number of workers. The calling thread can be
 * one more lane of the pool ({@link LocalLane}).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  BtfgenError, IoError, MalformedError, NotFoundError, TruncatedError, UnsupportedError, UsageError,
} from "../errors.js";

/** An error as it crosses from a worker: class name, place, the worker's stack and its cause chain. */
export interface WorkerError {
  name: string;
  message: string;
  file?: string;
  section?: string;
  offset?: number;
  typeId?: number;
  stack?: string;
  cause?: WorkerError;
}

/** A worker's answer to request `id`. */
export type WorkerReply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; error: WorkerError };

/** Causes followed at most (a cause chain can be cyclic). */
const MAX_CAUSES = 8;

/** Turns any thrown value into a {@link WorkerError} (BtfgenError classes keep their name, place and type id). */
export function toWorkerError(e: unknown, depth = 0): WorkerError {
  const b = e instanceof BtfgenError ? e : undefined;
  const cause = e instanceof Error ? e.cause : undefined;
  return {
    name: b ? b.constructor.name : "Error",
    message: e instanceof Error ? e.message : String(e),
    file: b?.file,
    section: b?.section,
    offset: b?.offset,
    typeId: b?.typeId,
    stack: e instanceof Error ? e.stack : undefined,
    cause: cause !== undefined && depth < MAX_CAUSES ? toWorkerError(cause, depth + 1) : undefined,
  };
}

const ERRORS: Record<string, new (m: string, w: object, o?: { cause?: unknown }) => BtfgenError> = {
  BtfgenError, IoError, MalformedError, NotFoundError, TruncatedError, UnsupportedError, UsageError,
};

/** Rebuilds a {@link WorkerError} in this thread: the same class, place, type id, cause chain and the worker's stack. */
export function fromWorkerError(e: WorkerError): Error {
  const Cls = ERRORS[e.name];
  const options = e.cause ? { cause: fromWorkerError(e.cause) } : undefined;
  // Only btfgen's own errors stay input errors; anything else is a bug, reported as such.
  const err = Cls
    ? new Cls(e.message, { file: e.file, section: e.section, offset: e.offset, typeId: e.typeId }, options)
    : new Error(e.message, options);
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

/**
 * The worker script `name` (`x-worker.js`), from the same tree as this
 * module: the compiled .js beside it in dist/, or, when this module runs
 * from src/ (under vitest), the .ts source itself, through a bootstrap that
 * registers the TypeScript hooks of test/helpers/ts-loader.mjs in the worker
 * thread. Never dist/'s copy for src/: a test would then run stale worker
 * code (issue 15).
 */
export function workerScript(name: string): string | URL {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, name);
  if (existsSync(js)) return js;
  const ts = js.replace(/\.js$/, ".ts");
  const loader = join(here, "../../test/helpers/ts-loader.mjs");
  if (existsSync(ts) && existsSync(loader)) {
    const boot = `import { register } from "node:module";\n` +
      `register(${JSON.stringify(pathToFileURL(loader).href)});\n` +
      `await import(${JSON.stringify(pathToFileURL(ts).href)});\n`;
    return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
  }
  throw new NotFoundError(`worker script ${name} not built (run make)`, { file: js });
}

/**
 * Requests a worker holds at once: the one it runs and those waiting in its
 * port. Each answer crosses to the calling thread only when that thread's
 * event loop turns, and a thread that is a lane itself turns only between
 * two of its own requests (vmlinux func_info batches: 20-190 ms): with two,
 * a worker that finished both sat idle for 0.7 s of a 4 s run; with three,
 * 0.2-0.4 s. Requests are small; what bounds the answers' memory is the
 * window.
 */
export const IN_HAND = 3;

/** Requests per lane sent ahead of the one whose answer is awaited (default of {@link PoolOptions.window}). */
const WINDOW = 4;

/**
 * The calling thread as a lane of an {@link OrderedPool}: `run` answers one
 * request here, synchronously, in a macrotask of its own (so the event loop
 * turns between two of them: worker answers arrive, the caller folds them).
 * A thread that has work of its own between the answers costs one worker
 * less: its own heap, its own copy of the input and its own compiled code.
 */
export interface LocalLane<Q, R> {
  run(req: Q): R;
  /** The lane takes requests only once this resolves (the thread's own first job done); never, if it rejects. */
  ready?: Promise<unknown>;
}

/** Options of an {@link OrderedPool}. */
export interface PoolOptions<Q, R> {
  /** What worker `i` alone gets besides the shared data (e.g. its end of a MessageChannel, transferred). */
  own?: (i: number) => { data: object; transfer: Transferable[] };
  /** The calling thread as one more lane. */
  local?: LocalLane<Q, R>;
  /**
   * Requests per lane sent ahead of the answer the caller waits for
   * (default 4). Answers wait here until consumed: a caller slower than its
   * workers holds this many of them in memory.
   */
  window?: number;
}

/** Worker threads running one script over many requests. */
export class OrderedPool<Q, R> {
  private readonly workers: Worker[] = [];
  private nextId = 0;
  /** The local lane may take requests. */
  private localReady = false;
  /** Issues more requests (set while {@link map} runs). */
  private wake?: () => void;

  private readonly local?: LocalLane<Q, R>;
  private readonly window: number;

  /** Starts `jobs` workers on `workerData`. */
  constructor(script: string | URL, workerData: unknown, jobs: number, opts: PoolOptions<Q, R> = {}) {
    const { own, local } = opts;
    this.local = local;
    this.window = Math.max(1, opts.window ?? WINDOW);
    if (local?.ready) {
      local.ready.then(() => {
        this.localReady = true;
        this.wake?.();
      }, () => undefined);
    } else if (local) this.localReady = true;
    for (let i = 0; i < jobs; i++) {
      const mine = own?.(i);
      this.workers.push(
        mine
          ? new Worker(script, { workerData: { ...(workerData as object), ...mine.data }, transferList: mine.transfer as never[] })
          : new Worker(script, { workerData }),
      );
    }
  }

  /**
   * Sends every request and yields the answers in request order. Each
   * request goes to the worker with the fewest in hand (at most
   * {@link IN_HAND} each), as soon as one is free: batches differ in size,
   * and a worker must not idle while another finishes a big one. The local
   * lane, once ready, takes one at a time when every worker has its hands
   * full (a worker's next requests wait in its port, so it never idles
   * while this thread runs one). At most {@link PoolOptions.window} per
   * lane are sent ahead of the answer the caller waits for. Which lane
   * answers never changes an answer.
   */
  async *map(requests: readonly Q[]): AsyncGenerator<R> {
    const n = this.workers.length;
    const lanes = n + (this.local ? 1 : 0);
    const pending: Promise<R>[] = [];
    const inHand = new Array<number>(n).fill(0);
    let localBusy = false;
    let next = 0;
    let consumed = 0;
    const issue = () => {
      while (next < requests.length && next - consumed < this.window * lanes) {
        let w = -1;
        for (let i = 0; i < n; i++) if (inHand[i] < IN_HAND && (w < 0 || inHand[i] < inHand[w])) w = i;
        const k = next;
        let p: Promise<R>;
        if (w >= 0) {
          inHand[w]++;
          p = this.request(this.workers[w], requests[k]).finally(() => {
            inHand[w]--;
            issue();
          });
        } else if (this.local && this.localReady && !localBusy) {
          localBusy = true;
          p = this.runLocal(this.local, requests[k]).finally(() => {
            localBusy = false;
            issue();
          });
        } else return;
        next++;
        // Rejections surface where the caller awaits them, in order.
        p.catch(() => undefined);
        pending[k] = p;
      }
    };
    this.wake = issue;
    try {
      // Without workers nothing runs before the local lane is ready (a lane that never is: its rejection here).
      if (n === 0 && this.local?.ready) await this.local.ready;
      issue();
      for (let k = 0; k < requests.length; k++) {
        const value = await pending[k];
        delete pending[k];
        consumed++;
        issue();
        yield value;
      }
    } finally {
      this.wake = undefined;
    }
  }

  private runLocal(local: LocalLane<Q, R>, req: Q): Promise<R> {
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(local.run(req));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  private request(worker: Worker, req: Q): Promise<R> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerReply<R>) => {
        if (m.id !== id) return;
        cleanup();
        if (m.ok) resolve(m.value);
        else reject(fromWorkerError(m.error));
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
      worker.postMessage({ id, req });
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
