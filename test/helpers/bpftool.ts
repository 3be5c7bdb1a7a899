/**
 * `bpftool btf dump file` text, normalised so that two encoders' BTF can be
 * compared without their type ids: every `type_id=N` (also `ret_type_id`,
 * `index_type_id`) is replaced by the type it names, written out (a named
 * type as `KIND 'name'`, an anonymous one or a modifier in full, members
 * included). The result is one block per type (its line and member lines),
 * sorted: a multiset that differs only where sizes, offsets, members,
 * enumerators, prototypes, names or kinds differ, not where the order does.
 */
import { execFileSync } from "node:child_process";

/** One type of a raw bpftool dump: its line without the `[id] ` and its member lines. */
interface DumpedType {
  kind: string;
  name: string;
  line: string;
  members: string[];
}

/** The types of a raw `bpftool btf dump file` text, by id. */
export function parseBpftoolDump(text: string): Map<number, DumpedType> {
  const types = new Map<number, DumpedType>();
  let cur: DumpedType | undefined;
  for (const l of text.split("\n")) {
    const m = /^\[(\d+)\] (\S+) '([^']*)'(.*)$/.exec(l);
    if (m) {
      cur = { kind: m[2], name: m[3], line: `${m[2]} '${m[3]}'${m[4]}`, members: [] };
      types.set(Number(m[1]), cur);
    } else if (l.startsWith("\t") && cur) cur.members.push(l.slice(1));
    else if (l.trim() !== "") throw new Error(`unexpected bpftool line: ${l}`);
  }
  return types;
}

/** Fields that hold a type id: bpftool's, and btfgen's LOCSEC entries (FORMAT.md 7). */
const ID_FIELD = /\b(type_id|ret_type_id|index_type_id|func_type_id|loc_proto_type_id)=(\d+)/g;

/** Kinds written out in full where they are referenced (besides anonymous types). */
const INLINE = new Set(["PTR", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG", "ARRAY", "FUNC_PROTO", "LOC_PARAM", "LOC_PROTO"]);

/**
 * The normalised blocks (sorted) of a raw bpftool dump. For split BTF, `base`
 * is its base's dump: the ids the split refers to are resolved there, and
 * only the split's own types are returned.
 */
export function normaliseDump(text: string, base?: string): string[] {
  const own = parseBpftoolDump(text);
  const types = base ? new Map([...parseBpftoolDump(base), ...own]) : own;
  const seen = new Map<number, string>();
  const ref = (id: number, depth: number): string => {
    if (id === 0) return "void";
    const t = types.get(id);
    if (!t) return `<missing ${id}>`;
    if (t.name !== "(anon)" && !INLINE.has(t.kind)) return `${t.kind} '${t.name}'`;
    if (depth > 16) return `${t.kind} …`;
    const hit = seen.get(id);
    if (hit !== undefined && depth === 0) return hit;
    const body = [t.line, ...t.members].map((l) => ids(l, depth + 1));
    const s = body.length === 1 ? `(${body[0]})` : `(${body[0]} { ${body.slice(1).join("; ")} })`;
    if (depth === 0) seen.set(id, s);
    return s;
  };
  const ids = (l: string, depth: number) => l.replace(ID_FIELD, (_, k, n) => `${k}=${ref(Number(n), depth)}`);
  return [...own.values()].map((t) => [ids(t.line, 0), ...t.members.map((m) => "\t" + ids(m, 0))].join("\n")).sort();
}

/** `bpftool btf dump file PATH` (raw), optionally split on `base`. */
export function bpftoolDump(path: string, base?: string): string {
  return execFileSync("bpftool", [...(base ? ["-B", base] : []), "btf", "dump", "file", path], { encoding: "utf8", maxBuffer: 1 << 28 });
}
