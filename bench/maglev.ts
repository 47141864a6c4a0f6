// Maglev table build time for 10/100/1000 backends. `npm run bench` reports it
// (bench/harness.ts calls timeMaglevBuild); on its own:
//   npx tsx bench/maglev.ts   (target: 1000 backends ≤ 20 ms of CPU time)
import { pathToFileURL } from "node:url";
import { buildTable, type MaglevBackend } from "../lb/maglev.ts";
import { median } from "./stats.ts";

export const MAGLEV_BACKEND_COUNTS = [10, 100, 1000] as const;

function backends(n: number): MaglevBackend[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, key: `10.0.${i >> 8}.${i & 255}`, weight: 1 }));
}

/** One build's time in ms: wall clock, and the CPU time the process spent on it. */
export interface MaglevTime {
  wall: number;
  cpu: number;
}

/**
 * `runs` build times for `n` equal-weight backends, after three warm-up builds for the JIT. The
 * CPU time (process.cpuUsage, user + system) is what the build costs; on a shared machine the
 * wall clock also counts the time the process waited for a CPU.
 */
export function timeMaglevBuild(n: number, runs: number): MaglevTime[] {
  const bs = backends(n);
  for (let i = 0; i < 3; i++) buildTable(bs);
  const times: MaglevTime[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    buildTable(bs);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    times.push({ wall, cpu: (c.user + c.system) / 1000 });
  }
  return times;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const RUNS = 15;
  for (const n of MAGLEV_BACKEND_COUNTS) {
    const times = timeMaglevBuild(n, RUNS);
    const cpu = median(times.map((t) => t.cpu));
    const wall = median(times.map((t) => t.wall));
    console.log(
      `maglev build, ${String(n).padStart(4)} backends: ${cpu.toFixed(2)} ms CPU, ${wall.toFixed(2)} ms wall (medians of ${RUNS})`,
    );
  }
}
