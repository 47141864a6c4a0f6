/**
 * An exclusive advisory lock on a file (flock(2)), for control planes whose commands
 * must not interleave (read state, change maps, write state). The kernel drops the lock
 * when the holder's fd closes, so a process killed with SIGKILL never leaves it held.
 */
import { closeSync, constants, openSync } from "node:fs";
import { lastErrno, rawFlock } from "./libc.ts";
import { SyscallError } from "./bpf.ts";
import { EWOULDBLOCK } from "./errno.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;

export interface FileLock {
  release(): void;
}

/**
 * Takes the lock on `path` (created 0600 if missing; never through a symlink), waiting up
 * to `timeoutMs`. Throws SyscallError EWOULDBLOCK if another process still holds it then.
 */
export function lockFile(path: string, timeoutMs = 30_000): FileLock {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    if (rawFlock(fd, LOCK_EX | LOCK_NB) === 0) break;
    const errno = lastErrno();
    if (errno !== EWOULDBLOCK || Date.now() >= deadline) {
      closeSync(fd);
      throw new SyscallError(
        `flock(${path})`,
        errno,
        errno === EWOULDBLOCK ? "another process holds the lock" : undefined,
      );
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  }
  let held = true;
  return {
    release() {
      if (held) closeSync(fd);
      held = false;
    },
  };
}
