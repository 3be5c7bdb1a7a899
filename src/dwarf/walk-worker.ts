/**
 * Worker side of {@link WalkPool}: one ELF file, one wasm instance, many
 * walks. Replies carry the columns as transferred buffers and the string
 * bytes added since the previous reply.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ElfFile } from "../elf/elf.js";
import { BtfgenError } from "../errors.js";
import { DwarfReader } from "./load.js";
import type { WalkReply, WalkRequest, WorkerInit } from "./pool.js";
import type { DwarfRecords } from "./records.js";

const init = workerData as WorkerInit;
let reader: DwarfReader | undefined;
let sent = 0;

/** Every typed array of a record set (their buffers are transferred). */
function buffers(rec: DwarfRecords): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const visit = (o: object) => {
    for (const v of Object.values(o)) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
      else if (v && typeof v === "object" && !ArrayBuffer.isView(v)) visit(v);
    }
  };
  visit(rec);
  return out;
}

parentPort!.on("message", (req: WalkRequest) => {
  let reply: WalkReply;
  let transfer: ArrayBuffer[] = [];
  try {
    if (!reader) {
      const elf = ElfFile.open(init.path, { layoutRelocatable: init.layoutRelocatable });
      reader = DwarfReader.open(elf);
    }
    const rec = reader.walk(req.from, req.to, req.flags);
    const strings = rec.strings;
    const added = strings.slice(sent);
    const from = sent;
    sent = strings.length;
    rec.strings = new Uint8Array(0);
    transfer = [...buffers(rec), added.buffer];
    reply = { id: req.id, ok: true, records: rec, stringsFrom: from, stringsAdded: added };
  } catch (e) {
    const b = e instanceof BtfgenError ? e : undefined;
    reply = {
      id: req.id,
      ok: false,
      error: {
        name: b ? b.constructor.name : "Error",
        message: e instanceof Error ? e.message : String(e),
        file: b?.file,
        section: b?.section,
        offset: b?.offset,
      },
    };
  }
  parentPort!.postMessage(reply, transfer);
});
