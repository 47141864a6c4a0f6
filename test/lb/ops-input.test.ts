// The configuration of health checks and fleets (issue 17), checked before anything runs, and
// the rise/fall thresholds of the prober: no kernel needed.
import { describe, expect, it } from "vitest";
import { checkConfig, checkFleetConfig, LbInputError } from "../../lb/input.ts";
import { HealthTracker } from "../../lb/health.ts";

const backends = [{ addr: "10.0.0.11", mac: "02:00:0a:00:00:0b" }];
const vip = (healthCheck: unknown, v = "10.100.0.1:80/tcp") => ({ vips: [{ vip: v, backends, healthCheck }] });

describe("health check config", () => {
  it("fills in the defaults, the port from the VIP", () => {
    expect(checkConfig(vip({ type: "http" })).vips[0]!.healthCheck).toEqual({
      type: "http",
      port: 80,
      path: "/",
      expectStatus: 200,
      payload: "health",
      intervalMs: 2000,
      timeoutMs: 1000,
      rise: 2,
      fall: 3,
    });
  });

  it.each([
    [{ type: "icmp" }, `vips[0].healthCheck.type: expected "tcp", "udp" or "http", got "icmp"`],
    [{ type: "udp" }, "vips[0].healthCheck.type: a UDP check for the TCP VIP 10.100.0.1:80/tcp"],
    [{ type: "tcp", intervalMs: 50 }, "vips[0].healthCheck.intervalMs: expected a whole number 100..3600000, got 50"],
    [
      { type: "tcp", intervalMs: 500, timeoutMs: 600 },
      "vips[0].healthCheck.timeoutMs: expected a whole number 10..500, got 600",
    ],
    [{ type: "tcp", fall: 0 }, "vips[0].healthCheck.fall: expected a whole number 1..100, got 0"],
    [
      { type: "http", path: "no-slash" },
      `vips[0].healthCheck.path: "no-slash" is not an HTTP path (starting with /, no spaces)`,
    ],
    [{ type: "tcp", every: 1 }, "vips[0].healthCheck.every: unknown field"],
  ])("refuses %j", (check, message) => {
    expect(() => checkConfig(vip(check))).toThrow(LbInputError);
    expect(() => checkConfig(vip(check))).toThrow(message);
  });
});

describe("fleet config", () => {
  const shared = { vips: [{ vip: "10.100.0.2:80/tcp", encap: true, backends }] };
  it("gives every instance the same VIPs, with its own interface and encapsulation source", () => {
    const fleet = checkFleetConfig({
      ...shared,
      instances: [
        { name: "lb1", dev: "eth0", netns: "a", encapSource: "10.0.0.1" },
        { name: "lb2", dev: "eth1", encapSource: "10.0.0.2", pinDir: "/sys/fs/bpf/x" },
      ],
    });
    expect(fleet.map((i) => [i.name, i.pinDir, i.config.dev, i.config.netns, i.config.encapSource])).toEqual([
      ["lb1", "/sys/fs/bpf/tsbpf-lb-lb1", "eth0", "a", "10.0.0.1"],
      ["lb2", "/sys/fs/bpf/x", "eth1", undefined, "10.0.0.2"],
    ]);
    expect(fleet[0]!.config.vips).toEqual(fleet[1]!.config.vips);
  });

  it.each([
    [{ ...shared, instances: [] }, "instances: expected a list of 1..64 LB instances"],
    [{ ...shared, instances: [{ name: "a b", dev: "eth0" }] }, `instances[0].name: "a b" is not an instance name`],
    [
      {
        ...shared,
        instances: [
          { name: "lb1", dev: "eth0", encapSource: "10.0.0.1" },
          { name: "lb1", dev: "eth0" },
        ],
      },
      "instances[1].name: lb1 is listed twice",
    ],
    [
      { ...shared, instances: [{ name: "lb1", encapSource: "10.0.0.1" }] },
      "instances[0].dev: every instance needs its interface",
    ],
    [{ ...shared, instances: [{ name: "lb1", dev: "eth0" }] }, "vips[0].encap: an encapsulation VIP needs encapSource"],
    [{ ...shared, instances: [{ name: "lb1", dev: "eth0", encapSource: "10.0.0.01" }] }, "instances[0].encapSource:"],
  ])("refuses %#", (config, message) => {
    expect(() => checkFleetConfig(config)).toThrow(message);
  });
});

describe("rise and fall", () => {
  it("goes down after `fall` failures in a row and up after `rise` successes in a row", () => {
    const t = new HealthTracker({ rise: 2, fall: 3 }, true);
    expect([false, false, true, false, false].map((ok) => t.observe(ok))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(t.observe(false)).toBe("down");
    expect(t.isUp).toBe(false);
    expect([true, false, true].map((ok) => t.observe(ok))).toEqual([undefined, undefined, undefined]);
    expect(t.observe(true)).toBe("up");
  });
});
