/**
 * Names the kernel accepts (btf_name_valid_identifier /
 * btf_name_valid_section): the rule `btfgen check` applies and the one the
 * encoders follow when DWARF carries a name that is not a C identifier
 * (C++ or Rust names, corrupt string offsets).
 */

/** KSYM_NAME_LEN since Linux 6.1: a name must be shorter. */
export const KSYM_NAME_LEN = 512;

const IDENT = /^[A-Za-z_.][A-Za-z0-9_.]*$/;

/**
 * A name btf_name_valid_identifier takes: letters, digits, `_` and `.`
 * (dots since 6.5 and 6.1.y stable: `foo.isra.0`), not starting with a
 * digit, shorter than KSYM_NAME_LEN.
 */
export function isBtfIdentifier(s: string): boolean {
  return s.length > 0 && s.length < KSYM_NAME_LEN && IDENT.test(s);
}

/** A section-style name (DATASEC since 6.9, LOCSEC): non-empty, every character printable (isprint), shorter than KSYM_NAME_LEN. */
export function isBtfSectionName(s: string): boolean {
  return s.length > 0 && s.length < KSYM_NAME_LEN && /^[\x20-\x7e\xa0-\xff]+$/.test(s);
}

/**
 * `s` as an identifier the kernel accepts: unchanged when it is one, else
 * every other character replaced by `_` (a leading digit gets a `_` first)
 * and cut below KSYM_NAME_LEN. `""` stays `""` (anonymous).
 */
export function btfIdentifier(s: string): string {
  if (s === "" || isBtfIdentifier(s)) return s;
  let out = s.replace(/[^A-Za-z0-9_.]/g, "_");
  if (/^[0-9]/.test(out)) out = "_" + out;
  return out.slice(0, KSYM_NAME_LEN - 1);
}
