/**
 * StringTable reads a big all-ASCII section through one decoded string
 * (get/find by slicing) and anything else string by string: both give the
 * same answers, and strings added later are found either way.
 */
import { expect, test } from "vitest";
import { StringTable } from "../src/btf/strings.js";

function section(names: string[]): { bytes: Uint8Array; offs: number[] } {
  const enc = new TextEncoder();
  const parts = [new Uint8Array([0])];
  const offs: number[] = [];
  let at = 1;
  for (const n of names) {
    offs.push(at);
    const b = enc.encode(n + "\0");
    parts.push(b);
    at += b.length;
  }
  const bytes = new Uint8Array(at);
  let p = 0;
  for (const b of parts) {
    bytes.set(b, p);
    p += b.length;
  }
  return { bytes, offs };
}

test.each([
  ["all ASCII (one decode)", (i: number) => `name_${i}`],
  ["with UTF-8 (string by string)", (i: number) => (i === 7 ? "caf\u00e9" : `name_${i}`)],
])("%s: get, tails, find and add agree with the bytes", (_what, nameOf) => {
  const names = Array.from({ length: 1000 }, (_, i) => nameOf(i));
  names.push("name_3"); // a duplicate: find gives the first
  const { bytes, offs } = section(names);
  expect(bytes.length).toBeGreaterThan(4096);
  const t = new StringTable(undefined, bytes);
  names.forEach((n, i) => expect(t.get(offs[i])).toBe(n));
  expect(t.get(offs[5] + 2)).toBe(names[5].slice(2)); // an offset into a string names its tail
  expect(t.get(0)).toBe("");
  expect(t.find("name_3")).toBe(offs[3]);
  expect(t.find("name_999")).toBe(offs[999]);
  expect(t.find("absent")).toBeUndefined();
  const added = t.add("fresh");
  expect(added).toBe(bytes.length);
  expect(t.get(added)).toBe("fresh");
  expect(t.add("name_10")).toBe(offs[10]);
});
