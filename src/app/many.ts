/**
 * Batch mode of the main command: many inputs (a kernel's modules) in one
 * run on one base chain, parsed and indexed once —
 * `btfgen --btf_base vmlinux [-j N] --out-dir D a.ko b.ko ...` or
 * `--from modules.order`.
 *
 * Output names: `D/<input basename>.func_info.btf` (`.func_info.o` with
 * `--elf`); two inputs of the same basename are refused before any work.
 * A bad input is reported by name and the rest go on; the run's status is
 * 1 when any failed. With `-j N` (N > 1) the inputs are dealt round-robin to
 * N worker threads, each parsing the base once; outputs are written by the
 * main thread as results arrive, so the bytes of each output are those of a
 * single run of that input.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { BtfgenError, IoError, UsageError } from "../errors.js";
import { buildFuncInfo, baseFileFor, loadSharedBase, outputFiles, type FuncInfoOptions, type SharedBase } from "./funcinfo.js";
import { checkOutputs, writeFilesAtomic } from "./io.js";
import { workerScript } from "./pool.js";

/** Options of {@link funcInfoMany}. */
export interface ManyOptions extends Omit<FuncInfoOptions, "file" | "output" | "shared" | "onProgress"> {
  files: string[];
  /** A file listing inputs, one path per line (relative to the current directory), as kbuild's modules.order. */
  from?: string;
  outDir: string;
  /** Called after each input: (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Called for each input that failed, with its one-line message. */
  onError?: (file: string, message: string) => void;
}

/** What one input gave. */
export interface ManyItem {
  file: string;
  output?: string;
  sites?: number;
  bytes?: number;
  error?: string;
}

/** Result of {@link funcInfoMany}. */
export interface ManyResult {
  items: ManyItem[];
  failed: number;
}

/** The input list: `files`, then the lines of `from` (blank lines and `#` comments skipped; a `.o` with a `.ko` beside it becomes the `.ko`). */
export function manyInputs(files: string[], from?: string): string[] {
  const out = [...files];
  if (from) {
    let text: string;
    try {
      text = readFileSync(from, "utf8");
    } catch (e) {
      throw new IoError(`cannot read the input list: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: from });
    }
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line && !line.startsWith("#")) out.push(line);
    }
  }
  return out;
}

/** Output path of `file` in `outDir`. */
export function manyOutputFor(file: string, outDir: string, elf: boolean): string {
  return join(outDir, `${basename(file)}.func_info.${elf ? "o" : "btf"}`);
}

/** Builds one input's outputs (func_info, and its encoded base when it has no .BTF). */
async function buildOne(file: string, o: Omit<ManyOptions, "files">, shared: SharedBase | undefined): Promise<{ files: { path: string; data: Uint8Array }[]; sites: number }> {
  const r = await buildFuncInfo(file, { ...o, shared, onProgress: undefined });
  const files = outputFiles(file, manyOutputFor(file, o.outDir, o.elf ?? false), r, o.elf ?? false, o.sectionName ?? ".BTF.func_info");
  return { files, sites: r.emit.entries };
}

const oneLine = (e: unknown) => (e instanceof BtfgenError ? e.describe() : `internal error: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);

/** Runs the main job over every input; see the module comment. */
export async function funcInfoMany(o: ManyOptions): Promise<ManyResult> {
  const inputs = manyInputs(o.files, o.from);
  if (inputs.length === 0) throw new UsageError("no inputs (give files, or --from FILE)");
  // Before any work: distinct output names, none of them an input, the directory there.
  const byOut = new Map<string, string>();
  for (const f of inputs) {
    const out = resolve(manyOutputFor(f, o.outDir, o.elf ?? false));
    const prev = byOut.get(out);
    if (prev !== undefined) throw new UsageError(`${prev} and ${f} would both be written to ${out}`, { file: f });
    byOut.set(out, f);
  }
  checkOutputs(
    inputs.flatMap((f) => {
      const out = manyOutputFor(f, o.outDir, o.elf ?? false);
      return [{ path: out, what: `output of ${f}` }, ...(o.elf ? [] : [{ path: baseFileFor(out), what: `base BTF output of ${f}` }])];
    }),
    [...inputs, ...(o.base ?? [])],
  );
  const items: ManyItem[] = inputs.map((file) => ({ file }));
  let done = 0;
  const finish = (i: number, got: { files?: { path: string; data: Uint8Array }[]; sites?: number; error?: string }) => {
    const item = items[i];
    if (got.files && !got.error) {
      try {
        writeFilesAtomic(got.files);
        item.output = got.files[got.files.length - 1].path;
        item.sites = got.sites;
        item.bytes = got.files[got.files.length - 1].data.length;
      } catch (e) {
        got.error = oneLine(e);
      }
    }
    if (got.error) {
      item.error = got.error;
      o.onError?.(item.file, got.error);
    }
    o.onProgress?.(++done, inputs.length);
  };

  // -j 0 (pahole's bare -j): as many workers as cores.
  const jobs = Math.max(1, Math.min(o.jobs === 0 ? availableParallelism() : o.jobs ?? 1, inputs.length));
  const opts = { ...o, files: undefined, from: undefined, onProgress: undefined, onError: undefined, jobs: 1 };
  if (jobs === 1) {
    const shared = loadSharedBase(o.base ?? []);
    for (let i = 0; i < inputs.length; i++) {
      try {
        finish(i, await buildOne(inputs[i], opts, shared));
      } catch (e) {
        finish(i, { error: oneLine(e) });
      }
    }
  } else {
    await Promise.all(Array.from({ length: jobs }, (_, w) => new Promise<void>((resolveWorker, reject) => {
      const mine = inputs.map((_f, i) => i).filter((i) => i % jobs === w);
      const worker = new Worker(workerScript("many-worker.js"), { workerData: { inputs: mine.map((i) => inputs[i]), opts } });
      let k = 0;
      worker.on("message", (m: { files?: { path: string; data: Uint8Array }[]; sites?: number; error?: string }) => finish(mine[k++], m));
      worker.on("error", reject);
      worker.on("exit", () => {
        for (; k < mine.length; k++) finish(mine[k], { error: "worker thread ended early" });
        resolveWorker();
      });
    })));
  }
  return { items, failed: items.filter((i) => i.error).length };
}

/** Runs {@link buildOne} over a worker's share (many-worker.ts). */
export async function manyWorkerMain(inputs: string[], opts: Omit<ManyOptions, "files">, post: (m: unknown) => void): Promise<void> {
  let shared: SharedBase | undefined;
  try {
    shared = loadSharedBase(opts.base ?? []);
  } catch (e) {
    for (let i = 0; i < inputs.length; i++) post({ error: oneLine(e) });
    return;
  }
  for (const f of inputs) {
    try {
      const r = await buildOne(f, opts, shared);
      post(r);
    } catch (e) {
      post({ error: oneLine(e) });
    }
  }
}
