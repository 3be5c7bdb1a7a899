/**
 * Compressed debug sections, in both forms toolchains produce:
 *
 * - gABI `SHF_COMPRESSED` (`gcc -gz=zlib|zstd`, `objcopy
 *   --compress-debug-sections=zlib-gabi|zstd`, Debian's kernel builds with
 *   CONFIG_DEBUG_INFO_COMPRESSED): the data starts with a header, then the
 *   stream.
 *   ```
 *   Elf64_Chdr: u32 ch_type | u32 ch_reserved | u64 ch_size | u64 ch_addralign   (24 bytes)
 *   Elf32_Chdr: u32 ch_type | u32 ch_size     | u32 ch_addralign                 (12 bytes)
 *   ```
 *   in the file's byte order; ch_type 1 = zlib, 2 = zstd.
 * - legacy GNU `.zdebug_*` (`--compress-debug-sections=zlib-gnu`): the name
 *   changes and the data starts with `"ZLIB"` and the size as a **big-endian**
 *   u64 whatever the file's byte order, then a zlib stream.
 */
import * as zlib from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { MalformedError, UnsupportedError } from "../errors.js";
import { ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD } from "./constants.js";

/** How a section's file bytes turn into its contents. */
export interface Compression {
  /** `none`: the bytes are the contents. */
  kind: "none" | "zlib" | "zstd";
  /** Bytes of header before the compressed stream. */
  headerSize: number;
  /** Size of the contents once decompressed. */
  size: number;
}

/** Bytes to read to decode either header. */
export const MAX_COMPRESSION_HEADER = 24;

/** Where a compressed section is, for error messages. */
export interface CompressionSite {
  file: string;
  section: string;
  offset: number;
}

/**
 * Decodes an `Elf32_Chdr`/`Elf64_Chdr` from the first bytes of a
 * SHF_COMPRESSED section (`head` may be shorter than 24 bytes when the
 * section is).
 */
export function parseChdr(head: Uint8Array, is64: boolean, le: boolean, site: CompressionSite): Compression {
  const need = is64 ? 24 : 12;
  if (head.length < need) {
    throw new MalformedError(`compressed section is ${head.length} bytes, shorter than its ${need}-byte header`, site);
  }
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const type = v.getUint32(0, le);
  let size: number;
  if (is64) {
    const big = v.getBigUint64(8, le);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new MalformedError(`compression header claims ${big} bytes`, site);
    }
    size = Number(big);
  } else size = v.getUint32(4, le);
  const kind = type === ELFCOMPRESS_ZLIB ? "zlib" : type === ELFCOMPRESS_ZSTD ? "zstd" : undefined;
  if (kind === undefined) {
    // A bad ch_type is far more often corruption than a new algorithm.
    throw new MalformedError(`unknown compression type ${type} in section header`, site);
  }
  return { kind, headerSize: need, size };
}

/**
 * Decodes the `.zdebug_*` header; returns `none` when the magic is absent
 * (GNU tools leave a section uncompressed when compression would not help).
 */
export function parseZdebug(head: Uint8Array, site: CompressionSite): Compression {
  if (head.length < 12 || head[0] !== 0x5a || head[1] !== 0x4c || head[2] !== 0x49 || head[3] !== 0x42) {
    return { kind: "none", headerSize: 0, size: head.length };
  }
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const big = v.getBigUint64(4, false);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MalformedError(`.zdebug header claims ${big} bytes`, site);
  }
  return { kind: "zlib", headerSize: 12, size: Number(big) };
}

/**
 * Rejects a header whose claimed size the stream cannot produce, before
 * anything is allocated: deflate cannot exceed ~1032:1, and a zstd debug
 * section beyond 65536:1 (or 4 GiB, the typed-array limit) is corruption.
 */
export function checkClaimedSize(c: Compression, compressedBytes: number, site: CompressionSite): void {
  if (c.kind === "none") return;
  const ratio = c.kind === "zlib" ? 1032 : 65536;
  if (c.size > 0xffff_ffff || c.size > compressedBytes * ratio + 4096) {
    throw new MalformedError(
      `compression header claims ${c.size} bytes from a ${compressedBytes}-byte ${c.kind} stream`,
      site,
    );
  }
}

/**
 * Decompresses `stream` into exactly `target` (whose length is the size
 * the header promised); any other output length is {@link MalformedError}.
 */
export function decompressInto(kind: "zlib" | "zstd", stream: Uint8Array, target: Uint8Array, site: CompressionSite): void {
  if (kind === "zlib") {
    let out: Buffer;
    try {
      // maxOutputLength bounds the damage of a corrupt stream; a larger
      // chunk than the 16 KiB default avoids many small reallocations.
      out = zlib.inflateSync(stream, {
        maxOutputLength: Math.max(target.length, 1),
        chunkSize: Math.min(Math.max(target.length, 64 * 1024), 64 * 1024 * 1024),
      });
    } catch (e) {
      throw new MalformedError(`zlib stream does not decompress: ${(e as Error).message}`, site, { cause: e });
    }
    if (out.length !== target.length) {
      throw new MalformedError(`zlib stream gave ${out.length} bytes, header says ${target.length}`, site);
    }
    target.set(out);
    return;
  }
  if (kind === "zstd") {
    let out: Uint8Array;
    try {
      // fzstd writes straight into the caller's buffer when one is given.
      out = zstdDecompress(stream, target);
    } catch (e) {
      throw new MalformedError(`zstd stream does not decompress: ${(e as Error).message}`, site, { cause: e });
    }
    if (out.buffer !== target.buffer || out.byteOffset !== target.byteOffset) {
      if (out.length !== target.length) {
        throw new MalformedError(`zstd stream gave ${out.length} bytes, header says ${target.length}`, site);
      }
      target.set(out);
    } else if (out.length !== target.length) {
      throw new MalformedError(`zstd stream gave ${out.length} bytes, header says ${target.length}`, site);
    }
    return;
  }
  throw new UnsupportedError(`compression ${kind as string}`, site);
}
