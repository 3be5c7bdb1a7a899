/**
 * Decoding a written func_info BTF back into sites, so a file can be checked
 * without DWARF (`btfgen sites FILE.btf --base vmlinux`) and so tests can
 * compare what was written with what the front end read.
 */
import type { Btf } from "../btf/btf.js";
import { BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_LOC_PARAM, BTF_KIND_LOC_PROTO, BTF_KIND_LOCSEC, BTF_LOC_V1_CONTINUE, BTF_LOC_V1_REG_DEREF } from "../btf/kinds.js";
import { isVariadicParam, type BtfType, type FuncProto, type TypeId } from "../btf/model.js";
import { MalformedError } from "../errors.js";
import { LOC_CONST, LOC_DEREF, LOC_OFFSET, LOC_REG, LOC_SIGNED, type LocParam } from "../lower/locparam.js";
import { paramText } from "../lower/print.js";
import { typeText } from "./ctype.js";

/** One LOCSEC entry, decoded. */
export interface DecodedSite {
  name: string;
  /** ELF section, from the LOCSEC name (`inline.text` -> `.text`). */
  section: string;
  offset: number;
  locsec: string;
  params: { name: string; type: string; loc: LocParam | null }[];
}

/** The ELF section a LOCSEC name stands for (`inline.text:foo` -> `.text`). */
export function sectionOfLocsec(name: string): string {
  const body = name.startsWith("inline") ? name.slice("inline".length) : name;
  const colon = body.indexOf(":");
  return colon >= 0 ? body.slice(0, colon) : body;
}

function expect<K extends BtfType["kind"]>(btf: Btf, id: TypeId, kind: K, what: string): Extract<BtfType, { kind: K }> {
  const t = btf.maybeType(id);
  if (!t || t.kind !== kind) throw new MalformedError(`${what} [${id}] is not of the expected kind`, { typeId: id });
  return t as Extract<BtfType, { kind: K }>;
}

/** An rfc-v1 LOC_PARAM chain (CONTINUE) as one v2-shaped location. */
function v1Param(btf: Btf, id: TypeId): LocParam | null {
  const t = expect(btf, id, BTF_KIND_LOC_PARAM, "LOC_PARAM");
  if (t.profile !== "rfc-v1") return { size: t.size, flags: t.flags, values: t.values.slice() };
  const signed = t.size < 0;
  const size = Math.abs(t.size);
  const v = t.value;
  if ("lo" in v) {
    const values = v.hi === 0 || (signed && v.hi === 0xffffffff && (v.lo | 0) < 0) ? [v.lo] : [v.lo, v.hi];
    return { size, flags: LOC_CONST | (signed ? LOC_SIGNED : 0), values };
  }
  if (v.flags & BTF_LOC_V1_CONTINUE) {
    const next = expect(btf, id + 1, BTF_KIND_LOC_PARAM, "LOC_PARAM");
    if (next.profile !== "rfc-v1" || "lo" in next.value) return null;
    return { size: size * 2, flags: LOC_REG, values: [v.reg, next.value.reg] };
  }
  const deref = (v.flags & BTF_LOC_V1_REG_DEREF) !== 0;
  if (v.offset === 0 && !deref) return { size, flags: LOC_REG, values: [v.reg] };
  return {
    size,
    flags: LOC_REG | LOC_OFFSET | (deref ? LOC_DEREF : 0) | (v.offset < 0 ? LOC_SIGNED : 0),
    values: [v.reg, v.offset >>> 0],
  };
}

/**
 * Every LOCSEC entry of `btf`'s own types, sorted by function name, section
 * and offset — the same list whatever order the LOCSECs were written in
 * (btfgen's name order, or `resolve_btfids --inline`'s id order).
 */
export function decodeFuncInfo(btf: Btf): DecodedSite[] {
  const out: DecodedSite[] = [];
  for (let id = btf.firstTypeId; id < btf.nrTypes; id++) {
    const t = btf.typeById(id);
    if (t.kind !== BTF_KIND_LOCSEC) continue;
    const locsec = btf.str(t.nameOff);
    const section = sectionOfLocsec(locsec);
    for (const e of t.entries) {
      let name: string;
      let proto: FuncProto;
      if ("func" in e) {
        const f = expect(btf, e.func, BTF_KIND_FUNC, "FUNC");
        name = btf.str(f.nameOff);
        proto = expect(btf, f.type, BTF_KIND_FUNC_PROTO, "FUNC_PROTO");
      } else {
        name = btf.str(e.nameOff);
        proto = expect(btf, e.funcProto, BTF_KIND_FUNC_PROTO, "FUNC_PROTO");
      }
      const lp = expect(btf, e.locProto, BTF_KIND_LOC_PROTO, "LOC_PROTO");
      const params = lp.params.map((pid, i) => {
        const p = proto.params[i];
        const variadic = p !== undefined && isVariadicParam(p);
        return {
          name: variadic ? "..." : p ? btf.str(p.nameOff) : "",
          type: p && !variadic ? typeText(btf, p.type) : "",
          loc: pid === 0 ? null : v1Param(btf, pid),
        };
      });
      out.push({ name, section, offset: e.offset, locsec, params });
    }
  }
  // Stable sort on (name, section, offset); u32 offsets compared, never subtracted into an int.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.section < b.section ? -1 : a.section > b.section ? 1 : a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

/** One decoded site as a `sites` line; `sectionAddr` adds the absolute address when known. */
export function formatDecodedSite(s: DecodedSite, sectionAddr?: bigint): string {
  const addr = sectionAddr !== undefined ? `0x${(sectionAddr + BigInt(s.offset)).toString(16)} ` : "";
  const args = s.params.map((p) => (p.name === "..." ? "..." : paramText(p.type, p.name, p.loc)));
  return `${addr}[${s.section} +0x${s.offset.toString(16)}] ${s.name}(${args.join(", ")})`;
}
