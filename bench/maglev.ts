// Maglev table build time: median of several runs for 10/100/1000 backends.
// Run: npx tsx bench/maglev.ts   (target: 1000 backends ≤ 20 ms)
import { buildTable, type MaglevBackend } from "../lb/maglev.ts";

const RUNS = 15;

function backends(n: number): MaglevBackend[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, key: `10.0.${i >> 8}.${i & 255}`, weight: 1 }));
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

for (const n of [10, 100, 1000]) {
  const bs = backends(n);
  for (let i = 0; i < 3; i++) buildTable(bs); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    buildTable(bs);
    times.push(performance.now() - t0);
  }
  console.log(`maglev build, ${String(n).padStart(4)} backends: ${median(times).toFixed(2)} ms (median of ${RUNS})`);
}
