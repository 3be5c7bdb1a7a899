/**
 * Whether a function's DWARF tells its prototype at all. A C subprogram
 * with no DW_AT_prototyped, no DW_AT_type and no parameter DIE is what
 * minimal debug info leaves (`clang -gline-tables-only`, `gcc -g1`): a
 * name and code, the parameters unknown, not absent. Taken for `void f(void)`
 * it would tell a tracer the function has no arguments; such a function
 * gets no prototype (its sites are left out, counted as without one).
 * A prototyped C function of no parameters has DW_AT_prototyped; an
 * unprototyped K&R definition `int f()` has a return type or its
 * parameters; only one of no parameters, returning void and written
 * without a prototype is left out with them. C++ and other languages have
 * no DW_AT_prototyped: there an empty list is the function's.
 */
import { FUNC_PROTOTYPED, NONE, type DwarfRecords } from "./records.js";

/** DW_LANG_C89, C, C99, C11, C17 (and the same in Objective-C: DW_LANG_ObjC). */
const C_LANGUAGES = new Set([0x1, 0x2, 0xc, 0x1d, 0x2c, 0x10]);

/** Per function row of `rec`: 1 when its prototype is unknown (see the module comment). */
export function unknownPrototypes(rec: DwarfRecords): Uint8Array {
  const F = rec.funcs;
  const S = rec.sites;
  const out = new Uint8Array(F.count);
  const candidate = (f: number) => F.paramCount[f] === 0 && F.type[f] === NONE && (F.flags[f]! & FUNC_PROTOTYPED) === 0;
  for (let i = 0; i < S.count; i++) {
    const f = S.func[i]!;
    if (f >= F.count || !candidate(f)) continue;
    if (C_LANGUAGES.has(rec.units.language[S.unit[i]!]!)) out[f] = 1;
  }
  return out;
}
