/**
 * OrderedPool: answers come back in request order, whichever worker gives
 * them, and a request goes to a free worker rather than waiting behind a
 * long one (batches differ in size).
 */
import { describe, expect, test } from "vitest";
import { IN_HAND, OrderedPool } from "../src/app/pool.js";

// Answers { id: request index, thread } after `ms` milliseconds.
const SCRIPT = new URL(
  "data:text/javascript," +
    encodeURIComponent(`
import { parentPort, threadId } from "node:worker_threads";
parentPort.on("message", ({ id, req }) => {
  const end = Date.now() + req.ms;
  while (Date.now() < end);
  if (req.fail) parentPort.postMessage({ id, ok: false, error: { name: "Error", message: "asked to fail" } });
  else parentPort.postMessage({ id, ok: true, value: { k: req.k, thread: threadId } });
});`),
);

type Req = { k: number; ms: number; fail?: boolean };
type Rep = { k: number; thread: number };

describe("OrderedPool", () => {
  test("in order, and the short requests go to the worker that is free", async () => {
    const pool = new OrderedPool<Req, Rep>(SCRIPT, {}, 2);
    try {
      const reqs: Req[] = [{ k: 0, ms: 600 }, ...Array.from({ length: 8 }, (_, i) => ({ k: i + 1, ms: 20 }))];
      const got: Rep[] = [];
      for await (const r of pool.map(reqs)) got.push(r);
      expect(got.map((r) => r.k)).toEqual(reqs.map((r) => r.k));
      const slow = got[0].thread;
      // Round robin would give the slow worker every other request (4 of the 8); it
      // gets only those queued behind the slow one before any answer came back.
      expect(got.slice(1).filter((r) => r.thread === slow).length).toBeLessThanOrEqual(IN_HAND - 1);
    } finally {
      await pool.close();
    }
  });

  test("a failed request fails the map where it is reached, not before", async () => {
    const pool = new OrderedPool<Req, Rep>(SCRIPT, {}, 2);
    try {
      const got: number[] = [];
      await expect(async () => {
        for await (const r of pool.map([{ k: 0, ms: 200 }, { k: 1, ms: 1, fail: true }, { k: 2, ms: 1 }])) got.push(r.k);
      }).rejects.toThrow("asked to fail");
      expect(got).toEqual([0]);
    } finally {
      await pool.close();
    }
  });

  test("the calling thread as a lane: in order, some answered here, none before it is ready", async () => {
    let readyAt = Infinity;
    let release = (): void => undefined;
    const ready = new Promise<void>((resolve) => (release = resolve));
    const ranHere: number[] = [];
    const pool = new OrderedPool<Req, Rep>(SCRIPT, {}, 1, {
      local: {
        ready,
        run: (req) => {
          // Never before `ready` resolved.
          expect(Date.now()).toBeGreaterThanOrEqual(readyAt);
          ranHere.push(req.k);
          const end = Date.now() + req.ms;
          while (Date.now() < end);
          return { k: req.k, thread: -1 };
        },
      },
    });
    try {
      setTimeout(() => {
        readyAt = Date.now();
        release();
      }, 100);
      const reqs: Req[] = Array.from({ length: 24 }, (_, i) => ({ k: i, ms: 15 }));
      const got: Rep[] = [];
      for await (const r of pool.map(reqs)) got.push(r);
      expect(got.map((r) => r.k)).toEqual(reqs.map((r) => r.k));
      expect(ranHere.length).toBeGreaterThan(0);
      expect(ranHere.length).toBeLessThan(reqs.length);
      expect(got.filter((r) => r.thread === -1).map((r) => r.k)).toEqual(ranHere);
    } finally {
      await pool.close();
    }
  });

  test("a request failing on the local lane fails the map where it is reached", async () => {
    const pool = new OrderedPool<Req, Rep>(SCRIPT, {}, 0, {
      local: {
        run: (req) => {
          if (req.fail) throw new Error("failed here");
          return { k: req.k, thread: -1 };
        },
      },
    });
    try {
      const got: number[] = [];
      await expect(async () => {
        for await (const r of pool.map([{ k: 0, ms: 0 }, { k: 1, ms: 0, fail: true }, { k: 2, ms: 0 }])) got.push(r.k);
      }).rejects.toThrow("failed here");
      expect(got).toEqual([0]);
    } finally {
      await pool.close();
    }
  });

  test("a window of one: a request goes out only once the answer before it is consumed", async () => {
    // Answers with the time the request arrived.
    const stamp = new URL("data:text/javascript," + encodeURIComponent(`
import { parentPort } from "node:worker_threads";
parentPort.on("message", ({ id, req }) => parentPort.postMessage({ id, ok: true, value: { k: req.k, at: Date.now() } }));`));
    const pool = new OrderedPool<{ k: number }, { k: number; at: number }>(stamp, {}, 1, { window: 1 });
    try {
      const consumedAt: number[] = [];
      const arrivedAt: number[] = [];
      for await (const r of pool.map(Array.from({ length: 6 }, (_, k) => ({ k })))) {
        arrivedAt[r.k] = r.at;
        consumedAt[r.k] = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      // While answer k is used, only request k + 1 is out: k + 2 follows the consumption of k + 1.
      for (let k = 0; k + 2 < 6; k++) expect(arrivedAt[k + 2]!).toBeGreaterThanOrEqual(consumedAt[k + 1]!);
    } finally {
      await pool.close();
    }
  });
});
