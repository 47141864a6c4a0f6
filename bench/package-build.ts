// `npm run bench:build`: the edit–build loop as a user of the installed package has it. Packs
// the package, installs the tarball into a temporary project (npm's cache, --prefer-offline),
// copies lb/ there and measures, with the package's bin run by plain node:
//   - the first `tsbpf build lb.ts` after install (no V8 code cache, startup snapshot or build
//     cache yet; it makes the snapshot in the background, bin/snapshot.cjs, which is waited for),
//   - interleaved, the median of fresh `tsbpf build lb.ts` processes (target ≤ 400 ms): after a
//     save of maps.ts, which lb.ts imports, that changes the program's code (ENCAP_TTL 64 ↔ 63:
//     the TTL of encapsulated packets and their checksums), which builds from the snapshot; the
//     same build again with nothing changed, which writes the build cache's object
//     (bin/build-cache.ts); and a build with neither (TSBPF_NO_SNAPSHOT=1 TSBPF_NO_BUILD_CACHE=1:
//     the V8 code cache only). Every object must be the one a build of the same text writes
//     without the cache, and the two texts' objects must differ,
//   - the same command run from the repository's sources (through tsx), for comparison,
//   - clang-14 -O2 -g on lb.ts's C twin (bench/lb.c), in the same run,
//   - `tsbpf build --watch lb.ts`: from the same saves of maps.ts to the rewritten object (target
//     ≤ 100 ms), each object checked against a fresh build's of the same text.
// Every figure comes with its CPU time (user + sys) and the load average, since the machine is
// shared. Prints a markdown table and writes it into docs/benchmarks.md between the build
// markers (not with --quick).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeGeneratedBlock } from "./report-block.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const quick = process.argv.includes("--quick");
const RUNS = quick ? 3 : 11;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => console.error(s);

interface Run {
  /** Wall-clock milliseconds. */
  wall: number;
  /** CPU milliseconds, user + sys, of the process and its children. */
  cpu: number;
}

/** Runs a command to its end; its wall and CPU time (bash's `times` after it: children's user and sys). */
function timed(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const t0 = performance.now();
  const out = execFileSync("bash", ["-c", `${quoted} >/dev/null 2>&1 || exit 1; times`], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  const wall = performance.now() - t0;
  // `times`: the shell's user/sys, then its children's: "0m0.123s 0m0.045s".
  const children = out.trim().split("\n").at(-1)!.split(/\s+/);
  const seconds = (t: string) => {
    const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return Number(m) * 60 + Number(sec);
  };
  return { wall, cpu: (seconds(children[0]!) + seconds(children[1]!)) * 1000 };
}

/** A process's CPU time so far (user + sys), in ms, from /proc (10 ms ticks). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Each save of `edited` (alternately with ENCAP_TTL 63 and 64, a change to the code) to the
 * build of `source` watching it: from the write to the `wrote …` line, wall and CPU time of the
 * watching process. Each object written must equal `expected(text)`, the object of a fresh build
 * with the text saved.
 */
async function watchRebuilds(
  bin: string,
  cwd: string,
  source: string,
  edited: string,
  saves: number,
  expected: (text: string) => Buffer,
): Promise<Run[]> {
  const child = spawn(process.execPath, [bin, "build", "--watch", source, "-o", "bpf-out/lb.o"], { cwd });
  const lines: Array<(line: string) => void> = [];
  let buffered = "";
  child.stdout.on("data", (d: Buffer) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      for (const l of lines.splice(0)) l(line);
    }
  });
  const next = (match: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch: no ${match} within 60 s`)), 60_000);
      const wait = (line: string) => (match.test(line) ? (clearTimeout(timer), resolve()) : lines.push(wait));
      lines.push(wait);
    });
  try {
    await next(/^watching /);
    const original = readFileSync(join(cwd, edited), "utf8");
    if (!original.includes(TTL)) throw new Error(`${edited} has no '${TTL}' to edit`);
    const out: Run[] = [];
    for (let i = 0; i < saves; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const text = i % 2 === 0 ? original.replace(TTL, TTL_EDITED) : original;
      const written = next(/^wrote /);
      const c0 = cpuOf(child.pid!);
      const t0 = performance.now();
      writeFileSync(join(cwd, edited), text);
      await written;
      out.push({ wall: performance.now() - t0, cpu: cpuOf(child.pid!) - c0 });
      if (!readFileSync(join(cwd, "bpf-out/lb.o")).equals(expected(text)))
        throw new Error(`watch: the object after save ${i} is not the one a fresh build writes`);
    }
    writeFileSync(join(cwd, edited), original);
    return out;
  } finally {
    // Waited for: on its way out the watcher writes its code cache into the directory removed next.
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }
}

/** The edit a watch rebuilds after: a constant of lb/maps.ts, which lb.ts imports, that its code uses. */
const EDITED = "maps.ts";
const TTL = "export const ENCAP_TTL = 64;";
const TTL_EDITED = "export const ENCAP_TTL = 63;";

const work = mkdtempSync(join(os.tmpdir(), "tsbpf-bench-build-"));
try {
  log("packing …");
  execFileSync("npm", ["pack", "--pack-destination", work], { cwd: ROOT, stdio: "pipe" });
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  const app = join(work, "app");
  cpSync(join(ROOT, "lb"), app, { recursive: true, filter: (src) => !src.includes("/lab") });
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module", allowScripts: { koffi: false } }),
  );
  log("installing …");
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: app, stdio: "pipe" });
  const bin = join(app, "node_modules/tsbpf/bin/tsbpf.js");
  const build = [bin, "build", "lb.ts", "-o", "bpf-out/lb.o"];

  const loadAverage = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const loadBefore = loadAverage();
  log("building …");
  const first = timed(process.execPath, build, app);
  const firstObject = readFileSync(join(app, "bpf-out/lb.o"));
  // The startup snapshot the first build makes in the background (bin/snapshot.cjs).
  const cacheDir = join(app, "node_modules/tsbpf/node_modules/.cache/tsbpf");
  const snapshotWait = performance.now();
  const hasSnapshot = () => {
    try {
      return readdirSync(cacheDir).some((f) => /^build-\w+\.blob$/.test(f));
    } catch {
      return false;
    }
  };
  while (!hasSnapshot()) {
    if (performance.now() - snapshotWait > 300_000) throw new Error("no startup snapshot 300 s after the first build");
    await new Promise((r) => setTimeout(r, 500));
  }
  const snapshotReady = performance.now() - snapshotWait;
  // The objects a fresh build writes for the two texts of maps.ts the edits alternate between,
  // which must differ (else the edit would not change the code, and a build could be skipped).
  const editedText = readFileSync(join(app, EDITED), "utf8");
  if (!editedText.includes(TTL)) throw new Error(`${EDITED} has no '${TTL}' to edit`);
  const texts = [editedText.replace(TTL, TTL_EDITED), editedText];
  const freshObjects = new Map<string, Buffer>();
  for (const text of texts) {
    writeFileSync(join(app, EDITED), text);
    execFileSync(process.execPath, [bin, "build", "lb.ts", "-o", join(work, "fresh.o")], {
      cwd: app,
      stdio: "pipe",
      env: { ...process.env, TSBPF_NO_BUILD_CACHE: "1" },
    });
    freshObjects.set(text, readFileSync(join(work, "fresh.o")));
  }
  const [objectEdited, objectOriginal] = [...freshObjects.values()];
  if (objectEdited!.equals(objectOriginal!)) throw new Error(`${TTL_EDITED} does not change lb.ts's object`);
  if (!objectOriginal!.equals(firstObject)) throw new Error("a build without the cache differs from the first build");
  const expectObject = (what: string, text: string) => {
    if (!readFileSync(join(app, "bpf-out/lb.o")).equals(freshObjects.get(text)!))
      throw new Error(`${what}: the object differs from a fresh build's of the same text`);
  };
  // Interleaved: a save of maps.ts and a build (the cache misses: it holds the last build, of the
  // other text), the same build again (nothing changed: the cache's object), and a build with
  // neither the cache nor the snapshot.
  const unchanged: Run[] = [];
  const edited: Run[] = [];
  const noSnapshot: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    const text = texts[i % 2]!;
    writeFileSync(join(app, EDITED), text);
    edited.push(timed(process.execPath, build, app));
    expectObject("a build after a save of maps.ts", text);
    unchanged.push(timed(process.execPath, build, app));
    expectObject("a build with nothing changed", text);
    noSnapshot.push(timed(process.execPath, build, app, { TSBPF_NO_SNAPSHOT: "1", TSBPF_NO_BUILD_CACHE: "1" }));
    expectObject("a build without the snapshot", text);
  }
  writeFileSync(join(app, EDITED), editedText);
  const source: Run[] = [];
  for (let i = 0; i < RUNS; i++)
    source.push(
      timed(
        process.execPath,
        [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", join(work, "lb.o")],
        ROOT,
      ),
    );
  const clang: Run[] = [];
  const clangArgs = ["-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", "bench/lb.c"];
  for (let i = 0; i < RUNS; i++) clang.push(timed("clang-14", [...clangArgs, "-o", join(work, "lb_c.o")], ROOT));

  log("watching …");
  const rebuilds = await watchRebuilds(bin, app, "lb.ts", EDITED, RUNS, (text) => freshObjects.get(text)!);
  const loadAfter = loadAverage();

  const fmt = (ms: number) => ms.toFixed(0);
  const med = (runs: Run[], key: keyof Run) => fmt(median(runs.map((r) => r[key])));
  const met = (runs: Run[], max: number) => (median(runs.map((r) => r.wall)) <= max ? "yes" : "**no**");
  const row = (what: string, runs: Run[], target = "", ok = "") =>
    `| ${what} | ${med(runs, "wall")} | ${med(runs, "cpu")} | ${target} | ${ok} |`;
  const all = (runs: Run[]) => runs.map((r) => `${fmt(r.wall)}/${fmt(r.cpu)}`).join(", ");
  const md = [
    `Command: \`npm run bench:build\` — ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; node ${process.version}; ${os.cpus().length} CPUs; load average ${loadBefore} at the start, ${loadAfter} at the end; ${RUNS} runs each, medians.`,
    "",
    "| `tsbpf build lb.ts` (a whole process, as users run it) | wall ms | CPU ms (user+sys) | target | met |",
    "| --- | -: | -: | --- | --- |",
    row(
      "installed package, after a save of maps.ts (ENCAP_TTL 64 ↔ 63): built, from the startup snapshot",
      edited,
      "≤ 400 ms",
      met(edited, 400),
    ),
    row(
      "installed package, nothing changed since the last build: its object written again (the build cache)",
      unchanged,
      "≤ 400 ms",
      met(unchanged, 400),
    ),
    row("installed package, built without the snapshot or the build cache (V8 code cache only)", noSnapshot),
    row("installed package, first build after install (no code cache or snapshot yet)", [first]),
    row("repository sources through tsx (`node bin/tsbpf.js`)", source),
    row("clang-14 -O2 -g on the C twin (`bench/lb.c`)", clang),
    row(
      "`tsbpf build --watch lb.ts`: a save of maps.ts (ENCAP_TTL 64 ↔ 63) → object rewritten",
      rebuilds,
      "≤ 100 ms",
      met(rebuilds, 100),
    ),
    "",
    `The first build made the startup snapshot in the background; it was ready ${(snapshotReady / 1000).toFixed(1)} s after that build ended. Every object, the cache's and the watcher's included, was byte for byte the one a build of the same text without the cache writes.`,
    "",
    `All runs (wall/CPU ms): after a save ${all(edited)}; nothing changed ${all(unchanged)}; without snapshot or cache ${all(noSnapshot)}; sources ${all(source)}; clang-14 ${all(clang)}; watch ${all(rebuilds)}. CPU of a watch rebuild is read from /proc in 10 ms ticks.`,
  ].join("\n");
  console.log(md);
  if (!quick) {
    writeGeneratedBlock(
      join(ROOT, "docs/benchmarks.md"),
      "<!-- build:begin (generated by `npm run bench:build`; edit outside these markers) -->",
      "<!-- build:end -->",
      md,
    );
    log("wrote docs/benchmarks.md");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
