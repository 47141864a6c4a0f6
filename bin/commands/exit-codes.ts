// The exit codes of every tsbpf command, in a module of their own: the build command's startup
// snapshot (bin/snapshot.cjs) needs them without the runtime that common.ts imports.

/**
 * Exit codes scripts can rely on: 0–4 for every command (bin/cli.ts re-exports them), 5–9 from
 * the runtime commands.
 */
export const EXIT = {
  OK: 0,
  /** Anything else the kernel or the runtime refused (message says what). */
  FAILURE: 1,
  /** Bad arguments: unknown option, bad hex or JSON, wrong key size, missing input file. */
  USAGE: 2,
  COMPILE_ERROR: 3,
  /** The kernel verifier rejected a program. */
  VERIFIER_REJECTED: 4,
  /** Not privileged: needs root, or CAP_BPF + CAP_NET_ADMIN. */
  NO_PERMISSION: 5,
  /** A named thing does not exist: interface, pinned path, id, map key, program in the object. */
  NOT_FOUND: 6,
  /** The object file is malformed (ELF, BTF) or cannot be loaded as written. */
  BAD_OBJECT: 7,
  /** Something is already there: an XDP program on the interface, a pin at the path. */
  BUSY: 8,
  /** The kernel or driver lacks the feature (e.g. native XDP on this interface). */
  UNSUPPORTED: 9,
} as const;
