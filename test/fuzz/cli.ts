// npm run fuzz -- --seed S --count N [--batch B] [--jobs J] [--minutes M] [--avoid what,…] [--no-budget] [--reduce] [--quiet]
// Runs programs S … S+N−1 (each program's seed is its number), B per compiled module, in J
// processes, and prints every failure with the command that reproduces it.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { reduce } from "./reduce.ts";
import { CLASSES, type Failure, reproduce, runBatch } from "./run.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    count: { type: "string", default: "100" },
    batch: { type: "string", default: "20" },
    jobs: { type: "string", default: "1" },
    /** Start no batch after this many minutes (the run then covers fewer than N seeds, and says which). */
    minutes: { type: "string", default: "0" },
    avoid: { type: "string", default: "" },
    /** Programs over the budget of verifier paths are not drawn again (PATH_BUDGET in generate.ts). */
    "no-budget": { type: "boolean", default: false },
    reduce: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    /** Internal: this process is one of the jobs; it reports to its parent on stdout. */
    worker: { type: "boolean", default: false },
  },
});
const first = Number(values.seed);
const count = Number(values.count);
const batch = Math.max(1, Number(values.batch));
const jobs = Math.max(1, Math.min(Number(values.jobs), Math.ceil(count / batch)));
const avoid = values.avoid ? values.avoid.split(",") : [];
const gen = { avoid, ...(values["no-budget"] ? { budget: null } : {}) };
const flags = `${avoid.length ? ` --avoid ${avoid.join(",")}` : ""}${values["no-budget"] ? " --no-budget" : ""}`;
const t0 = performance.now();
const elapsed = () => Math.round((performance.now() - t0) / 1000);
const deadline = Number(values.minutes) * 60_000;
const timeUp = () => deadline > 0 && performance.now() - t0 > deadline;

/** A worker's report line to its parent (the parent prints the others as they are). */
const REPORT = "#fuzz-report ";

function printFailure(f: Failure) {
  console.log(`FAIL seed ${f.seed} ${f.class}: ${f.detail}`);
  console.log(`  reproduce: ${reproduce(f.seed)}${flags}`);
}

/** Runs seeds from … from+n−1 in this process. */
function runHere(from: number, n: number): { failures: Failure[]; runs: number; programs: number } {
  const failures: Failure[] = [];
  let runs = 0;
  let programs = 0;
  for (let s = from; s < from + n && !timeUp(); s += batch) {
    const seeds = Array.from({ length: Math.min(batch, from + n - s) }, (_, i) => s + i);
    const r = runBatch(seeds, gen);
    runs += r.runs;
    programs += seeds.length;
    failures.push(...r.failures);
    for (const f of r.failures) {
      if (values.worker) console.log(REPORT + JSON.stringify({ failure: f }));
      printFailure(f);
    }
    if (values.worker) console.log(REPORT + JSON.stringify({ done: seeds.length, runs: r.runs }));
    if (!values.quiet)
      console.log(
        `seeds ${seeds[0]}..${seeds.at(-1)}: ${r.failures.length} failures, ${r.runs} test runs, compile ${Math.round(r.compileMs)} ms, ${elapsed()} s so far`,
      );
  }
  return { failures, runs, programs };
}

/** Runs the seeds in `jobs` child processes, each a contiguous share of whole batches. */
async function runInJobs(): Promise<{ failures: Failure[]; runs: number; programs: number; lost: number }> {
  const batches = Math.ceil(count / batch);
  const failures: Failure[] = [];
  let runs = 0;
  let programs = 0;
  let lost = 0;
  const ranges: string[] = [];
  const children: Promise<void>[] = [];
  let start = first;
  for (let j = 0; j < jobs; j++) {
    const share = Math.floor(batches / jobs) + (j < batches % jobs ? 1 : 0);
    const n = Math.min(share * batch, first + count - start);
    const from = start;
    start += n;
    const args = [
      ...process.execArgv,
      import.meta.filename,
      "--worker",
      `--seed=${from}`,
      `--count=${n}`,
      `--batch=${batch}`,
      `--minutes=${values.minutes}`,
      `--avoid=${avoid.join(",")}`,
      ...(values["no-budget"] ? ["--no-budget"] : []),
      ...(values.quiet ? ["--quiet"] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let done = 0;
    let ended = false;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith(REPORT)) return console.log(line);
      const r = JSON.parse(line.slice(REPORT.length));
      if (r.failure) failures.push(r.failure);
      if (r.done) {
        done += r.done;
        programs += r.done;
        runs += r.runs;
      }
      if (r.end) ended = true;
    });
    children.push(
      new Promise((resolve) =>
        child.on("close", (code, signal) => {
          if (!ended) {
            // A worker that died (LLVM's error handler exits the process) loses the rest of its share.
            const at = from + done;
            console.log(
              `FAIL job ${j} died in seeds ${at}..${Math.min(at + batch, from + n) - 1} (${signal ?? `exit ${code}`})`,
            );
            lost += n - done;
          }
          if (done) ranges.push(`${from}..${from + done - 1}`);
          resolve();
        }),
      ),
    );
  }
  await Promise.all(children);
  if (programs < count) console.log(`seeds run: ${ranges.sort().join(", ")}`);
  return { failures, runs, programs, lost };
}

if (values.worker) {
  runHere(first, count);
  console.log(REPORT + JSON.stringify({ end: true }));
} else {
  const { failures, runs, programs, lost } = jobs > 1 ? await runInJobs() : { ...runHere(first, count), lost: 0 };
  const byClass = CLASSES.map((c) => `${c} ${failures.filter((f) => f.class === c).length}`).join(", ");
  const seconds = elapsed();
  console.log(
    `fuzz: seeds ${first}..${first + count - 1}: ${programs} programs, ${runs} test runs, ${failures.length} failures (${byClass})${lost ? `, ${lost} programs lost with a job that died` : ""} in ${seconds} s (${(programs / Math.max(1, seconds)).toFixed(2)} programs/s, ${jobs} job${jobs > 1 ? "s" : ""})`,
  );
  if (values.reduce) {
    for (const f of failures) {
      console.log(`\nreducing seed ${f.seed} (${f.class}) …`);
      const small = reduce(f.seed, f, gen);
      console.log(small);
    }
  }
  process.exitCode = failures.length || lost ? 1 : 0;
}
