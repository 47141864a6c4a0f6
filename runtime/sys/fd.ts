/** File descriptors: closing, and counting the ones a process holds (for leak checks). */
import { readdirSync } from "node:fs";
import { rawClose } from "./libc.ts";

/** close(fd); ignores fds < 0 so cleanup code can call it unconditionally. */
export function closeFd(fd: number): void {
  if (fd >= 0) rawClose(fd);
}

/** Number of open fds of this process. */
export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}
