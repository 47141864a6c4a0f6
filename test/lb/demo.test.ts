// README's main job, `npm run demo` (lb/demo.ts), run as users run it with a small request
// count: every request and datagram answered, each forwarding mode (IPv4 and IPv6, DNAT and
// direct server return) carries all its connections over every backend, only DNAT's replies
// come back through the LB, and the demo leaves no namespace behind.
import { expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { spawnSync } from "node:child_process";
import { listNamespaces } from "../../lb/lab/topology.ts";
import { ROOT } from "../runtime/helpers.ts";

/** Each forwarding mode gets a third of them, from ephemeral ports, and the test wants every
 *  backend to answer some in each mode: with 20 a mode (60 requests), one of three backends got
 *  none in about one run in 280; with 50, one in 50 million. */
const REQUESTS = 150;

describeKernel("npm run demo", () => {
  it("answers everything in every forwarding mode and cleans up", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "lb/demo.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, REQUESTS: String(REQUESTS) },
      timeout: 600_000,
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const out = r.stdout;
    const prefix = /lab (tsbpf-\d+-\d+):/.exec(out)![1]!;

    expect(out).toContain(
      `${REQUESTS} HTTP requests to 10.100.0.1:80, one TCP connection each: ${REQUESTS}/${REQUESTS} ok, 0 failed`,
    );
    expect(out).toContain(
      "300 UDP datagrams to 10.100.0.1:53, each from a socket connected to the VIP: 300 answered, 0 lost",
    );

    // The forwarding modes' table: vip, mode, ok, failed, LB rx packets per connection, be1..be3.
    const perMode = REQUESTS / 3;
    const rows = new Map<string, string[]>();
    for (const line of out.split("\n")) {
      const m = /^ {2}(\S+) {2,}(.+?) {2,}(\d+) +(\d+) +([\d.]+) +(\d+) +(\d+) +(\d+)\s*$/.exec(line);
      if (m && /DNAT|direct server return/.test(m[2]!)) rows.set(m[2]!, m.slice(3));
    }
    expect([...rows.keys()]).toEqual([
      "IPv4 DNAT",
      "IPv4-in-IPv4, direct server return",
      "IPv6 DNAT",
      "IPv6-in-IPv6, direct server return",
    ]);
    for (const [mode, [ok, failed, , ...byBackend]] of rows) {
      expect(Number(ok), mode).toBe(perMode);
      expect(Number(failed), mode).toBe(0);
      for (const n of byBackend) expect(Number(n), mode).toBeGreaterThan(0);
    }
    const rx = (mode: string) => Number(rows.get(mode)![2]);
    // A DNAT connection's replies pass the LB too; a DSR connection's do not (about half).
    expect(rx("IPv4-in-IPv4, direct server return")).toBeLessThan(0.75 * rx("IPv4 DNAT"));
    expect(rx("IPv6-in-IPv6, direct server return")).toBeLessThan(0.75 * rx("IPv6 DNAT"));

    expect(out).toMatch(/be2: moved \(error: ECONNRESET\)/);
    expect(out).not.toMatch(/be[13]: moved/);
    expect(out).toContain("lab removed");
    expect(listNamespaces().filter((ns) => ns.startsWith(`${prefix}-`))).toEqual([]);
  }, 660_000);
});
