import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  Btf,
  dumpBtf,
  forEachStrRef,
  forEachTypeRef,
  parseBtf,
  remapTypeIds,
  cloneType,
  writeBtf,
  type BtfType,
  type Profile,
} from "../src/btf/index.js";

const NAMES = ["", "a", "int", "foo", "inline.text", "struct_name", "x1", "ünï"];

/**
 * Builds a valid BTF from random seeds. Chain kinds (modifiers, ARRAY, FUNC,
 * VAR, DECL_TAG) only point to lower ids, so no reference loop can appear;
 * STRUCT members and the rest may point anywhere in range.
 */
function buildRandom(seeds: number[][], profile: Profile, withBase: boolean): Btf {
  let base: Btf | undefined;
  if (withBase) {
    base = new Btf();
    base.add({ kind: 1, nameOff: base.addStr("int"), size: 4, encoding: 1, bitsOffset: 0, nrBits: 32 });
    base.add({ kind: 2, nameOff: 0, type: 1 });
  }
  const b = new Btf({ base, profile, hasLayout: profile === "v2" });
  const first = b.firstTypeId;
  const n = seeds.length;
  const last = first + n - 1;
  seeds.forEach((s, i) => {
    const id = first + i;
    const at = (k: number) => s[k % s.length] >>> 0;
    const name = () => b.addStr(NAMES[at(1) % NAMES.length]);
    const lower = (k: number) => at(k) % id; // 0..id-1
    const any = (k: number) => at(k) % (last + 1);
    const count = (k: number, max: number) => at(k) % (max + 1);
    const kind = (at(0) % 22) + 1;
    let t: BtfType;
    switch (kind) {
      case 1:
        t = { kind, nameOff: name(), size: [1, 2, 4, 8, 16][at(2) % 5], encoding: [0, 1, 2, 4][at(3) % 4], bitsOffset: at(4) % 256, nrBits: at(5) % 129 };
        break;
      case 2: case 8: case 9: case 10: case 11:
        t = { kind, nameOff: kind === 8 ? name() : 0, type: lower(2) };
        break;
      case 18:
        t = { kind, nameOff: name(), type: lower(2), kindFlag: at(3) % 2 === 1 };
        break;
      case 3:
        t = { kind, nameOff: 0, type: lower(2), indexType: any(3), nelems: at(4) };
        break;
      case 4: case 5: {
        const kindFlag = at(2) % 2 === 1;
        const members = Array.from({ length: count(3, 4) }, (_, j) => ({
          nameOff: b.addStr(NAMES[at(4 + j) % NAMES.length]),
          type: any(5 + j),
          bitsOffset: kindFlag ? at(6 + j) & 0xffffff : at(6 + j),
          bitfieldSize: kindFlag ? at(7 + j) % 256 : 0,
        }));
        t = { kind, nameOff: name(), size: at(8), members, kindFlag };
        break;
      }
      case 6: {
        const signed = at(2) % 2 === 1;
        t = { kind, nameOff: name(), size: 4, signed, values: Array.from({ length: count(3, 3) }, (_, j) => ({ nameOff: name(), val: signed ? at(4 + j) | 0 : at(4 + j) })) };
        break;
      }
      case 19: {
        const signed = at(2) % 2 === 1;
        t = {
          kind, nameOff: name(), size: 8, signed,
          values: Array.from({ length: count(3, 3) }, (_, j) => {
            const raw = (BigInt(at(4 + j)) << 32n) | BigInt(at(5 + j));
            return { nameOff: name(), val: signed ? BigInt.asIntN(64, raw) : raw };
          }),
        };
        break;
      }
      case 7:
        t = { kind, nameOff: name(), union: at(2) % 2 === 1 };
        break;
      case 12:
        t = { kind, nameOff: name(), type: lower(2), linkage: at(3) % 3 };
        break;
      case 13:
        t = { kind, nameOff: 0, ret: any(2), params: Array.from({ length: count(3, 4) }, (_, j) => ({ nameOff: name(), type: any(4 + j) })) };
        break;
      case 14:
        t = { kind, nameOff: name(), type: lower(2), linkage: at(3) % 3 };
        break;
      case 15:
        t = { kind, nameOff: name(), size: at(2), vars: Array.from({ length: count(3, 3) }, (_, j) => ({ type: any(4 + j), offset: at(5 + j), size: at(6 + j) })) };
        break;
      case 16:
        t = { kind, nameOff: name(), size: [4, 8, 16][at(2) % 3] };
        break;
      case 17:
        t = { kind, nameOff: name(), type: lower(2), componentIdx: (at(3) % 5) - 1, kindFlag: at(4) % 2 === 1 };
        break;
      case 20:
        t = profile === "v2"
          ? { kind, nameOff: 0, size: [1, 2, 4, 8, 16][at(2) % 5], flags: at(3) % 64, values: Array.from({ length: 1 + count(4, 1) }, (_, j) => at(5 + j)) }
          : {
              kind, profile, nameOff: 0, size: (at(2) % 17) - 8,
              value: at(3) % 2 ? { lo: at(4), hi: at(5) } : { reg: at(4) & 0xffff, flags: at(5) % 4, offset: at(6) | 0 },
            };
        break;
      case 21:
        t = { kind, nameOff: 0, params: Array.from({ length: count(2, 4) }, (_, j) => any(3 + j)), type: profile === "v2" ? 0 : any(8) };
        break;
      default:
        t = profile === "v2"
          ? { kind: 22, nameOff: name(), entries: Array.from({ length: count(2, 3) }, (_, j) => ({ func: any(3 + j), locProto: any(4 + j), offset: at(5 + j) })) }
          : { kind: 22, profile, nameOff: name(), entries: Array.from({ length: count(2, 3) }, (_, j) => ({ nameOff: name(), funcProto: any(3 + j), locProto: any(4 + j), offset: at(5 + j) })) };
    }
    b.add(t);
  });
  return b;
}

const seedsArb = fc.array(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: 40 });

describe("write -> read round trip on random valid types", () => {
  test.each([
    ["v2", false],
    ["v2", true],
    ["rfc-v1", false],
    ["rfc-v1", true],
  ] as [Profile, boolean][])("profile %s, split %s", (profile, split) => {
    fc.assert(
      fc.property(seedsArb, fc.boolean(), (seeds, littleEndian) => {
        const b = buildRandom(seeds, profile, split);
        const out = writeBtf(b, { littleEndian });
        const back = parseBtf(out, { base: b.base });
        // Without LOC kinds, or with only rfc-v1 LOC records whose bytes read the same in v2
        // (LOC_PROTOs of type 0, empty LOCSECs), the section decodes exactly as v2.
        const sameBytes = b.types.every((t) => t.kind < 20 || (t.kind === 21 && t.type === 0) || (t.kind === 22 && t.entries.length === 0));
        const readAs = profile === "rfc-v1" && sameBytes ? "v2" : profile;
        expect(back.profile).toBe(readAs);
        if (readAs === profile) expect(back.types).toEqual(b.types);
        expect(Buffer.from(writeBtf(back, { profile: readAs })).equals(Buffer.from(out))).toBe(true);
        if (readAs === profile) expect(dumpBtf(back)).toBe(dumpBtf(b));
      }),
      { numRuns: 150 },
    );
  });

  test("remapTypeIds visits exactly the refs forEachTypeRef reports; cloneType is deep", () => {
    fc.assert(
      fc.property(seedsArb, (seeds) => {
        const b = buildRandom(seeds, "v2", false);
        for (const t of b.types) {
          const refs: number[] = [];
          forEachTypeRef(t, (id) => refs.push(id));
          const c = cloneType(t);
          remapTypeIds(c, (id) => id + 1000);
          const after: number[] = [];
          forEachTypeRef(c, (id) => after.push(id));
          expect(after).toEqual(refs.map((r) => r + 1000));
          // the original is untouched
          const again: number[] = [];
          forEachTypeRef(t, (id) => again.push(id));
          expect(again).toEqual(refs);
          forEachStrRef(t, (off) => expect(b.strings.has(off)).toBe(true));
        }
      }),
      { numRuns: 100 },
    );
  });
});
