/**
 * `union bpf_attr` encoded into a Buffer. Each bpf() command uses its own
 * struct inside the union; callers write fields by byte offset (the offsets
 * are the uapi ones, listed next to each command in ./commands.ts users).
 * Pointer fields hold the address of another kernel buffer, which the attr
 * keeps referenced so it cannot be collected before the syscall returns.
 */
import { addressOf } from "./libc.ts";
import { kernelBuffer, kernelCString } from "./memory.ts";

export class Attr {
  readonly bytes: Buffer;
  private readonly keepAlive: Uint8Array[] = [];

  constructor(size: number) {
    this.bytes = kernelBuffer(size);
  }

  u32(offset: number, value: number): this {
    this.bytes.writeUInt32LE(value >>> 0, offset);
    return this;
  }

  i32(offset: number, value: number): this {
    this.bytes.writeInt32LE(value, offset);
    return this;
  }

  u64(offset: number, value: bigint | number): this {
    this.bytes.writeBigUInt64LE(BigInt(value), offset);
    return this;
  }

  /** Store the address of `buf` (or 0 for null) in a u64 pointer field. */
  ptr(offset: number, buf: Uint8Array | null): this {
    if (buf === null || buf.byteLength === 0) return this.u64(offset, 0n);
    this.keepAlive.push(buf);
    return this.u64(offset, addressOf(buf));
  }

  /** Store a NUL-terminated string and point at it. */
  cstring(offset: number, s: string): this {
    return this.ptr(offset, kernelCString(s));
  }

  /** Copy a string into an inline char[len] field (e.g. map_name, prog_name), NUL-padded. */
  inlineName(offset: number, len: number, name: string): this {
    const utf8 = Buffer.from(name, "utf8").subarray(0, len - 1);
    this.bytes.fill(0, offset, offset + len);
    this.bytes.set(utf8, offset);
    return this;
  }

  readU32(offset: number): number {
    return this.bytes.readUInt32LE(offset);
  }
}
