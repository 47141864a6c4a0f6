// `npm run bench`: the TS LB against its C twin (ns/packet per path, code size, verifier
// work), tsbpf build time and Maglev build time. Prints a markdown table and writes it
// into docs/benchmarks.md (between the generated-block markers). Needs root.
//   npm run bench              full run (~1 min)
//   npm run bench -- --quick   few samples, does not write docs/benchmarks.md
import { FULL, QUICK, markdown, runBench, targetMet, writeReport } from "./harness.ts";

const quick = process.argv.includes("--quick");
const res = await runBench(
  { ...(quick ? QUICK : FULL), verbose: true },
  quick ? "npm run bench -- --quick" : "npm run bench",
);
const md = markdown(res);
console.log(md);
if (!quick) {
  writeReport(md);
  console.log("\nwrote docs/benchmarks.md");
}
const failed = res.checks.filter((c) => !c.ok);
for (const r of res.rows.filter((r) => r.target))
  console.log(`${targetMet(r) ? "MET    " : "NOT MET"}  ${r.name}: ${r.target!.label}`);
if (failed.length) {
  console.error(`${failed.length} path check(s) failed:\n${failed.map((f) => `  ${f.name}: ${f.detail}`).join("\n")}`);
  process.exitCode = 1;
}
