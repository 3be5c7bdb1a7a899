/**
 * Worker side of batch mode ({@link manyWorkerMain}): parses the base chain
 * once and builds its share of the inputs, posting each result (or its
 * one-line error) back in order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { manyWorkerMain } from "./many.js";

const { inputs, opts } = workerData as { inputs: string[]; opts: Parameters<typeof manyWorkerMain>[1] };
await manyWorkerMain(inputs, opts, (m) => parentPort!.postMessage(m));
