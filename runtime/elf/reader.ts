/**
 * Bounds-checked little-endian reads over a byte range. Every read that
 * would leave the range throws the caller-supplied error instead of a
 * RangeError, so malformed input always surfaces as a domain error.
 */
export type OutOfBounds = (what: string, offset: number) => Error;

export class ByteReader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: OutOfBounds,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  /** Throw unless [offset, offset+size) lies inside the range. */
  check(offset: number, size: number, what: string): void {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(size) ||
      offset < 0 ||
      size < 0 ||
      offset + size > this.bytes.byteLength
    ) {
      throw this.fail(`${what}: ${size} bytes at ${offset} exceed ${this.bytes.byteLength}-byte range`, offset);
    }
  }

  u8(offset: number, what = "u8"): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what = "u16"): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what = "u32"): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  i32(offset: number, what = "i32"): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, true);
  }

  u64(offset: number, what = "u64"): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, true);
  }

  /** A u64 that must fit a JS number (sizes and offsets). */
  u64n(offset: number, what = "u64"): number {
    const v = this.u64(offset, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`${what} too large (${v})`, offset);
    return Number(v);
  }

  slice(offset: number, size: number, what = "range"): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }

  /** NUL-terminated string starting at offset; the NUL must be inside the range. */
  cstring(offset: number, what = "string"): string {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.bytes.byteLength) {
      throw this.fail(`${what}: offset ${offset} outside ${this.bytes.byteLength}-byte string table`, offset);
    }
    const end = this.bytes.indexOf(0, offset);
    if (end < 0) throw this.fail(`${what}: unterminated string at ${offset}`, offset);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + offset, end - offset).toString("utf8");
  }
}
