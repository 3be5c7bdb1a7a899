#!/usr/bin/env bash
# A real kbuild run with btfgen as the module BTF.func_info step: builds
# examples/kbuild/hello.ko against Debian's kernel headers of the same
# version as the dbg vmlinux, gives it its .BTF as kbuild's BTF step would
# (pahole -J --btf_base vmlinux), then runs examples/btfgen.mk's
# btfgen-modules target and checks and prints the result.
#
#   bash scripts/kbuild-module.sh [VMLINUX]
#
# Needs `make kernel` and linux-headers-<version>-cloud-amd64 (apt-get install);
# exits 0 with a note when they are missing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMLINUX=${1:-$(ls "${BTFGEN_KERNEL_DIR:-${KERNEL_DIR:-$HOME/.cache/btfgen/kernel}}"/root/usr/lib/debug/boot/vmlinux-* 2>/dev/null | head -1)}
[ -n "$VMLINUX" ] && [ -f "$VMLINUX" ] || { echo "kbuild-module: no vmlinux (make kernel); skipped"; exit 0; }
VER=${VMLINUX##*/vmlinux-}
HDR=/usr/src/linux-headers-$VER
[ -d "$HDR" ] || { echo "kbuild-module: no $HDR (apt-get install linux-headers-$VER); skipped"; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cp "$ROOT"/examples/kbuild/* "$T/"
set -x
make -s -C "$HDR" M="$T" modules
pahole -J --btf_base "$VMLINUX" "$T/hello.ko"
make -s -f "$ROOT/examples/btfgen.mk" btfgen-modules BTFGEN="node $ROOT/dist/cli/main.js" VMLINUX="$VMLINUX" M="$T"
node "$ROOT/dist/cli/main.js" check "$T/func_info/hello.ko.func_info.btf" --base "$VMLINUX" --base "$T/hello.ko"
node "$ROOT/dist/cli/main.js" stats "$T/func_info/hello.ko.func_info.btf" --base "$VMLINUX" --base "$T/hello.ko"
node "$ROOT/dist/cli/main.js" sites "$T/func_info/hello.ko.func_info.btf" --base "$VMLINUX" --base "$T/hello.ko"
