/**
 * C-like text of a BTF type for listings (`int`, `struct page *`,
 * `const char *`, `void (*)(int)`), the way pfunct prints parameters.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_PTR,
  BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import type { TypeId } from "../btf/model.js";

/** C text of type `id` (bounded depth, so malformed chains cannot loop). */
export function typeText(btf: Btf, id: TypeId, depth = 0): string {
  if (id === 0) return "void";
  if (depth > 32) return "?";
  const t = btf.maybeType(id);
  if (!t) return "?";
  const name = btf.str(t.nameOff);
  switch (t.kind) {
    case BTF_KIND_PTR: {
      const target = btf.maybeType(t.type);
      if (target?.kind === BTF_KIND_FUNC_PROTO) return `${typeText(btf, target.ret, depth + 1)} (*)(${target.params.map((p) => (p.type === 0 && p.nameOff === 0 ? "..." : typeText(btf, p.type, depth + 1))).join(", ")})`;
      return `${typeText(btf, t.type, depth + 1)} *`;
    }
    case BTF_KIND_CONST: return `const ${typeText(btf, t.type, depth + 1)}`;
    case BTF_KIND_VOLATILE: return `volatile ${typeText(btf, t.type, depth + 1)}`;
    case BTF_KIND_RESTRICT: return `${typeText(btf, t.type, depth + 1)} restrict`;
    case BTF_KIND_TYPE_TAG: return typeText(btf, t.type, depth + 1);
    case BTF_KIND_ARRAY: return `${typeText(btf, t.type, depth + 1)}[${t.nelems}]`;
    case BTF_KIND_STRUCT: return `struct ${name || "(anon)"}`;
    case BTF_KIND_UNION: return `union ${name || "(anon)"}`;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: return `enum ${name || "(anon)"}`;
    case BTF_KIND_FWD: return `${t.union ? "union" : "struct"} ${name}`;
    default: return name || "?";
  }
}
