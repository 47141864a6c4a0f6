// Load client, run inside the client's namespace by http.ts:
//   node --import tsx lb/lab/http-load.ts '<json LoadOptions>'
// Makes `requests` HTTP/1.1 GETs to http://host:port/, each on a new TCP
// connection, at most `concurrency` at a time, each with its own timeout and
// the whole run with a deadline. Prints one JSON LoadReport on stdout.

import { existsSync } from "node:fs";
import { request } from "node:http";

export interface LoadOptions {
  host: string;
  port: number;
  requests: number;
  concurrency: number;
  /** Per request, connect to last byte. */
  timeoutMs: number;
  /** Whole run; requests not started by then count as failures ("deadline"). */
  deadlineMs: number;
  /** Stop starting requests after this long (they are not counted): a run of a given duration. */
  durationMs?: number;
  /** Stop starting requests once this file exists: a run that lasts until its caller says so. */
  stopFile?: string;
  /** Request i connects from local port localPortBase + i (so a failure can be traced to its
   *  flow, and so its Maglev slot); default: an ephemeral port. */
  localPortBase?: number;
}

export interface LoadReport {
  requests: number;
  ok: number;
  failed: number;
  /** Successful responses by body (the backend's name). */
  byBackend: Record<string, number>;
  /** Failures by error code ("ETIMEDOUT", "ECONNREFUSED", "HTTP 500", "deadline", …). */
  errors: Record<string, number>;
  durationMs: number;
  /** With localPortBase: each failed request's local port and error. */
  failures?: { port: number; code: string }[];
}

function getOnce(o: LoadOptions, localPort?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: o.host, port: o.port, path: "/", agent: false, headers: { connection: "close" }, localPort },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(body.trim())
            : reject(Object.assign(new Error(), { code: `HTTP ${res.statusCode}` })),
        );
        res.on("error", reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
      o.timeoutMs,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end();
  });
}

export async function runLoadHere(o: LoadOptions): Promise<LoadReport> {
  const start = Date.now();
  const report: LoadReport = { requests: o.requests, ok: 0, failed: 0, byBackend: {}, errors: {}, durationMs: 0 };
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  let next = 0;
  if (o.localPortBase !== undefined) report.failures = [];
  const worker = async () => {
    while (next < o.requests) {
      if (o.durationMs !== undefined && Date.now() - start > o.durationMs) break;
      if (o.stopFile !== undefined && existsSync(o.stopFile)) break;
      const port = o.localPortBase === undefined ? undefined : o.localPortBase + next;
      next++;
      if (Date.now() - start > o.deadlineMs) {
        report.failed++;
        bump(report.errors, "deadline");
        continue;
      }
      try {
        bump(report.byBackend, await getOnce(o, port));
        report.ok++;
      } catch (e) {
        report.failed++;
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        bump(report.errors, code);
        if (port !== undefined) report.failures?.push({ port, code });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, o.requests)) }, worker));
  report.requests = next;
  report.durationMs = Date.now() - start;
  return report;
}

if (process.argv[1]?.endsWith("http-load.ts")) {
  const opts = JSON.parse(process.argv[2] ?? "") as LoadOptions;
  runLoadHere(opts).then((r) => console.log(JSON.stringify(r)));
}
