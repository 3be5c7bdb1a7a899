#!/usr/bin/env bash
# btfgen next to pahole -J on one vmlinux, in one run (`make bench`).
#
#   bash bench/run.sh [-j N] [-r RUNS] [--json] [--keep] [VMLINUX [VMLINUX2 ...]]
#
# Measures with /usr/bin/time -f '%e %M' (wall seconds, peak RSS KB), RUNS
# rounds (default 3), each round running every command once (alternating),
# and reports the median wall time and the median peak RSS of each:
#   btfgen          the main job: VMLINUX -> split BTF.func_info
#   btfgen encode   base BTF from DWARF (like pahole -J)
#   btfgen sites    the DWARF front end + lowering alone (`sites --no-types`, output to /dev/null)
#   pahole -J       pahole -J -jN --btf_encode_detached (dwarves 1.24)
# then prints a table with ratios to pahole and the func_info size figures
# (from `btfgen stats OUT --base VMLINUX --json`); --json prints JSON instead.
# -j N goes to pahole (-jN) and btfgen (-j N); default 2. After the runs,
# btfgen is run once more with -j1 and -j4: its output must be the same bytes.
# Several VMLINUXes (e.g. a second kernel) are benched one after the other.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
KERNEL_DIR=${KERNEL_DIR:-$HOME/.cache/btfgen/kernel}
JOBS=2
RUNS=3
JSON=0
KEEP=0
VMLINUX=""
VMLINUXES=()

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    -j) [ $# -ge 2 ] || die "-j needs a number"; JOBS=$2; shift 2 ;;
    -j*) JOBS=${1#-j}; shift ;;
    --jobs=*) JOBS=${1#--jobs=}; shift ;;
    -r|--runs) [ $# -ge 2 ] || die "$1 needs a number"; RUNS=$2; shift 2 ;;
    --json) JSON=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) VMLINUXES+=("$1"); shift ;;
  esac
done
if [ "${#VMLINUXES[@]}" -gt 1 ]; then
  for v in "${VMLINUXES[@]}"; do
    opts=(-j "$JOBS" -r "$RUNS")
    [ "$JSON" = 1 ] && opts+=(--json)
    [ "$KEEP" = 1 ] && opts+=(--keep)
    bash "${BASH_SOURCE[0]}" "${opts[@]}" "$v"
  done
  exit 0
fi
VMLINUX=${VMLINUXES[0]:-}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "-j: not a positive number: $JOBS"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs: not a positive number: $RUNS"

if [ -z "$VMLINUX" ]; then
  VMLINUX=$(ls "$KERNEL_DIR"/root/usr/lib/debug/boot/vmlinux-* 2>/dev/null | head -n1 || true)
  [ -n "$VMLINUX" ] || die "no kernel under $KERNEL_DIR: run \`make kernel\` first (or give a vmlinux path)"
fi
[ -f "$VMLINUX" ] || die "no such file: $VMLINUX"
command -v pahole >/dev/null || die "pahole not found: install dwarves (apt-get install dwarves, or \`make deps\`)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found: apt-get install time"
CLI="$ROOT/dist/cli/main.js"
[ -f "$CLI" ] || die "$CLI missing: run \`make build\` first"
command -v node >/dev/null || die "node not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/btfgen-bench.XXXXXX")
if [ "$KEEP" = 1 ]; then trap 'echo "bench: outputs kept in $TMP" >&2' EXIT; else trap 'rm -rf "$TMP"' EXIT; fi
log() { [ "$JSON" = 1 ] || echo "$@" >&2; }

PAHOLE_VERSION=$(pahole --version 2>/dev/null || echo "?")
log "bench: $VMLINUX ($(( $(stat -c %s "$VMLINUX") / 1048576 )) MB), pahole $PAHOLE_VERSION, -j $JOBS, median of $RUNS alternating, $(nproc) cores"

RESULTS="$TMP/results.tsv"
: > "$RESULTS"

# measure NAME OUTFILE -- CMD...: runs CMD once, appends its wall/RSS/bytes.
measure() {
  local name=$1 out=$2; shift 3
  local e m
  rm -f "$TMP/time" "$TMP/stderr"
  if ! /usr/bin/time -o "$TMP/time" -f '%e %M' "$@" > "$TMP/stdout" 2> "$TMP/stderr"; then
    echo "bench: $name failed (run $i): $*" >&2
    head -n 20 "$TMP/stderr" >&2 || true
    exit 1
  fi
  read -r e m < <(tail -n 1 "$TMP/time")
  log "  $name run $i: ${e} s, $(( m / 1024 )) MB"
  local bytes=""
  if [ "$out" != "-" ]; then
    [ -s "$out" ] || die "$name wrote no output to $out"
    bytes=$(stat -c %s "$out")
  fi
  printf '%s\t%s\t%s\t%s\n' "$name" "$e" "$m" "$bytes" >> "$RESULTS"
}

# Alternating: each run measures every job once, so load changes hit all alike.
for ((i = 1; i <= RUNS; i++)); do
  measure "btfgen" "$TMP/vmlinux.func_info.btf" -- \
    node "$CLI" "$VMLINUX" -o "$TMP/vmlinux.func_info.btf" -q -j "$JOBS"
  measure "pahole -J" "$TMP/pahole.btf" -- \
    pahole -J "-j$JOBS" --btf_encode_detached "$TMP/pahole.btf" "$VMLINUX"
  measure "btfgen encode" "$TMP/vmlinux.btf" -- \
    node "$CLI" encode "$VMLINUX" -o "$TMP/vmlinux.btf" -q -j "$JOBS"
  measure "btfgen sites" "-" -- \
    bash -c 'exec node "$1" sites --no-types "$2" > /dev/null' _ "$CLI" "$VMLINUX"
done

# The bytes do not depend on -j.
for j in 1 4; do
  node "$CLI" "$VMLINUX" -o "$TMP/vmlinux.func_info.j$j.btf" -q -j "$j"
  cmp -s "$TMP/vmlinux.func_info.btf" "$TMP/vmlinux.func_info.j$j.btf" || die "btfgen -j $j wrote other bytes than -j $JOBS"
done
log "bench: func_info bytes identical for -j 1, -j $JOBS, -j 4"

# Every file the bench wrote passes btfgen check.
node "$CLI" check "$TMP/vmlinux.func_info.btf" --base "$VMLINUX" > "$TMP/check.txt" || { cat "$TMP/check.txt" >&2; die "btfgen check refused the func_info"; }
node "$CLI" check "$TMP/vmlinux.btf" > "$TMP/check.txt" || { cat "$TMP/check.txt" >&2; die "btfgen check refused the encoded BTF"; }

node "$CLI" stats "$TMP/vmlinux.func_info.btf" --base "$VMLINUX" --json > "$TMP/stats.json" \
  || die "btfgen stats on the func_info failed"

node --input-type=module - "$RESULTS" "$TMP/stats.json" "$JSON" "$VMLINUX" "$PAHOLE_VERSION" "$JOBS" "$RUNS" <<'EOF'
import { readFileSync } from "node:fs";
const [results, statsFile, json, vmlinux, paholeVersion, jobs, runs] = process.argv.slice(2);
// Median of the runs, per tool (wall time and peak RSS each).
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const byTool = new Map();
for (const l of readFileSync(results, "utf8").trim().split("\n")) {
  const [tool, wall, rssKb, bytes] = l.split("\t");
  const e = byTool.get(tool) ?? { walls: [], rss: [], bytes: null };
  e.walls.push(Number(wall)); e.rss.push(Number(rssKb)); e.bytes = bytes ? Number(bytes) : null;
  byTool.set(tool, e);
}
const rows = [...byTool].map(([tool, e]) => ({ tool, wallS: median(e.walls), rssMB: Math.round(median(e.rss) / 102.4) / 10, outputBytes: e.bytes, runsS: e.walls }));
const st = JSON.parse(readFileSync(statsFile, "utf8"));
const pahole = rows.find((r) => r.tool === "pahole -J");
for (const r of rows) {
  r.timeVsPahole = Math.round((r.wallS / pahole.wallS) * 100) / 100;
  r.rssVsPahole = Math.round((r.rssMB / pahole.rssMB) * 100) / 100;
}
const funcInfo = {
  outputBytes: st.bytes, sites: st.sites, bytesPerSite: st.bytesPerSite, functions: st.functions,
  full: st.full, partial: st.partial, none: st.none, noParams: st.noParams, locsecs: st.locsecs,
};
if (json === "1") {
  console.log(JSON.stringify({ vmlinux, pahole: paholeVersion, jobs: Number(jobs), runs: Number(runs), rows, funcInfo }, null, 1));
} else {
  const head = ["tool", "wall s", "peak RSS MB", "time/pahole", "RSS/pahole", "output bytes"];
  const body = rows.map((r) => [r.tool, r.wallS.toFixed(2), r.rssMB.toFixed(1), r.timeVsPahole.toFixed(2) + "x", r.rssVsPahole.toFixed(2) + "x", r.outputBytes ?? "-"].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c) => c.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join("  ");
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const b of body) console.log(line(b));
  const withParams = st.full + st.partial + st.none;
  const pct = (n) => (withParams ? ((100 * n) / withParams).toFixed(1) + "%" : "-");
  console.log("");
  console.log(`func_info: ${st.bytes} bytes, ${st.sites} sites, ${st.bytesPerSite} bytes/site, ${st.functions} functions, ${st.locsecs} LOCSECs`);
  console.log(`           full ${st.full} (${pct(st.full)}), partial ${st.partial} (${pct(st.partial)}), none ${st.none} (${pct(st.none)}), no parameters ${st.noParams}`);
}
EOF
