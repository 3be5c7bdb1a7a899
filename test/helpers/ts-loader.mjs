// Module hooks (node:module register) that let a worker thread run btfgen's
// TypeScript sources, so that tests exercise the worker code in src/ and not
// whatever was last compiled into dist/ (issue 15). Node 20 cannot strip
// types itself; the transform is oxc's, through rolldown, which vitest
// already brings (vite's own .ts transform). Used by src/app/pool.ts
// workerScript() when it runs from src/.
//
// resolve: "./x.js" imported from a .ts file and not on disk -> "./x.ts"
// (the sources import the names tsc will emit).
// load: .ts -> ES module JavaScript with an inline source map.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transformSync } from "rolldown/utils";

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
  const r = transformSync(path, await readFile(path, "utf8"), { lang: "ts", sourcemap: true });
  if (r.errors.length) throw new Error(`${path}: ${r.errors.map((e) => e.message).join("; ")}`);
  const map = r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(r.map)).toString("base64")}` : "";
  return { format: "module", source: r.code + map, shortCircuit: true };
}
