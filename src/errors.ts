/**
 * Error classes shared by every stage. Each carries where the problem is
 * (file, section, offset, type id) so the CLI can print one line such as
 * `obj.o:.BTF+0x1a4: type [42]: string offset out of range`.
 * Callers test the class, never the message text.
 */

/** Where an error happened; each layer fills in what it knows. */
export interface ErrorLocation {
  file?: string;
  section?: string;
  offset?: number;
  typeId?: number;
}

/** Base class of every error btfgen raises on purpose. */
export class BtfgenError extends Error {
  file?: string;
  section?: string;
  offset?: number;
  typeId?: number;

  constructor(message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.file = where.file;
    this.section = where.section;
    this.offset = where.offset;
    this.typeId = where.typeId;
  }

  /** Adds location facts that an outer layer knows and the inner one did not. */
  at(where: ErrorLocation): this {
    this.file ??= where.file;
    this.section ??= where.section;
    this.offset ??= where.offset;
    this.typeId ??= where.typeId;
    return this;
  }

  /** One line: `file:section+0xoff: type [id]: message`. */
  describe(): string {
    let head = this.file ?? "";
    if (this.section !== undefined) head += (head ? ":" : "") + this.section;
    if (this.offset !== undefined) head += "+0x" + this.offset.toString(16);
    const parts = [];
    if (head) parts.push(head);
    if (this.typeId !== undefined) parts.push(`type [${this.typeId}]`);
    parts.push(this.message);
    return parts.join(": ");
  }
}

/** Input ended before a record did. */
export class TruncatedError extends BtfgenError {}
/** Input is present but violates its format. */
export class MalformedError extends BtfgenError {}
/** Input is valid but uses something btfgen does not handle. */
export class UnsupportedError extends BtfgenError {}
/** A file, section, type or symbol that was asked for does not exist. */
export class NotFoundError extends BtfgenError {}
/** Reading or writing a file failed for a reason of the system's (full disk, permissions, a missing directory). */
export class IoError extends BtfgenError {}
/** What the user asked for would destroy or misuse one of their files (an output that is an input). */
export class UsageError extends BtfgenError {}
