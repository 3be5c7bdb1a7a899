#!/usr/bin/env node
// The btfgen command as one bundled file: dist/cli/main.js (and its worker
// scripts beside it, which the pool looks up next to itself), built from
// src/ by rolldown after tsc has written dist/.
//
//   node scripts/bundle.mjs
//
// Why: Node's ES module loader spends ~70 ms resolving, reading and
// linking the ~90 files of dist/ and yargs's ~40 on every start, before any
// work; a small module takes ~0.4 s in all (bench/modules.sh). One file
// (yargs and fzstd inlined; capstone-wasm, imported only by `probes` and
// `verdict`, stays in node_modules) starts ~80 ms sooner, and string-width's
// Intl.Segmenter is made on first use (below), ~20 ms more. The library
// (dist/index.js, package.json#exports) stays the unbundled tsc output.
//
// Relative paths hold: the bundle sits in dist/cli/, two levels below the
// root as the modules it replaces are, so `../../wasm/btfgen_dwarf.wasm`
// and `../../package.json` resolve alike.
import { mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist/cli");
const CHUNK = /^chunk-[\w-]+\.js(\.map)?$/;

/**
 * string-width (yargs's help layout, three copies) makes an
 * `Intl.Segmenter` at import, which loads ICU's break iterators: 15-50 ms
 * of every start, for a segmenter its printable-ASCII fast path (all of
 * btfgen's text) never uses. Made when first used instead; the widths are
 * the same.
 */
const lazySegmenter = {
  name: "btfgen-lazy-intl-segmenter",
  transform(code, id) {
    if (!/[\\/]node_modules[\\/].*string-width[\\/]/.test(id)) return null;
    const out = code.replace(
      /^const (\w+) = new Intl\.Segmenter\(\);$/m,
      (_, v) => `let ${v}_; const ${v} = { segment: (s) => (${v}_ ??= new Intl.Segmenter()).segment(s) };`,
    );
    return out === code ? null : { code: out, map: null };
  },
};

const bundle = await rolldown({
  cwd: ROOT,
  input: {
    main: "src/cli/main.ts",
    "batch-worker": "src/app/batch-worker.ts",
    "walk-worker": "src/app/walk-worker.ts",
    "many-worker": "src/app/many-worker.ts",
  },
  platform: "node",
  external: ["capstone-wasm", /^node:/],
  plugins: [lazySegmenter],
  logLevel: "warn",
});
// Written aside, then moved in, so a failed build leaves dist/cli as it was.
const tmp = mkdtempSync(join(ROOT, "dist/.bundle-"));
try {
  // Whitespace and comments dropped (names kept, a source map beside it): the loader decodes and V8
  // scans 470 KB instead of 700 KB at every start, ~10 ms of --version and of a small module.
  await bundle.write({
    dir: tmp, format: "esm", sourcemap: true, chunkFileNames: "chunk-[hash].js",
    minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } },
  });
  for (const f of readdirSync(OUT)) if (CHUNK.test(f)) rmSync(join(OUT, f));
  for (const f of readdirSync(tmp)) renameSync(join(tmp, f), join(OUT, f));
} finally {
  await bundle.close();
  rmSync(tmp, { recursive: true, force: true });
}
