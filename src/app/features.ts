/**
 * pahole's `--btf_features=LIST` (dwarves 1.26+) as btfgen reads it: each
 * name pahole knows is either something btfgen's encoder always does (so
 * asking for it changes nothing) or something it does not do (an error, so
 * a build never silently lacks what it asked for); a name pahole does not
 * know is an error too.
 */
import { UsageError } from "../errors.js";

/** pahole's feature names: what each means in btfgen. */
export const PAHOLE_FEATURES: Readonly<Record<string, "always" | "unsupported">> = {
  encode_force: "always", // a bad DWARF DIE does not stop the encoding
  var: "always", // per-CPU variables and their DATASEC
  float: "always",
  decl_tag: "always",
  type_tag: "always",
  enum64: "always",
  optimized_func: "always", // optimised clones are in func_info, under their origin's FUNC
  consistent_func: "always", // one prototype per name (the first wins)
  reproducible_build: "always", // the bytes never depend on -j
  decl_tag_kfuncs: "unsupported",
  distilled_base: "unsupported",
  global_var: "unsupported",
  attributes: "unsupported",
};

/**
 * Checks a `--btf_features` list (comma separated; `default` and `all`
 * accepted as pahole does). Returns the names that change nothing, for a
 * note; throws a {@link UsageError} naming any unknown or unsupported one.
 */
export function checkBtfFeatures(list: string): string[] {
  const names = list.split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => n !== "default" && n !== "all" && !(n in PAHOLE_FEATURES));
  if (unknown.length) throw new UsageError(`--btf_features: unknown feature(s) ${unknown.join(", ")} (known: ${Object.keys(PAHOLE_FEATURES).join(", ")})`);
  const unsupported = names.filter((n) => PAHOLE_FEATURES[n] === "unsupported");
  if (unsupported.length) throw new UsageError(`--btf_features: btfgen does not encode ${unsupported.join(", ")}`);
  return names.filter((n) => PAHOLE_FEATURES[n] === "always");
}
