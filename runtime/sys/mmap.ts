/** Shared memory mappings of a kernel object's fd (a ring buffer's pages). */
import { SyscallError } from "./bpf.ts";
import { lastErrno, mappedView, mmapFailed, pointerAddress, rawMmap, rawMunmap } from "./libc.ts";

const PROT_READ = 1,
  PROT_WRITE = 2,
  MAP_SHARED = 1,
  MAP_PRIVATE = 2,
  MAP_ANONYMOUS = 0x20;

export interface Mapping {
  /** The mapped memory; invalid after unmap(). */
  readonly view: DataView;
  unmap(): void;
}

/** A private anonymous mapping, with its address (memory the kernel is told about: an AF_XDP UMEM). */
export interface AnonymousMapping extends Mapping {
  readonly address: bigint;
}

/** mmap(len) private, anonymous, read-write: page-aligned memory of our own. */
export function mapAnonymous(len: number, what: string): AnonymousMapping {
  const addr = rawMmap(null, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mmapFailed(addr)) throw new SyscallError(`mmap (${what})`, lastErrno());
  let mapped = true;
  return {
    view: new DataView(mappedView(addr, len)),
    address: pointerAddress(addr),
    unmap() {
      if (mapped) rawMunmap(addr, len);
      mapped = false;
    },
  };
}

/** mmap(fd, offset, len) shared, read-only or read-write. */
export function mapShared(fd: number, offset: number, len: number, writable: boolean, what: string): Mapping {
  const addr = rawMmap(null, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, offset);
  if (mmapFailed(addr)) throw new SyscallError(`mmap (${what})`, lastErrno());
  let mapped = true;
  return {
    view: new DataView(mappedView(addr, len)),
    unmap() {
      if (mapped) rawMunmap(addr, len);
      mapped = false;
    },
  };
}
