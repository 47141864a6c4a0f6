// Bulk TCP throughput (iperf3) through the LB namespace against straight to the backend, in both
// directions, for what runs on the LB's interface (issue 16's goal: encapsulation ≥ 0.9× direct):
//   node --import tsx lb/lab/throughput.ts [seconds] [rounds] [lab|deployment] [xdp|tc] [mtu] [paths] [frags]
//     (root, iperf3; defaults 3, 3, lab, xdp, 1500, all: options below; paths: comma-separated names
//     or "all"; "frags": every XDP program built with xdp.frags, for an MTU above 3406)
//
// One lab with one backend (topology.ts, dsr.ts's decapsulation and DSR_VIP on lo). Each round
// runs every path below once, one after the other, each in both directions: "up" is the client
// sending to the backend (every data segment passes the LB), "down" is `iperf3 -R`, the backend
// sending (with direct server return only the client's ACKs pass the LB).
//   direct    the client to the backend's own address DIRECT_ADDR: client → bridge → backend.
//   kernel    no XDP program on the LB's eth0; the LB namespace routes the VIPs to the backend,
//             which holds them on lo: the same veths, bridge passes and MTUs as the LB's path,
//             forwarded by the kernel. "encap" row: to DSR_VIP, answers straight to the client;
//             "dnat" row: to the DNAT VIP, answers back through the LB namespace.
//   xdp-pass  the same with an XDP_PASS program on the LB's eth0 (xdp_pass.ts).
//   c         the C twin (bench/lb.c, clang-14 -O2) in encapsulation (DSR_VIP) and DNAT (VIP).
//   tsbpf     the LB (lb/lb.ts) the same way.
//   tsbpf-generic  the LB attached in generic (skb) mode instead of native.
// The kernel routes exist only during the kernel and xdp-pass paths, so through c and tsbpf a
// transfer arrives only if the program forwards it; each of their runs must also show the
// program's forwarded count grow by the packets the transfer needs (native: the XDP_TX count of
// the LB's eth0, ethtool -S; generic mode, which veth does not count: the LB's VIP counters),
// or the measurement fails. Senders and receivers are pinned (iperf3 -A 0,1) the same way on
// every path. Besides Mbit/s, each run gets the CPU it cost per byte: the sender's and the
// receiver's CPU time (iperf3's, which includes the softirq work the kernel does in their
// context: on veths nearly all of the forwarding) plus the ksoftirqd threads', per GB received;
// other helpers' load moves Mbit/s far more than it moves this. Prints per path, row and
// direction the medians of the rounds and their ratio to direct, and the load average.
import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inNetns, loadObject, type TypedMap, type XdpMode } from "../../runtime/index.ts";
import { LoadBalancer, type VipSpec } from "../control.ts";
import { DSR_VIP, setUpDsrBackends } from "./dsr.ts";
import { createLab, sweepStaleLabs, type Lab } from "./topology.ts";
import { buildDecapTc, buildXdpPass } from "./xdp-pass.ts";
import { buildFragsObjects, FRAGS_SECTION } from "./frags.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const PORT = 5201;
/** A second address of the backend, answered straight to the client (the lab's main route to
 *  the client goes through the LB, as DNAT needs for be1's own address). */
export const DIRECT_ADDR = "10.0.0.200";
/** The maps the C twin takes from a configured LoadBalancer (same names and layouts). */
const CONFIG_MAPS = ["vips", "backends", "maglev", "encap", "config"];

export type PathName = "direct" | "kernel" | "xdp-pass" | "c" | "tsbpf";
export type Row = "encap" | "dnat";
export type Direction = "up" | "down";

/** What runs in the LB namespace for one path, set up before its runs and undone after. */
export interface Path {
  name: string;
  /** The rows this path measures and the address the client connects to for each. */
  targets(lab: Lab): Array<[Row | "direct", string]>;
  /** True if its transfers must show up in the packets the LB's program forwarded. */
  forwardsByXdp: boolean;
  setUp(lab: Lab): Promise<() => Promise<void>>;
  /** Packets the LB's program has forwarded so far, while set up; default: the XDP_TX count of
   *  the LB's eth0 (native mode). */
  forwarded?(lab: Lab): Promise<number>;
}

export interface Run {
  path: string;
  row: Row | "direct";
  direction: Direction;
  mbitPerS: number;
  retransmits: number;
  /** Packets the LB's XDP program forwarded during the run (see Path.forwarded). */
  lbForwarded: number;
  /** CPU seconds per GB received: the sender's and the receiver's CPU time (iperf3's own figure,
   *  softirq work done in their context included) and the ksoftirqd threads' during the run. */
  cpuSecondsPerGB: number;
  /** Frames the backend's eth0 received during the run, and their mean size in bytes. */
  backendFrames: number;
  backendFrameBytes: number;
  /** The 1-minute load average when the run ended. */
  load: number;
}

export interface ThroughputOptions {
  seconds?: number;
  rounds?: number;
  /** "lab": the end hosts' veths as topology.ts makes them (no GSO, no GRO: the sender's TCP
   *  builds every 1500-byte segment, the receiver's stack takes each on its own). "deployment":
   *  GSO and GRO on at the client's and the backend's eth0, as a NIC's TSO/GRO would be (the
   *  transmit checksum stays off: frames still leave segmented and fully checksummed). */
  offloads?: "lab" | "deployment";
  /** How the backend decapsulates: "xdp", decap.ts on its eth0 as the lab's backends do, or
   *  "tc", decap_tc.ts at tc ingress (no XDP program on the backend's veth, which then copies
   *  no packet; see decap_tc.ts). */
  decap?: "xdp" | "tc";
  /** The client's MTU; the LB's and the backend's links get 100 bytes more (room for the outer
   *  header). Default 1500. At most 3406 unless `frags`: a veth whose program does not declare
   *  xdp.frags takes frames of one page (3506-byte MTU). */
  mtu?: number;
  /** Multi-buffer: the lab's XDP programs (the LB bridge port's XDP_PASS, the backend's
   *  decapsulation) built with xdp.frags (frags.ts), so that the MTU may be a jumbo one; the paths
   *  must then be standardPaths(dir, true)'s. */
  frags?: boolean;
  /** The paths to measure; default standardPaths(). */
  paths?: Path[];
  log?: (line: string) => void;
}

/** The LB (or its C twin) with an encapsulation VIP DSR_VIP:PORT and a DNAT VIP VIP:PORT over
 *  the backend. `object` is tsbpf's lb.o; `c` an object with the same maps (bench/lb.c). */
export function lbPath(
  name: string,
  object: string,
  options: { c?: string; configure?: ConfigureLb; mode?: XdpMode } = {},
): Path {
  const mode = options.mode ?? "native";
  if (mode !== "native" && options.c) throw new Error("throughput: the C twin is measured in native mode only");
  let running: LoadBalancer | undefined;
  return {
    name,
    targets: vipTargets,
    forwardsByXdp: true,
    // veth counts XDP_TX only for native programs; in generic mode the LB's VIP counters tell.
    forwarded: mode === "native" ? undefined : async () => Number(running!.stats().reduce((n, s) => n + s.packets, 0n)),
    async setUp(lab) {
      const lb = await LoadBalancer.load(object);
      try {
        (options.configure ?? configureLb)(lb, lab);
        if (!options.c) {
          lb.attach(lab.lb.ifname, { netns: lab.lb.ns, mode });
          running = lb;
          return async () => {
            running = undefined;
            lb.close();
          };
        }
        const c = await loadObject(options.c);
        try {
          const maps = lb.maps as unknown as Record<string, TypedMap<unknown, unknown>>;
          for (const m of CONFIG_MAPS) for (const [k, v] of maps[m]!.map.entries()) c.map(m).update(k, v);
          const link = inNetns(lab.lb.ns, () => c.program("lb").attachXdp(lab.lb.ifname, { mode: "native" }));
          return async () => {
            link.close();
            c.close();
            lb.close();
          };
        } catch (e) {
          c.close();
          throw e;
        }
      } catch (e) {
        lb.close();
        throw e;
      }
    },
  };
}

const vipTargets = (lab: Lab): Array<[Row, string]> => [
  ["encap", DSR_VIP],
  ["dnat", lab.vip],
];

export type ConfigureLb = (lb: LoadBalancer, lab: Lab) => void;

/** The measurement's VIPs: DSR_VIP:PORT by encapsulation and the lab's VIP:PORT by DNAT, both to be1. */
export const configureLb: ConfigureLb = (lb, lab) => {
  const be = lab.backends[0]!;
  lb.setEncapSource(lab.lb.addr);
  const encap: VipSpec = { addr: DSR_VIP, port: PORT, proto: "tcp" };
  const dnat: VipSpec = { addr: lab.vip, port: PORT, proto: "tcp" };
  lb.addVip(encap, { encap: true });
  lb.addVip(dnat);
  for (const vip of [encap, dnat]) lb.addBackend(vip, { addr: be.addr, mac: be.mac });
};

/** The kernel forwarding through the LB namespace, with `program` (an XDP object, its program
 *  in `section`) on its eth0 or none. */
export function kernelPath(name: string, program?: string, section = "xdp"): Path {
  return {
    name,
    targets: vipTargets,
    forwardsByXdp: false,
    async setUp(lab) {
      const be = lab.backends[0]!;
      const routes = [DSR_VIP, lab.vip].map((vip) => [`${vip}/32`, "via", be.addr]);
      for (const r of routes) await lab.exec("lb", ["ip", "route", "add", ...r]);
      if (program) await lab.exec("lb", ["ip", "link", "set", "dev", "eth0", "xdpdrv", "obj", program, "sec", section]);
      return async () => {
        if (program) await lab.exec("lb", ["ip", "link", "set", "dev", "eth0", "xdpdrv", "off"]);
        for (const r of routes) await lab.exec("lb", ["ip", "route", "del", ...r]);
      };
    },
  };
}

/** direct, kernel, xdp-pass, c (when clang-14 is there), tsbpf, tsbpf-generic; objects built into
 *  `dir`; with `frags`, their multi-buffer builds (xdp.frags; the C twin with -DLB_FRAGS). */
export function standardPaths(dir: string, frags = false): Path[] {
  const multi = frags ? buildFragsObjects(dir) : undefined;
  const ts = multi?.lb ?? join(dir, "lb.o");
  if (!multi)
    execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", ts], {
      stdio: "pipe",
    });
  const paths: Path[] = [
    {
      name: "direct",
      targets: () => [["direct", DIRECT_ADDR]],
      forwardsByXdp: false,
      setUp: async () => async () => {},
    },
    kernelPath("kernel"),
    multi ? kernelPath("xdp-pass", multi.xdpPass, FRAGS_SECTION) : kernelPath("xdp-pass", buildXdpPass()),
  ];
  const c = join(dir, "lb_c.o");
  try {
    execFileSync(
      "clang-14",
      ["-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", ...(frags ? ["-DLB_FRAGS"] : [])].concat([
        "-c",
        join(ROOT, "bench/lb.c"),
        "-o",
        c,
      ]),
      { stdio: "pipe" },
    );
    paths.push(lbPath("c", ts, { c }));
  } catch {
    /* no clang-14: no C row */
  }
  paths.push(lbPath("tsbpf", ts), lbPath("tsbpf-generic", ts, { mode: "generic" }));
  return paths;
}

export interface ThroughputResult {
  seconds: number;
  rounds: number;
  offloads: "lab" | "deployment";
  decap: "xdp" | "tc";
  mtu: number;
  frags: boolean;
  runs: Run[];
  /** Per path, row and direction: median Mbit/s of the rounds and its ratio to direct's median;
   *  median CPU seconds per GB and direct's median divided by it (the path's efficiency). */
  medians: Array<{
    path: string;
    row: string;
    direction: Direction;
    mbitPerS: number;
    ofDirect: number;
    cpuSecondsPerGB: number;
    cpuOfDirect: number;
  }>;
  loadAverage: { start: number; end: number };
}

const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

/** The largest MTU a veth takes while it or its peer runs an XDP program without xdp.frags:
 *  one page less XDP's headroom, the skb_shared_info and the Ethernet header. */
const VETH_XDP_MAX_MTU = 3506;
/** Room the links behind the client get above its MTU, for the encapsulation's outer header. */
const ENCAP_ROOM = 100;
/** The largest client MTU measured with multi-buffer programs (a jumbo frame's). */
const FRAGS_MAX_MTU = 9000;

/** CPU seconds the ksoftirqd threads have used so far (utime + stime, USER_HZ = 100 ticks). */
function ksoftirqdSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!/^\d+ \(ksoftirqd\/\d+\)/.test(stat)) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone meanwhile */
    }
  }
  return ticks / 100;
}

export async function measureThroughput(options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const seconds = options.seconds ?? 3;
  const rounds = options.rounds ?? 3;
  const mtu = options.mtu ?? 1500;
  const frags = options.frags ?? false;
  const maxMtu = frags ? FRAGS_MAX_MTU : VETH_XDP_MAX_MTU - ENCAP_ROOM;
  if (!Number.isInteger(mtu) || mtu < 1280 || mtu > maxMtu)
    throw new Error(
      frags
        ? `throughput: mtu ${mtu}: use 1280..${maxMtu}`
        : `throughput: mtu ${mtu}: use 1280..${maxMtu} (the links behind the client get ${ENCAP_ROOM} more, and a veth with an XDP program that does not declare xdp.frags takes at most ${VETH_XDP_MAX_MTU}; frags lifts that)`,
    );
  const log = options.log ?? (() => {});
  const start = loadAverage();
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-throughput-"));
  sweepStaleLabs();
  const lab = await createLab({ backends: 1 });
  try {
    const paths = options.paths ?? standardPaths(dir);
    const be = lab.backends[0]!;
    await setUpDsrBackends(lab);
    await lab.exec(be.name, ["ip", "addr", "add", `${DIRECT_ADDR}/24`, "dev", "eth0"]);
    await lab.exec(be.name, ["ip", "rule", "add", "from", DIRECT_ADDR, "lookup", "100"]);
    // The kernel paths route the DNAT VIP to the backend unchanged.
    await lab.exec(be.name, ["ip", "addr", "add", `${lab.vip}/32`, "dev", "lo"]);
    if (frags) await useFragsPrograms(lab, buildFragsObjects(dir));
    if (mtu !== 1500) await setMtu(lab, mtu);
    if (options.decap === "tc") {
      await lab.exec(be.name, ["ip", "link", "set", "dev", be.ifname, "xdpdrv", "off"]);
      await lab.exec(be.name, ["tc", "qdisc", "add", "dev", be.ifname, "clsact"]);
      const obj = buildDecapTc();
      await lab.exec(be.name, [
        "tc",
        "filter",
        "add",
        "dev",
        be.ifname,
        "ingress",
        "bpf",
        "da",
        "obj",
        obj,
        "sec",
        "tc",
      ]);
    }
    if (options.offloads === "deployment")
      for (const host of [lab.client, be])
        await lab.exec(host.name, ["ethtool", "-K", host.ifname, "gso", "on", "gro", "on"]);
    await startIperfServer(lab, be.name);
    const runs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const path of paths) {
        const undo = await path.setUp(lab);
        try {
          for (const [row, host] of path.targets(lab))
            for (const direction of ["up", "down"] as const) {
              const run = await iperf(lab, path, row, host, direction, seconds, mtu);
              runs.push(run);
              log(JSON.stringify(run));
            }
        } finally {
          await undo();
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const groups = new Map<string, Run[]>();
    for (const r of runs) {
      const key = `${r.path}\0${r.row}\0${r.direction}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const directOf = (d: Direction, of: (r: Run) => number) =>
      median(runs.filter((r) => r.path === "direct" && r.direction === d).map(of));
    const ratio = (x: number, y: number) => (x && y ? Number((x / y).toFixed(2)) : Number.NaN);
    const medians = [...groups.values()].map((rs) => {
      const { path, row, direction } = rs[0]!;
      const mbitPerS = median(rs.map((r) => r.mbitPerS));
      const cpuSecondsPerGB = median(rs.map((r) => r.cpuSecondsPerGB));
      return {
        path,
        row,
        direction,
        mbitPerS,
        ofDirect: ratio(
          mbitPerS,
          directOf(direction, (r) => r.mbitPerS),
        ),
        cpuSecondsPerGB,
        cpuOfDirect: ratio(
          directOf(direction, (r) => r.cpuSecondsPerGB),
          cpuSecondsPerGB,
        ),
      };
    });
    return {
      seconds,
      rounds,
      offloads: options.offloads ?? "lab",
      decap: options.decap ?? "xdp",
      mtu,
      frags,
      runs,
      medians,
      loadAverage: { start, end: loadAverage() },
    };
  } finally {
    lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The multi-buffer builds in place of the lab's XDP_PASS on the LB's bridge port and the
 *  backend's decapsulation, before the MTU grows. Detached first: a veth sets its peer's largest
 *  MTU when a program is attached where none was (a page for a single-buffer program, more for
 *  xdp.frags), not when one program replaces another. */
async function useFragsPrograms(lab: Lab, objects: { decap: string; xdpPass: string }): Promise<void> {
  const be = lab.backends[0]!;
  for (const [ns, dev, object] of [
    [lab.bridgeNs, lab.lb.bridgePort, objects.xdpPass],
    [be.name, be.ifname, objects.decap],
  ] as const) {
    await lab.exec(ns, ["ip", "link", "set", "dev", dev, "xdpdrv", "off"]);
    await lab.exec(ns, ["ip", "link", "set", "dev", dev, "xdpdrv", "obj", object, "sec", FRAGS_SECTION]);
  }
}

/** The client's eth0 at `mtu`; every link behind it (the bridge ports, the LB's and the
 *  backends' eth0) at mtu + ENCAP_ROOM. The links toward the client first, so that no link is
 *  ever narrower than the one feeding it. */
async function setMtu(lab: Lab, mtu: number): Promise<void> {
  const wide = String(mtu + ENCAP_ROOM);
  for (const h of [lab.lb, ...lab.backends, lab.client]) {
    await lab.exec(lab.bridgeNs, ["ip", "link", "set", h.bridgePort, "mtu", wide]);
    if (h !== lab.client) await lab.exec(h.name, ["ip", "link", "set", h.ifname, "mtu", wide]);
  }
  await lab.exec("client", ["ip", "link", "set", lab.client.ifname, "mtu", String(mtu)]);
}

function startIperfServer(lab: Lab, ns: string): Promise<ChildProcess> {
  const child = lab.spawn(ns, ["iperf3", "-s", "-p", String(PORT), "--forceflush"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("throughput: iperf3 -s not listening after 10 s")), 10_000);
    child.once("error", (e) => reject(new Error(`throughput: iperf3: ${e.message} (apt-get install iperf3)`)));
    child.once("exit", (code) => reject(new Error(`throughput: iperf3 -s exited (${code})`)));
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Server listening")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

/** Frames and bytes the backend's eth0 has received so far. */
async function backendRx(lab: Lab): Promise<[number, number]> {
  const be = lab.backends[0]!;
  const dir = `/sys/class/net/${be.ifname}/statistics`;
  const { stdout } = await lab.exec(be.name, ["cat", `${dir}/rx_packets`, `${dir}/rx_bytes`]);
  const [frames, bytes] = stdout.trim().split("\n").map(Number);
  return [frames!, bytes!];
}

/** Sum of the XDP_TX counters of the LB's eth0 (veth's per-queue ethtool statistics). */
async function lbXdpTx(lab: Lab): Promise<number> {
  const { stdout } = await lab.exec("lb", ["ethtool", "-S", lab.lb.ifname]);
  return [...stdout.matchAll(/rx_queue_\d+_xdp_tx: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

async function iperf(
  lab: Lab,
  path: Path,
  row: Row | "direct",
  host: string,
  direction: Direction,
  seconds: number,
  mtu: number,
) {
  const pin = cpus().length >= 2 ? ["-A", "0,1"] : [];
  const forwarded = () => (path.forwarded ?? lbXdpTx)(lab);
  const tx0 = await forwarded();
  const [frames0, bytes0] = await backendRx(lab);
  const softirq0 = ksoftirqdSeconds();
  const argv = [
    "iperf3",
    "-c",
    host,
    "-p",
    String(PORT),
    "-t",
    String(seconds),
    "-O",
    "1",
    "-J",
    "--connect-timeout",
    "3000",
    ...pin,
  ];
  if (direction === "down") argv.push("-R");
  const what = `${path.name} ${row} ${direction}`;
  let report: {
    error?: string;
    end?: {
      sum_received: { bits_per_second: number; bytes: number; seconds: number };
      sum_sent: { retransmits?: number };
      cpu_utilization_percent?: { host_total: number; remote_total: number };
    };
  };
  try {
    const { stdout } = await lab.exec("client", argv, { timeoutMs: (seconds + 20) * 1000 });
    report = JSON.parse(stdout);
  } catch (e) {
    const out = ((e as { cause?: { stdout?: string } }).cause?.stdout ?? "").trim();
    let why = (e as Error).message;
    try {
      why = (JSON.parse(out) as { error?: string }).error ?? why;
    } catch {
      /* not iperf3's JSON */
    }
    throw new Error(`throughput: ${what}: the transfer failed: ${why}`);
  }
  // iperf3 -J can exit 0 with only an "error" in its report (e.g. when the connection timed out).
  const end = report.end;
  if (report.error || !end?.sum_received) throw new Error(`throughput: ${what}: the transfer failed: ${report.error}`);
  const softirq = ksoftirqdSeconds() - softirq0;
  const tx = (await forwarded()) - tx0;
  const [frames1, bytes1] = await backendRx(lab);
  if (path.forwardsByXdp) {
    // Up: every data segment (the client's MTU in size); down: the client's ACKs, at least one
    // per 256 kB (Linux ACKs every few segments; one per ~90 kB seen with 3400-byte segments under
    // load): thousands a run, where traffic going around the program gives none.
    const need =
      direction === "up"
        ? Math.floor((end.sum_received.bytes / mtu) * 0.9)
        : Math.floor(end.sum_received.bytes / 262144);
    if (tx < need) throw new Error(`throughput: ${what}: the LB forwarded ${tx} packets, the transfer needs ${need}`);
  }
  const cpu = end.cpu_utilization_percent;
  const cpuSeconds = (((cpu?.host_total ?? 0) + (cpu?.remote_total ?? 0)) / 100) * end.sum_received.seconds + softirq;
  return {
    path: path.name,
    row,
    direction,
    mbitPerS: Math.round(end.sum_received.bits_per_second / 1e6),
    retransmits: end.sum_sent.retransmits ?? 0,
    lbForwarded: tx,
    cpuSecondsPerGB: Number((cpuSeconds / (end.sum_received.bytes / 1e9)).toFixed(2)),
    backendFrames: frames1 - frames0,
    backendFrameBytes: frames1 > frames0 ? Math.round((bytes1 - bytes0) / (frames1 - frames0)) : 0,
    load: loadAverage(),
  } satisfies Run;
}

/** The medians as a Markdown table: a line per path and row; per direction Mbit/s, × direct,
 *  CPU s/GB and direct's CPU per byte over the path's. */
export function table(result: ThroughputResult): string {
  const lines = [
    "| path | row | up Mbit/s | × direct | CPU s/GB | × direct | down Mbit/s | × direct | CPU s/GB | × direct |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const keys = [...new Set(result.medians.map((m) => `${m.path}\0${m.row}`))];
  for (const key of keys) {
    const [path, row] = key.split("\0");
    const m = (d: Direction) => result.medians.find((x) => x.path === path && x.row === row && x.direction === d);
    const cell = (d: Direction) => {
      const x = m(d);
      return x
        ? [String(x.mbitPerS), x.ofDirect.toFixed(2), x.cpuSecondsPerGB.toFixed(2), x.cpuOfDirect.toFixed(2)]
        : ["", "", "", ""];
    };
    lines.push(`| ${path} | ${row} | ${cell("up").join(" | ")} | ${cell("down").join(" | ")} |`);
  }
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync("/usr/bin/iperf3")) console.error("throughput: iperf3 not found (apt-get install iperf3)");
  const only = process.argv[7] && process.argv[7] !== "all" ? process.argv[7].split(",") : undefined;
  const frags = process.argv[8] === "frags";
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-throughput-paths-"));
  const paths = standardPaths(dir, frags).filter((p) => !only || only.includes(p.name));
  const result = await measureThroughput({
    paths,
    seconds: Number(process.argv[2] ?? 3),
    rounds: Number(process.argv[3] ?? 3),
    offloads: process.argv[4] === "deployment" ? "deployment" : "lab",
    decap: process.argv[5] === "tc" ? "tc" : "xdp",
    mtu: Number(process.argv[6] ?? 1500),
    frags,
    log: (l) => console.error(l),
  });
  console.log(table(result));
  console.log(
    `offloads ${result.offloads}, decapsulation ${result.decap}, MTU ${result.mtu}${result.frags ? ", xdp.frags" : ""}; load average ${result.loadAverage.start} at the start, ${result.loadAverage.end} at the end`,
  );
  console.log(JSON.stringify(result));
  rmSync(dir, { recursive: true, force: true });
}
