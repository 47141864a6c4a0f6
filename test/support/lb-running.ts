// What the tests read from an LB running under a pin directory (started by `tsbpf lb start` or
// `lb run`), through the CLI's own opener; and running the CLI's LB commands.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openRunningLb } from "../../bin/commands/lb.ts";
import type { Lab } from "../../lb/lab/topology.ts";
import { MAGLEV_M } from "../../lb/maps.ts";
import { ROOT } from "../runtime/helpers.ts";

/** The VIP's 65537 Maglev slots as the running LB has them. */
export function vipTable(pinDir: string, vip: string): Uint32Array {
  const lb = openRunningLb(pinDir);
  try {
    const index = lb.stats().find((s) => s.vip === vip)!.index;
    const table = new Uint32Array(MAGLEV_M);
    for (const [k, v] of lb.maps.maglev.map.lookupBatch(MAGLEV_M) ?? []) {
      const key = new DataView(k.buffer, k.byteOffset).getUint32(0, true);
      if (key >= index * MAGLEV_M && key < (index + 1) * MAGLEV_M)
        table[key - index * MAGLEV_M] = new DataView(v.buffer, v.byteOffset).getUint32(0, true);
    }
    return table;
  } finally {
    lb.close();
  }
}

/** `node bin/tsbpf.js ARGS` run to its end: its exit status and stdout + stderr together. */
export function tsbpfCli(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Writes an LB config file for the lab's LB (its eth0, in its namespace, native XDP) with these
 *  fields added (vips, encapSource, …); its path. */
export function writeLbConfig(path: string, lab: Lab, fields: Record<string, unknown>): string {
  writeFileSync(path, JSON.stringify({ dev: lab.lb.ifname, netns: lab.lb.ns, mode: "native", ...fields }));
  return path;
}

/** `tsbpf lb run ARGS` as a child process, each line of its stdout kept with the time it came. */
export class LbRunProcess {
  readonly log: { at: number; line: string }[] = [];
  private child: ChildProcess | undefined;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(ROOT, "bin/tsbpf.js"), "lb", "run", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.log.push({ at: Date.now(), line }));
  }

  /** Waits for a line matching `re` at index `from` of the log or later; the time it came. */
  async waitFor(re: RegExp, from: number, budgetMs: number): Promise<number> {
    const deadline = Date.now() + budgetMs;
    while (Date.now() < deadline) {
      const hit = this.log.slice(from).find((l) => re.test(l.line));
      if (hit) return hit.at;
      await sleep(50);
    }
    throw new Error(`no prober line ${re} within ${budgetMs} ms; log:\n${this.text()}`);
  }

  /** The lines that match `re`. */
  lines(re: RegExp): string[] {
    return this.log.filter((l) => re.test(l.line)).map((l) => l.line);
  }

  /** SIGTERM, then its exit code, or "hung" if it has not exited within 10 s. */
  async stop(): Promise<number | null | "hung"> {
    const child = this.child!;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await Promise.race([exited, sleep(10_000).then(() => "hung" as const)]);
    this.child = undefined;
    return code;
  }

  /** For afterAll: prints the log (the first thing to read when a test failed) and kills the process if it still runs. */
  dispose(): void {
    console.log(`prober log:\n${this.text(true)}`);
    this.child?.kill("SIGKILL");
  }

  private text(withTimes = false): string {
    return this.log.map((l) => (withTimes ? `${l.at} ${l.line}` : l.line)).join("\n");
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
