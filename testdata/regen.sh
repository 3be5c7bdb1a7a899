#!/usr/bin/env bash
# Rebuild every fixture object in testdata/obj from testdata/src.
#
#   testdata/regen.sh            # all toolchains found on PATH
#
# Objects:     obj/<topic>-<compiler>-O2-dwarf<4|5>-<arch>.o        (ET_REL; gcc_topics: gcc only)
# Executables: obj/all-<compiler>-O2-dwarf<4|5>-<arch>              (-no-pie, ET_EXEC)
#              obj/all-<compiler>-O2-dwarf<4|5>-<arch>-pie          (-pie, ET_DYN)
# Compressed:  obj/inline-<compiler>-O2-dwarf5-x86_64-<zlib|zstd>.o (SHF_COMPRESSED .debug_*)
# Versions:    obj/VERSIONS.txt
#
# Deterministic: sources are compiled from testdata/src by relative name with
# -ffile-prefix-map mapping the checkout to /btfgen/testdata/src, so no object
# depends on where the checkout lives; LC_ALL=C, SOURCE_DATE_EPOCH fixed.
# Builds sequentially (the machine is shared).
set -euo pipefail
export LC_ALL=C SOURCE_DATE_EPOCH=0 TZ=UTC

here=$(cd "$(dirname "$0")" && pwd)
src=$here/src
out=$here/obj
mapped=/btfgen/testdata/src

topics=(inline const stack struct16 nested clones entryval variadic addr float types main)
# gcc-only topics: objects only, not linked into all-* (views: location views).
gcc_topics=(views)

# name|arch|compile command|link command|version command
toolchains=(
  "gcc12|x86_64|gcc|gcc|gcc --version"
  "clang14|x86_64|clang-14|clang-14|clang-14 --version"
  "clang19|x86_64|clang-19|clang-19|clang-19 --version"
  "gcc12|aarch64|aarch64-linux-gnu-gcc|aarch64-linux-gnu-gcc|aarch64-linux-gnu-gcc --version"
  "clang19|aarch64|clang-19 --target=aarch64-linux-gnu|clang-19 --target=aarch64-linux-gnu|clang-19 --version"
)

common_flags=(-O2 -g -Wall -Wextra -Werror -fno-ident
              "-ffile-prefix-map=$src=$mapped" "-fdebug-prefix-map=$src=$mapped")

# Topics diffold/diffnew: src/diff.c built twice (the second with -DDIFF_NEW)
# for `btfgen diff` (test/diff.test.ts); gcc 12 and clang 19, x86_64, DWARF 5.
#   testdata/regen.sh diff       # only these four objects
build_diff() {
  local name cc
  for tc in "gcc12|gcc" "clang19|clang-19"; do
    IFS='|' read -r name cc <<<"$tc"
    command -v "$cc" >/dev/null || { echo "regen: $cc not found, skipping diff objects" >&2; continue; }
    "$cc" "${common_flags[@]}" -gdwarf-5 -frandom-seed=diff -c diff.c -o "$out/diffold-$name-O2-dwarf5-x86_64.o"
    "$cc" "${common_flags[@]}" -gdwarf-5 -frandom-seed=diff -DDIFF_NEW -c diff.c -o "$out/diffnew-$name-O2-dwarf5-x86_64.o"
  done
}
if [ "${1:-}" = diff ]; then
  cd "$src" && build_diff && exit 0
fi

mkdir -p "$out"
rm -f "$out"/*.o "$out"/all-* "$out"/VERSIONS.txt
cd "$src"

{
  echo "# Toolchains used by testdata/regen.sh (first line of --version)"
  echo "# host: $(uname -m), binutils: $(ld --version | head -1)"
} > "$out/VERSIONS.txt"

for tc in "${toolchains[@]}"; do
  IFS='|' read -r name arch cc ld vers <<<"$tc"
  first=${cc%% *}
  if ! command -v "$first" >/dev/null; then
    echo "regen: $first not found, skipping $name/$arch" >&2
    echo "$name $arch: SKIPPED ($first not found)" >> "$out/VERSIONS.txt"
    continue
  fi
  echo "$name $arch: $($vers | head -1)" >> "$out/VERSIONS.txt"
  for dw in 4 5; do
    tag="$name-O2-dwarf$dw-$arch"
    objs=()
    for t in "${topics[@]}"; do
      o="$out/$t-$tag.o"
      # shellcheck disable=SC2086
      $cc "${common_flags[@]}" -gdwarf-$dw -frandom-seed="$t" -c "$t.c" -o "$o"
      objs+=("$o")
    done
    if [ "$name" = gcc12 ]; then
      for t in "${gcc_topics[@]}"; do
        # shellcheck disable=SC2086
        $cc "${common_flags[@]}" -gdwarf-$dw -frandom-seed="$t" -c "$t.c" -o "$out/$t-$tag.o"
      done
    fi
    # One executable per toolchain/variant: ET_EXEC and ET_DYN.
    # shellcheck disable=SC2086
    if $ld -no-pie -Wl,--build-id=sha1 "${objs[@]}" -o "$out/all-$tag" 2>/tmp/regen-ld.$$; then
      # shellcheck disable=SC2086
      $ld -pie -Wl,--build-id=sha1 "${objs[@]}" -o "$out/all-$tag-pie"
    else
      # shellcheck disable=SC2086
      if $ld -static -no-pie -Wl,--build-id=sha1 "${objs[@]}" -o "$out/all-$tag" 2>>/tmp/regen-ld.$$; then
        echo "$name $arch dwarf$dw: linked -static (no dynamic sysroot), no PIE variant" >> "$out/VERSIONS.txt"
      else
        echo "$name $arch dwarf$dw: NOT LINKED: $(head -1 /tmp/regen-ld.$$)" >> "$out/VERSIONS.txt"
      fi
    fi
    rm -f /tmp/regen-ld.$$
  done
  # Compressed debug sections: one object per supported -gz kind (x86_64 only).
  if [ "$arch" = x86_64 ]; then
    for gz in zlib zstd; do
      # shellcheck disable=SC2086
      if $cc "${common_flags[@]}" -gdwarf-5 -frandom-seed=inline -gz=$gz -c inline.c \
           -o "$out/inline-$name-O2-dwarf5-$arch-$gz.o" 2>/dev/null; then :; else
        echo "$name $arch: -gz=$gz unsupported" >> "$out/VERSIONS.txt"
      fi
    done
  fi
done

build_diff

# Probes fixture (testdata/probes, apart from obj/ whose every file the fixture
# suites read as an object): a kernel-like executable (.init.text, .noinstr.text,
# .kprobes.text, a _kprobe_blacklist entry, a static name in two units; no libc)
# and its objdump listing, the known disassembly the instruction-boundary test
# compares capstone with.
probes=$here/probes
mkdir -p "$probes"
: > "$probes/VERSIONS.txt"
for tc in "gcc12|x86_64|gcc|objdump" "gcc12|aarch64|aarch64-linux-gnu-gcc|aarch64-linux-gnu-objdump"; do
  IFS='|' read -r name arch cc od <<<"$tc"
  if ! command -v "$cc" >/dev/null || ! command -v "$od" >/dev/null; then
    echo "regen: $cc or $od not found, skipping kprobes-$name-$arch" >&2
    continue
  fi
  k="kprobes-$name-O2-dwarf5-$arch"
  $cc "${common_flags[@]}" -gdwarf-5 -frandom-seed=kprobes -nostdlib -static -no-pie -Wl,-e,plain_fn -Wl,--build-id=none \
    kprobes.c kprobes2.c -o "$probes/$k"
  (cd "$probes" && $od -d --no-show-raw-insn "$k" > "$k.objdump.txt")
  # The same code as a module-like object: .modinfo name, the blacklist entry a relocation.
  $cc "${common_flags[@]}" -gdwarf-5 -frandom-seed=kprobes -DMODULE -c kprobes.c -o "$probes/kprobes-mod-$name-O2-dwarf5-$arch.o"
  echo "$k: $($cc --version | head -1); $($od --version | head -1)" >> "$probes/VERSIONS.txt"
done

echo "llvm-dwarfdump (oracle): $(llvm-dwarfdump-19 --version 2>/dev/null | grep -m1 'LLVM version' | sed 's/^ *//')" >> "$out/VERSIONS.txt"
du -sh "$out" >&2
