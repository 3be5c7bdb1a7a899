/**
 * Size and signedness of a BTF type as the lowering needs them for a
 * parameter: modifiers and typedefs are looked through; pointers take the
 * target's address size.
 */
import type { Btf } from "../btf/btf.js";
import {
  BTF_INT_SIGNED, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_STRUCT, BTF_KIND_UNION,
} from "../btf/kinds.js";
import { isModifier, type TypeId } from "../btf/model.js";
import type { ParamTypeInfo } from "./sites.js";

/** {@link ParamTypeInfo} of BTF type `id`; size 0 when it has none (void, FUNC_PROTO, FWD, bad chains). */
export function btfParamInfo(btf: Btf, id: TypeId, addrSize: number): ParamTypeInfo {
  for (let guard = 0; guard < 64 && id !== 0; guard++) {
    const t = btf.maybeType(id);
    if (!t) break;
    switch (t.kind) {
      case BTF_KIND_INT: return { size: t.size, signed: (t.encoding & BTF_INT_SIGNED) !== 0 };
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: return { size: t.size, signed: t.signed };
      case BTF_KIND_PTR: return { size: addrSize, signed: false };
      case BTF_KIND_FLOAT: return { size: t.size, signed: false };
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: return { size: t.size, signed: false };
      default:
        if (isModifier(t)) {
          id = t.type;
          continue;
        }
        return { size: 0 };
    }
  }
  return { size: 0 };
}
