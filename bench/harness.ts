// The LB benchmark: the TS data plane (lb/lb.ts, compiled by tsbpf) against its C twin
// (bench/lb.c, clang-14 -O2), measured in one run, interleaved. `npm run bench` runs it
// (bench/run.ts); test/bench/bench.test.ts runs it in a reduced mode.
//
// How each path is kept on its path when BPF_PROG_TEST_RUN repeats (XDP test runs
// do not restore the packet between iterations, so iteration k+1 sees iteration k's
// output):
//   - established: the conntrack entry names a backend whose address is the VIP and
//     whose MAC is the frame's destination MAC, and the frame's source MAC is that MAC
//     too. The forward rewrite (daddr := backend addr, src := dst, dst := backend MAC,
//     checksums patched) then maps the frame onto itself byte for byte, so every
//     iteration sees the same frame and the same map contents and takes the same path.
//   - reverse NAT: the rnat entry's vip_addr is the backend's own address and its
//     client MAC is the frame's destination MAC (= source MAC): same fixed point.
//   - non-VIP pass: PASS leaves the frame untouched.
//   - encapsulated flow: the output is 20 bytes longer and addressed to the backend, so a
//     repeated frame cannot stay on the path; like a new flow it runs with repeat 1, the same
//     tracked flow every sample (its conntrack entry is ESTABLISHED and stays so), compared
//     with the XDP_TX floor at repeat 1.
//   - new flow: every iteration must miss conntrack and insert, which a repeated frame
//     cannot do (iteration 2 would hit the entry iteration 1 inserted), so it runs with
//     repeat 1, a fresh 5-tuple per sample, many samples; each sample checks the tuple was
//     absent before and recorded after (and the output bytes). It is compared with the
//     XDP_TX floor at repeat 1, which carries the same fixed per-run timer overhead.
//   BPF_F_TEST_XDP_LIVE_FRAMES is not used: in that mode XDP_TX really transmits (on
//   the test run's loopback device), so the time would include the xmit path, and
//   packet contents are still not restored when pages are recycled.
// Every repeated path is first run with repeat 1 and its retval and output bytes are
// compared with the expected ones (outputs built from scratch by bench/packets.ts, full
// checksums); every measured sample's retval and output are checked again, and at the
// end the per-CPU stats counters and the conntrack entry count must equal what the
// measured iterations imply.
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  lineRateShares,
  loadObject,
  wireBytes,
  XdpAction,
  type BpfObject,
  type LineRateShare,
  type Program,
} from "../runtime/index.ts";
import { objectInfo } from "../runtime/sys/index.ts";
import { MAGLEV_M as M } from "../lb/maps.ts";
import { buildTable } from "../lb/maglev.ts";
import { flowHash, flowHash6 } from "../lb/flowhash.ts";
import { wordsList } from "../lb/ipv6.ts";
import { MAGLEV_BACKEND_COUNTS, type MaglevTime, timeMaglevBuild } from "./maglev.ts";
import * as P from "./packets.ts";
import { mean, median } from "./stats.ts";
import { writeGeneratedBlock } from "./report-block.ts";
import { TRACE_KTIME, Tracer, type TraceCounts, type TraceMap } from "./trace.ts";

export const ROOT = resolve(import.meta.dirname, "..");
const XDP_PASS = XdpAction.PASS,
  XDP_TX = XdpAction.TX;

export interface BenchOptions {
  /** Interleaved samples per repeated path and implementation. */
  samples: number;
  /** BPF_PROG_TEST_RUN repeat for the repeated paths. */
  repeat: number;
  /** New-flow samples (repeat 1, one fresh flow each) per implementation. */
  newFlows: number;
  /** Maglev table builds per size. */
  maglevRuns: number;
  /** Print progress to stderr. */
  verbose?: boolean;
}

export const FULL: BenchOptions = { samples: 1500, repeat: 1000, newFlows: 4000, maglevRuns: 15 };
export const QUICK: BenchOptions = { samples: 20, repeat: 50, newFlows: 50, maglevRuns: 2 };

export interface Row {
  group: "ns/packet" | "code" | "maglev";
  name: string;
  unit: string;
  ts?: number;
  c?: number;
  /** C twin built with -mcpu=v3 (tsbpf's target CPU; clang-14 defaults to v1). */
  c3?: number;
  /** TS/C after subtracting the XDP_TX floor measured the same way (ns/packet rows). */
  netRatio?: number;
  note?: string;
  /** Target on TS/C (ratio) or on the TS value (abs). */
  target?: { kind: "ratio" | "abs"; max: number; label: string };
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** A measured path in line-rate terms (runtime/bench/line-rate.ts, the model `tsbpf bench` uses). */
export interface LineRate {
  path: string;
  /** The frame as the program sees it (no FCS), and the bytes of line time it takes. */
  frameBytes: number;
  wireBytes: number;
  /** Median ns/packet and that path's share of each Ethernet speed, per implementation. */
  impls: Array<{ name: string; ns: number; shares: LineRateShare[] }>;
}

export interface BenchResult {
  rows: Row[];
  lineRates: LineRate[];
  checks: Check[];
  machine: Record<string, string>;
  options: BenchOptions;
  command: string;
}

// ---- setup: addresses, MACs, the measured frames

const LB_MAC = P.mac("02:00:00:00:00:aa");
const CLIENT_MAC = P.mac("02:00:00:00:00:c1");
const VIP = P.ip4("10.0.0.100");
const VPORT = 80;
const CLIENT = P.ip4("10.0.9.1");
const BACKENDS = [0, 1, 2, 3].map((i) => ({
  id: i,
  addr: P.ip4(`10.0.1.${i + 1}`),
  mac: P.mac(`02:00:00:00:01:${(i + 1).toString(16).padStart(2, "0")}`),
}));
/** Backend whose address is the VIP and MAC the LB's: forward rewrite is the identity. */
const SELF_BACKEND = { id: 4, addr: VIP, mac: LB_MAC };

const ESTABLISHED_PATH = "established flow (conntrack hit)";
const ESTABLISHED: P.FrameSpec = {
  ethSrc: LB_MAC,
  ethDst: LB_MAC,
  saddr: CLIENT,
  daddr: VIP,
  proto: P.TCP,
  sport: 40000,
  dport: VPORT,
  tcpFlags: P.TCP_ACK,
  payload: 32,
};
const NON_VIP: P.FrameSpec = {
  ethSrc: CLIENT_MAC,
  ethDst: LB_MAC,
  saddr: CLIENT,
  daddr: P.ip4("10.0.0.99"),
  proto: P.TCP,
  sport: 40002,
  dport: VPORT,
  tcpFlags: P.TCP_ACK,
  payload: 32,
};
/** A backend's reply; its rnat entry's vip_addr is the backend's own address: identity rewrite. */
const REPLY: P.FrameSpec = {
  ethSrc: LB_MAC,
  ethDst: LB_MAC,
  saddr: BACKENDS[0]!.addr,
  daddr: CLIENT,
  proto: P.TCP,
  sport: VPORT,
  dport: 40001,
  tcpFlags: P.TCP_ACK,
  payload: 32,
};

/** A tracked flow of an encapsulation VIP (docs/lb-abi.md): sent IP-in-IP to BACKENDS[0]. */
const ENCAP_VIP = P.ip4("10.0.0.110");
const ENCAP_SRC = P.ip4("10.0.0.1");
const ENCAPSULATED: P.FrameSpec = {
  ethSrc: CLIENT_MAC,
  ethDst: LB_MAC,
  saddr: CLIENT,
  daddr: ENCAP_VIP,
  proto: P.TCP,
  sport: 40003,
  dport: VPORT,
  tcpFlags: P.TCP_ACK,
  payload: 32,
};

// IPv6 (docs/lb-abi.md, "IPv6"): VIP6 shares index 0 and its Maglev table with VIP; backends6
// ids 0..3 are IPv6 backends, id 4 the identity backend (address VIP6, MAC the LB's), as for IPv4.
const VIP6 = P.ip6("fd00::100");
const CLIENT6 = P.ip6("fd00:9::1");
const BACKENDS6 = [0, 1, 2, 3].map((i) => ({ id: i, addr: P.ip6(`fd00::1:${i + 1}`), mac: BACKENDS[i]!.mac }));
const SELF_BACKEND6 = { id: 4, addr: VIP6, mac: LB_MAC };
const ENCAP_VIP6 = P.ip6("fd00::110");
const ENCAP_SRC6 = P.ip6("fd00::1");
const v6 = (spec: P.FrameSpec, saddr6: P.FrameSpec["saddr6"], daddr6: P.FrameSpec["daddr6"]): P.FrameSpec => ({
  ...spec,
  saddr6,
  daddr6,
});
const ESTABLISHED6_PATH = "IPv6 established flow (conntrack6 hit)";
const ESTABLISHED6 = v6({ ...ESTABLISHED, sport: 40010 }, CLIENT6, VIP6);
const NON_VIP6 = v6({ ...NON_VIP, sport: 40012 }, CLIENT6, P.ip6("fd00::99"));
const REPLY6 = v6({ ...REPLY, dport: 40011 }, BACKENDS6[0]!.addr, CLIENT6);
const ENCAPSULATED6 = v6({ ...ENCAPSULATED, sport: 40013 }, CLIENT6, ENCAP_VIP6);

function newFlowSpec(i: number): P.FrameSpec {
  return {
    ethSrc: CLIENT_MAC,
    ethDst: LB_MAC,
    saddr: (P.ip4("10.1.0.0") + i) >>> 0,
    daddr: VIP,
    proto: P.TCP,
    sport: 1024 + (i % 60000),
    dport: VPORT,
    tcpFlags: P.TCP_SYN,
    payload: 32,
  };
}

let table0Cache: Uint32Array | undefined;
/** VIP index 0's Maglev table over BACKENDS (not SELF_BACKEND). */
function table0(): Uint32Array {
  return (table0Cache ??= buildTable(BACKENDS.map((b) => ({ id: b.id, key: `10.0.1.${b.id + 1}`, weight: 1 }))));
}

type ImplName = "TS" | "C" | "C3";
const IMPLS: ImplName[] = ["TS", "C", "C3"];
const byImpl = <T>(f: (n: ImplName) => T): Record<ImplName, T> => ({ TS: f("TS"), C: f("C"), C3: f("C3") });

interface Impl {
  name: ImplName;
  obj: BpfObject;
  prog: Program;
  /** Forward (stats-counted) iterations run through it, and new flows inserted. */
  forwarded: number;
  inserted: number;
}

function configure(obj: BpfObject, table: Uint32Array): void {
  obj.map("vips").update(P.vipKey(VIP, VPORT, P.TCP), P.vipInfo(0));
  obj.map("vips").update(P.vipKey(ENCAP_VIP, VPORT, P.TCP), P.vipInfo(0, 1));
  obj.map("encap").update(P.u32key(0), P.encapConfig(ENCAP_SRC));
  for (const b of [...BACKENDS, SELF_BACKEND]) obj.map("backends").update(P.u32key(b.id), P.backend(b.addr, b.mac));
  obj.map("vips6").update(P.vip6Key(VIP6, VPORT, P.TCP), P.vipInfo(0));
  obj.map("vips6").update(P.vip6Key(ENCAP_VIP6, VPORT, P.TCP), P.vipInfo(0, 1));
  obj.map("encap6").update(P.u32key(0), P.encap6Config(ENCAP_SRC6));
  for (const b of [...BACKENDS6, SELF_BACKEND6]) obj.map("backends6").update(P.u32key(b.id), P.backend6(b.addr, b.mac));
  const maglev = obj.map("maglev");
  for (let s = 0; s < M; s++) maglev.update(P.u32key(s), P.u32key(table[s]!));
  // Both flows are live (seen now, established) with both their entries, so each repeated
  // iteration takes the same path.
  const now = process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
  for (const [k, v] of flowEntries(now)) obj.map(k.map).update(k.key, v);
}

/** The established flow's and the reply's conntrack and rnat entries, last seen at `seen`. */
function flowEntries(seen: bigint): [{ map: string; key: Uint8Array }, Uint8Array][] {
  const e = ESTABLISHED,
    r = REPLY,
    b0 = BACKENDS[0]!;
  const e6 = ESTABLISHED6,
    r6 = REPLY6,
    b6 = BACKENDS6[0]!;
  return [
    [
      { map: "conntrack6", key: P.flow6Key(CLIENT6, VIP6, e6.sport, e6.dport, e6.proto) },
      P.ct6Value(SELF_BACKEND6.id, SELF_BACKEND6.addr, seen, P.CT_ESTABLISHED),
    ],
    [
      { map: "rnat6", key: P.flow6Key(CLIENT6, SELF_BACKEND6.addr, e6.sport, e6.dport, e6.proto) },
      P.rnat6Value(VIP6, LB_MAC, SELF_BACKEND6.id),
    ],
    [
      { map: "rnat6", key: P.flow6Key(CLIENT6, b6.addr, r6.dport, r6.sport, r6.proto) },
      P.rnat6Value(b6.addr, LB_MAC, b6.id),
    ],
    [
      { map: "conntrack6", key: P.flow6Key(CLIENT6, b6.addr, r6.dport, r6.sport, r6.proto) },
      P.ct6Value(b6.id, b6.addr, seen, P.CT_ESTABLISHED),
    ],
    [
      { map: "conntrack6", key: P.flow6Key(CLIENT6, ENCAP_VIP6, ENCAPSULATED6.sport, VPORT, P.TCP) },
      P.ct6Value(b6.id, b6.addr, seen, P.CT_ESTABLISHED),
    ],
    [
      { map: "conntrack", key: P.flowKey(e.saddr, e.daddr, e.sport, e.dport, e.proto) },
      P.ctValue(SELF_BACKEND.id, SELF_BACKEND.addr, seen, P.CT_ESTABLISHED),
    ],
    [
      { map: "rnat", key: P.flowKey(e.saddr, SELF_BACKEND.addr, e.sport, e.dport, e.proto) },
      P.rnatValue(e.daddr, LB_MAC, SELF_BACKEND.id),
    ],
    [{ map: "rnat", key: P.flowKey(r.daddr, r.saddr, r.dport, r.sport, r.proto) }, P.rnatValue(r.saddr, LB_MAC, b0.id)],
    [
      { map: "conntrack", key: P.flowKey(ENCAPSULATED.saddr, ENCAP_VIP, ENCAPSULATED.sport, VPORT, P.TCP) },
      P.ctValue(b0.id, b0.addr, seen, P.CT_ESTABLISHED),
    ],
    [
      { map: "conntrack", key: P.flowKey(r.daddr, r.saddr, r.dport, r.sport, r.proto) },
      P.ctValue(b0.id, b0.addr, seen, P.CT_ESTABLISHED),
    ],
  ];
}

/** The maps of configure(), in memory, for bench/trace.ts. */
function traceMaps(table: Uint32Array): Record<string, TraceMap> {
  const flowMap = (name: string) =>
    new Map(
      flowEntries(TRACE_KTIME)
        .filter(([k]) => k.map === name)
        .map(([k, v]) => [P.hex(k.key), v]),
    );
  const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
  return {
    vips: {
      entries: new Map([
        [P.hex(P.vipKey(VIP, VPORT, P.TCP)), P.vipInfo(0)],
        [P.hex(P.vipKey(ENCAP_VIP, VPORT, P.TCP)), P.vipInfo(0, 1)],
      ]),
    },
    backends: {
      entries: new Map([...BACKENDS, SELF_BACKEND].map((b) => [P.hex(P.u32key(b.id)), P.backend(b.addr, b.mac)])),
      fallback: (k) => (le(k) < 1024 ? new Uint8Array(12) : undefined),
    },
    maglev: {
      entries: new Map(),
      fallback: (k) => (le(k) < M ? P.u32key(table[le(k)]!) : le(k) < 16 * M ? new Uint8Array(4) : undefined),
    },
    stats: { entries: new Map(), fallback: (k) => (le(k) < 16 ? new Uint8Array(16) : undefined) },
    conntrack: { entries: flowMap("conntrack") },
    rnat: { entries: flowMap("rnat") },
    config: { entries: new Map([[P.hex(P.u32key(0)), new Uint8Array(32)]]) },
    encap: { entries: new Map([[P.hex(P.u32key(0)), P.encapConfig(ENCAP_SRC)]]) },
    vips6: {
      entries: new Map([
        [P.hex(P.vip6Key(VIP6, VPORT, P.TCP)), P.vipInfo(0)],
        [P.hex(P.vip6Key(ENCAP_VIP6, VPORT, P.TCP)), P.vipInfo(0, 1)],
      ]),
    },
    backends6: {
      entries: new Map([...BACKENDS6, SELF_BACKEND6].map((b) => [P.hex(P.u32key(b.id)), P.backend6(b.addr, b.mac)])),
      fallback: (k) => (le(k) < 1024 ? new Uint8Array(24) : undefined),
    },
    conntrack6: { entries: flowMap("conntrack6") },
    rnat6: { entries: flowMap("rnat6") },
    encap6: { entries: new Map([[P.hex(P.u32key(0)), P.encap6Config(ENCAP_SRC6)]]) },
  };
}

function statsPackets(obj: BpfObject): bigint {
  const vs = obj.map("stats").lookupPerCpu(P.u32key(0)) ?? [];
  return vs.reduce((n, v) => n + new DataView(v.buffer, v.byteOffset).getBigUint64(0, true), 0n);
}

function countEntries(obj: BpfObject, name: string): number {
  const m = obj.map(name);
  let n = 0;
  for (let k = m.nextKey(null); k !== undefined; k = m.nextKey(k)) n++;
  return n;
}

// ---- statistics

/** `xs` rotated by k: each implementation goes first in turn. */
function rotate<T>(xs: T[], k: number): T[] {
  const i = k % xs.length;
  return [...xs.slice(i), ...xs.slice(0, i)];
}

// ---- the run: build, measure, report

export async function runBench(options: BenchOptions, command = "npm run bench"): Promise<BenchResult> {
  const log = (s: string): void => void (options.verbose && process.stderr.write(s + "\n"));
  const checks: Check[] = [];
  const check: CheckFn = (name, ok, detail) => {
    checks.push({ name, ok, ...(ok ? {} : { detail }) });
    if (!ok) log(`CHECK FAILED ${name}: ${detail}`);
    return ok;
  };
  // Objects go to a private directory: a concurrent test run can't swap them under us.
  const OUT = mkdtempSync(join(tmpdir(), "tsbpf-bench-"));
  try {
    const objects = build(OUT, log);
    const executed = traceExecuted(objects, check);
    const loaded = await measureLoaded(options, objects, check, log);
    log("maglev …");
    const maglev = MAGLEV_BACKEND_COUNTS.map((n) => ({ n, times: timeMaglevBuild(n, options.maglevRuns) }));
    const rows = report(options, { executed, ...loaded, maglev });
    return { rows, lineRates: lineRates(rows), checks, machine: machine(), options, command };
  } finally {
    rmSync(OUT, { recursive: true, force: true });
  }
}

type CheckFn = (name: string, ok: boolean, detail?: string) => boolean;

/** The objects measured: the TS LB, its C twin (also for cpu v3), and the XDP_TX floor. */
type Objects = Record<ImplName | "floor", string>;

interface CodeSize {
  insns: number;
  jited: number;
  xlated: number;
  /** From the verifier's log ("processed N insns") and from bpf_prog_info, which must agree. */
  processed: number;
  verifiedInfo: number;
}

/** Everything the report is made of. */
interface Measurements {
  /** Executed instructions per path (interpreted). */
  executed: Map<string, Record<ImplName, TraceCounts>>;
  code: Record<ImplName, CodeSize>;
  /** Repeated paths: ns per sample; and the XDP_TX floor measured with them. */
  paths: Map<string, Record<ImplName, number[]>>;
  floor: number[];
  /** New flows (repeat 1): ns per flow; and the XDP_TX floor at repeat 1. */
  newFlows: Record<ImplName, number[]>;
  floor1: number[];
  /** The encapsulated flow (repeat 1, one tracked flow): ns per sample; and its XDP_TX floor at repeat 1. */
  encap: Record<ImplName, number[]>;
  floorEncap: number[];
  maglev: Array<{ n: number; times: MaglevTime[] }>;
}

/**
 * The objects measured: the TS LB built by the CLI, as users build it, and the C twin and the
 * XDP_TX floor by clang. Build time is not measured here but by `npm run bench:build`
 * (bench/package-build.ts), the one model of it: whole processes of the installed package.
 */
function build(OUT: string, log: (s: string) => void): Objects {
  log("building …");
  const objects: Objects = {
    TS: join(OUT, "lb.o"),
    C: join(OUT, "lb_c.o"),
    C3: join(OUT, "lb_c_v3.o"),
    floor: join(OUT, "xdp_tx.o"),
  };
  execFileSync("node", [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", objects.TS], {
    cwd: ROOT,
    stdio: "pipe",
  });
  const clangRun = (src: string, out: string, ...extra: string[]) =>
    execFileSync(
      "clang-14",
      ["-O2", "-g", "-target", "bpf", ...extra, "-I/usr/include/x86_64-linux-gnu", "-c", join(ROOT, src), "-o", out],
      { stdio: "pipe" },
    );
  clangRun("bench/lb.c", objects.C);
  clangRun("bench/lb.c", objects.C3, "-mcpu=v3");
  clangRun("bench/xdp_tx.c", objects.floor);
  return objects;
}

/** Executed instructions per path: the ELF code interpreted (bench/trace.ts), no timing noise. */
function traceExecuted(objects: Objects, check: CheckFn): Map<string, Record<ImplName, TraceCounts>> {
  const traced = new Map<string, Record<ImplName, TraceCounts>>();
  const tracers = byImpl((n) => new Tracer(readFileSync(objects[n])));
  const fresh = newFlowSpec(1_000_000);
  const fb = BACKENDS[table0()[flowHash(fresh.saddr, fresh.daddr, fresh.sport, fresh.dport, fresh.proto) % M]!]!;
  const fresh6 = v6(fresh, P.ip6("fd00:1::1"), VIP6);
  const fb6 =
    BACKENDS6[
      table0()[flowHash6(wordsList(fresh6.saddr6!), wordsList(VIP6), fresh6.sport, fresh6.dport, fresh6.proto) % M]!
    ]!;
  const cases: Array<[string, P.FrameSpec, number, Uint8Array]> = [
    [ESTABLISHED_PATH, ESTABLISHED, XDP_TX, P.frame(ESTABLISHED)],
    ["non-VIP pass", NON_VIP, XDP_PASS, P.frame(NON_VIP)],
    ["reverse NAT", REPLY, XDP_TX, P.frame(REPLY)],
    ["new flow (conntrack miss + insert)", fresh, XDP_TX, P.rewritten(fresh, { daddr: fb.addr, ethDst: fb.mac })],
    ["encapsulated flow (conntrack hit)", ENCAPSULATED, XDP_TX, P.encapsulated(ENCAPSULATED, BACKENDS[0]!, ENCAP_SRC)],
    [ESTABLISHED6_PATH, ESTABLISHED6, XDP_TX, P.frame(ESTABLISHED6)],
    ["IPv6 non-VIP pass", NON_VIP6, XDP_PASS, P.frame(NON_VIP6)],
    ["IPv6 reverse NAT", REPLY6, XDP_TX, P.frame(REPLY6)],
    [
      "IPv6 new flow (conntrack6 miss + insert)",
      fresh6,
      XDP_TX,
      P.rewritten(fresh6, { daddr6: fb6.addr, ethDst: fb6.mac }),
    ],
    [
      "IPv6 encapsulated flow (IPv6-in-IPv6, conntrack6 hit)",
      ENCAPSULATED6,
      XDP_TX,
      P.encapsulated6(ENCAPSULATED6, BACKENDS6[0]!, ENCAP_SRC6),
    ],
  ];
  for (const [name, spec, retval, want] of cases) {
    const out = {} as Record<ImplName, TraceCounts>;
    for (const impl of IMPLS) {
      const res = tracers[impl].run(P.frame(spec), traceMaps(table0()));
      check(
        `${impl} ${name}: interpreted run gives ${XdpAction[retval]} and the expected bytes`,
        res.retval === retval && P.equalBytes(res.data, want),
        `retval ${XdpAction[res.retval] ?? res.retval}, out ${P.hex(res.data)}`,
      );
      out[impl] = res.counts;
    }
    traced.set(name, out);
  }
  return traced;
}

/**
 * Loads the objects (verifier log level 1 for "processed N insns") and measures them: code
 * size and verifier work, then every packet path, checked sample by sample, and at the end the
 * map state against what the measured iterations imply.
 */
async function measureLoaded(
  options: BenchOptions,
  objects: Objects,
  check: CheckFn,
  log: (s: string) => void,
): Promise<Pick<Measurements, "code" | "paths" | "floor" | "newFlows" | "floor1" | "encap" | "floorEncap">> {
  log("loading …");
  const table = table0();
  const impls: Impl[] = [];
  for (const name of IMPLS) {
    const obj = await loadObject(objects[name], { logLevel: 1 });
    configure(obj, table);
    impls.push({ name, obj, prog: obj.program("lb"), forwarded: 0, inserted: 0 });
  }
  const floorLoaded = await loadObject(objects.floor, { logLevel: 1 });
  const floor = floorLoaded.program("xdp_tx");
  try {
    const code = byImpl((name) => codeSize(impls.find((i) => i.name === name)!.prog));
    const tail = (name: "TS" | "C") => impls.find((i) => i.name === name)!.prog.verifierLog.slice(-300);
    check("verifier log has 'processed N insns' (TS)", Number.isFinite(code.TS.processed), tail("TS"));
    check("verifier log has 'processed N insns' (C)", Number.isFinite(code.C.processed), tail("C"));
    for (const name of ["TS", "C"] as const) {
      const { processed, verifiedInfo } = code[name];
      check(
        `log and bpf_prog_info.verified_insns agree (${name})`,
        processed === verifiedInfo,
        `${processed} vs ${verifiedInfo}`,
      );
    }
    return { code, ...measurePaths(options, impls, floor, table, check, log) };
  } finally {
    for (const i of impls) i.obj.close();
    floorLoaded.close();
  }
}

function codeSize(p: Program): CodeSize {
  const b = objectInfo(p.fd, 232);
  const m = /processed (\d+) insns/.exec(p.verifierLog);
  return {
    insns: p.insnCount,
    jited: b.readUInt32LE(16),
    xlated: b.readUInt32LE(20),
    verifiedInfo: b.readUInt32LE(216),
    processed: m ? Number(m[1]) : NaN,
  };
}

interface Path {
  name: string;
  spec: P.FrameSpec;
  retval: number;
  expected: Uint8Array;
  forward: boolean;
}

/** ns/packet of every path, TS, C and C v3 interleaved, with the XDP_TX floor in the same loop. */
function measurePaths(
  options: BenchOptions,
  impls: Impl[],
  floor: Program,
  table: Uint32Array,
  check: CheckFn,
  log: (s: string) => void,
): Pick<Measurements, "paths" | "floor" | "newFlows" | "floor1" | "encap" | "floorEncap"> {
  const paths: Path[] = [
    {
      name: ESTABLISHED_PATH,
      spec: ESTABLISHED,
      retval: XDP_TX,
      expected: P.frame(ESTABLISHED),
      forward: true,
    },
    { name: "non-VIP pass", spec: NON_VIP, retval: XDP_PASS, expected: P.frame(NON_VIP), forward: false },
    { name: "reverse NAT", spec: REPLY, retval: XDP_TX, expected: P.frame(REPLY), forward: false },
    {
      name: ESTABLISHED6_PATH,
      spec: ESTABLISHED6,
      retval: XDP_TX,
      expected: P.frame(ESTABLISHED6),
      forward: true,
    },
    { name: "IPv6 reverse NAT", spec: REPLY6, retval: XDP_TX, expected: P.frame(REPLY6), forward: false },
  ];
  const statsBefore = impls.map((i) => statsPackets(i.obj));
  const ctBefore = impls.map((i) => countEntries(i.obj, "conntrack"));
  const rnatBefore = impls.map((i) => countEntries(i.obj, "rnat"));

  const runChecked = (impl: Impl, path: Path, data: Uint8Array, repeat: number, what: string): number => {
    const r = impl.prog.testRun({ data, repeat });
    if (path.forward) impl.forwarded += repeat;
    if (r.retval !== path.retval || !P.equalBytes(r.data, path.expected)) {
      check(
        `${impl.name} ${path.name}: ${what}`,
        false,
        `retval ${XdpAction[r.retval] ?? r.retval} (want ${XdpAction[path.retval]}), out ${P.hex(r.data)} want ${P.hex(path.expected)}`,
      );
      throw new Error(`${impl.name} ${path.name}: took another path (${what}); see checks`);
    }
    return r.duration;
  };

  for (const path of paths) {
    const input = P.frame(path.spec);
    for (const impl of impls) {
      runChecked(impl, path, input, 1, "repeat 1");
      check(`${impl.name} ${path.name}: repeat 1 gives ${XdpAction[path.retval]} and the expected bytes`, true);
      runChecked(impl, path, input, options.repeat, `repeat ${options.repeat}`);
      check(`${impl.name} ${path.name}: repeat ${options.repeat} gives the same`, true);
    }
  }
  const floorCheck = floor.testRun({ data: P.frame(ESTABLISHED), repeat: 1 });
  check(
    "XDP_TX floor returns TX, frame unchanged",
    floorCheck.retval === XDP_TX && P.equalBytes(floorCheck.data, P.frame(ESTABLISHED)),
  );

  log(`measuring repeated paths: ${options.samples} samples × repeat ${options.repeat} …`);
  const times = new Map<string, Record<ImplName, number[]>>(paths.map((p) => [p.name, byImpl(() => [])]));
  const floorTimes: number[] = [];
  const floorData = P.frame(ESTABLISHED);
  const inputs = paths.map((p) => P.frame(p.spec));
  for (let s = 0; s < options.samples; s++) {
    const order = rotate(impls, s);
    paths.forEach((path, k) => {
      for (const impl of order)
        times.get(path.name)![impl.name].push(runChecked(impl, path, inputs[k]!, options.repeat, `sample ${s}`));
    });
    const f = floor.testRun({ data: floorData, repeat: options.repeat });
    if (f.retval !== XDP_TX) throw new Error("floor did not return XDP_TX");
    floorTimes.push(f.duration);
  }

  log(`measuring new flows: ${options.newFlows} × repeat 1 …`);
  const newTimes = byImpl((): number[] => []);
  const floor1: number[] = [];
  let newFlowOk = true;
  for (let i = 0; i < options.newFlows; i++) {
    const spec = newFlowSpec(i);
    const bid = table[flowHash(spec.saddr, spec.daddr, spec.sport, spec.dport, spec.proto) % M]!;
    const be = BACKENDS[bid]!;
    const path: Path = {
      name: "new flow",
      spec,
      retval: XDP_TX,
      expected: P.rewritten(spec, { daddr: be.addr, ethDst: be.mac }),
      forward: true,
    };
    const input = P.frame(spec);
    const key = P.flowKey(spec.saddr, spec.daddr, spec.sport, spec.dport, spec.proto);
    for (const impl of rotate(impls, i)) {
      const ct = impl.obj.map("conntrack");
      if (ct.lookup(key) !== undefined)
        newFlowOk =
          check(`${impl.name} new flow ${i}: conntrack miss before`, false, "entry already present") && newFlowOk;
      newTimes[impl.name].push(runChecked(impl, path, input, 1, `flow ${i}`));
      impl.inserted++;
      const v = ct.lookup(key);
      if (!v || !P.equalBytes(v.subarray(0, 8), P.ctValue(bid, be.addr, 0n, 0).subarray(0, 8)) || v[16] !== 0)
        newFlowOk =
          check(
            `${impl.name} new flow ${i}: recorded`,
            false,
            `conntrack value ${v ? P.hex(v) : "absent"}, want backend ${bid}`,
          ) && newFlowOk;
    }
    floor1.push(floor.testRun({ data: floorData, repeat: 1 }).duration);
  }
  check("new flow: every sample missed conntrack, gave the forwarded bytes and was recorded", newFlowOk);

  log(`measuring the encapsulated flow: ${options.newFlows} × repeat 1 …`);
  const encapTimes = byImpl((): number[] => []);
  const floorEncap: number[] = [];
  const encapPath: Path = {
    name: "encapsulated flow",
    spec: ENCAPSULATED,
    retval: XDP_TX,
    expected: P.encapsulated(ENCAPSULATED, BACKENDS[0]!, ENCAP_SRC),
    forward: true,
  };
  const encapInput = P.frame(ENCAPSULATED);
  for (let i = 0; i < options.newFlows; i++) {
    for (const impl of rotate(impls, i))
      encapTimes[impl.name].push(runChecked(impl, encapPath, encapInput, 1, `sample ${i}`));
    floorEncap.push(floor.testRun({ data: floorData, repeat: 1 }).duration);
  }
  check("encapsulated flow: every sample gave the encapsulated bytes", true);

  // -- consistency of the map state with what was measured
  impls.forEach((impl, k) => {
    const dStats = statsPackets(impl.obj) - statsBefore[k]!;
    check(
      `${impl.name}: stats[0].packets grew by the forwarded iterations (${impl.forwarded})`,
      dStats === BigInt(impl.forwarded),
      `grew by ${dStats}`,
    );
    const dCt = countEntries(impl.obj, "conntrack") - ctBefore[k]!;
    check(
      `${impl.name}: conntrack grew by the new flows only (${impl.inserted})`,
      dCt === impl.inserted,
      `grew by ${dCt}`,
    );
    const dRnat = countEntries(impl.obj, "rnat") - rnatBefore[k]!;
    check(
      `${impl.name}: rnat grew by the new flows only (${impl.inserted})`,
      dRnat === impl.inserted,
      `grew by ${dRnat}`,
    );
  });
  return { paths: times, floor: floorTimes, newFlows: newTimes, floor1, encap: encapTimes, floorEncap };
}

/** The table's rows from the measurements: medians, ratios, targets. */
function report(options: BenchOptions, m: Measurements): Row[] {
  const rows: Row[] = [];
  const { TS: ti, C: ci, C3: c3i } = m.code;
  rows.push({
    group: "code",
    name: "ELF instructions (as loaded)",
    unit: "insns",
    ts: ti.insns,
    c: ci.insns,
    c3: c3i.insns,
  });
  rows.push({
    group: "code",
    name: "xlated instructions",
    unit: "insns",
    ts: ti.xlated / 8,
    c: ci.xlated / 8,
    c3: c3i.xlated / 8,
    target: { kind: "ratio", max: 1.05, label: "TS/C ≤ 1.05" },
  });
  rows.push({ group: "code", name: "xlated bytes", unit: "B", ts: ti.xlated, c: ci.xlated, c3: c3i.xlated });
  rows.push({ group: "code", name: "jited bytes", unit: "B", ts: ti.jited, c: ci.jited, c3: c3i.jited });
  rows.push({
    group: "code",
    name: "verifier-processed instructions",
    unit: "insns",
    ts: ti.processed,
    c: ci.processed,
    c3: c3i.processed,
    target: { kind: "ratio", max: 1.0, label: "TS ≤ C" },
  });
  const brk = (k: TraceCounts) =>
    `${k.bswap} bswap, ${k.stackLoads}+${k.stackStores} stack ld/st, ${k.loads}+${k.stores} other ld/st, ${k.alu} ALU, ${k.jmp} jumps, ${k.calls} calls`;
  for (const [name, t] of m.executed) {
    rows.push({
      group: "code",
      name: `executed instructions: ${name}`,
      unit: "insns",
      ts: t.TS.insns,
      c: t.C.insns,
      c3: t.C3.insns,
      note: `TS: ${brk(t.TS)}; C: ${brk(t.C)}; C v3: ${brk(t.C3)}`,
    });
  }

  const floorMed = median(m.floor),
    floor1Med = median(m.floor1);
  const nsRow = (name: string, t: Record<ImplName, number[]>, fl: number, note: string): Row => {
    const a = median(t.TS),
      b = median(t.C);
    return {
      group: "ns/packet",
      name,
      unit: "ns",
      ts: a,
      c: b,
      c3: median(t.C3),
      netRatio: b - fl > 0 ? (a - fl) / (b - fl) : undefined,
      target: { kind: "ratio", max: 1.0, label: "TS/C ≤ 1.00" },
      note: `${note}; mean TS ${mean(t.TS).toFixed(2)} / C ${mean(t.C).toFixed(2)} / C v3 ${mean(t.C3).toFixed(2)}`,
    };
  };
  for (const [name, t] of m.paths)
    rows.push(nsRow(name, t, floorMed, `repeat ${options.repeat}, ${options.samples} samples`));
  rows.push(
    nsRow("new flow (conntrack miss + insert)", m.newFlows, floor1Med, `repeat 1, ${options.newFlows} fresh flows`),
  );
  rows.push(
    nsRow(
      "encapsulated flow (conntrack hit, IP-in-IP)",
      m.encap,
      median(m.floorEncap),
      `repeat 1, ${options.newFlows} samples of one tracked flow`,
    ),
  );
  rows.push({
    group: "ns/packet",
    name: `XDP_TX floor, repeat ${options.repeat} (bench/xdp_tx.c)`,
    unit: "ns",
    c: floorMed,
    note: `mean ${mean(m.floor).toFixed(2)}`,
  });
  rows.push({
    group: "ns/packet",
    name: "XDP_TX floor, repeat 1",
    unit: "ns",
    c: floor1Med,
    note: `mean ${mean(m.floor1).toFixed(2)}`,
  });

  for (const { n, times } of m.maglev) {
    const wall = times.map((t) => t.wall);
    rows.push({
      group: "maglev",
      name: `Maglev table build, ${n} backends (M = ${M}), CPU time`,
      unit: "ms",
      ts: median(times.map((t) => t.cpu)),
      note: `wall clock: median ${median(wall).toFixed(1)} ms, fastest ${Math.min(...wall).toFixed(1)} ms (the wall clock also counts waiting for a CPU: see the load average)`,
      ...(n === 1000 ? { target: { kind: "abs" as const, max: 20, label: "≤ 20 ms" } } : {}),
    });
  }
  return rows;
}

/** The established flow in line-rate terms, from its ns/packet row. */
function lineRates(rows: Row[]): LineRate[] {
  const established = rows.find((r) => r.name === ESTABLISHED_PATH)!;
  const frameBytes = P.frame(ESTABLISHED).length;
  return [
    {
      path: ESTABLISHED_PATH,
      frameBytes,
      wireBytes: wireBytes(frameBytes),
      impls: (
        [
          ["TS (tsbpf)", established.ts],
          ["C (clang-14 -O2)", established.c],
        ] as const
      ).map(([name, ns]) => ({ name, ns: ns!, shares: lineRateShares(ns!, [frameBytes]) })),
    },
  ];
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
}

function machine(): Record<string, string> {
  const gitDirty =
    sh("git", ["-C", ROOT, "status", "--porcelain", "--", "compiler", "lb/lb.ts", "bench/lb.c", "runtime"]) !== "";
  return {
    cpu: cpus()[0]?.model ?? "?",
    nproc: String(cpus().length),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: sh("uname", ["-r"]),
    bpf_jit_enable: existsSync("/proc/sys/net/core/bpf_jit_enable")
      ? readFileSync("/proc/sys/net/core/bpf_jit_enable", "utf8").trim()
      : "?",
    load: loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
    node: process.version,
    clang: sh("clang-14", ["--version"]).split("\n")[0] ?? "?",
    commit:
      sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) +
      (gitDirty ? " (compiler/runtime/LB sources modified in the working tree)" : ""),
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

// ---- report

function fmt(v: number | undefined, unit: string): string {
  if (v === undefined) return "—";
  if (unit === "ms") return v < 10 ? v.toFixed(2) : v.toFixed(0);
  if (unit === "ns") return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return String(v);
}

export function targetMet(r: Row): boolean | undefined {
  if (!r.target) return undefined;
  if (r.target.kind === "abs") return r.ts !== undefined && r.ts <= r.target.max;
  if (r.ts === undefined || r.c === undefined) return undefined;
  return r.ts / r.c <= r.target.max + 1e-9;
}

export function markdown(res: BenchResult): string {
  const m = res.machine;
  const o = res.options;
  const lines: string[] = [];
  lines.push(`Command: \`${res.command}\` — ${m.date}`);
  lines.push("");
  lines.push(
    `Machine: ${m.cpu}, ${m.nproc} CPUs, ${m.memory}; kernel ${m.kernel} (bpf_jit_enable=${m.bpf_jit_enable}); load average at the end ${m.load}; node ${m.node}; ${m.clang}; tsbpf ${m.commit}.`,
  );
  lines.push("");
  lines.push(
    "| | unit | TS (tsbpf) | C (clang-14 -O2) | TS/C | TS/C net of floor | target | met | C -mcpu=v3 | TS/C v3 |",
  );
  lines.push("|---|---|---:|---:|---:|---:|---|---|---:|---:|");
  for (const r of res.rows) {
    const ratio = r.ts !== undefined && r.c !== undefined && r.c !== 0 ? (r.ts / r.c).toFixed(3) : "—";
    const met = targetMet(r);
    lines.push(
      `| ${r.name} | ${r.unit} | ${fmt(r.ts, r.unit)} | ${fmt(r.c, r.unit)} | ${ratio} | ${r.netRatio !== undefined ? r.netRatio.toFixed(3) : "—"} | ${r.target?.label ?? ""} | ${met === undefined ? "" : met ? "yes" : "**no**"} | ${r.c3 === undefined ? "" : fmt(r.c3, r.unit)} | ${r.c3 && r.ts !== undefined ? (r.ts / r.c3).toFixed(3) : ""} |`,
    );
  }
  lines.push("");
  lines.push(
    `ns/packet: medians of BPF_PROG_TEST_RUN's per-run average (the kernel reports whole ns). Repeated paths: ${o.samples} samples per program, repeat ${o.repeat}, TS, C and C v3 interleaved sample by sample (which goes first rotates every sample), with the floor program in the same loop. New flow: ${o.newFlows} fresh 5-tuples per program, repeat 1 (see below). "Net of floor" subtracts the XDP_TX floor measured with the same repeat, which removes the test-run loop's own cost.`,
  );
  lines.push("");
  for (const lr of res.lineRates) {
    const speeds = lr.impls[0]!.shares.map((s) => s.speed);
    lines.push(
      `${lr.path[0]!.toUpperCase()}${lr.path.slice(1)} against the wire (the model of \`tsbpf bench\`, runtime/bench/line-rate.ts): the ${lr.frameBytes}-byte frame is ${lr.wireBytes} bytes of line time (FCS, preamble, inter-frame gap), ${speeds.map((s, i) => `${(lr.impls[0]!.shares[i]!.linePps / 1e6).toFixed(2)} Mpps at ${s}`).join(", ")}. One core's share of each, and the cores needed for line rate:`,
    );
    lines.push("");
    lines.push(`| | ns/packet | Mpps per core | ${speeds.join(" | ")} |`);
    lines.push(`|---|---:|---:|${speeds.map(() => "---:").join("|")}|`);
    for (const impl of lr.impls)
      lines.push(
        `| ${impl.name} | ${fmt(impl.ns, "ns")} | ${(1e3 / impl.ns).toFixed(2)} | ${impl.shares.map((s) => `${(100 * s.fraction).toFixed(1)}% (${s.cores} core${s.cores === 1 ? "" : "s"})`).join(" | ")} |`,
      );
    lines.push("");
  }
  const notes = res.rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`);
  lines.push(...notes);
  lines.push("");
  lines.push(
    "Build time is measured by `npm run bench:build` (whole `tsbpf build` processes of the installed package, and `build --watch`), in its own table below.",
  );
  lines.push("");
  const failed = res.checks.filter((c) => !c.ok);
  lines.push(
    `Path checks: ${res.checks.length - failed.length}/${res.checks.length} passed${failed.length ? ` — FAILED: ${failed.map((f) => f.name).join("; ")}` : ""}.`,
  );
  lines.push("");
  const targets = res.rows.filter((r) => r.target);
  lines.push(
    "Targets: " +
      targets
        .map((r) => `${r.name.split(" (")[0]} ${r.target!.label}: ${targetMet(r) ? "met" : "NOT met"}`)
        .join("; ") +
      ".",
  );
  return lines.join("\n");
}

const BEGIN = "<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->";
const END = "<!-- bench:end -->";

/** Replace the generated block of docs/benchmarks.md, keeping everything outside it. */
export function writeReport(md: string, path = join(ROOT, "docs/benchmarks.md")): void {
  writeGeneratedBlock(path, BEGIN, END, md, "# Benchmarks: the TS load balancer against its C twin\n\n");
}
