/** errno → symbolic name and a human explanation in the context of bpf(). */
import { errnoByName } from "./libc.ts";

const nameByNumber = new Map<number, string>();
for (const [name, num] of Object.entries(errnoByName)) {
  // Keep the first (canonical) name for aliases like EWOULDBLOCK/EAGAIN.
  if (!nameByNumber.has(num)) nameByNumber.set(num, name);
}
// Kernel-internal codes that leak out of bpf() but are not in libc's table.
nameByNumber.set(524, "ENOTSUPP");
// Aliases where the kernel's name is the clearer one (libc lists ENOTSUP/EDEADLOCK first).
for (const name of ["EOPNOTSUPP", "EAGAIN", "EDEADLK"])
  if (errnoByName[name] !== undefined) nameByNumber.set(errnoByName[name]!, name);

export function errnoName(errno: number): string {
  return nameByNumber.get(errno) ?? `errno ${errno}`;
}

export const EPERM = errnoByName.EPERM ?? 1;
export const ENOENT = errnoByName.ENOENT ?? 2;
export const EINVAL = errnoByName.EINVAL ?? 22;
export const ENOSPC = errnoByName.ENOSPC ?? 28;
export const E2BIG = errnoByName.E2BIG ?? 7;
export const EEXIST = errnoByName.EEXIST ?? 17;
export const EACCES = errnoByName.EACCES ?? 13;
export const EFAULT = errnoByName.EFAULT ?? 14;
export const ENOTSUPP = 524;
export const EOPNOTSUPP = errnoByName.EOPNOTSUPP ?? 95;
export const EWOULDBLOCK = errnoByName.EAGAIN ?? 11;

const hints: Record<string, string> = {
  EPERM: "operation not permitted: run as root, or grant CAP_BPF and CAP_NET_ADMIN (CAP_SYS_ADMIN on older kernels)",
  EACCES: "permission denied (the verifier rejects the program, or the object is not accessible)",
  ENOENT: "no such entry (key, object id or pinned path)",
  EINVAL: "invalid argument (the kernel rejected a field of the request)",
  E2BIG: "argument too big (or non-zero bytes in an attr field this kernel does not know)",
  ENOSPC: "no space (log buffer too small, or map full)",
  EEXIST: "already exists",
  EBADF: "bad file descriptor",
  ENOMEM: "out of memory (or RLIMIT_MEMLOCK on old kernels)",
  ENOTSUPP: "not supported by this kernel",
  EOPNOTSUPP: "operation not supported",
  EBUSY: "device or resource busy (something is already attached?)",
  ENODEV: "no such device",
  EFAULT: "bad address (from BPF_PROG_LOAD also a bug the verifier found in itself)",
};

export function errnoHint(errno: number): string {
  return hints[errnoName(errno)] ?? "";
}
