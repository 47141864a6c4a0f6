// Real HTTP through the lab: a server in every backend namespace that
// answers with its backend's name, and a load run from the client namespace
// that counts which backend answered each request. Both run as separate
// node processes started with `ip netns exec`, since a process's network
// namespace is per process (per thread, really) and node can't switch it.

import type { Lab } from "./topology.ts";
import { LAB_CWD, labScript, startServer } from "./servers.ts";
import type { LoadOptions, LoadReport } from "./http-load.ts";

export type { LoadReport } from "./http-load.ts";

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
  const started = await Promise.allSettled(
    lab.backends.map((be) =>
      startServer(
        lab,
        be.name,
        labScript("http-server.ts", be.name, String(port), ...(opts.address ? [opts.address] : [])),
        opts.timeoutMs ?? 15_000,
      ),
    ),
  );
  const servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = () => servers.forEach((c) => c.kill("SIGKILL"));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    stop();
    throw failed.reason;
  }
  return { port, stop };
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
  /** Stop starting requests once this file exists (see LoadOptions). */
  stopFile?: string;
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
    stopFile: run.stopFile,
    localPortBase: run.localPortBase,
  };
  const { stdout, stderr } = await lab.exec("client", labScript("http-load.ts", JSON.stringify(opts)), {
    timeoutMs: opts.deadlineMs + opts.timeoutMs + 10_000,
    cwd: LAB_CWD,
  });
  try {
    return JSON.parse(stdout) as LoadReport;
  } catch {
    throw new Error(
      `lab: the load client gave no report: stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`,
    );
  }
}
