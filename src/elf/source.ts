/**
 * Where ELF bytes come from: a file descriptor read on demand, or memory.
 *
 * vmlinux with debug info is ~600 MB, so {@link FileSource} never reads the
 * whole file: the header, the section table and the few sections a caller
 * asks for are fetched by offset with `readSync` straight into the caller's
 * buffer.
 */
import * as fs from "node:fs";
import { TruncatedError } from "../errors.js";

/** Random access to the bytes of one file. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Fills all of `target` with the bytes at `offset`; throws
   * {@link TruncatedError} if the source ends first.
   */
  readInto(offset: number, target: Uint8Array, section?: string): void;
  /** Releases the file descriptor, if any. */
  close(): void;
}

/** `readSync` caps one call near 2 GiB; stay well under it. */
const MAX_READ = 1 << 30;

/** A file read with `fs.readSync` on demand. */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, "r");
    try {
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
  }

  readInto(offset: number, target: Uint8Array, section?: string): void {
    if (this.fd === undefined) throw new Error(`${this.path}: file is closed`);
    if (offset + target.length > this.size) {
      throw new TruncatedError(
        `wanted 0x${target.length.toString(16)} bytes at offset 0x${offset.toString(16)}, file has 0x${this.size.toString(16)}`,
        { file: this.path, section, offset },
      );
    }
    let done = 0;
    while (done < target.length) {
      const want = Math.min(target.length - done, MAX_READ);
      const got = fs.readSync(this.fd, target, done, want, offset + done);
      if (got <= 0) {
        throw new TruncatedError(`file ended at offset 0x${(offset + done).toString(16)}`, {
          file: this.path,
          section,
          offset: offset + done,
        });
      }
      done += got;
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** Bytes already in memory (tests, `ElfFile.fromBytes`). */
export class MemorySource implements ByteSource {
  readonly size: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
  ) {
    this.size = bytes.length;
  }

  readInto(offset: number, target: Uint8Array, section?: string): void {
    if (offset < 0 || offset + target.length > this.size) {
      throw new TruncatedError(
        `wanted 0x${target.length.toString(16)} bytes at offset 0x${offset.toString(16)}, input has 0x${this.size.toString(16)}`,
        { file: this.name, section, offset },
      );
    }
    target.set(this.bytes.subarray(offset, offset + target.length));
  }

  close(): void {}
}
