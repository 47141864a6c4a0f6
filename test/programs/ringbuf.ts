// Reads a BPF ring buffer from userspace (test code): the consumer and producer pages and the
// data area are mmap'ed from the map fd, as libbpf's ring_buffer__poll does.
import koffi from "koffi";

const libc = koffi.load("libc.so.6");
const mmap = libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)") as (
  a: null,
  len: number,
  prot: number,
  flags: number,
  fd: number,
  off: number,
) => unknown;
const munmap = libc.func("int munmap(void *addr, size_t len)") as (p: unknown, len: number) => number;
const PROT_READ = 1,
  PROT_WRITE = 2,
  MAP_SHARED = 1,
  PAGE = 4096;
const BUSY = 0x80000000,
  DISCARD = 0x40000000;

/** Consumes every committed record of the ring buffer `fd` (data size `size`). */
export function drainRingBuf(fd: number, size: number): Uint8Array[] {
  const cons = mmap(null, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const prod = mmap(null, PAGE + 2 * size, PROT_READ, MAP_SHARED, fd, PAGE);
  try {
    const consView = new DataView(koffi.view(cons as never, PAGE));
    const prodView = new DataView(koffi.view(prod as never, PAGE + 2 * size));
    let pos = consView.getBigUint64(0, true);
    const end = prodView.getBigUint64(0, true);
    const out: Uint8Array[] = [];
    while (pos < end) {
      const off = PAGE + Number(pos & BigInt(size - 1));
      const len = prodView.getUint32(off, true);
      if (len & BUSY) break;
      const n = len & ~(BUSY | DISCARD);
      if (!(len & DISCARD)) out.push(new Uint8Array(prodView.buffer.slice(off + 8, off + 8 + n)));
      pos += BigInt((n + 8 + 7) & ~7);
    }
    consView.setBigUint64(0, pos, true);
    return out;
  } finally {
    munmap(cons, PAGE);
    munmap(prod, PAGE + 2 * size);
  }
}
