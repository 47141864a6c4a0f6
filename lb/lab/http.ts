// Real HTTP through the lab: a server in every backend namespace that
// answers with its backend's name, and a load run from the client namespace
// that counts which backend answered each request. Both run as separate
// node processes started with `ip netns exec`, since a process's network
// namespace is per process (per thread, really) and node can't switch it.

import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "./topology.ts";
import type { LoadOptions, LoadReport } from "./http-load.ts";

export type { LoadReport } from "./http-load.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");
// `--import tsx` resolves from the working directory: run from the repo root.
const nodeTs = (file: string) => [process.execPath, "--import", "tsx", join(here, file)];

export interface Backends {
  port: number;
  /** Kill the servers (destroy() of the lab does too). */
  stop(): void;
}

/** Start one HTTP server per backend on `port` and wait until all listen. */
export async function startBackendServers(
  lab: Lab,
  opts: { port?: number; timeoutMs?: number; address?: string } = {},
): Promise<Backends> {
  const port = opts.port ?? 80;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const children: ChildProcess[] = [];
  const stop = () => children.forEach((c) => c.kill("SIGKILL"));
  try {
    await Promise.all(
      lab.backends.map((be) => {
        const child = lab.spawn(
          be.name,
          [...nodeTs("http-server.ts"), be.name, String(port), ...(opts.address ? [opts.address] : [])],
          {
            cwd: repoRoot,
            stdio: ["pipe", "pipe", "pipe"],
          },
        );
        children.push(child);
        return waitForLine(child, "listening", timeoutMs, `http server in ${be.ns}`);
      }),
    );
  } catch (e) {
    stop();
    throw e;
  }
  return { port, stop };
}

function waitForLine(child: ChildProcess, line: string, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    function fail(why: string) {
      clearTimeout(timer);
      reject(new Error(`lab: ${what}: ${why}${err ? `: ${err.trim()}` : ""}`));
    }
    child.stderr?.on("data", (d) => (err += d));
    child.stdout?.on("data", (d) => {
      out += d;
      if (out.split("\n").includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code, sig) => fail(`exited (${sig ?? code})`));
  });
}

export interface LoadRun {
  /** Requests to make. Default 100. */
  requests?: number;
  /** Connections in flight at once. Default 8. */
  concurrency?: number;
  /** Per request. Default 3000 ms. */
  timeoutMs?: number;
  /** Whole run. Default 60000 ms; the process is killed a little after. */
  deadlineMs?: number;
  /** Default: the lab's VIP. */
  host?: string;
  /** Default 80. */
  port?: number;
  /** Stop starting requests after this long (see LoadOptions). */
  durationMs?: number;
  /** Request i from local port localPortBase + i (see LoadOptions). */
  localPortBase?: number;
}

/** Make `requests` new-connection HTTP GETs from the client namespace; report per-backend counts. */
export async function runLoad(lab: Lab, run: LoadRun = {}): Promise<LoadReport> {
  const opts: LoadOptions = {
    host: run.host ?? lab.vip,
    port: run.port ?? 80,
    requests: run.requests ?? 100,
    concurrency: run.concurrency ?? 8,
    timeoutMs: run.timeoutMs ?? 3000,
    deadlineMs: run.deadlineMs ?? 60_000,
    durationMs: run.durationMs,
    localPortBase: run.localPortBase,
  };
  const { stdout } = await lab.exec("client", [...nodeTs("http-load.ts"), JSON.stringify(opts)], {
    timeoutMs: opts.deadlineMs + opts.timeoutMs + 10_000,
    cwd: repoRoot,
  });
  return JSON.parse(stdout) as LoadReport;
}
