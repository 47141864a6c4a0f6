// Health checks of the LB's backends: a TCP connect, a UDP request that must be answered, or
// an HTTP GET that must return the expected status, each with a timeout; rise/fall thresholds
// turn results into up/down transitions, and the prober (runHealthChecks) probes every backend
// of every checked VIP once per interval, reporting transitions to the caller, which marks the
// backend in the control plane (LoadBalancer.setHealth). Probes run from the namespace the
// prober runs in (`tsbpf lb run` enters the LB's): to the backend's own address (DNAT VIPs),
// or, for encapsulation VIPs, to VIP:port from a socket marked for that backend, which the
// tc program lb/healthcheck.ts sends through the tunnel (lb/probe-tunnel.ts).
import { createSocket } from "node:dgram";
import { request } from "node:http";
import { connect, isIPv6, Socket } from "node:net";
import { openMarkedSocket } from "../runtime/index.ts";
import type { HealthCheck, VipSpec } from "./input.ts";

export type { HealthCheck } from "./input.ts";

/** Where a probe goes: `addr` (port: the check's); with `mark`, from a socket with that SO_MARK
 *  (bound to `source`, if given), which the probe tunnel encapsulates to the backend. */
export interface ProbeTarget {
  addr: string;
  mark?: number;
  source?: string;
}

export interface ProbeResult {
  ok: boolean;
  /** What was seen: "connected", "HTTP 200", "answered", or the error ("ECONNREFUSED", "timeout", "HTTP 503"). */
  detail: string;
}

/** A TCP socket to the target, marked if it says so. */
function tcpTo(target: ProbeTarget, port: number): Socket {
  if (target.mark === undefined) return connect({ host: target.addr, port });
  const fd = openMarkedSocket({
    family: isIPv6(target.addr) ? 6 : 4,
    type: "tcp",
    mark: target.mark,
    bindAddress: target.source,
  });
  return new Socket({ fd, readable: true, writable: true }).connect({ host: target.addr, port });
}

/** One probe of `target` as `check` says; never rejects, settles within the check's timeout (up to
 *  4 times it while this process is kept busy: see below). */
export function probe(check: HealthCheck, target: ProbeTarget | string): Promise<ProbeResult> {
  const to: ProbeTarget = typeof target === "string" ? { addr: target } : target;
  const addr = to.addr;
  return new Promise((resolve) => {
    let settled = false;
    let cleanup = () => {};
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      resolve({ ok, detail });
    };
    // The timeout counts time this process could have seen the answer. A timer that fires late
    // means the process was busy meanwhile (a Maglev table rewritten for another VIP's change, a
    // loaded machine): the answer may be waiting unread behind the timer, or the request not even
    // sent yet. Such a probe gets the timeout again (at most 3 times, so that a prober that is
    // always busy still reports what it sees); counted as failed, it took healthy backends down.
    let timer: NodeJS.Timeout;
    const arm = (extensions: number) => {
      const due = Date.now() + check.timeoutMs;
      timer = setTimeout(() => {
        if (Date.now() - due > check.timeoutMs / 2 && extensions > 0) arm(extensions - 1);
        else done(false, "timeout");
      }, check.timeoutMs);
    };
    arm(3);
    const fail = (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message);
    try {
      start();
    } catch (e) {
      fail(e as NodeJS.ErrnoException); // the marked socket could not be made
    }
    function start() {
      if (check.type === "tcp") {
        const socket = tcpTo(to, check.port);
        cleanup = () => socket.destroy();
        socket.once("connect", () => done(true, "connected"));
        socket.once("error", fail);
      } else if (check.type === "http") {
        const req = request(
          {
            host: addr,
            port: check.port,
            path: check.path,
            headers: { connection: "close" },
            // No agent: a connection of its own per probe (an agent would make its own socket).
            ...(to.mark === undefined ? { agent: false } : { createConnection: () => tcpTo(to, check.port) }),
          },
          (res) => {
            res.resume();
            const status = `HTTP ${res.statusCode}`;
            done(res.statusCode === check.expectStatus, status);
          },
        );
        cleanup = () => req.destroy();
        req.once("error", fail);
        req.end();
      } else {
        const socket = createSocket(isIPv6(addr) ? "udp6" : "udp4");
        cleanup = () => {
          try {
            socket.close();
          } catch {
            /* already closed by its error */
          }
        };
        socket.once("error", fail); // ECONNREFUSED: the ICMP port unreachable of a closed port
        socket.once("message", () => done(true, "answered"));
        const send = () => socket.connect(check.port, addr, () => socket.send(check.payload));
        if (to.mark === undefined) send();
        else {
          const fd = openMarkedSocket({
            family: isIPv6(addr) ? 6 : 4,
            type: "udp",
            mark: to.mark,
            bindAddress: to.source,
          });
          socket.bind({ fd } as { fd: number }, send);
        }
      }
    }
  });
}

/** Rise/fall: a backend goes down after `fall` failed probes in a row, up after `rise` good ones. */
export class HealthTracker {
  private up: boolean;
  private streak = 0;

  constructor(
    private readonly check: Pick<HealthCheck, "rise" | "fall">,
    initiallyUp: boolean,
  ) {
    this.up = initiallyUp;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Feeds one probe result; returns the new state if this result changed it. */
  observe(ok: boolean): "up" | "down" | undefined {
    if (ok === this.up) {
      this.streak = 0;
      return undefined;
    }
    this.streak++;
    if (this.streak < (this.up ? this.check.fall : this.check.rise)) return undefined;
    this.up = ok;
    this.streak = 0;
    return ok ? "up" : "down";
  }
}

/** A checked VIP as the prober sees it each round: its backends now and whether each is marked down. */
export interface CheckedVip {
  vip: VipSpec;
  check: HealthCheck;
  /** `probe`: where its probes go (absent: the backend's address). */
  backends: { addr: string; down: boolean; probe?: ProbeTarget }[];
}

export interface HealthEvent {
  vip: VipSpec;
  addr: string;
  state: "up" | "down";
  /** The last probe's result, and how many in a row led here. */
  detail: string;
  streak: number;
}

/**
 * Probes every backend of every checked VIP once per its interval until `signal` aborts;
 * `targets()` is read each round (backends added or removed meanwhile are followed), and
 * `onChange` is called for every up/down transition (awaited before the next round of that
 * VIP). Resolves once every loop has finished its round in flight.
 */
export async function runHealthChecks(options: {
  targets: () => CheckedVip[];
  onChange: (event: HealthEvent) => void | Promise<void>;
  signal: AbortSignal;
}): Promise<void> {
  const trackers = new Map<string, HealthTracker>();
  const names = options.targets().map((t) => `${t.vip.addr}:${t.vip.port}/${t.vip.proto}`);
  const loop = async (name: string) => {
    while (!options.signal.aborted) {
      const started = Date.now();
      const target = options.targets().find((t) => `${t.vip.addr}:${t.vip.port}/${t.vip.proto}` === name);
      if (!target) return;
      const results = await Promise.all(
        target.backends.map(async (b) => ({ b, result: await probe(target.check, b.probe ?? b.addr) })),
      );
      for (const { b, result } of results) {
        const key = `${name}|${b.addr}`;
        let tracker = trackers.get(key);
        if (!tracker) trackers.set(key, (tracker = new HealthTracker(target.check, !b.down)));
        const change = tracker.observe(result.ok);
        if (change)
          await options.onChange({
            vip: target.vip,
            addr: b.addr,
            state: change,
            detail: result.detail,
            streak: change === "up" ? target.check.rise : target.check.fall,
          });
      }
      await sleep(Math.max(0, target.check.intervalMs - (Date.now() - started)), options.signal);
    }
  };
  await Promise.all(names.map(loop));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      resolve();
    }
    signal.addEventListener("abort", finish);
  });
}
