/**
 * Buffers whose address can be handed to the kernel.
 *
 * V8 may keep small typed arrays inside its moving heap; an ArrayBuffer
 * created with `new ArrayBuffer` always gets an off-heap backing store, so
 * its address stays valid for the duration of a syscall.
 */
export function kernelBuffer(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(Math.max(size, 1)), 0, size);
}

/** Copy bytes into a kernel buffer (see kernelBuffer). */
export function kernelCopy(bytes: Uint8Array): Buffer {
  const buf = kernelBuffer(bytes.byteLength);
  buf.set(bytes);
  return buf;
}

/** NUL-terminated C string in a kernel buffer. */
export function kernelCString(s: string): Buffer {
  const utf8 = Buffer.from(s, "utf8");
  const buf = kernelBuffer(utf8.length + 1);
  buf.set(utf8);
  return buf;
}
