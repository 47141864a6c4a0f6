/**
 * Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; newer ones use
 * memcg and ignore it. Raising it is harmless either way.
 */
import { rawSetrlimit } from "./libc.ts";

const RLIMIT_MEMLOCK = 8;
const RLIM_INFINITY = 0xffffffffffffffffn;

/** Raise RLIMIT_MEMLOCK to infinity; returns false (without throwing) if not allowed. */
export function raiseMemlockLimit(): boolean {
  return rawSetrlimit(RLIMIT_MEMLOCK, { cur: RLIM_INFINITY, max: RLIM_INFINITY }) === 0;
}
