/**
 * Running code inside a named network namespace (`ip netns add NAME`), for the
 * calls that resolve interfaces in the caller's namespace: if_nametoindex and
 * BPF_LINK_CREATE for XDP. setns(2) switches only the calling thread; the
 * runtime's syscalls run on Node's main thread, which is the one switched.
 */
import { closeSync, existsSync, openSync } from "node:fs";
import { lastErrno, rawSetns } from "./libc.ts";
import { errnoName } from "./errno.ts";
import { InterfaceError } from "./netif.ts";

const CLONE_NEWNET = 0x40000000;

function enter(fd: number, what: string): void {
  if (rawSetns(fd, CLONE_NEWNET) !== 0) {
    const errno = lastErrno();
    throw new InterfaceError(
      `cannot enter network namespace ${what}: ${errnoName(errno)}${errno === 1 ? " (needs root or CAP_SYS_ADMIN)" : ""}`,
    );
  }
}

/** Runs `fn` (synchronously) inside network namespace `name`, then returns to the original one. */
export function inNetns<T>(name: string | undefined, fn: () => T): T {
  if (!name) return fn();
  const path = `/var/run/netns/${name}`;
  if (!existsSync(path)) throw new InterfaceError(`network namespace "${name}" does not exist (ip netns list)`);
  const home = openSync("/proc/thread-self/ns/net", "r");
  try {
    const target = openSync(path, "r");
    try {
      enter(target, `"${name}"`);
    } finally {
      closeSync(target);
    }
    try {
      return fn();
    } finally {
      enter(home, "(original)");
    }
  } finally {
    closeSync(home);
  }
}

/**
 * Moves the calling thread (Node's main thread, where sockets are opened) into network
 * namespace `name` for good: sockets the process opens afterwards live there, while bpffs,
 * files and BPF objects are untouched (setns switches the network namespace only; `ip netns
 * exec` also remounts /sys, which would hide /sys/fs/bpf).
 */
export function enterNetns(name: string): void {
  const path = `/var/run/netns/${name}`;
  if (!existsSync(path)) throw new InterfaceError(`network namespace "${name}" does not exist (ip netns list)`);
  const target = openSync(path, "r");
  try {
    enter(target, `"${name}"`);
  } finally {
    closeSync(target);
  }
}
