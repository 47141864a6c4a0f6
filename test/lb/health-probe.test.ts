// probe() (lb/health.ts) in a prober kept busy: an answer that arrived while the process could not
// look is no timeout. Before, the probe's timer, due during the busy time, fired before the answer
// was read (Node runs due timers before it reads sockets), so a healthy backend counted a failed
// probe; two in a row (another VIP's Maglev table rewritten meanwhile, a loaded machine) took it
// down, and the health e2e tests with it. The servers here live in this process: the kernel
// accepts the connection, and queues the request and the answer, while it is busy.
import { createSocket } from "node:dgram";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HealthCheck, probe } from "../../lb/health.ts";
import { HEALTH_CHECK_DEFAULTS } from "../../lb/input.ts";

/** Blocks this thread, as a synchronous Maglev table write does. */
const busy = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const TIMEOUT_MS = 100;
const check = (type: HealthCheck["type"], port: number): HealthCheck => ({
  ...HEALTH_CHECK_DEFAULTS,
  type,
  port,
  timeoutMs: TIMEOUT_MS,
});

describe("a health probe while the prober is busy", () => {
  const tcp = createTcpServer((s) => s.end());
  const http = createHttpServer((_req, res) => res.end("ok"));
  const udp = createSocket("udp4");
  udp.on("message", (m, from) => udp.send(m, from.port, from.address));
  const port = (s: { address(): AddressInfo | string | null }) => (s.address() as AddressInfo).port;

  beforeAll(async () => {
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  });
  afterAll(() => {
    tcp.close();
    http.close();
    udp.close();
  });

  it.each([
    ["tcp", () => port(tcp), "connected"],
    ["http", () => port(http), "HTTP 200"],
    ["udp", () => port(udp), "answered"],
  ] as const)("%s: busy for 5 timeouts after the probe started, then answered", async (type, portOf, detail) => {
    const result = probe(check(type, portOf()), "127.0.0.1");
    busy(5 * TIMEOUT_MS);
    expect(await result).toEqual({ ok: true, detail });
  });

  it("a closed port still fails at once, and silence still times out", async () => {
    const closed = createSocket("udp4");
    await new Promise<void>((r) => closed.bind(0, "127.0.0.1", r));
    const silent = port(closed); // bound, never answers
    try {
      expect(await probe(check("tcp", 1), "127.0.0.1")).toEqual({ ok: false, detail: "ECONNREFUSED" });
      expect(await probe(check("udp", silent), "127.0.0.1")).toEqual({ ok: false, detail: "timeout" });
    } finally {
      closed.close();
    }
  });
});
