// IPv6 in the lab: addresses on every host, and two IPv6 VIPs over all backends — one served
// by DNAT with reverse NAT (replies through the LB), one by IPv6-in-IPv6 encapsulation
// (replies straight from the backends), docs/lb-abi.md "IPv6".
//
// Hosts get fd00::<last IPv4 byte>/64 beside their IPv4 address (no duplicate address
// detection: the lab's addresses are unique). The client routes the VIPs' /64 via the LB.
// Backends route the client via the LB (for DNAT's reverse NAT), except what leaves from the
// encapsulation VIP, which a policy route sends straight to the client; they decapsulate
// (encap-backends.ts: decap.ts in XDP, this kernel has no CONFIG_IPV6_TUNNEL), hold the
// encapsulation VIP on lo, and run an HTTP server on [::]:80, a UDP echo on [::]:53 (DNAT) and
// one bound to the encapsulation VIP on port 54.
import type { LoadBalancedLab } from "./load-balanced.ts";
import { startBackendServers } from "./http.ts";
import { enableDecapsulation } from "./encap-backends.ts";
import { labScript, startServer } from "./servers.ts";
import type { VipSpec } from "../control.ts";

/** The DNAT VIP and the encapsulation VIP. */
export const VIP6 = "fd00:100::1";
export const ENCAP_VIP6 = "fd00:100::2";
export const ENCAP_UDP_PORT6 = 54;
const TABLE = "106";

/** A host's IPv6 address: fd00:: and its IPv4 address's last byte, in hex (10.0.0.11 → fd00::b). */
export function hostAddr6(ipv4: string): string {
  return `fd00::${Number(ipv4.split(".")[3]).toString(16)}`;
}

export interface Ipv6Vips {
  http: VipSpec;
  udp: VipSpec;
  encapHttp: VipSpec;
  encapUdp: VipSpec;
}

export async function enableIpv6(env: LoadBalancedLab): Promise<Ipv6Vips> {
  const { lab, lb } = env;
  for (const h of [lab.client, lab.lb, ...lab.backends]) {
    await lab.exec(h.name, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.eth0.disable_ipv6=0"]);
    await lab.exec(h.name, ["ip", "-6", "addr", "add", `${hostAddr6(h.addr)}/64`, "dev", "eth0", "nodad"]);
  }
  await enableDecapsulation(env);
  const lb6 = hostAddr6(lab.lb.addr);
  const client6 = hostAddr6(lab.client.addr);
  for (const be of lab.backends) {
    const sh = (...argv: string[]) => lab.exec(be.name, argv);
    await sh("ip", "-6", "addr", "add", `${ENCAP_VIP6}/128`, "dev", "lo");
    await sh("ip", "-6", "route", "add", `${client6}/128`, "via", lb6);
    await sh("ip", "-6", "rule", "add", "from", ENCAP_VIP6, "lookup", TABLE);
    await sh("ip", "-6", "route", "add", `${client6}/128`, "dev", "eth0", "table", TABLE);
    for (const [port, address] of [
      [53, "::"],
      [ENCAP_UDP_PORT6, ENCAP_VIP6],
    ] as const)
      await startServer(lab, be.name, labScript("udp-echo.ts", be.name, String(port), address));
  }
  await startBackendServers(lab, { port: 80, address: "::" });
  await lab.exec("client", ["ip", "-6", "route", "add", "fd00:100::/64", "via", lb6]);

  lb.setEncapSource(lb6);
  const http: VipSpec = { addr: VIP6, port: 80, proto: "tcp" };
  const udp: VipSpec = { addr: VIP6, port: 53, proto: "udp" };
  const encapHttp: VipSpec = { addr: ENCAP_VIP6, port: 80, proto: "tcp" };
  const encapUdp: VipSpec = { addr: ENCAP_VIP6, port: ENCAP_UDP_PORT6, proto: "udp" };
  for (const [vip, encap] of [
    [http, false],
    [udp, false],
    [encapHttp, true],
    [encapUdp, true],
  ] as const) {
    lb.addVip(vip, { encap });
    for (const b of lab.backends) lb.addBackend(vip, { addr: hostAddr6(b.addr), mac: b.mac });
  }
  return { http, udp, encapHttp, encapUdp };
}
