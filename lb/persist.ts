// Where an LB started by `tsbpf lb start` lives between commands: its pin directory on bpffs
// (maps and the XDP link), its state file and its lock in /run/tsbpf-lb. Three rules:
//   - Only root's own directories: /sys/fs/bpf is world-writable (1777), so a pin directory
//     another user created (or a symlink planted there) would let them detach the LB or
//     point `lb stop` at another program's link. Every path component is checked without
//     following links; the pin and state directories are 0700, state files 0600.
//   - One writer at a time: every command holds the pin directory's lock (flock, released
//     by the kernel if the process dies) while it reads the state, changes maps, writes it.
//   - A start is complete when its state file exists (written last, atomically: temp file,
//     fsync, rename). Anything else under the pin directory is the remains of a start that
//     died, which the next start or stop removes.
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  chmodSync,
  type Stats,
} from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { lockFile, XdpLink } from "../runtime/index.ts";
import type { LbState } from "./control.ts";

export const STATE_DIR = "/run/tsbpf-lb";
export const DEFAULT_PIN_DIR = "/sys/fs/bpf/tsbpf-lb";

/** A pin directory or state path that is not safely root's: refused. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafePathError";
  }
}

/** An LB's files: its pin directory, the link pin in it, its state file and lock (named by the whole pin path). */
export interface LbPaths {
  pinDir: string;
  link: string;
  state: string;
  lock: string;
}

export function lbPaths(pinDir: string): LbPaths {
  const dir = resolve(pinDir);
  // The whole absolute path, escaped: /sys/fs/bpf/b/tsbpf-lb and /sys/fs/bpf/tsbpf-lb differ.
  const name = encodeURIComponent(dir);
  return {
    pinDir: dir,
    link: join(dir, "link"),
    state: join(STATE_DIR, `${name}.json`),
    lock: join(STATE_DIR, `${name}.lock`),
  };
}

/** Runs `fn` holding the LB's lock (waits for another command to finish first); an async
 *  `fn` holds it until its promise settles. When nothing of the LB is left after `fn` (it was
 *  stopped, or never started), the lock file goes too, so stopped LBs leave nothing in STATE_DIR. */
export function withLbLock<T>(paths: LbPaths, fn: () => T): T {
  ensureOwnDirectory(STATE_DIR);
  const lock = lockFile(paths.lock);
  const done = () => {
    let gone = false;
    try {
      gone = !hasRemains(paths);
    } catch {
      // an unsafe or unreadable pin directory: keep the lock file, and fn's own error
    }
    if (gone) lock.remove();
    else lock.release();
  };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    done();
    throw e;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

/**
 * Makes sure `dir` is a directory root (this process's user) owns, mode 0700, reached through
 * no symlink and no directory another user could swap: creates what is missing, refuses what
 * is someone else's.
 */
export function ensureOwnDirectory(dir: string): void {
  const parts = resolve(dir).split(sep).filter(Boolean);
  let path = "";
  for (let i = 0; i < parts.length; i++) {
    path += `${sep}${parts[i]}`;
    const last = i === parts.length - 1;
    let st = lstatOrUndefined(path);
    if (!st) {
      try {
        mkdirSync(path, { mode: 0o700 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      st = lstatOrUndefined(path);
      if (!st) throw new UnsafePathError(`${path} vanished while it was being created`);
      // Anything we just made is ours; a racing user's directory fails the checks below.
    }
    if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link: refusing to follow it`);
    if (!st.isDirectory()) throw new UnsafePathError(`${path} is not a directory`);
    const uid = process.geteuid?.() ?? 0;
    if (last) {
      if (st.uid !== uid)
        throw new UnsafePathError(
          `${path} belongs to uid ${st.uid}, not to uid ${uid}: another user may control it; remove it or choose another directory`,
        );
      if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    } else if (st.uid !== 0 && st.uid !== uid) {
      throw new UnsafePathError(`${path} belongs to uid ${st.uid}: another user may replace what is inside it`);
    } else if (st.mode & 0o022 && !(st.mode & 0o1000)) {
      throw new UnsafePathError(
        `${path} is writable by other users and not sticky: they may replace what is inside it`,
      );
    }
  }
}

/** Checks an existing pin directory the way ensureOwnDirectory does, without creating anything. */
export function pinDirExists(paths: LbPaths): boolean {
  if (!lstatOrUndefined(paths.pinDir)) return false;
  ensureOwnDirectory(paths.pinDir);
  return true;
}

export function readState(paths: LbPaths): LbState | undefined {
  let text: string;
  try {
    const fd = openSync(paths.state, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as LbState;
  } catch (e) {
    throw new Error(`state file ${paths.state} is unreadable (${(e as Error).message}); \`tsbpf lb stop\` removes it`);
  }
}

/** Writes the state file atomically (a reader sees the old or the new one, never a part), mode 0600. */
export function writeState(paths: LbPaths, state: LbState): void {
  ensureOwnDirectory(STATE_DIR);
  const tmp = `${paths.state}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    const text = `${JSON.stringify(state, null, 2)}\n`;
    writeSync(fd, text.slice(0, text.length >> 1));
    crashPoint("state-half-written");
    writeSync(fd, text.slice(text.length >> 1));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, paths.state);
  const dirFd = openSync(dirname(paths.state), constants.O_RDONLY);
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Whether anything of an LB is there: a state file, or pins in its directory. */
export function hasRemains(paths: LbPaths): boolean {
  if (lstatOrUndefined(paths.state)) return true;
  return pinDirExists(paths) && readdirSync(paths.pinDir).length > 0;
}

/**
 * Detaches the pinned link (if any) and removes the pin directory and the state file: what
 * `lb stop` does, and what `lb start` does with the remains of a start that died.
 */
export function removeLb(paths: LbPaths): { detached: boolean } {
  let detached = false;
  if (pinDirExists(paths)) {
    const link = lstatOrUndefined(paths.link);
    if (link?.isSymbolicLink()) throw new UnsafePathError(`${paths.link} is a symbolic link: refusing to follow it`);
    if (link) {
      const pinned = XdpLink.fromPinned(paths.link);
      try {
        pinned.detach();
        detached = true;
      } catch {
        pinned.close(); // already detached (its interface is gone): removing the pin is enough
      }
    }
    rmSync(paths.pinDir, { recursive: true, force: true });
  }
  rmSync(paths.state, { force: true });
  for (const f of readdirSync(STATE_DIR))
    if (f.startsWith(`${paths.state.slice(STATE_DIR.length + 1)}.`) && f.endsWith(".tmp"))
      rmSync(join(STATE_DIR, f), { force: true });
  return { detached };
}

/** For tests of recovery: with TSBPF_LB_CRASH_AT=<point>, the process kills itself (SIGKILL) there. */
export function crashPoint(point: string): void {
  if (process.env.TSBPF_LB_CRASH_AT === point) process.kill(process.pid, "SIGKILL");
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
