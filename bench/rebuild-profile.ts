// Where a watch rebuild's time goes: one warm Compiler (what `tsbpf build --watch` keeps) rebuilds
// a program after a save that changes its code, and a CPU profile (the inspector, in this process)
// of the later rebuilds is summed by stage, each stage being the samples under its function (a
// nested stage counts in both: lowering includes the symbol queries it makes). Prints the shares
// and each rebuild's CPU time. `Compiler.build()` runs `default<O2>` on this thread, so LLVM's
// time is in the profile (`buildAsync`, which the watcher runs, overlaps it with the type check).
//
//   node --import tsx bench/rebuild-profile.ts [workload] [warm-up rebuilds] [profiled rebuilds]
//
// workload: `today` (lb/lb.ts after a save of maps.ts, ENCAP_TTL 64 ↔ 63) or `issue-12`
// (bench/lb-at-issue-12/lb.ts after a save of itself, MAX_BACKENDS 1024 ↔ 1023), as
// bench/package-build.ts edits them; the program is copied to a temporary directory first.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Compiler } from "../compiler/index.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKLOADS = {
  today: { dir: "lb", entry: "lb.ts", edited: "maps.ts", from: "ENCAP_TTL = 64;", to: "ENCAP_TTL = 63;" },
  "issue-12": {
    dir: "bench/lb-at-issue-12",
    entry: "lb.ts",
    edited: "lb.ts",
    from: "MAX_BACKENDS = 1024;",
    to: "MAX_BACKENDS = 1023;",
  },
};

/** Stage → the functions whose samples (with their callees') are the stage's. */
const STAGES: [string, string[]][] = [
  ["bring the program up to date (refreshProgram)", ["refreshProgram"]],
  ["  of which ts-morph forgetting the old file (removeSourceFile)", ["removeSourceFile"]],
  ["  of which the reachability walk (getReferencedSourceFiles)", ["getReferencedSourceFiles"]],
  ["subset check", ["checkModule"]],
  ["lowering to LLVM IR", ["lowerModule"]],
  ["  of which the names' symbols (Declarations.symbolOf)", ["symbolOf"]],
  ["  of which constants' bigint-ness (isBigConst)", ["isBigConst"]],
  ["TypeScript's type check (typeErrors)", ["typeErrors"]],
  ["default<O2>", ["optimize"]],
  ["verifier-shape passes", ["accessThroughNullArms", "fixPacketShapes", "unlinkPointerOffsets"]],
  ["BPF code generation", ["emitObject"]],
  ["garbage collection", ["(garbage collector)"]],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}

const [name = "issue-12", warmUps = "4", profiled = "8"] = process.argv.slice(2);
const workload = WORKLOADS[name as keyof typeof WORKLOADS];
if (!workload) throw new Error(`workload: ${Object.keys(WORKLOADS).join(" or ")}`);
const dir = mkdtempSync(join(os.tmpdir(), "tsbpf-rebuild-profile-"));
try {
  cpSync(join(ROOT, workload.dir), dir, { recursive: true });
  const edited = join(dir, workload.edited);
  const text = readFileSync(edited, "utf8");
  if (!text.includes(workload.from)) throw new Error(`${workload.edited} has no '${workload.from}'`);
  const compiler = new Compiler(join(dir, workload.entry));
  const rebuild = (i: number) => {
    writeFileSync(edited, i % 2 ? text : text.replace(workload.from, workload.to));
    const before = process.cpuUsage();
    const result = compiler.build();
    if (!result.object) throw new Error(`rebuild ${i} failed: ${result.diagnostics[0]?.message}`);
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / 1000;
  };
  for (let i = 0; i < Number(warmUps); i++) rebuild(i);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 250 });
  await session.post("Profiler.start");
  const cpu: number[] = [];
  for (let i = 0; i < Number(profiled); i++) cpu.push(rebuild(Number(warmUps) + i));
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();

  // Samples per node, then per stage: a node counts for a stage when the stage's function is on its stack.
  const nodes = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n as ProfileNode]));
  const parent = new Map<number, number>();
  for (const n of nodes.values()) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = new Map<number, number>();
  for (const s of profile.samples ?? []) samples.set(s, (samples.get(s) ?? 0) + 1);
  const total = profile.samples?.length ?? 0;
  const perStage = new Map<string, number>();
  for (const [id, count] of samples) {
    const onStack = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n))
      onStack.add(nodes.get(n)!.callFrame.functionName);
    for (const [label, fns] of STAGES)
      if (fns.some((fn) => onStack.has(fn))) perStage.set(label, (perStage.get(label) ?? 0) + count);
  }
  console.log(`${name}: ${Number(profiled)} profiled rebuilds after ${warmUps}, load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`CPU ms per rebuild: ${cpu.map((c) => c.toFixed(0)).join(", ")}`);
  for (const [label] of STAGES)
    console.log(`${((100 * (perStage.get(label) ?? 0)) / total).toFixed(1).padStart(5)} %  ${label}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
