/**
 * C-like text of a BTF type for listings (`int`, `struct page *`,
 * `const char *`, `void (*)(int)`), the way pfunct prints parameters.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_PTR,
  BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VOLATILE,
} from "../btf/kinds.js";
import { isVariadicParam, type TypeId } from "../btf/model.js";

/** C text of type `id` (bounded depth, so malformed chains cannot loop). */
export function typeText(btf: Btf, id: TypeId, depth = 0): string {
  if (id === 0) return "void";
  if (depth > 32) return "?";
  const t = btf.maybeType(id);
  if (!t) return "?";
  const name = btf.str(t.nameOff);
  switch (t.kind) {
    case BTF_KIND_PTR:
      return pointerText(btf, t.type, depth, "");
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE: {
      // A qualified pointer takes its qualifier after the `*` (`const char *const`).
      const q = t.kind === BTF_KIND_CONST ? "const" : "volatile";
      const target = btf.maybeType(t.type);
      if (target?.kind === BTF_KIND_PTR) return pointerText(btf, target.type, depth + 1, q);
      return `${q} ${typeText(btf, t.type, depth + 1)}`;
    }
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

/** A pointer to `to`, qualified by `q` ("" or `const`/`volatile`): `int *`, `char *const`, `void (*const)(int)`. */
function pointerText(btf: Btf, to: TypeId, depth: number, q: string): string {
  const target = btf.maybeType(to);
  if (target?.kind === BTF_KIND_FUNC_PROTO) {
    const params = target.params.map((p) => (isVariadicParam(p) ? "..." : typeText(btf, p.type, depth + 1)));
    return `${typeText(btf, target.ret, depth + 1)} (*${q})(${params.join(", ")})`;
  }
  return `${typeText(btf, to, depth + 1)} *${q}`;
}
