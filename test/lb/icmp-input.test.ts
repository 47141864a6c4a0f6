// The ICMP options of the LB's config file (docs/lb-abi.md, "ICMP"): per-VIP `echo` and `pmtu`,
// the backends' link `mtu`, checked before anything runs. No kernel needed.
import { describe, expect, it } from "vitest";
import { checkConfig, checkMtu, LbInputError } from "../../lb/input.ts";

const backends = [{ addr: "10.0.0.11", mac: "02:00:0a:00:00:0b" }];

describe("ICMP config", () => {
  it("takes echo and pmtu per VIP and the MTU of the backends' link", () => {
    const c = checkConfig({
      mtu: 1500,
      encapSource: "10.0.0.1",
      vips: [
        { vip: "10.100.0.1:80/tcp", echo: true, pmtu: true, encap: true, backends },
        { vip: "10.100.0.1:53/udp", echo: false, backends },
      ],
    });
    expect(c.mtu).toBe(1500);
    expect(c.vips.map((v) => [v.echo, v.pmtu, v.encap])).toEqual([
      [true, true, true],
      [undefined, undefined, false],
    ]);
  });

  it.each([
    [{ mtu: 1319 }, "mtu: expected a whole number 1320..65535 (bytes), got 1319"],
    [{ mtu: 65536 }, "mtu: expected a whole number 1320..65535 (bytes), got 65536"],
    [{ mtu: "1500" }, 'mtu: expected a whole number 1320..65535 (bytes), got "1500"'],
    [{ vips: [{ vip: "10.100.0.1:80/tcp", echo: 1, backends }] }, "vips[0].echo: expected true or false, got 1"],
    [
      { vips: [{ vip: "10.100.0.1:80/tcp", pmtu: "yes", backends }] },
      'vips[0].pmtu: expected true or false, got "yes"',
    ],
  ])("refuses %j", (config, message) => {
    expect(() => checkConfig(config)).toThrow(LbInputError);
    expect(() => checkConfig(config)).toThrow(message);
  });

  it("reads the command line's MTU as digits", () => {
    expect(checkMtu("9000", "<bytes>", true)).toBe(9000);
    expect(() => checkMtu("01500", "<bytes>", true)).toThrow("<bytes>: expected a whole number 1320..65535");
  });
});
