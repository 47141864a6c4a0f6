// The lab's backends made ready for the LB's encapsulation mode, in either family: the links
// from the LB to the backends get an MTU of 1600 (room for a 20- or 40-byte outer header after
// a client's full-size frame), and each backend decapsulates on eth0 with decap.ts in XDP.
// Idempotent, so that dsr.ts (IPv4) and ipv6.ts (IPv6) can both be enabled on one lab.
import type { LoadBalancedLab } from "./load-balanced.ts";
import { buildDecap } from "./xdp-pass.ts";

const MTU = 1600;

export async function enableDecapsulation(env: Pick<LoadBalancedLab, "lab">): Promise<void> {
  const { lab } = env;
  const decap = buildDecap();
  const inBr = (...argv: string[]) => lab.exec(lab.bridgeNs, ["ip", ...argv]);
  await inBr("link", "set", lab.lb.bridgePort, "mtu", String(MTU));
  await lab.exec("lb", ["ip", "link", "set", "eth0", "mtu", String(MTU)]);
  for (const be of lab.backends) {
    await inBr("link", "set", be.bridgePort, "mtu", String(MTU));
    await lab.exec(be.name, ["ip", "link", "set", "eth0", "mtu", String(MTU)]);
    // -force: replace the program if the other family's set-up attached it already.
    await lab.exec(be.name, ["ip", "-force", "link", "set", "dev", "eth0", "xdpdrv", "obj", decap, "sec", "xdp"]);
  }
}
