// The network-namespace lab the LB demo and e2e tests run in.
//
//            ns <p>-br: bridge br0
//      ┌──────────┬─────┴──────┬────────────┐
//  br-client    br-lb      br-be1 …     br-beN      (veth ends in the bridge ns)
//      │         │          │           │
//  <p>-client  <p>-lb    <p>-be1 …   <p>-beN        (each has its end as eth0)
//  10.0.0.2    10.0.0.1  10.0.0.11 … 10.0.0.10+N
//
// The client reaches the VIP through the LB (route VIP/32 via the LB). The
// LB's XDP program rewrites the destination to a backend and XDP_TXes the
// frame back out of its eth0 into the bridge. Backends route the client's
// /32 via the LB, so replies pass the LB for reverse NAT.
//
// XDP_TX out of a veth (native mode) only delivers frames if the peer veth has
// a native XDP program of its own; without one they are dropped and counted as
// tx drops on the LB's eth0. So the bridge port `br-lb` gets an XDP_PASS program
// (docs/xdp-on-veth.md has the experiments). The hosts' veths send full
// checksums and MTU-sized segments (TX offloads off, see build()).
//
// Every namespace name starts with a per-lab prefix `tsbpf-<pid>-<n>` so
// parallel and aborted runs never collide, and sweepStaleLabs() can tell
// leftovers (their pid is gone) from live labs.

import { execFile, execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { buildXdpPass } from "./xdp-pass.ts";
import { installExitHooks } from "./exit-hooks.ts";

const execFileP = promisify(execFile);

export const VIP = "10.100.0.1";
// No backend address may have the same one's-complement sum as the VIP
// (10.0.0.101 does: 0x0a00 + 0x0065 = 0x0a64 + 0x0001): rewriting one into
// the other leaves every checksum valid, and a test could not tell whether
// the LB updated them. Backends live at 10.0.0.11..60 for that reason.
export const LAB_SUBNET = "10.0.0.0/24";

export interface Host {
  /** Role name: "client", "lb", "be1".."beN". */
  name: string;
  /** Network namespace holding this host. */
  ns: string;
  /** Interface inside `ns` (always "eth0"). */
  ifname: string;
  /** IPv4 address on `ifname`. */
  addr: string;
  /** MAC of `ifname`, lower-case "aa:bb:…". */
  mac: string;
  /** This host's veth end in the bridge namespace. */
  bridgePort: string;
}

export interface LabOptions {
  /** Number of backends (1..50). Default 3. */
  backends?: number;
  /**
   * Put an XDP_PASS program on the LB's bridge port so native-mode XDP_TX on
   * the LB's eth0 is delivered. Default true. Off lets tests show the failure.
   */
  peerXdp?: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface Lab {
  prefix: string;
  vip: string;
  /** Namespace holding the bridge `br0` and the hosts' peer ends. */
  bridgeNs: string;
  client: Host;
  lb: Host;
  backends: Host[];
  /** Every host by role name ("client", "lb", "be1", …). */
  hosts: Record<string, Host>;
  /** Every namespace this lab created. */
  namespaces: string[];
  /**
   * Run a command in a host's namespace (role name or namespace name) and
   * resolve with its output; rejects on a non-zero exit or after timeoutMs.
   */
  exec(ns: string, cmd: string[] | string, opts?: { timeoutMs?: number; cwd?: string }): Promise<ExecResult>;
  /** Start a long-running process in a namespace; destroy() kills it. */
  spawn(ns: string, argv: string[], opts?: SpawnOptions): ChildProcess;
  /** Kill spawned processes and delete every namespace. Idempotent, synchronous. */
  destroy(): void;
}

const PREFIX_RE = /^tsbpf-(?:exp-)?(\d+)-/;
let labCounter = 0;
const liveLabs = new Set<Lab>();

function destroyAllLabs(): void {
  for (const l of [...liveLabs]) l.destroy();
}

/** Run a command in the root namespace, throwing with its stderr on failure. */
function sh(argv: string[], input?: string): string {
  try {
    const [cmd = "", ...args] = argv;
    return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`lab: \`${argv.join(" ")}\` failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** The same, for cleanup: failure (already gone) is fine. */
function shQuiet(argv: string[]): string {
  try {
    const [cmd = "", ...args] = argv;
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "";
  }
}

function checkPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error("lab: network namespaces need root (run as root)");
  for (const tool of ["ip", "ethtool"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(`lab: \`${tool}\` not found (apt-get install ${tool === "ip" ? "iproute2" : tool})`);
    }
  }
}

function hexByte(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** Locally administered MAC whose last byte is the host's last address byte, for readable captures. */
function macFor(lastOctet: number): string {
  return `02:00:0a:00:00:${hexByte(lastOctet)}`;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Kill whatever still runs inside a namespace, then delete it. `ip netns del`
 * fails with EBUSY while a process started by `ip netns exec` is alive (its
 * private mount namespace still holds /run/netns/<ns>), so wait for them to
 * be gone and retry, within about two seconds.
 */
export function deleteNamespace(ns: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pids = shQuiet(["ip", "netns", "pids", ns]).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    if (pids.length === 0) {
      shQuiet(["ip", "netns", "del", ns]);
      if (!listNamespaces().includes(ns)) return;
    }
    sleepSync(100);
  }
}

export function listNamespaces(): string[] {
  return shQuiet(["ip", "netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter(Boolean);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Delete namespaces left by labs whose process is gone. Returns their names. */
export function sweepStaleLabs(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const m = PREFIX_RE.exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  for (const ns of stale) deleteNamespace(ns);
  return stale;
}

export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  const nBackends = opts.backends ?? 3;
  if (!Number.isInteger(nBackends) || nBackends < 1 || nBackends > 50) {
    throw new Error(`lab: backends must be an integer 1..50, got ${nBackends}`);
  }
  checkPrerequisites();
  const peerXdpObj = opts.peerXdp === false ? null : buildXdpPass();

  const prefix = `tsbpf-${process.pid}-${labCounter++}`;
  const bridgeNs = `${prefix}-br`;
  const mk = (name: string, last: number): Host => ({
    name,
    ns: `${prefix}-${name}`,
    ifname: "eth0",
    addr: `10.0.0.${last}`,
    mac: macFor(last),
    bridgePort: `br-${name}`, // a bare "l" or "c" would parse as an ip keyword
  });
  const lb = mk("lb", 1);
  const client = mk("client", 2);
  const backends = Array.from({ length: nBackends }, (_, i) => mk(`be${i + 1}`, 11 + i));
  const all = [client, lb, ...backends];
  const hosts = Object.fromEntries(all.map((h) => [h.name, h]));
  const children = new Set<ChildProcess>();
  let destroyed = false;

  const resolveNs = (ns: string): string => hosts[ns]?.ns ?? ns;

  const lab: Lab = {
    prefix,
    vip: VIP,
    bridgeNs,
    client,
    lb,
    backends,
    hosts,
    namespaces: [bridgeNs, ...all.map((h) => h.ns)],
    async exec(ns, cmd, o = {}) {
      const argv = typeof cmd === "string" ? ["sh", "-c", cmd] : cmd;
      try {
        return await execFileP("ip", ["netns", "exec", resolveNs(ns), ...argv], {
          timeout: o.timeoutMs ?? 30_000,
          cwd: o.cwd,
          killSignal: "SIGKILL",
          maxBuffer: 16 << 20,
        });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string };
        throw new Error(`lab: in ${ns}: \`${argv.join(" ")}\` failed: ${(err.stderr || err.message).trim()}`, {
          cause: e,
        });
      }
    },
    spawn(ns, argv, o = {}) {
      const child = spawn("ip", ["netns", "exec", resolveNs(ns), ...argv], o);
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      liveLabs.delete(lab);
      for (const c of children) c.kill("SIGKILL");
      // Host namespaces first: deleting them removes their veth pairs.
      for (const ns of [...lab.namespaces].reverse()) deleteNamespace(ns);
    },
  };
  liveLabs.add(lab);
  installExitHooks(destroyAllLabs);

  try {
    build(lab, peerXdpObj);
  } catch (e) {
    lab.destroy();
    throw e;
  }
  return lab;
}

/** All the `ip`/`sysctl`/`ethtool` work, run synchronously in order. */
function build(lab: Lab, peerXdpObj: string | null): void {
  const inNs = (ns: string, ...argv: string[]) => sh(["ip", "netns", "exec", ns, ...argv]);
  const inNsOk = (ns: string, ...argv: string[]) =>
    spawnSync("ip", ["netns", "exec", ns, ...argv], { stdio: "ignore" }).status === 0;
  const sysctls = (ns: string, kv: Record<string, string | number>) =>
    inNs(ns, "sysctl", "-q", "-w", ...Object.entries(kv).map(([k, v]) => `${k}=${v}`));
  const br = lab.bridgeNs;

  sh(["ip", "netns", "add", br]);
  // IPv6 off everywhere: no DAD delays, no router/neighbour solicitations in captures.
  sysctls(br, { "net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1 });
  // With br_netfilter loaded a new namespace inherits bridge-nf-call-*=1: bridged frames then
  // pass iptables, which drops or trims malformed ones before they reach the LB and hides
  // the LB's own handling of them from the tests. The lab's bridge is a plain wire.
  if (inNsOk(br, "sysctl", "-n", "net.bridge.bridge-nf-call-iptables"))
    sysctls(br, {
      "net.bridge.bridge-nf-call-iptables": 0,
      "net.bridge.bridge-nf-call-ip6tables": 0,
      "net.bridge.bridge-nf-call-arptables": 0,
    });
  sh(["ip", "-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"]);
  sh(["ip", "-n", br, "link", "set", "br0", "up"]);

  for (const h of Object.values(lab.hosts)) {
    sh(["ip", "netns", "add", h.ns]);
    sysctls(h.ns, {
      "net.ipv6.conf.all.disable_ipv6": 1,
      "net.ipv6.conf.default.disable_ipv6": 1,
      "net.ipv4.conf.all.rp_filter": 0,
      "net.ipv4.conf.default.rp_filter": 0,
    });
    // Create the pair inside the bridge ns and move one end straight into
    // the host's ns: no name is ever taken in the root namespace.
    sh(["ip", "-n", br, "link", "add", h.bridgePort, "type", "veth", "peer", "name", h.ifname, "netns", h.ns]);
    sh(["ip", "-n", br, "link", "set", h.bridgePort, "master", "br0", "up"]);
    sh(["ip", "-n", h.ns, "link", "set", h.ifname, "address", h.mac, "up"]);
    sh(["ip", "-n", h.ns, "link", "set", "lo", "up"]);
    sh(["ip", "-n", h.ns, "addr", "add", `${h.addr}/24`, "dev", h.ifname]);
    // veth hands locally generated TCP/UDP to the peer with only the pseudo-
    // header summed (CHECKSUM_PARTIAL) and as 64 KiB TSO segments. An XDP
    // program sees neither fact: it would "fix" a checksum that was never
    // filled in. Full checksums and MTU-sized packets, as from a real wire.
    inNs(h.ns, "ethtool", "-K", h.ifname, "tx", "off", "tso", "off", "gso", "off");
  }

  const { lb, client } = lab;
  sh(["ip", "-n", client.ns, "route", "add", `${lab.vip}/32`, "via", lb.addr]);
  for (const be of lab.backends) {
    sh(["ip", "-n", be.ns, "route", "add", `${client.addr}/32`, "via", lb.addr]);
    // A redirect from the LB would teach the backend to reach the client directly.
    sysctls(be.ns, { "net.ipv4.conf.all.accept_redirects": 0, "net.ipv4.conf.eth0.accept_redirects": 0 });
  }
  // The LB forwards what its XDP program passes (e.g. backend -> client
  // traffic that isn't a VIP flow), without redirecting anyone around it.
  sysctls(lb.ns, {
    "net.ipv4.ip_forward": 1,
    "net.ipv4.conf.all.send_redirects": 0,
    "net.ipv4.conf.eth0.send_redirects": 0,
  });
  if (peerXdpObj) {
    sh(["ip", "-n", br, "link", "set", "dev", lb.bridgePort, "xdpdrv", "obj", peerXdpObj, "sec", "xdp"]);
  }
}

// `tsx lb/lab/topology.ts sweep`: remove what aborted runs left behind.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] !== "sweep") {
    console.error("usage: tsx lb/lab/topology.ts sweep");
    process.exit(2);
  }
  const removed = sweepStaleLabs();
  console.log(removed.length ? `removed ${removed.join(" ")}` : "nothing to remove");
}
