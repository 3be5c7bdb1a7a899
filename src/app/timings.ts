/**
 * Per-stage wall-clock timers of one run (`--timings`): each stage's total
 * milliseconds, in the order stages first ran. Stages that run in worker
 * threads (`worker …`) are summed over the workers, so with `-j N` they can
 * add up to more than the run's wall time; the rest are the main thread's.
 */
export class Timings {
  private readonly ms = new Map<string, number>();
  private readonly start = performance.now();

  /** Adds `ms` to `stage`. */
  add(stage: string, ms: number): void {
    this.ms.set(stage, (this.ms.get(stage) ?? 0) + ms);
  }

  /** Adds every stage of `rec` (e.g. a worker's), each named `prefix` + its name. */
  addAll(rec: Readonly<Record<string, number>> | undefined, prefix = ""): void {
    if (rec) for (const [k, v] of Object.entries(rec)) this.add(prefix + k, v);
  }

  /** Runs `f` as (part of) `stage`. */
  time<T>(stage: string, f: () => T): T {
    const t = performance.now();
    try {
      return f();
    } finally {
      this.add(stage, performance.now() - t);
    }
  }

  /** {@link time} for a promise. */
  async timeAsync<T>(stage: string, f: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await f();
    } finally {
      this.add(stage, performance.now() - t);
    }
  }

  /** Stage -> milliseconds (rounded), plus `total` (wall time since the timer was made). */
  json(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.ms) out[k] = Math.round(v);
    out.total = Math.round(performance.now() - this.start);
    return out;
  }

  /** One line per stage, for stderr. */
  lines(): string[] {
    const j = this.json();
    const w = Math.max(...Object.keys(j).map((k) => k.length));
    return Object.entries(j).map(([k, v]) => `timings: ${k.padEnd(w)} ${String(v).padStart(7)} ms`);
  }
}

/** Milliseconds `f` takes, with its result. */
export function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}
