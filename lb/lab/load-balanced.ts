// The lab with the LB in it: namespaces, backend servers (HTTP on :80 closing each
// connection, a line server on :81 keeping connections open), the data plane attached to
// the LB's interface, and three VIPs (:80 and :81 TCP, :53 UDP, whose servers answer with
// their name) over every backend. Used by the demo and the end-to-end tests.
import { createInterface } from "node:readline";
import type { ChildProcess } from "node:child_process";
import { createLab, sweepStaleLabs, type Lab } from "./topology.ts";
import { startBackendServers } from "./http.ts";
import { LAB_CWD, labScript, startServer } from "./servers.ts";
import { LoadBalancer, type VipSpec } from "../control.ts";
import type { XdpMode } from "../../runtime/index.ts";

export interface LoadBalancedLab {
  lab: Lab;
  lb: LoadBalancer;
  /** VIP:80, HTTP, one connection per request. */
  http: VipSpec;
  /** VIP:81, the line server, long-lived connections. */
  line: VipSpec;
  /** VIP:53/udp, a datagram echo of the backend's name. */
  udp: VipSpec;
  destroy(): void;
}

/** Starts a process in a namespace; resolves with its first stdout line that `ready` accepts. */
function start(lab: Lab, ns: string, argv: string[], ready: (line: string) => boolean) {
  const child: ChildProcess = lab.spawn(ns, argv, { cwd: LAB_CWD, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return (async () => {
    for (;;) {
      const next = await lines.next();
      if (next.done) throw new Error(`${argv.join(" ")} in ${ns} exited before it was ready`);
      if (ready(next.value)) return { child, lines, first: next.value as string };
    }
  })();
}

export async function startLoadBalancedLab(opts: {
  object: string;
  backends?: number;
  mode?: XdpMode;
}): Promise<LoadBalancedLab> {
  sweepStaleLabs();
  const lab = await createLab({ backends: opts.backends ?? 3 });
  let lb: LoadBalancer | undefined;
  try {
    await startBackendServers(lab, { port: 80 });
    await Promise.all(
      lab.backends.flatMap((b) => [
        startServer(lab, b.name, labScript("line-server.ts", b.name, "81")),
        startServer(lab, b.name, labScript("udp-echo.ts", b.name, "53")),
      ]),
    );
    lb = await LoadBalancer.load(opts.object);
    lb.attach(lab.lb.ifname, { netns: lab.lb.ns, mode: opts.mode ?? "native" });
    const http: VipSpec = { addr: lab.vip, port: 80, proto: "tcp" };
    const line: VipSpec = { addr: lab.vip, port: 81, proto: "tcp" };
    const udp: VipSpec = { addr: lab.vip, port: 53, proto: "udp" };
    for (const vip of [http, line, udp]) {
      lb.addVip(vip);
      for (const b of lab.backends) lb.addBackend(vip, { addr: b.addr, mac: b.mac });
    }
    const balancer = lb;
    return {
      lab,
      lb,
      http,
      line,
      udp,
      destroy: () => {
        balancer.close();
        lab.destroy();
      },
    };
  } catch (e) {
    lb?.close();
    lab.destroy();
    throw e;
  }
}

export interface UdpReport {
  ok: number;
  failed: number;
  byBackend: Record<string, number>;
  errors: Record<string, number>;
}

/** Sends `count` datagrams to VIP:53, each from a new socket connected to the VIP. */
export async function runUdp(lab: Lab, count: number): Promise<UdpReport> {
  const { stdout } = await lab.exec("client", labScript("udp-client.ts", lab.vip, "53", String(count)), {
    timeoutMs: 60_000,
    cwd: LAB_CWD,
  });
  return JSON.parse(stdout) as UdpReport;
}

export interface StickyConnections {
  /** The backend each connection reached first. */
  before: string[];
  /** Asks on every connection again: the backend's name, or "error: CODE". */
  askAgain(): Promise<string[]>;
}

/** Opens `count` long-lived connections to VIP:81 from the client and asks each who answers. */
export async function openStickyConnections(lab: Lab, count: number): Promise<StickyConnections> {
  return openSticky(lab, labScript("sticky-client.ts", lab.vip, "81", String(count)));
}

/** Opens `count` UDP flows to VIP:`port` (each its own connected socket) and asks on each who answers. */
export async function openStickyUdpFlows(lab: Lab, count: number, port = 53): Promise<StickyConnections> {
  return openSticky(lab, labScript("sticky-udp-client.ts", lab.vip, String(port), String(count)));
}

async function openSticky(lab: Lab, argv: string[]): Promise<StickyConnections> {
  const sticky = await start(lab, "client", argv, (l) => l.startsWith("{"));
  const before = (JSON.parse(sticky.first) as { answers: string[] }).answers;
  return {
    before,
    async askAgain() {
      sticky.child.stdin!.write("go\n");
      const next = await sticky.lines.next();
      if (next.done) throw new Error("sticky client exited");
      return (JSON.parse(next.value as string) as { answers: string[] }).answers;
    },
  };
}

/** One HTTP request to VIP:80 from the client's source port `localPort`: the answering backend's name. */
export async function fetchFromPort(lab: Lab, localPort: number): Promise<string> {
  const script = `require("http").get({ host: process.argv[1], port: 80, localPort: Number(process.argv[2]), agent: false, timeout: 3000 }, (r) => { let b = ""; r.on("data", (d) => (b += d)); r.on("end", () => console.log(b.trim())); }).on("error", (e) => console.log("error: " + (e.code || e.message))).on("timeout", function () { this.destroy(new Error("ETIMEDOUT")); });`;
  const { stdout } = await lab.exec("client", [process.execPath, "-e", script, lab.vip, String(localPort)], {
    timeoutMs: 10_000,
  });
  return stdout.trim();
}
