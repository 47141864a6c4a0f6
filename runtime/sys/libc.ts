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
