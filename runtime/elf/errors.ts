import { TsbpfError } from "../errors.ts";

/** Where in the file a problem was found. */
export interface ElfLocation {
  /** Byte offset in the file. */
  offset?: number;
  /** Section name (or `#index` when the name is unknown). */
  section?: string;
}

/** The file is not a valid (or not a supported) ELF64 little-endian BPF object. */
export class ElfError extends TsbpfError {
  readonly offset?: number;
  readonly section?: string;

  constructor(what: string, where: ElfLocation = {}) {
    const parts: string[] = [];
    if (where.section !== undefined) parts.push(`section ${where.section}`);
    if (where.offset !== undefined) parts.push(`offset 0x${where.offset.toString(16)}`);
    super(parts.length ? `malformed ELF: ${what} (${parts.join(", ")})` : `malformed ELF: ${what}`);
    this.offset = where.offset;
    this.section = where.section;
  }
}
