// `npm run bench:build`: the edit–build loop as a user of the installed package has it. Packs
// the package, installs the tarball into a temporary project (npm's cache, --prefer-offline),
// copies lb/ there and measures, with the package's bin run by plain node:
//   - the first `tsbpf build lb.ts` after install (no V8 code cache yet),
//   - the median of fresh `tsbpf build lb.ts` processes after it (target ≤ 400 ms),
//   - the same command run from the repository's sources (through tsx), for comparison,
//   - `tsbpf build --watch lb.ts`: from a save of lb.ts to the rewritten object (target ≤ 100 ms).
// Prints a markdown table and writes it into docs/benchmarks.md between the build markers
// (not with --quick).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const quick = process.argv.includes("--quick");
const RUNS = quick ? 3 : 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => console.error(s);

function timed(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  execFileSync(cmd, args, { cwd, stdio: "pipe" });
  return performance.now() - t0;
}

/** Milliseconds from each save of `source` to the watching build's `wrote …` line. */
async function watchRebuilds(bin: string, cwd: string, source: string, saves: number): Promise<number[]> {
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
    const text = readFileSync(join(cwd, source), "utf8");
    const out: number[] = [];
    for (let i = 0; i < saves; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const written = next(/^wrote /);
      const t0 = performance.now();
      writeFileSync(join(cwd, source), `${text}// save ${i}\n`);
      await written;
      out.push(performance.now() - t0);
    }
    return out;
  } finally {
    child.kill("SIGINT");
  }
}

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

  log("building …");
  const first = timed(process.execPath, build, app);
  const installed: number[] = [];
  for (let i = 0; i < RUNS; i++) installed.push(timed(process.execPath, build, app));
  const source: number[] = [];
  for (let i = 0; i < RUNS; i++)
    source.push(
      timed(
        process.execPath,
        [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", join(work, "lb.o")],
        ROOT,
      ),
    );
  log("watching …");
  const rebuilds = await watchRebuilds(bin, app, "lb.ts", RUNS);

  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  const fmt = (ms: number) => ms.toFixed(0);
  const met = (ms: number, max: number) => (ms <= max ? "yes" : "**no**");
  const md = [
    `Command: \`npm run bench:build\` — ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; node ${process.version}; ${os.cpus().length} CPUs; load average at the end ${load}; ${RUNS} runs each, medians.`,
    "",
    "| `tsbpf build lb.ts` (a whole process, as users run it)                      | ms | target   | met |",
    "| --------------------------------------------------------------------------- | -: | -------- | --- |",
    `| installed package, plain node (\`node_modules/tsbpf/bin/tsbpf.js\`)          | ${fmt(median(installed))} | ≤ 400 ms | ${met(median(installed), 400)} |`,
    `| installed package, first build after install (no code cache yet)          | ${fmt(first)} |          |     |`,
    `| repository sources through tsx (\`node bin/tsbpf.js\`)                      | ${fmt(median(source))} |          |     |`,
    `| \`tsbpf build --watch lb.ts\`: save → object rewritten                       | ${fmt(median(rebuilds))} | ≤ 100 ms | ${met(median(rebuilds), 100)} |`,
    "",
    `All runs (ms): installed ${installed.map(fmt).join(", ")}; sources ${source.map(fmt).join(", ")}; watch ${rebuilds.map(fmt).join(", ")}.`,
  ].join("\n");
  console.log(md);
  if (!quick) {
    const doc = join(ROOT, "docs/benchmarks.md");
    const text = readFileSync(doc, "utf8");
    const begin = "<!-- build:begin (generated by `npm run bench:build`; edit outside these markers) -->";
    const end = "<!-- build:end -->";
    const block = `${begin}\n${md}\n${end}`;
    const at = text.indexOf(begin);
    writeFileSync(
      doc,
      at >= 0
        ? text.slice(0, at) + block + text.slice(text.indexOf(end) + end.length)
        : `${text.trimEnd()}\n\n${block}\n`,
    );
    // The table as Biome formats Markdown (npm run lint checks docs/ too).
    execFileSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", doc], { stdio: "pipe" });
    log("wrote docs/benchmarks.md");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
