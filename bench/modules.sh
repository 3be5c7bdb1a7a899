#!/usr/bin/env bash
# Modules as a kernel build runs them, btfgen next to pahole in one run.
#
#   bash bench/modules.sh [-n EVERY] [-j N] [VMLINUX]
#
# Takes every EVERY-th module (default 22) of the sorted module list of the
# kernel beside VMLINUX (default: the `make kernel` one) and measures, with
# /usr/bin/time, alternating:
#   btfgen per module   one process each: btfgen KO --btf_base VMLINUX -o OUT -q
#   pahole per module   one process each: pahole -J --btf_base VMLINUX --btf_encode_detached OUT KO
#   btfgen batch        one process: btfgen --btf_base VMLINUX --out-dir D --from LIST [-j N]
# and prints total wall time, peak RSS and ratios; every btfgen output then
# goes through `btfgen check` (must be 0 problems) and the batch outputs must
# equal the per-module ones byte for byte. The last lines are the fixed cost
# of a process (medians of 5, times the module count): `node -e 0`, and
# `btfgen --version` (Node, the bundle loaded, yargs), next to pahole's total.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
KERNEL_DIR=${KERNEL_DIR:-$HOME/.cache/btfgen/kernel}
EVERY=22; JOBS=1; VMLINUX=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) EVERY=$2; shift 2 ;;
    -j) JOBS=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) VMLINUX=$1; shift ;;
  esac
done
[ -n "$VMLINUX" ] || VMLINUX=$(ls "$KERNEL_DIR"/root/usr/lib/debug/boot/vmlinux-* | head -1)
[ -f "$VMLINUX" ] || { echo "bench: no vmlinux (make kernel)" >&2; exit 1; }
VER=${VMLINUX##*/vmlinux-}
MODDIR=$(dirname "$VMLINUX")/../lib/modules/$VER
BTFGEN="node $ROOT/dist/cli/main.js"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
find "$MODDIR" -name '*.ko' | sort | awk -v n="$EVERY" 'NR % n == 1' > "$T/list"
N=$(wc -l < "$T/list")
mkdir -p "$T/one" "$T/pahole" "$T/batch"
bt=0; pt=0; bm=0; pm=0
while read -r ko; do
  b=$(basename "$ko")
  read -r s m < <( { /usr/bin/time -f '%e %M' $BTFGEN "$ko" --btf_base "$VMLINUX" -o "$T/one/$b.func_info.btf" -q; } 2>&1 >/dev/null | tail -1)
  bt=$(echo "$bt + $s" | bc); [ "$m" -gt "$bm" ] && bm=$m
  read -r s m < <( { /usr/bin/time -f '%e %M' pahole -J --btf_base "$VMLINUX" --btf_encode_detached "$T/pahole/$b.btf" "$ko"; } 2>&1 >/dev/null | tail -1)
  pt=$(echo "$pt + $s" | bc); [ "$m" -gt "$pm" ] && pm=$m
done < "$T/list"
read -r st sm < <( { /usr/bin/time -f '%e %M' $BTFGEN --btf_base "$VMLINUX" --out-dir "$T/batch" --from "$T/list" -j "$JOBS" -q; } 2>&1 >/dev/null | tail -1)
median5() { for _ in 1 2 3 4 5; do /usr/bin/time -f '%e' -o "$T/time" "$@" >/dev/null 2>&1; tail -1 "$T/time"; done | sort -n | sed -n 3p; }
node0=$(median5 node -e 0)
ver=$(median5 $BTFGEN --version)
problems=0
for f in "$T"/one/*.btf; do
  $BTFGEN check "$f" --base "$VMLINUX" --base "$(grep "/$(basename "$f" .func_info.btf)\$" "$T/list")" >/dev/null || problems=$((problems + 1))
  cmp -s "$f" "$T/batch/$(basename "$f")" || { echo "bench: batch output differs: $(basename "$f")"; problems=$((problems + 1)); }
done
ratio() { echo "scale=2; $1 / $2" | bc; }
printf '%d modules (every %d-th), %s\n' "$N" "$EVERY" "$VMLINUX"
printf '%-22s %9s %10s %8s\n' job "wall s" "peak MB" "vs pahole"
printf '%-22s %9s %10d %8s\n' "pahole per module" "$pt" $((pm / 1024)) 1.00
printf '%-22s %9s %10d %8s\n' "btfgen per module" "$bt" $((bm / 1024)) "$(ratio "$bt" "$pt")"
printf '%-22s %9s %10d %8s\n' "btfgen batch -j$JOBS" "$st" $((sm / 1024)) "$(ratio "$st" "$pt")"
printf '%-22s %9s %10s %8s\n' "node -e 0 x $N" "$(echo "$node0 * $N" | bc)" "" "$(ratio "$(echo "$node0 * $N" | bc)" "$pt")"
printf '%-22s %9s %10s %8s\n' "btfgen --version x $N" "$(echo "$ver * $N" | bc)" "" "$(ratio "$(echo "$ver * $N" | bc)" "$pt")"
echo "btfgen check / batch = per-module bytes: $problems problems"
[ "$problems" -eq 0 ]
