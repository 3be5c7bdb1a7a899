// The vmlinux func_info written, read back and decoded, compared site by site
// (name, section, offset, every parameter's location) with what the lowering
// produced. Usage: make build && node scripts/kernel-funcinfo-roundtrip.mjs [vmlinux] [-j N]
import { homedir } from "node:os";
import { join } from "node:path";
import { buildFuncInfo } from "../dist/app/funcinfo.js";
import { decodeFuncInfo } from "../dist/app/decode.js";
import { parseBtf } from "../dist/btf/read.js";
import { locParamText } from "../dist/lower/locparam.js";

const args = process.argv.slice(2);
const j = args.indexOf("-j");
const jobs = j >= 0 ? Number(args.splice(j, 2)[1]) : undefined;
const vmlinux = args[0] ?? join(process.env.BTFGEN_KERNEL_DIR || process.env.KERNEL_DIR || join(homedir(), ".cache/btfgen/kernel"), "root/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64");
const t0 = performance.now();
const r = await buildFuncInfo(vmlinux, { jobs });
const back = decodeFuncInfo(parseBtf(r.bytes, { base: r.btf.base }));
const key = (name, section, offset, locs) => `${name}|${section}|${offset}|${locs.join(";")}`;
const lowered = r.sites.map((s) => key(s.name, s.section, s.offset, s.params.map((p) => (p ? locParamText(p) : "-")))).sort();
const decoded = back.map((s) => key(s.name, s.section, s.offset, s.params.map((p) => (p.loc ? locParamText(p.loc) : "-")))).sort();
let differing = 0;
for (let i = 0; i < Math.max(lowered.length, decoded.length); i++) if (lowered[i] !== decoded[i]) differing++;
console.log(`lowered ${lowered.length} sites, decoded ${decoded.length}, differing ${differing} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(differing === 0 && lowered.length === decoded.length ? 0 : 1);
