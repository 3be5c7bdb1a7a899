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

# Topic entrycs: DW_OP_entry_value through call sites (issue 11 item 5;
# test/entryvalues.test.ts), not linked into all-*: objects with every
# toolchain of the main corpus, DWARF 4 and 5, and (gcc, x86_64) an
# executable with its own sinks (no libc), where the bytes are final:
#   obj/entrycs-<compiler>-O2-dwarf<4|5>-<arch>.o
#   obj/entrycs-gcc12-O2-dwarf<4|5>-x86_64      (ET_EXEC, entry entrycs_main)
#   testdata/regen.sh entrycs    # only these
# Objects of one topic ($1.c, not linked into all-*) with every toolchain of
# the main corpus, DWARF 4 and 5: obj/$1-<compiler>-O2-dwarf<4|5>-<arch>.o.
# With a second argument, that function is called after each object with
# the toolchain's name, arch, compile command and DWARF version.
build_topic_objects() {
  local topic=$1 after=${2:-} name arch cc ld vers dw
  for tc in "${toolchains[@]}"; do
    IFS='|' read -r name arch cc ld vers <<<"$tc"
    command -v "${cc%% *}" >/dev/null || { echo "regen: ${cc%% *} not found, skipping $topic-$name-$arch" >&2; continue; }
    for dw in 4 5; do
      # shellcheck disable=SC2086
      $cc "${common_flags[@]}" -gdwarf-$dw -frandom-seed="$topic" -c "$topic.c" -o "$out/$topic-$name-O2-dwarf$dw-$arch.o"
      if [ -n "$after" ]; then "$after" "$name" "$arch" "$cc" "$dw"; fi
    done
  done
}
entrycs_executable() {
  local name=$1 arch=$2 cc=$3 dw=$4
  [ "$name|$arch" = "gcc12|x86_64" ] || return 0
  # shellcheck disable=SC2086
  $cc "${common_flags[@]}" -gdwarf-$dw -frandom-seed=entrycs -nostdlib -static -no-pie -Wl,-e,entrycs_main \
    -Wl,--build-id=none entrycs.c entrycs-sinks.c -o "$out/entrycs-$name-O2-dwarf$dw-$arch"
}
build_entrycs() { build_topic_objects entrycs entrycs_executable; }
if [ "${1:-}" = entrycs ]; then
  cd "$src" && build_entrycs && exit 0
fi

# Topic asmname: functions named by an assembler label with a dot in it
# (testdata/src/asmname.c; test/asmname.test.ts), not linked into all-*:
# objects with every toolchain of the main corpus, DWARF 4 and 5:
#   obj/asmname-<compiler>-O2-dwarf<4|5>-<arch>.o
#   testdata/regen.sh asmname    # only these
build_asmname() { build_topic_objects asmname; }
if [ "${1:-}" = asmname ]; then
  cd "$src" && build_asmname && exit 0
fi

# Other machines, beyond the main corpus (objects only; the cross compilers
# are needed only here, never by the tests):
#  - ppc64 ELFv1 function descriptors (function symbols point into .opd;
#    src/elf/opd.ts; test/codesyms.test.ts): clones.c with gcc for
#    powerpc64-linux-gnu, an object per DWARF version and a shared object
#    (ET_DYN, no libc: the sinks stay undefined);
#  - arm (32-bit, Thumb-2 by default: bit 0 of a function symbol's value
#    set; test/codesyms.test.ts): clones.c with gcc for arm-linux-gnueabihf,
#    an object and a shared object;
#  - s390x (big-endian): addr.c (per-cpu variables: a DW_OP_addr operand in
#    big-endian order) and types.c, with gcc, each DWARF version;
#  - mips (32-bit, big-endian, SHT_REL: implicit addends): addr.c, DWARF 5;
#  - arm64 kernel addresses: addr.c linked by src/kaddr.ld (no libc, the
#    sinks defined as addr_main), text and a separate .data..percpu above
#    2^53 as in an arm64 vmlinux, where a double steps by 2048 bytes.
#   obj/clones-gcc12-O2-dwarf<4|5>-ppc64.o, obj/clones-gcc12-O2-dwarf5-ppc64.so
#   obj/clones-gcc12-O2-dwarf5-arm.o, obj/clones-gcc12-O2-dwarf5-arm.so
#   obj/<addr|types>-gcc12-O2-dwarf<4|5>-s390x.o, obj/addr-gcc12-O2-dwarf5-mips.o
#   obj/addr-gcc12-O2-dwarf5-aarch64-kaddr
#   testdata/regen.sh machines   # only these
# clones.c with cross compiler $1 for arch $2: an object per DWARF version
# given after them, and a shared object (DWARF 5).
cross_clones() {
  local cc=$1 arch=$2 dw
  shift 2
  command -v "$cc" >/dev/null || { echo "regen: $cc not found, skipping the $arch objects" >&2; return 0; }
  for dw in "$@"; do
    $cc "${common_flags[@]}" -gdwarf-$dw -frandom-seed=clones -c clones.c -o "$out/clones-gcc12-O2-dwarf$dw-$arch.o"
  done
  $cc "${common_flags[@]}" -gdwarf-5 -frandom-seed=clones -fPIC -shared -nostdlib -Wl,--build-id=none \
    clones.c -o "$out/clones-gcc12-O2-dwarf5-$arch.so"
}
build_machines() {
  local cc=s390x-linux-gnu-gcc dw t
  cross_clones powerpc64-linux-gnu-gcc ppc64 4 5
  cross_clones arm-linux-gnueabihf-gcc arm 5
  if command -v mips-linux-gnu-gcc >/dev/null; then
    mips-linux-gnu-gcc "${common_flags[@]}" -gdwarf-5 -frandom-seed=addr -c addr.c -o "$out/addr-gcc12-O2-dwarf5-mips.o"
  else
    echo "regen: mips-linux-gnu-gcc not found, skipping the mips object" >&2
  fi
  if command -v aarch64-linux-gnu-gcc >/dev/null; then
    aarch64-linux-gnu-gcc "${common_flags[@]}" -gdwarf-5 -frandom-seed=addr -ffreestanding -nostdlib -static \
      -Wl,-T,kaddr.ld -Wl,--build-id=none -Wl,--defsym=sink_p=addr_main -Wl,--defsym=sink_l=addr_main \
      -Wl,--defsym=sink_i=addr_main addr.c -o "$out/addr-gcc12-O2-dwarf5-aarch64-kaddr"
  else
    echo "regen: aarch64-linux-gnu-gcc not found, skipping the arm64 kernel-address object" >&2
  fi
  command -v "$cc" >/dev/null || { echo "regen: $cc not found, skipping the s390x objects" >&2; return 0; }
  for dw in 4 5; do
    for t in addr types; do
      $cc "${common_flags[@]}" -gdwarf-$dw -frandom-seed=$t -c $t.c -o "$out/$t-gcc12-O2-dwarf$dw-s390x.o"
    done
  done
}
if [ "${1:-}" = machines ]; then
  cd "$src" && build_machines && exit 0
fi

# Topic ltoparams: an inlined instance whose parameters' origins are another
# abstract copy's parameters, as gcc -flto writes them (testdata/src/ltoparams.c;
# test/ltoparams.test.ts): gcc's assembly (-dA) edited by
# testdata/ltoparams-edit.py, then assembled; x86_64, DWARF 4 and 5:
#   obj/ltoparams-gcc12-O2-dwarf<4|5>-x86_64.o
#   testdata/regen.sh ltoparams  # only these
build_ltoparams() {
  local dw s
  command -v gcc >/dev/null || { echo "regen: gcc not found, skipping ltoparams" >&2; return 0; }
  s=$(mktemp --suffix=.s)
  for dw in 4 5; do
    gcc "${common_flags[@]}" -gdwarf-$dw -frandom-seed=ltoparams -dA -S ltoparams.c -o - \
      | python3 "$here/ltoparams-edit.py" > "$s"
    gcc -c "$s" -o "$out/ltoparams-gcc12-O2-dwarf$dw-x86_64.o"
  done
  rm -f "$s"
}
if [ "${1:-}" = ltoparams ]; then
  cd "$src" && build_ltoparams && exit 0
fi

# Topic fwdvar: three units linked, a FWD in one, the definition the same
# struct meets in another, a second struct of that name in the third
# (testdata/src/fwdvar-*.c; test/encode-units.test.ts); gcc, x86_64, DWARF 5:
#   obj/fwdvar-gcc12-O2-dwarf5-x86_64
#   testdata/regen.sh fwdvar     # only this
build_fwdvar() {
  command -v gcc >/dev/null || { echo "regen: gcc not found, skipping fwdvar" >&2; return 0; }
  gcc "${common_flags[@]}" -gdwarf-5 -frandom-seed=fwdvar -no-pie -Wl,--build-id=none \
    fwdvar-a.c fwdvar-b.c fwdvar-c.c -o "$out/fwdvar-gcc12-O2-dwarf5-x86_64"
}
if [ "${1:-}" = fwdvar ]; then
  cd "$src" && build_fwdvar && exit 0
fi

# Topic gline: minimal debug info, inline.c with `clang -gline-tables-only`
# and `gcc -g1` (names and code, no parameters, no types; test/minimal-debug.test.ts),
# x86_64, DWARF 5:
#   obj/gline-<clang19|gcc12>-O2-dwarf5-x86_64.o
#   testdata/regen.sh gline      # only these
build_gline() {
  local f flags=()
  for f in "${common_flags[@]}"; do [ "$f" = -g ] || flags+=("$f"); done  # -g would win over -gline-tables-only
  if command -v clang-19 >/dev/null; then
    clang-19 "${flags[@]}" -gdwarf-5 -gline-tables-only -c inline.c -o "$out/gline-clang19-O2-dwarf5-x86_64.o"
  fi
  if command -v gcc >/dev/null; then
    gcc "${flags[@]}" -gdwarf-5 -g1 -frandom-seed=gline -c inline.c -o "$out/gline-gcc12-O2-dwarf5-x86_64.o"
  fi
  # The same as C++ (no DW_AT_prototyped in any C++ unit: the unit shows it has no types).
  # In testdata/minimal, apart from obj/: with no type at all it has no base
  # BTF to encode, which the suites reading every object of obj/ cannot take.
  if command -v clang-19 >/dev/null; then
    mkdir -p "$here/minimal"
    clang-19 "${flags[@]}" -x c++ -gdwarf-5 -gline-tables-only -c inline.c -o "$here/minimal/glinecxx-clang19-O2-dwarf5-x86_64.o"
  fi
}
if [ "${1:-}" = gline ]; then
  cd "$src" && build_gline && exit 0
fi

# DWARF as distributions ship it (issue 11; test/dwarf-dwz.test.ts,
# test/dwarf-forms.test.ts), in testdata/forms (apart from obj/, whose every
# file the fixture suites read as an object), x86_64:
#   dwz<4|5>-<a|b>-gcc12-O2-x86_64.so        a pair processed by dwz -m (DWARF 4:
#                                             .gnu_debugaltlink, GNU_ref_alt/strp_alt;
#                                             5: --dwarf-5, .debug_sup, ref_sup/strp_sup)
#   dwz<4|5>-<a|b>-gcc12-O2-x86_64-nodwz.so  the same build before dwz
#   dwz<4|5>-common.debug                     their common file, named by a relative path
#   tu-<gcc12|clang19>-O2-dwarf<4|5>-x86_64[-plain].o, tu-gcc12-O2-dwarf<4|5>-x86_64[-plain].so
#                                             -fdebug-types-section and the same without
#                                             (clang: as C++, it makes no type units for C)
#   split-<gcc12|clang19>-O2-dwarf<4|5>-x86_64.o/.dwo, split-clang19-O2-dwarf5-x86_64.dwp
#                                             -gsplit-dwarf (refused: unsupported)
#   testdata/regen.sh forms      # only these
build_forms() {
  local forms=$here/forms v x tu dw
  if ! command -v dwz >/dev/null; then echo "regen: dwz not found, skipping testdata/forms" >&2; return; fi
  mkdir -p "$forms"
  rm -f "$forms"/*.so "$forms"/*.o "$forms"/*.dwo "$forms"/*.dwp "$forms"/*.debug
  # No -frandom-seed here: with it, dwz 0.15 finds nothing to share in the DWARF 4 pair.
  for v in 4 5; do
    gcc "${common_flags[@]}" -gdwarf-$v -fPIC -shared -Wl,--build-id=sha1 \
      inline.c const.c stack.c struct16.c nested.c clones.c -o "$forms/dwz$v-a-gcc12-O2-x86_64-nodwz.so"
    gcc "${common_flags[@]}" -gdwarf-$v -fPIC -shared -Wl,--build-id=sha1 \
      inline.c entryval.c variadic.c addr.c float.c types.c -o "$forms/dwz$v-b-gcc12-O2-x86_64-nodwz.so"
    for x in a b; do cp "$forms/dwz$v-$x-gcc12-O2-x86_64-nodwz.so" "$forms/dwz$v-$x-gcc12-O2-x86_64.so"; done
    # shellcheck disable=SC2046
    (cd "$forms" && dwz $([ $v = 5 ] && echo --dwarf-5) -m "dwz$v-common.debug" -M "dwz$v-common.debug" \
      "dwz$v-a-gcc12-O2-x86_64.so" "dwz$v-b-gcc12-O2-x86_64.so")
  done
  for dw in 4 5; do
    # gcc: an object (each type unit in a COMDAT section of its own) and a
    # linked shared object. Not types.c: there gcc writes `const volatile
    # int` as const(volatile(int)) without type units, volatile(const(int))
    # with them, which BTF keeps apart.
    tu="$forms/tu-gcc12-O2-dwarf$dw-x86_64"
    gcc "${common_flags[@]}" -gdwarf-$dw -frandom-seed=tu -c struct16.c -o "$tu-plain.o"
    gcc "${common_flags[@]}" -gdwarf-$dw -frandom-seed=tu -fdebug-types-section -c struct16.c -o "$tu.o"
    gcc "${common_flags[@]}" -gdwarf-$dw -fPIC -shared -Wl,--build-id=sha1 struct16.c clones.c addr.c stack.c variadic.c -o "$tu-plain.so"
    gcc "${common_flags[@]}" -gdwarf-$dw -fPIC -shared -Wl,--build-id=sha1 -fdebug-types-section struct16.c clones.c addr.c stack.c variadic.c -o "$tu.so"
    tu="$forms/tu-clang19-O2-dwarf$dw-x86_64"
    clang-19 "${common_flags[@]}" -x c++ -gdwarf-$dw -c struct16.c -o "$tu-plain.o"
    clang-19 "${common_flags[@]}" -x c++ -gdwarf-$dw -fdebug-types-section -c struct16.c -o "$tu.o"
  done
  # Built in forms/ (the .dwo lands beside the .o), that directory mapped too.
  # Not byte-reproducible: gcc's DWO id and dwz --dwarf-5's .debug_sup
  # checksum change from run to run; the tests depend on neither.
  local fmap=("-ffile-prefix-map=$forms=/btfgen/testdata/forms" "-fdebug-prefix-map=$forms=/btfgen/testdata/forms")
  (cd "$forms" && for dw in 4 5; do
    gcc "${common_flags[@]}" "${fmap[@]}" -gdwarf-$dw -gsplit-dwarf -frandom-seed=split -c "$src/inline.c" -o "split-gcc12-O2-dwarf$dw-x86_64.o"
  done
  clang-19 "${common_flags[@]}" "${fmap[@]}" -gdwarf-5 -gsplit-dwarf -c "$src/inline.c" -o split-clang19-O2-dwarf5-x86_64.o
  llvm-dwp-19 split-clang19-O2-dwarf5-x86_64.dwo -o split-clang19-O2-dwarf5-x86_64.dwp)
  {
    echo "# Toolchains used by testdata/regen.sh forms (first line of --version)"
    echo "gcc: $(gcc --version | head -1)"
    echo "clang-19: $(clang-19 --version | head -1)"
    echo "dwz: $(dwz --version 2>&1 | head -1)"
  } > "$forms/VERSIONS.txt"
}
if [ "${1:-}" = forms ]; then
  cd "$src" && build_forms && exit 0
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
build_entrycs
build_asmname
build_machines
build_gline
build_ltoparams
build_fwdvar
build_forms

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
