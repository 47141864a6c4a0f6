/**
 * An exclusive advisory lock on a file (flock(2)), for control planes whose commands
 * must not interleave (read state, change maps, write state). The kernel drops the lock
 * when the holder's fd closes, so a process killed with SIGKILL never leaves it held.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats, unlinkSync } from "node:fs";
import { lastErrno, rawFlock } from "./libc.ts";
import { SyscallError } from "./bpf.ts";
import { EWOULDBLOCK } from "./errno.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;

export interface FileLock {
  release(): void;
  /** Removes the lock file, then releases it: for a lock whose object is gone (an LB stopped).
   *  A process that was waiting for it notices the file is gone and locks a new one. */
  remove(): void;
}

/** Whether `fd` is still the file at `path` (not removed, nor replaced, since it was opened). */
function stillAt(fd: number, path: string): boolean {
  let now: Stats;
  try {
    now = lstatSync(path);
  } catch {
    return false;
  }
  const held = fstatSync(fd);
  return now.ino === held.ino && now.dev === held.dev;
}

/**
 * Takes the lock on `path` (created 0600 if missing; never through a symlink), waiting up
 * to `timeoutMs`. Throws SyscallError EWOULDBLOCK if another process still holds it then.
 */
export function lockFile(path: string, timeoutMs = 30_000): FileLock {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
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
    // The holder we waited for may have removed the file (remove()): our lock is then on a
    // file nobody else will open, so take the one at `path` now.
    if (!stillAt(fd, path)) {
      closeSync(fd);
      continue;
    }
    let held = true;
    const release = () => {
      if (held) closeSync(fd);
      held = false;
    };
    return {
      release,
      remove() {
        try {
          if (held) unlinkSync(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        } finally {
          release();
        }
      },
    };
  }
}
