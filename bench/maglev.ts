// Maglev table build time for 10/100/1000 backends. `npm run bench` reports it
// (bench/harness.ts calls timeMaglevBuild); on its own:
//   npx tsx bench/maglev.ts   (target: 1000 backends ≤ 20 ms)
import { pathToFileURL } from "node:url";
import { buildTable, type MaglevBackend } from "../lb/maglev.ts";
import { median } from "./stats.ts";

export const MAGLEV_BACKEND_COUNTS = [10, 100, 1000] as const;

function backends(n: number): MaglevBackend[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, key: `10.0.${i >> 8}.${i & 255}`, weight: 1 }));
}

/** `runs` build times in ms for `n` equal-weight backends, after three warm-up builds for the JIT. */
export function timeMaglevBuild(n: number, runs: number): number[] {
  const bs = backends(n);
  for (let i = 0; i < 3; i++) buildTable(bs);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    buildTable(bs);
    times.push(performance.now() - t0);
  }
  return times;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const RUNS = 15;
  for (const n of MAGLEV_BACKEND_COUNTS) {
    const ms = median(timeMaglevBuild(n, RUNS));
    console.log(`maglev build, ${String(n).padStart(4)} backends: ${ms.toFixed(2)} ms (median of ${RUNS})`);
  }
}
