/**
 * The few libc entry points the runtime needs, bound through koffi.
 * `syscall` is variadic in C; on x86-64/arm64 passing integer/pointer
 * arguments through a fixed prototype uses the same registers, so we bind a
 * fixed 4-argument form for speed.
 */
import koffi from "koffi";

const libc = koffi.load("libc.so.6");

export const rawSyscall4 = libc.func("long syscall(long nr, long a1, void *a2, ulong a3)") as (
  nr: number,
  a1: number,
  a2: Buffer | null,
  a3: number,
) => number | bigint;

export const rawClose = libc.func("int close(int fd)") as (fd: number) => number;

export const rawSetns = libc.func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number;

export const rawIfNameToIndex = libc.func("uint if_nametoindex(const char *name)") as (name: string) => number;

const RlimitStruct = koffi.struct("rlimit_t", { cur: "uint64", max: "uint64" });
export const rawSetrlimit = libc.func("int setrlimit(int resource, const rlimit_t *rlim)") as (
  resource: number,
  rlim: { cur: bigint; max: bigint },
) => number;
void RlimitStruct;

/** errno of the last libc call made through koffi on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** Address of a Buffer's memory, for pointer fields inside bpf_attr. */
export function addressOf(buf: Uint8Array): bigint {
  if (buf.byteLength === 0) return 0n;
  return koffi.address(buf);
}

/** errno numbers by name, from koffi's table of the host's values. */
export const errnoByName: Readonly<Record<string, number>> = koffi.os.errno;

export const rawFlock = libc.func("int flock(int fd, int operation)") as (fd: number, operation: number) => number;

// Memory mapping and epoll, for ring buffers (runtime/maps/ringbuf.ts).
export const rawMmap = libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)") as (
  addr: null,
  len: number,
  prot: number,
  flags: number,
  fd: number,
  off: number,
) => unknown;
export const rawMunmap = libc.func("int munmap(void *addr, size_t len)") as (addr: unknown, len: number) => number;
/** The memory of a mapping, as an ArrayBuffer that aliases it (valid until munmap). */
export function mappedView(addr: unknown, len: number): ArrayBuffer {
  return koffi.view(addr as never, len) as ArrayBuffer;
}
/** The address a pointer returned by a libc call holds. */
export function pointerAddress(p: unknown): bigint {
  return koffi.address(p as never);
}
/** mmap's MAP_FAILED, (void *) -1. */
export function mmapFailed(addr: unknown): boolean {
  return addr === null || koffi.address(addr as never) === 0xffffffffffffffffn;
}
export const rawEpollCreate1 = libc.func("int epoll_create1(int flags)") as (flags: number) => number;
export const rawEpollCtl = libc.func("int epoll_ctl(int epfd, int op, int fd, void *event)") as (
  epfd: number,
  op: number,
  fd: number,
  event: Buffer,
) => number;
/** epoll_wait; `.async` runs it on a worker thread, so a wait does not block the event loop. */
export const rawEpollWait = libc.func("int epoll_wait(int epfd, void *events, int maxevents, int timeout)");
/** perf_event_open(attr, pid, cpu, group_fd, flags), through syscall(2) (glibc has no wrapper). */
export const rawSyscall5 = libc.func("long syscall(long nr, void *a1, long a2, long a3, long a4, ulong a5)") as (
  nr: number,
  a1: Buffer,
  a2: number,
  a3: number,
  a4: number,
  a5: number,
) => number | bigint;

// Sockets, for AF_XDP (runtime/xsk).
export const rawSocket = libc.func("int socket(int domain, int type, int protocol)") as (
  domain: number,
  type: number,
  protocol: number,
) => number;
export const rawSetsockopt = libc.func("int setsockopt(int fd, int level, int name, void *value, uint len)") as (
  fd: number,
  level: number,
  name: number,
  value: Buffer,
  len: number,
) => number;
/** getsockopt; `len` is a 4-byte buffer holding the value's size, in and out. */
export const rawGetsockopt = libc.func("int getsockopt(int fd, int level, int name, void *value, void *len)") as (
  fd: number,
  level: number,
  name: number,
  value: Buffer,
  len: Buffer,
) => number;
export const rawBind = libc.func("int bind(int fd, void *addr, uint len)") as (
  fd: number,
  addr: Buffer,
  len: number,
) => number;
