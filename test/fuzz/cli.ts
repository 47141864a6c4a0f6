// npm run fuzz -- --seed S --count N [--batch B] [--avoid what,…] [--reduce] [--quiet]
// Runs programs S … S+N−1 (each program's seed is its number), B per compiled module, and
// prints every failure with the command that reproduces it.
import { parseArgs } from "node:util";
import { reduce } from "./reduce.ts";
import { CLASSES, type Failure, reproduce, runBatch } from "./run.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    count: { type: "string", default: "100" },
    batch: { type: "string", default: "20" },
    avoid: { type: "string", default: "" },
    reduce: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});
const first = Number(values.seed);
const count = Number(values.count);
const batch = Math.max(1, Number(values.batch));
const avoid = values.avoid ? values.avoid.split(",") : [];
const failures: Failure[] = [];
const t0 = performance.now();
let runs = 0;
for (let s = first; s < first + count; s += batch) {
  const seeds = Array.from({ length: Math.min(batch, first + count - s) }, (_, i) => s + i);
  const r = runBatch(seeds, { avoid });
  runs += r.runs;
  failures.push(...r.failures);
  for (const f of r.failures) {
    console.log(`FAIL seed ${f.seed} ${f.class}: ${f.detail}`);
    console.log(`  reproduce: ${reproduce(f.seed)}${avoid.length ? ` --avoid ${avoid.join(",")}` : ""}`);
  }
  if (!values.quiet)
    console.log(
      `seeds ${seeds[0]}..${seeds.at(-1)}: ${r.failures.length} failures, ${r.runs} test runs, compile ${Math.round(r.compileMs)} ms, ${Math.round((performance.now() - t0) / 1000)} s so far`,
    );
}
const seconds = Math.round((performance.now() - t0) / 1000);
const byClass = CLASSES.map((c) => `${c} ${failures.filter((f) => f.class === c).length}`).join(", ");
console.log(
  `fuzz: seeds ${first}..${first + count - 1}: ${count} programs, ${runs} test runs, ${failures.length} failures (${byClass}) in ${seconds} s`,
);
if (values.reduce) {
  for (const f of failures) {
    console.log(`\nreducing seed ${f.seed} (${f.class}) …`);
    const small = reduce(f.seed, f, { avoid });
    console.log(small);
  }
}
process.exitCode = failures.length ? 1 : 0;
