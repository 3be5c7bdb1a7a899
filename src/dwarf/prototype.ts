/**
 * Whether a function's DWARF tells its prototype at all. Minimal debug
 * info (`clang -gline-tables-only`, `gcc -g1`, Rust's `debuginfo=1`, with
 * which Rust's standard library ships) gives a subprogram a name and code
 * but no DW_AT_type and no parameter DIE: its parameters are unknown, not
 * absent. Taken for `f(void)` that would tell a tracer the function has no
 * arguments; such a function gets no prototype instead (its sites are left
 * out, counted as without one). A function of no parameters returning void
 * is taken as what it says only where the DWARF shows it knows:
 *  - in C, with DW_AT_prototyped (`void f(void)`); an unprototyped `void f()`
 *    is left out with the unknown ones;
 *  - in other languages (no DW_AT_prototyped there), in a unit that has
 *    types or parameters elsewhere ({@link UNIT_TYPED}); a unit with
 *    neither is minimal debug info.
 */
import { FUNC_PROTOTYPED, NONE, UNIT_TYPED, type DwarfRecords } from "./records.js";

/** DW_LANG_C89, C, C99, C11, C17 and DW_LANG_ObjC: where DW_AT_prototyped is written. */
const C_LANGUAGES = new Set([0x1, 0x2, 0xc, 0x1d, 0x2c, 0x10]);

/** Per function row of `rec`: 1 when its prototype is unknown (see the module comment). */
export function unknownPrototypes(rec: DwarfRecords): Uint8Array {
  const F = rec.funcs;
  const S = rec.sites;
  const U = rec.units;
  const out = new Uint8Array(F.count);
  for (let i = 0; i < S.count; i++) {
    const f = S.func[i]!;
    if (f >= F.count || F.paramCount[f] !== 0 || F.type[f] !== NONE) continue;
    const u = S.unit[i]!;
    const known = C_LANGUAGES.has(U.language[u]!) ? (F.flags[f]! & FUNC_PROTOTYPED) !== 0 : (U.flags[u]! & UNIT_TYPED) !== 0;
    if (!known) out[f] = 1;
  }
  return out;
}
