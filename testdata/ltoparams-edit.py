#!/usr/bin/env python3
"""Edits the assembly gcc 12 writes for testdata/src/ltoparams.c (-dA, so
every DIE and attribute carries a comment) into what gcc -flto writes when
two units' abstract copies of one header's inline function meet (glibc's
memset in Debian's Python _ctypes): an inlined instance whose
DW_AT_abstract_origin is one copy while its parameters' origins are the
other copy's parameters.

  - the abstract DIE of ltp_copy is renamed ltp_mix (a second copy of it:
    same name, same parameters a, b);
  - the parameters of the ltp_mix site (the one whose DW_AT_abstract_origin
    is the first copy) get the second copy's parameters as their origins,
    by name.

Reads the .s on stdin, writes the edited one on stdout; fails when the
assembly does not have the expected shape (another gcc).
"""
import re
import sys

lines = sys.stdin.read().split("\n")
die_re = re.compile(r"# \(DIE \((0x[0-9a-f]+)\) (DW_TAG_\w+)\)")

# Pass 1: DIEs (offset, tag, line), names, and abstract origins.
dies = []  # [offset, tag, first line index, name, origin line index]
for i, line in enumerate(lines):
    m = die_re.search(line)
    if m:
        dies.append({"off": m.group(1), "tag": m.group(2), "line": i, "name": None, "origin": None})
        continue
    if not dies:
        continue
    d = dies[-1]
    n = re.search(r'# DW_AT_name(?:: "([^"]*)")?$', line)
    if n:
        d["name"] = n.group(1) if n.group(1) is not None else re.search(r'\.ascii "([^\\"]*)\\0"', line).group(1)
        d["name_line"] = i
    if re.search(r"\.long\s+0x[0-9a-f]+\s+# DW_AT_abstract_origin$", line):
        d["origin"] = i


def params_after(k):
    """The formal parameters right after DIE k (its children, by name)."""
    out = {}
    for d in dies[k + 1:]:
        if d["tag"] != "DW_TAG_formal_parameter":
            break
        out[d["name"]] = d["off"]
    return out


subs = {d["name"]: k for k, d in enumerate(dies) if d["tag"] == "DW_TAG_subprogram" and d["name"] in ("ltp_mix", "ltp_copy")}
if set(subs) != {"ltp_mix", "ltp_copy"}:
    sys.exit("ltoparams-edit: no abstract ltp_mix and ltp_copy in the assembly")
mix, copy = subs["ltp_mix"], subs["ltp_copy"]
mix_params, copy_params = params_after(mix), params_after(copy)
if set(mix_params) != {"a", "b"} or set(copy_params) != {"a", "b"}:
    sys.exit("ltoparams-edit: ltp_mix and ltp_copy do not both have parameters a, b")
by_off = {v: name for name, v in mix_params.items()}

# The copy is a second ltp_mix: its name is the first one's string.
mix_name = lines[dies[mix]["name_line"]]
lines[dies[copy]["name_line"]] = mix_name

# The ltp_mix site: its parameters' origins become the copy's parameters.
site = next(
    (k for k, d in enumerate(dies)
     if d["tag"] == "DW_TAG_inlined_subroutine" and d["origin"] is not None
     and re.search(r"0x[0-9a-f]+", lines[d["origin"]]).group(0) == dies[mix]["off"]),
    None,
)
if site is None:
    sys.exit("ltoparams-edit: no inlined ltp_mix")
edited = 0
for d in dies[site + 1:]:
    if d["tag"] != "DW_TAG_formal_parameter" or d["origin"] is None:
        break
    old = re.search(r"0x[0-9a-f]+", lines[d["origin"]]).group(0)
    if old not in by_off:
        sys.exit(f"ltoparams-edit: site parameter origin {old} is no ltp_mix parameter")
    lines[d["origin"]] = lines[d["origin"]].replace(old, copy_params[by_off[old]], 1)
    edited += 1
if edited != 2:
    sys.exit(f"ltoparams-edit: {edited} site parameters edited, not 2")
sys.stdout.write("\n".join(lines))
