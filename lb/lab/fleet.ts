// A fleet of LBs behind ECMP, in network namespaces (issue 17):
//
//   client 10.1.0.2 ── router 10.1.0.1 | 10.0.0.254 ──┐  bridge br0 (ns <p>-br)
//                      VIP/32: multipath via lb1..lbN   ├── lb1 10.0.0.1 … lbN 10.0.0.N   (XDP: lb/lb.ts, encap VIP)
//                      fib_multipath_hash_policy=1      └── be1 10.0.0.11 … beM            (XDP: IP-in-IP decap; VIP on lo)
//
// The router spreads the client's flows over the LBs by a hash of the 5-tuple (L4 multipath
// hashing, as a BGP-fed router does with ECMP). Each LB encapsulates to the backend Maglev
// picks; the backend answers the client directly through the router (direct server return).
// Withdrawing an LB is removing its nexthop from the router's route, as a BGP withdrawal
// would; its flows move to the other LBs, which pick the same backends.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installExitHooks } from "./exit-hooks.ts";
import { deleteNamespace, sweepStaleLabs } from "./topology.ts";
import { buildDecap, buildXdpPass } from "./xdp-pass.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const FLEET_VIP = "10.100.0.2";
const MTU = 1600; // the LBs' links to the backends carry 20 more bytes per packet (IP-in-IP)
let counter = 0;

export interface FleetHost {
  name: string;
  ns: string;
  addr: string;
  mac: string;
}

export interface FleetLab {
  prefix: string;
  vip: string;
  client: FleetHost;
  router: FleetHost;
  lbs: FleetHost[];
  backends: FleetHost[];
  namespaces: string[];
  /** Sets the router's route to the VIP: one nexthop per LB given (by name). */
  route(lbNames: string[]): void;
  /** The router's route to the VIP as `ip route` prints it. */
  showRoute(): string;
  /** Starts a process in a namespace (killed by destroy). */
  spawn(ns: string, argv: string[]): ChildProcess;
  /** The fleet config for `tsbpf lb fleet start` (VIP:80 HTTP and VIP:81 line server, encap). */
  fleetConfig(pinPrefix: string): object;
  destroy(): void;
}

function sh(...argv: string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`fleet lab: \`${argv.join(" ")}\` failed: ${(err.stderr || err.message).trim()}`);
  }
}

const mac = (a: number, b: number) => `02:00:0a:0${a}:00:${b.toString(16).padStart(2, "0")}`;

export function createFleetLab(opts: { lbs?: number; backends?: number } = {}): FleetLab {
  const nLbs = opts.lbs ?? 3;
  const nBackends = opts.backends ?? 3;
  sweepStaleLabs();
  const prefix = `tsbpf-${process.pid}-f${counter++}`;
  const host = (name: string, addr: string, m: string): FleetHost => ({ name, ns: `${prefix}-${name}`, addr, mac: m });
  const client = host("client", "10.1.0.2", mac(1, 2));
  const router = host("router", "10.0.0.254", mac(0, 254));
  const lbs = Array.from({ length: nLbs }, (_, i) => host(`lb${i + 1}`, `10.0.0.${i + 1}`, mac(0, i + 1)));
  const backends = Array.from({ length: nBackends }, (_, i) => host(`be${i + 1}`, `10.0.0.${11 + i}`, mac(0, 11 + i)));
  const br = `${prefix}-br`;
  const namespaces = [br, client.ns, router.ns, ...lbs.map((h) => h.ns), ...backends.map((h) => h.ns)];
  const children = new Set<ChildProcess>();
  let destroyed = false;
  const lab: FleetLab = {
    prefix,
    vip: FLEET_VIP,
    client,
    router,
    lbs,
    backends,
    namespaces,
    route(names) {
      const hops = names.flatMap((n) => ["nexthop", "via", lbs.find((l) => l.name === n)!.addr, "weight", "1"]);
      sh("ip", "-n", router.ns, "route", "replace", `${FLEET_VIP}/32`, ...hops);
    },
    showRoute() {
      return sh("ip", "-n", router.ns, "route", "show", `${FLEET_VIP}/32`).trim();
    },
    spawn(ns, argv) {
      const child = spawn("ip", ["netns", "exec", ns, ...argv], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    fleetConfig(pinPrefix) {
      const members = backends.map((b) => ({ addr: b.addr, mac: b.mac }));
      return {
        mode: "native",
        vips: [
          { vip: `${FLEET_VIP}:80/tcp`, encap: true, backends: members },
          { vip: `${FLEET_VIP}:81/tcp`, encap: true, backends: members },
        ],
        instances: lbs.map((l) => ({
          name: l.name,
          dev: "eth0",
          netns: l.ns,
          encapSource: l.addr,
          pinDir: `${pinPrefix}-${l.name}`,
        })),
      };
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const c of children) c.kill("SIGKILL");
      for (const ns of [...namespaces].reverse()) deleteNamespace(ns);
    },
  };
  installExitHooks(() => lab.destroy());
  try {
    build(lab, br);
  } catch (e) {
    lab.destroy();
    throw e;
  }
  return lab;
}

function build(lab: FleetLab, br: string): void {
  const inNs = (ns: string, ...argv: string[]) => sh("ip", "netns", "exec", ns, ...argv);
  const sysctl = (ns: string, ...kv: string[]) => inNs(ns, "sysctl", "-q", "-w", ...kv);
  const passObj = buildXdpPass();
  const decapObj = buildDecap();
  for (const ns of lab.namespaces) {
    sh("ip", "netns", "add", ns);
    sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    sysctl(ns, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
    sh("ip", "-n", ns, "link", "set", "lo", "up");
  }
  try {
    sysctl(br, "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-arptables=0");
  } catch {
    /* br_netfilter not loaded */
  }
  sh("ip", "-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0");
  sh("ip", "-n", br, "link", "set", "br0", "mtu", String(MTU), "up");
  // Fabric: router, LBs and backends on the bridge.
  const fabric = [lab.router, ...lab.lbs, ...lab.backends];
  for (const h of fabric) {
    const port = `br-${h.name}`;
    sh("ip", "-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", h.ns);
    sh("ip", "-n", br, "link", "set", port, "mtu", String(MTU), "master", "br0", "up");
    sh("ip", "-n", h.ns, "link", "set", "eth0", "address", h.mac, "mtu", String(MTU), "up");
    sh("ip", "-n", h.ns, "addr", "add", `${h.addr}/24`, "dev", "eth0");
    inNs(h.ns, "ethtool", "-K", "eth0", "tx", "off", "tso", "off", "gso", "off");
  }
  // The router's MTU toward the fabric stays 1500: the clients' packets, before the LB's 20 bytes.
  sh("ip", "-n", lab.router.ns, "link", "set", "eth0", "mtu", "1500");
  // XDP_TX out of an LB's veth needs an XDP program on its peer (docs/xdp-on-veth.md).
  for (const l of lab.lbs)
    sh("ip", "-n", br, "link", "set", "dev", `br-${l.name}`, "xdpdrv", "obj", passObj, "sec", "xdp");
  // Client ↔ router, a point-to-point veth.
  sh("ip", "-n", lab.client.ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1", "netns", lab.router.ns);
  sh("ip", "-n", lab.client.ns, "link", "set", "eth0", "address", lab.client.mac, "up");
  sh("ip", "-n", lab.client.ns, "addr", "add", `${lab.client.addr}/24`, "dev", "eth0");
  inNs(lab.client.ns, "ethtool", "-K", "eth0", "tx", "off", "tso", "off", "gso", "off");
  sh("ip", "-n", lab.client.ns, "route", "add", "default", "via", "10.1.0.1");
  sh("ip", "-n", lab.router.ns, "link", "set", "eth1", "up");
  sh("ip", "-n", lab.router.ns, "addr", "add", "10.1.0.1/24", "dev", "eth1");
  inNs(lab.router.ns, "ethtool", "-K", "eth1", "tx", "off", "tso", "off", "gso", "off");
  sysctl(lab.router.ns, "net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1");
  sysctl(lab.router.ns, "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0");
  lab.route(lab.lbs.map((l) => l.name));
  // Backends: decapsulate, hold the VIP on lo, answer the client through the router.
  for (const b of lab.backends) {
    sh("ip", "-n", b.ns, "link", "set", "dev", "eth0", "xdpdrv", "obj", decapObj, "sec", "xdp");
    sh("ip", "-n", b.ns, "addr", "add", `${FLEET_VIP}/32`, "dev", "lo");
    sh("ip", "-n", b.ns, "route", "add", "10.1.0.0/24", "via", lab.router.addr);
    // Answer ARP only for addresses on eth0: the VIP on lo stays the LBs' (reached via the router).
    sysctl(b.ns, "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.eth0.arp_ignore=1");
  }
  for (const l of lab.lbs) sysctl(l.ns, "net.ipv4.conf.all.send_redirects=0");
}
