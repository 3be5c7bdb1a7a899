#!/usr/bin/env bash
# What changed between two Debian kernels, as btfgen's func_info of each
# tells it: downloads the two dbg packages (apt-get download), unpacks them
# (dpkg-deb -x), writes the func_info of both vmlinux files and runs
# `btfgen diff` on them, split on each vmlinux's own .BTF (whose symbol
# table also gives the clones and the optimised entries).
#
#   bash scripts/kernel-diff.sh [OLD_VERSION NEW_VERSION]   # default 6.1.0-50 6.1.0-57
#
# Files: ~/.cache/btfgen/kernels/<version>/ (BTFGEN_KERNELS_DIR to change):
#   root/usr/lib/debug/boot/vmlinux-<version>-cloud-amd64, vmlinux.func_info.btf;
#   the report in ~/.cache/btfgen/kernels/diff-<old>-<new>.txt and .json.
# Each step is skipped when its output is there (BTFGEN_REDO=1 rewrites the
# func_info files). Nothing is committed. Needs ~2 GB per kernel unpacked
# and ~20 s of btfgen per vmlinux.
set -euo pipefail
shopt -s inherit_errexit  # a failing step inside $(...) ends the script too
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BTFGEN=(node "$ROOT/dist/cli/main.js")
CACHE=${BTFGEN_KERNELS_DIR:-$HOME/.cache/btfgen/kernels}
OLD=${1:-6.1.0-50}
NEW=${2:-6.1.0-57}
FLAVOUR=cloud-amd64

# Prints the vmlinux of version $1, fetching and unpacking it first if needed.
vmlinux_of() {
  local ver=$1 dir=$CACHE/$1 pkg=linux-image-$1-$FLAVOUR-dbg
  local vm=$dir/root/usr/lib/debug/boot/vmlinux-$ver-$FLAVOUR
  if [ ! -f "$vm" ]; then
    mkdir -p "$dir"
    if ! ls "$dir"/"$pkg"_*.deb >/dev/null 2>&1; then
      echo "kernel-diff: apt-get download $pkg" >&2
      (cd "$dir" && apt-get download "$pkg" >&2)
    fi
    echo "kernel-diff: dpkg-deb -x $pkg" >&2
    dpkg-deb -x "$(ls "$dir"/"$pkg"_*.deb | head -1)" "$dir/root"
  fi
  echo "$vm"
}

# Writes the func_info of version $1's vmlinux $2 into its directory; prints its path.
funcinfo_of() {
  local vm=$2 out=$CACHE/$1/vmlinux.func_info.btf
  if [ ! -f "$out" ] || [ -n "${BTFGEN_REDO:-}" ]; then
    echo "kernel-diff: btfgen $vm" >&2
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f "kernel-diff: %e s, %M KB" "${BTFGEN[@]}" "$vm" -o "$out" -q >&2
    else
      "${BTFGEN[@]}" "$vm" -o "$out" -q >&2
    fi
  fi
  "${BTFGEN[@]}" check "$out" --base "$vm" >&2
  echo "$out"
}

vm_old=$(vmlinux_of "$OLD")
vm_new=$(vmlinux_of "$NEW")
fi_old=$(funcinfo_of "$OLD" "$vm_old")
fi_new=$(funcinfo_of "$NEW" "$vm_new")
report=$CACHE/diff-$OLD-$NEW
echo "kernel-diff: btfgen diff $fi_old $fi_new --base-old $vm_old --base-new $vm_new" >&2
"${BTFGEN[@]}" diff "$fi_old" "$fi_new" --base-old "$vm_old" --base-new "$vm_new" > "$report.txt"
"${BTFGEN[@]}" diff "$fi_old" "$fi_new" --base-old "$vm_old" --base-new "$vm_new" --json > "$report.json"
echo "kernel-diff: report in $report.txt and $report.json" >&2
# The summary: the two tables before the first detail section.
awk 'NF == 0 { n++ } n < 3' "$report.txt"
