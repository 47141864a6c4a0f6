// Direct server return in the lab: a second VIP served by the LB's encapsulation mode
// (docs/lb-abi.md, "Encapsulation mode"), with backends that decapsulate and answer the
// client straight from the VIP, never through the LB.
//
// Per backend: the decapsulation and MTUs of encap-backends.ts, the VIP on lo, and a policy
// route that sends what leaves from the VIP straight to the client (the lab's main route to
// the client goes through the LB, for DNAT's reverse NAT).
import type { LoadBalancedLab } from "./load-balanced.ts";
import type { Lab } from "./topology.ts";
import { enableDecapsulation } from "./encap-backends.ts";
import { labScript, startServer } from "./servers.ts";
import type { VipSpec } from "../control.ts";

/** The encapsulation VIP's address (the lab's DNAT VIP is 10.100.0.1). */
export const DSR_VIP = "10.100.0.2";
/** UDP port of the VIP's datagram echo (its server binds the VIP, see udp-echo.ts). */
export const DSR_UDP_PORT = 54;
const TABLE = "100";

export interface DsrVips {
  /** DSR_VIP:80/tcp, the backends' HTTP servers. */
  http: VipSpec;
  /** DSR_VIP:54/udp, an echo of the backend's name. */
  udp: VipSpec;
}

/** Sets the backends up for direct server return and adds the encapsulation VIPs over all of them. */
export async function enableDirectServerReturn(env: LoadBalancedLab): Promise<DsrVips> {
  const { lab, lb } = env;
  await setUpDsrBackends(lab);
  for (const be of lab.backends)
    await startServer(lab, be.name, labScript("udp-echo.ts", be.name, String(DSR_UDP_PORT), DSR_VIP));

  lb.setEncapSource(lab.lb.addr);
  const http: VipSpec = { addr: DSR_VIP, port: 80, proto: "tcp" };
  const udp: VipSpec = { addr: DSR_VIP, port: DSR_UDP_PORT, proto: "udp" };
  for (const vip of [http, udp]) {
    lb.addVip(vip, { encap: true });
    for (const b of lab.backends) lb.addBackend(vip, { addr: b.addr, mac: b.mac });
  }
  return { http, udp };
}

/** The network side of direct server return, without servers or an LB: the decapsulation
 *  (encap-backends.ts), DSR_VIP on each backend's lo with the route of its replies to the
 *  client, and the client's route to DSR_VIP through the LB. */
export async function setUpDsrBackends(lab: Lab): Promise<void> {
  await enableDecapsulation({ lab });
  for (const be of lab.backends) {
    const sh = (...argv: string[]) => lab.exec(be.name, argv);
    await sh("ip", "addr", "add", `${DSR_VIP}/32`, "dev", "lo");
    await sh("ip", "rule", "add", "from", DSR_VIP, "lookup", TABLE);
    await sh("ip", "route", "add", `${lab.client.addr}/32`, "dev", "eth0", "table", TABLE);
  }
  await lab.exec("client", ["ip", "route", "add", `${DSR_VIP}/32`, "via", lab.lb.addr]);
}
