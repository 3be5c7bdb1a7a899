// Module hooks (node:module register) that let a worker thread run btfgen's
// TypeScript sources, so that tests exercise the worker code in src/ and not
// whatever was last compiled into dist/ (issue 15). Node 20 cannot strip
// types itself; the transform is oxc's, through rolldown, which vitest
// already brings (vite's own .ts transform). Used by src/app/pool.ts
// workerScript() when it runs from src/.
//
// resolve: "./x.js" imported from a .ts file and not on disk -> "./x.ts"
// (the sources import the names tsc will emit).
// load: .ts -> ES module JavaScript with an inline source map, cached on disk
// by path, size and mtime (each CLI run of a test would otherwise transform
// every source file again).
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CACHE = join(tmpdir(), `btfgen-ts-cache-${userInfo().uid}`);
mkdirSync(CACHE, { recursive: true });
let transformSync;

/** @type {import("node:module").ResolveHook} */
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const fromTs = context.parentURL?.startsWith("file:") && context.parentURL.endsWith(".ts");
    if (fromTs && specifier.endsWith(".js") && /^(\.{1,2}\/|\/|file:)/.test(specifier)) {
      return next(specifier.slice(0, -3) + ".ts", context);
    }
    throw e;
  }
}

/** @type {import("node:module").LoadHook} */
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const path = fileURLToPath(url);
  const st = await stat(path);
  const key = createHash("sha256").update(`1\0${path}\0${st.size}\0${st.mtimeMs}`).digest("hex").slice(0, 32);
  const cached = join(CACHE, `${key}.js`);
  try {
    return { format: "module", source: await readFile(cached, "utf8"), shortCircuit: true };
  } catch {
    // not cached yet
  }
  transformSync ??= (await import("rolldown/utils")).transformSync;
  const r = transformSync(path, await readFile(path, "utf8"), { lang: "ts", sourcemap: true });
  if (r.errors.length) throw new Error(`${path}: ${r.errors.map((e) => e.message).join("; ")}`);
  const map = r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(r.map)).toString("base64")}` : "";
  const source = r.code + map;
  const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, source);
  await rename(tmp, cached);
  return { format: "module", source, shortCircuit: true };
}
