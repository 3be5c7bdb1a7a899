/**
 * C text of BTF types as `sites` prints parameters: qualifiers of a pointer
 * go after its `*` (`const char *const`, never `const const char *`).
 */
import { expect, test } from "vitest";
import { Btf } from "../src/btf/btf.js";
import { BTF_KIND_CONST, BTF_KIND_FUNC_PROTO, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_VOLATILE } from "../src/btf/kinds.js";
import { typeText } from "../src/app/ctype.js";

test("qualifiers: of the pointee before it, of the pointer after the *", () => {
  const b = new Btf();
  const char = b.add({ kind: BTF_KIND_INT, nameOff: b.addStr("char"), size: 1, encoding: 1, bitsOffset: 0, nrBits: 8 });
  const int = b.add({ kind: BTF_KIND_INT, nameOff: b.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
  const cchar = b.add({ kind: BTF_KIND_CONST, nameOff: 0, type: char });
  const pcc = b.add({ kind: BTF_KIND_PTR, nameOff: 0, type: cchar });
  const cpcc = b.add({ kind: BTF_KIND_CONST, nameOff: 0, type: pcc });
  const vint = b.add({ kind: BTF_KIND_VOLATILE, nameOff: 0, type: int });
  const pvi = b.add({ kind: BTF_KIND_PTR, nameOff: 0, type: vint });
  const vpvi = b.add({ kind: BTF_KIND_VOLATILE, nameOff: 0, type: pvi });
  const fn = b.add({ kind: BTF_KIND_FUNC_PROTO, nameOff: 0, ret: int, params: [{ nameOff: 0, type: int }, { nameOff: 0, type: 0 }] });
  const pfn = b.add({ kind: BTF_KIND_PTR, nameOff: 0, type: fn });
  const cpfn = b.add({ kind: BTF_KIND_CONST, nameOff: 0, type: pfn });
  expect(typeText(b, pcc)).toBe("const char *");
  expect(typeText(b, cpcc)).toBe("const char *const");
  expect(typeText(b, vpvi)).toBe("volatile int *volatile");
  expect(typeText(b, pfn)).toBe("int (*)(int, ...)");
  expect(typeText(b, cpfn)).toBe("int (*const)(int, ...)");
  expect(typeText(b, 0)).toBe("void");
});
