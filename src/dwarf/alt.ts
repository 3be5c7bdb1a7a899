/**
 * Supplementary DWARF files: where `dwz -m` puts the DIEs and strings that
 * several objects share, named by the object's `.gnu_debugaltlink` (GNU,
 * DWARF 4: DW_FORM_GNU_ref_alt / DW_FORM_GNU_strp_alt) or `.debug_sup`
 * (DWARF 5: DW_FORM_ref_sup4/8, DW_FORM_strp_sup).
 *
 * Found as debuggers find it (gdb's `dwz.c`, elfutils' `dwarf_getalt`): the
 * path given by the user (`--alt FILE`) alone, else the path the link names
 * when absolute, else relative to the object's directory, else by build-id
 * under `/usr/lib/debug/.build-id/xx/yyyy.debug`. A candidate must carry the
 * id the link names (its build-id note, or for `.debug_sup` the checksum of
 * its own `.debug_sup`); a missing or mismatched file is a one-line error
 * naming the paths looked at, never a partial read.
 */
import { statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { ElfFile } from "../elf/elf.js";
import { MalformedError, NotFoundError } from "../errors.js";

/** What an object says about its supplementary file. */
export interface SupplementaryLink {
  /** The section that says it. */
  section: ".gnu_debugaltlink" | ".debug_sup";
  /** The file name it gives (may be relative, or empty for `.debug_sup`). */
  name: string;
  /** The build-id (`.gnu_debugaltlink`) or checksum (`.debug_sup`) the file must carry. */
  id: Uint8Array;
}

/** Where build-id named debug files live (`debug-file-directory` of gdb and elfutils). */
export const DEBUG_FILE_DIRECTORY = "/usr/lib/debug";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function cstring(bytes: Uint8Array, at: number, what: string, file: string, section: string): [string, number] {
  const end = bytes.indexOf(0, at);
  if (end < 0) throw new MalformedError(`${what} is not NUL-terminated`, { file, section, offset: at });
  return [new TextDecoder().decode(bytes.subarray(at, end)), end + 1];
}

/** The `.debug_sup` contents: version 5, is_supplementary, file name, checksum (ULEB length + bytes). */
function readDebugSup(elf: ElfFile): { supplementary: boolean; name: string; checksum: Uint8Array } | undefined {
  const sec = elf.debugSection(".debug_sup");
  if (!sec) return undefined;
  const b = elf.sectionData(sec);
  const where = { file: elf.path, section: ".debug_sup" };
  if (b.length < 4) throw new MalformedError("shorter than its header", { ...where, offset: 0 });
  const version = elf.littleEndian ? b[0]! | (b[1]! << 8) : (b[0]! << 8) | b[1]!;
  if (version !== 5) throw new MalformedError(`version ${version}, not 5`, { ...where, offset: 0 });
  const [name, at] = cstring(b, 3, "the file name", elf.path, ".debug_sup");
  let len = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    if (p >= b.length || shift > 28) throw new MalformedError("truncated checksum length", { ...where, offset: p });
    const byte = b[p++]!;
    len |= (byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  if (p + len > b.length) throw new MalformedError(`checksum of ${len} bytes past the end`, { ...where, offset: p });
  return { supplementary: b[2] !== 0, name, checksum: b.slice(p, p + len) };
}

/** The supplementary file `elf` refers to, if any. */
export function supplementaryLink(elf: ElfFile): SupplementaryLink | undefined {
  const alt = elf.section(".gnu_debugaltlink");
  if (alt && alt.size > 0) {
    const b = elf.sectionData(alt);
    const [name, at] = cstring(b, 0, "the file name", elf.path, ".gnu_debugaltlink");
    return { section: ".gnu_debugaltlink", name, id: b.slice(at) };
  }
  const sup = readDebugSup(elf);
  // A supplementary file's own .debug_sup names no other file.
  if (sup && !sup.supplementary) return { section: ".debug_sup", name: sup.name, id: sup.checksum };
  return undefined;
}

/** The NT_GNU_BUILD_ID of `elf`'s `.note.gnu.build-id`, if it has one. */
export function buildId(elf: ElfFile): Uint8Array | undefined {
  const sec = elf.section(".note.gnu.build-id");
  if (!sec || sec.size < 12) return undefined;
  const b = elf.sectionData(sec);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  while (p + 12 <= b.length) {
    const namesz = v.getUint32(p, elf.littleEndian);
    const descsz = v.getUint32(p + 4, elf.littleEndian);
    const type = v.getUint32(p + 8, elf.littleEndian);
    const desc = p + 12 + ((namesz + 3) & ~3);
    if (desc + descsz > b.length) return undefined;
    if (type === 3 /* NT_GNU_BUILD_ID */ && namesz === 4) return b.slice(desc, desc + descsz);
    p = desc + ((descsz + 3) & ~3);
  }
  return undefined;
}

/** The id a candidate file carries for `link` to name it. */
function idOf(elf: ElfFile, link: SupplementaryLink): Uint8Array | undefined {
  if (link.section === ".gnu_debugaltlink") return buildId(elf);
  const sup = readDebugSup(elf);
  return sup?.supplementary ? sup.checksum : buildId(elf);
}

/** Candidate paths for `link` of the object at `path`, in lookup order. */
export function supplementaryCandidates(path: string, link: SupplementaryLink): string[] {
  const out: string[] = [];
  if (link.name) out.push(isAbsolute(link.name) ? link.name : join(dirname(path), link.name));
  if (link.id.length >= 2) {
    const h = hex(link.id);
    out.push(join(DEBUG_FILE_DIRECTORY, ".build-id", h.slice(0, 2), `${h.slice(2)}.debug`));
  }
  return out;
}

/**
 * Opens the supplementary file of `elf` (undefined when it names none),
 * `explicit` (the user's `--alt`) taking the place of the lookup. The
 * caller closes it.
 */
export function openSupplementary(elf: ElfFile, explicit?: string): ElfFile | undefined {
  const link = supplementaryLink(elf);
  if (!link) return undefined;
  const candidates = explicit ? [explicit] : supplementaryCandidates(elf.path, link);
  let mismatch: MalformedError | undefined;
  for (const p of candidates) {
    // Only regular files (or links to one) are candidates, as for debuggers.
    if (!statSync(p, { throwIfNoEntry: false })?.isFile()) continue;
    const alt = ElfFile.open(p);
    const id = idOf(alt, link);
    if (id && hex(id) === hex(link.id)) return alt;
    alt.close();
    mismatch ??= new MalformedError(
      `supplementary file ${p} has ${link.section === ".debug_sup" ? "checksum" : "build-id"} ${id ? hex(id) : "(none)"}, ${link.section} names ${hex(link.id)}`,
      { file: elf.path, section: link.section },
    );
  }
  if (mismatch) throw mismatch;
  throw new NotFoundError(
    `supplementary file (dwz) not found: looked for ${candidates.join(", ")} (${link.section}${explicit ? "" : "; give it with --alt FILE"})`,
    { file: elf.path, section: link.section },
  );
}
