// A client behind a narrower link, for path MTU discovery through the LB (docs/lb-abi.md,
// "ICMP"; test/lb/icmp-e2e.test.ts):
//
//   far (10.0.1.2, fd00:1::2) --[mtu]-- rt (10.0.1.1, fd00:1::1 | 10.0.0.3, fd00::3 on br0) -- LB, backends
//
// The far client reaches the VIPs through the router and the LB. What the backends send it
// goes back through the router — via the LB for DNAT VIPs (reverse NAT), straight from the
// backend for encapsulation VIPs (direct server return: the policy tables of dsr.ts and
// ipv6.ts) — and segments larger than `mtu` make the router answer "fragmentation needed" /
// "packet too big" to their source, the VIP, which it routes to the LB.
import { execFileSync } from "node:child_process";
import type { LoadBalancedLab } from "./load-balanced.ts";
import { DSR_VIP } from "./dsr.ts";
import { hostAddr6 } from "./ipv6.ts";

export const FAR_ADDR = "10.0.1.2";
export const FAR_ADDR6 = "fd00:1::2";
const ROUTER_ADDR = "10.0.0.3";
const ROUTER_ADDR6 = "fd00::3";
/** The policy tables of what backends send from DSR_VIP (dsr.ts) and ENCAP_VIP6 (ipv6.ts). */
const DSR_TABLE = "100";
const DSR_TABLE6 = "106";

export interface FarClient {
  /** The far client's namespace. */
  ns: string;
  /** The router's namespace. */
  router: string;
}

/**
 * Adds the router and the far client to the lab, with their routes and the backends' routes to
 * the far client. `ipv6`: IPv6 too (the lab's IPv6, ipv6.ts's enableIpv6, must be on).
 */
export async function addFarClient(env: LoadBalancedLab, options: { mtu: number; ipv6?: boolean }): Promise<FarClient> {
  const { lab } = env;
  const router = `${lab.prefix}-rt`;
  const far = `${lab.prefix}-far`;
  // `ip netns add` in the root namespace (not through lab.exec: its mounts stay in its own).
  const sh = (...argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  const inNs = (ns: string, ...argv: string[]) => lab.exec(ns, argv);
  for (const ns of [router, far]) {
    sh("ip", "netns", "add", ns);
    lab.namespaces.push(ns);
    await inNs(ns, "ip", "link", "set", "lo", "up");
    await inNs(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
    if (!options.ipv6)
      await inNs(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
  }
  sh("ip", "-n", lab.bridgeNs, "link", "add", "br-rt", "type", "veth", "peer", "name", "eth0", "netns", router);
  sh("ip", "-n", lab.bridgeNs, "link", "set", "br-rt", "master", "br0", "up");
  await inNs(
    router,
    "ip",
    "link",
    "add",
    "rt-far",
    "mtu",
    String(options.mtu),
    "type",
    "veth",
    "peer",
    "name",
    "eth0",
    "netns",
    far,
  );
  await inNs(router, "ip", "link", "set", "rt-far", "up");
  await inNs(router, "ip", "link", "set", "eth0", "up");
  await inNs(far, "ip", "link", "set", "eth0", "up");
  await inNs(router, "ip", "addr", "add", `${ROUTER_ADDR}/24`, "dev", "eth0");
  await inNs(router, "ip", "addr", "add", "10.0.1.1/24", "dev", "rt-far");
  await inNs(far, "ip", "addr", "add", `${FAR_ADDR}/24`, "dev", "eth0");
  // Full checksums and MTU-sized segments, as from a real wire (topology.ts).
  for (const [ns, dev] of [
    [router, "eth0"],
    [router, "rt-far"],
    [far, "eth0"],
  ] as const)
    await inNs(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off");
  // Every error answered at once: the tests count on the router's errors, not its rate limit.
  await inNs(router, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.icmp_ratelimit=0");
  for (const vip of [lab.vip, DSR_VIP]) await inNs(router, "ip", "route", "add", `${vip}/32`, "via", lab.lb.addr);
  await inNs(far, "ip", "route", "add", "default", "via", "10.0.1.1");
  for (const be of lab.backends) {
    await inNs(be.ns, "ip", "route", "add", "10.0.1.0/24", "via", lab.lb.addr);
    await inNs(be.ns, "ip", "route", "add", "10.0.1.0/24", "via", ROUTER_ADDR, "table", DSR_TABLE);
  }
  if (options.ipv6) {
    await inNs(router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", "net.ipv6.icmp.ratelimit=0");
    await inNs(router, "ip", "-6", "addr", "add", `${ROUTER_ADDR6}/64`, "dev", "eth0", "nodad");
    await inNs(router, "ip", "-6", "addr", "add", "fd00:1::1/64", "dev", "rt-far", "nodad");
    await inNs(far, "ip", "-6", "addr", "add", `${FAR_ADDR6}/64`, "dev", "eth0", "nodad");
    await inNs(router, "ip", "-6", "route", "add", "fd00:100::/64", "via", hostAddr6(lab.lb.addr));
    await inNs(far, "ip", "-6", "route", "add", "default", "via", "fd00:1::1");
    for (const be of lab.backends) {
      await inNs(be.ns, "ip", "-6", "route", "add", "fd00:1::/64", "via", hostAddr6(lab.lb.addr));
      await inNs(be.ns, "ip", "-6", "route", "add", "fd00:1::/64", "via", ROUTER_ADDR6, "table", DSR_TABLE6);
    }
  }
  return { ns: far, router };
}
