/**
 * Per-CPU map values are laid out for every *possible* CPU (not just online
 * ones), each slot rounded up to 8 bytes.
 */
import { readFileSync } from "node:fs";

let cached: number | undefined;

/** Parse a cpulist like "0-3,8,10-11" into a count. */
export function countCpuList(list: string): number {
  let n = 0;
  for (const part of list.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map((s) => Number.parseInt(s, 10));
    if (a === undefined || Number.isNaN(a)) throw new Error(`bad cpu list "${list}"`);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

export function possibleCpus(): number {
  cached ??= countCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"));
  return cached;
}

export function perCpuStride(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}
