// tsbpf trace against the kernel (issue 15 item 3): every program of test/programs, on packets
// of several classes, run both in the trace's interpreter and with BPF_PROG_TEST_RUN; the action,
// the output bytes and every map entry either of them changed must agree. The interpreter reads
// the kernel's maps through (as `trace --pinned` does), so both start from the same state.
import koffi from "koffi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { loadObject, XdpAction, type BpfObject } from "../../runtime/index.ts";
import * as P from "../../bench/packets.ts";
import { flowSlot } from "../../lb/flowhash.ts";
import { buildTable } from "../../lb/maglev.ts";
import { ROOT } from "../runtime/helpers.ts";
import { MapType } from "../../runtime/maps/types.ts";
import { mapSource } from "../../runtime/trace/live.ts";
import { formatTrace, KernelFibLookup, type TraceRun, TraceSession } from "../../runtime/trace/index.ts";
import { FibResult } from "../../runtime/lang/index.ts";
import { inNetns } from "../../runtime/sys/netns.ts";
import { buildCorpusObject, corpusNames } from "../programs/harness.ts";
import * as K from "../programs/packets.ts";

/**
 * BPF_PROG_TEST_RUN runs the program on the calling thread's CPU: the test pins itself to one, so
 * per-CPU values and bpf_get_smp_processor_id have one answer the trace can be told.
 */
const libc = koffi.load("libc.so.6");
const sched_getcpu = libc.func("int sched_getcpu()") as () => number;
const sched_setaffinity = libc.func("int sched_setaffinity(int pid, ulong size, void *mask)") as (
  pid: number,
  size: number,
  mask: Buffer,
) => number;
const sched_getaffinity = libc.func("int sched_getaffinity(int pid, ulong size, _Out_ void *mask)") as (
  pid: number,
  size: number,
  mask: Buffer,
) => number;
const cpuMask = Buffer.alloc(128);
let CPU = 0;

beforeAll(() => {
  expect(sched_getaffinity(0, cpuMask.length, cpuMask)).toBe(0);
  CPU = sched_getcpu();
  const one = Buffer.alloc(128);
  one[CPU >> 3] = 1 << (CPU & 7);
  expect(sched_setaffinity(0, one.length, one)).toBe(0);
});
afterAll(() => {
  sched_setaffinity(0, cpuMask.length, cpuMask);
});

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("hex") : "absent");

/** Packet classes every program sees. */
const PACKETS: Record<string, number[]> = {
  "ipv4 udp": K.eth(K.ETH_IP, K.ipv4({ proto: 17 }, K.udp(40000, 53, [1, 2, 3, 4, 5, 6, 7, 8]))),
  "ipv4 udp port 9": K.eth(K.ETH_IP, K.ipv4({ proto: 17, src: "192.168.1.7" }, K.udp(9, 9, [0xaa, 0xbb]))),
  "ipv4 tcp syn": K.eth(
    K.ETH_IP,
    K.ipv4({ proto: 6, dst: "10.0.0.80" }, K.tcp(40001, 80, 0x02, [], [], { dst: "10.0.0.80" })),
  ),
  "ipv4 tcp ack 22": K.eth(K.ETH_IP, K.ipv4({ proto: 6, ttl: 1 }, K.tcp(40002, 22, 0x10, [2, 4, 5, 0xb4], [1, 2, 3]))),
  "ipv4 icmp echo": K.eth(K.ETH_IP, K.ipv4({ proto: 1 }, K.icmpEcho(8, 7, 1, [1, 2, 3, 4]))),
  "ipv4 options": K.eth(K.ETH_IP, K.ipv4({ proto: 17, options: [0x94, 4, 0, 0] }, K.udp(1, 2, [9]))),
  "ipv6 udp": K.eth(K.ETH_IPV6, K.ipv6(17, [0x9c, 0x40, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4])),
  "ipv6 icmpv6 echo": K.eth(K.ETH_IPV6, K.icmpv6Echo(128, 5, 6, [1, 2, 3, 4])),
  arp: K.eth(K.ETH_ARP, [
    0,
    1,
    8,
    0,
    6,
    4,
    0,
    1,
    ...K.MAC_A,
    ...K.ip4("10.0.0.1"),
    0,
    0,
    0,
    0,
    0,
    0,
    ...K.ip4("10.0.0.2"),
  ]),
  vlan: K.eth(K.ETH_VLAN, K.vlan(0x0064, K.ETH_IP, K.ipv4({ proto: 17 }, K.udp(5, 6, [7])))),
  "raw payload": K.eth(
    0x88b5,
    [9, 3, 0xff, 0x80, 0x12, 0x34, 0x56, 0x78, 1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 33, 0, 5, 7],
  ),
  "ethernet only": K.eth(K.ETH_IP, []),
};

/**
 * Map contents some programs need before the comparison. timers: slot 0's timer is started an
 * hour ahead, so its callback (run by the kernel, never by the trace) cannot change the slot
 * during the test. check_mtu: a growth and an IP length that exceed loopback's MTU, and an
 * ifindex no device has, so FRAG_NEEDED and -ENODEV are compared too.
 */
const SETUP: Record<string, (obj: BpfObject) => void> = {
  timers: (obj) => {
    const v = Buffer.alloc(obj.map("slots").valueSize);
    v.writeBigUInt64LE(3_600_000_000_000n, 16); // Slot: timer (16 bytes), delayNs
    obj.map("slots").update(Buffer.alloc(4), v);
  },
  check_mtu: (obj) => {
    const v = Buffer.alloc(12);
    v.writeInt32LE(1 << 16, 0); // lenDiff
    v.writeUInt32LE((1 << 16) + 1, 4); // l3Length
    v.writeUInt32LE(0x7fffffff, 8); // badIfindex
    obj.map("probe").update(Buffer.alloc(4), v);
  },
};

/** Map types whose entries the comparison reads (the rest hold fds or are event outputs). */
const COMPARED: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.ARRAY,
  MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
  MapType.LPM_TRIE,
]);
/** Larger arrays are compared only where the trace touched them (a full read costs a syscall per entry); hash maps are read whole. */
const FULL_READ_LIMIT = 4096;

function snapshot(obj: BpfObject): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [name, map] of obj.maps) {
    const array = map.type === MapType.ARRAY || map.type === MapType.PERCPU_ARRAY;
    if (!COMPARED.has(map.type) || (array && map.maxEntries > FULL_READ_LIMIT)) continue;
    const source = mapSource(map, CPU);
    const entries = new Map<string, string>();
    for (let k = map.nextKey(null); k; k = map.nextKey(k)) entries.set(hex(k), hex(source.lookup(k)));
    out.set(name, entries);
  }
  return out;
}

/**
 * bpf_ktime_get_ns differs between two runs by nature: where the trace's value holds a time its
 * ktime returned (u64, any offset), the kernel's must hold a time from this test's window; those
 * 8 bytes are then taken as equal.
 */
const clock = { start: process.hrtime.bigint(), returned: new Set<bigint>() };
const now = () => {
  const t = process.hrtime.bigint();
  clock.returned.add(t);
  return t;
};
/** bpf_jiffies64 likewise: the kernel's count may be ahead of the trace's by up to a minute at HZ=1000. */
const jiffiesReturned = new Set<bigint>();
const jiffies = () => {
  const m = /^jiffies: (\d+)/m.exec(readFileSync("/proc/timer_list", "latin1"));
  const j = BigInt(m![1]!);
  jiffiesReturned.add(j);
  return j;
};
function sameButClock(trace: Uint8Array, kernel: Uint8Array | undefined): boolean {
  if (!kernel || kernel.length !== trace.length) return false;
  const t = Buffer.from(trace);
  const k = Buffer.from(kernel);
  const end = process.hrtime.bigint();
  for (let i = 0; i + 8 <= t.length; i++) {
    const tt = t.readBigUInt64LE(i);
    const kt = k.readBigUInt64LE(i);
    if (clock.returned.has(tt)) {
      if (kt < clock.start || kt > end) return false;
    } else if (jiffiesReturned.has(tt)) {
      if (kt < tt || kt > tt + 60_000n) return false;
    } else continue;
    k.copy(t, i, i, i + 8);
    i += 7;
  }
  return t.equals(k);
}

/** struct xdp_md for a test run: the packet from 0 to its length, arriving on `ingressIfindex`. */
function xdpMd(packet: Uint8Array, ingressIfindex: number): Uint8Array {
  const ctx = Buffer.alloc(24);
  ctx.writeUInt32LE(packet.length, 4);
  ctx.writeUInt32LE(ingressIfindex, 12);
  return ctx;
}

/** Traces `packet`, runs it in the kernel, and returns what differs (empty: they agree). */
function compare(
  obj: BpfObject,
  session: TraceSession,
  program: string,
  packet: Uint8Array,
  /** The device the packet comes in on (xdp_md.ingress_ifindex; default: the namespace's loopback). */
  ingressIfindex?: number,
): { run: TraceRun; diffs: string[] } {
  const before = snapshot(obj);
  const run = session.run(packet);
  const kernel = obj
    .program(program)
    .testRun({ data: packet, ...(ingressIfindex ? { ctx: xdpMd(packet, ingressIfindex) } : {}) });
  const diffs: string[] = [];
  if (run.outcome !== "exit") diffs.push(`trace ended ${run.outcome}: ${run.message}`);
  if (run.action !== kernel.retval) diffs.push(`action: trace ${run.action}, kernel ${kernel.retval}`);
  // The kernel returns data_meta .. data_end: the metadata, then the packet.
  const traced = Uint8Array.from([...run.meta, ...run.after]);
  if (hex(traced) !== hex(kernel.data)) diffs.push(`packet: trace ${hex(traced)}\n        kernel ${hex(kernel.data)}`);
  const after = snapshot(obj);
  for (const [name, model] of session.maps) {
    const map = obj.maps.get(name);
    if (!map || !COMPARED.has(map.type)) continue;
    const live = mapSource(map, CPU);
    const touched = new Set<string>();
    for (const e of model.contents()) {
      touched.add(hex(e.key));
      const kv = live.lookup(e.key);
      const k = hex(kv);
      if (k !== hex(e.value) && !sameButClock(e.value, kv))
        diffs.push(`${name}[${hex(e.key)}]: trace ${hex(e.value)}, kernel ${k}`);
    }
    for (const key of model.deletedKeys()) {
      touched.add(hex(key));
      if (live.lookup(key)) diffs.push(`${name}[${hex(key)}]: deleted by the trace, kernel has it`);
    }
    // Whatever the kernel changed, the trace must have touched (and then agreed on above).
    const b = before.get(name);
    const a = after.get(name);
    if (!a || !b) continue;
    for (const key of new Set([...a.keys(), ...b.keys()]))
      if (a.get(key) !== b.get(key) && !touched.has(key)) diffs.push(`${name}[${key}]: changed by the kernel only`);
  }
  return { run, diffs };
}

describe("trace agrees with BPF_PROG_TEST_RUN", () => {
  const objects: BpfObject[] = [];
  afterAll(() => {
    for (const o of objects) o.close();
  });

  it.each(corpusNames())("%s", async (name) => {
    const { object } = buildCorpusObject(name);
    const obj = await loadObject(object);
    objects.push(obj);
    const spec = obj.spec;
    const programs = spec.programs.filter((p) => p.kind !== undefined && p.section.startsWith("xdp"));
    // Program arrays: slot i holds the object's (i+1)-th program (tail_call.ts: dispatch → handle_ipv4, handle_ipv6).
    const slots: Record<string, Array<{ key_hex: string; program: string }>> = {};
    for (const def of spec.maps) {
      if (def.type !== MapType.PROG_ARRAY) continue;
      slots[def.name] = programs.slice(1, 1 + def.maxEntries).map((p, i) => {
        const key = Buffer.alloc(4);
        key.writeUInt32LE(i);
        const fd = Buffer.alloc(4);
        fd.writeUInt32LE(obj.program(p.name).fd);
        obj.map(def.name).update(key, fd);
        return { key_hex: key.toString("hex"), program: p.name };
      });
    }
    SETUP[name]?.(obj);
    const failures: string[] = [];
    for (const p of programs) {
      const live = new Map(
        [...obj.maps]
          .filter(([, m]) => COMPARED.has(m.type) || m.type === MapType.DEVMAP || m.type === MapType.DEVMAP_HASH)
          .map(([n, m]) => [n, mapSource(m, CPU)]),
      );
      const session = new TraceSession(spec, { program: p.name, live, state: slots, now, jiffies, cpu: CPU });
      try {
        for (const [cls, bytes] of Object.entries(PACKETS)) {
          const { diffs } = compare(obj, session, p.name, Uint8Array.from(bytes));
          if (diffs.length) failures.push(`${p.name} on ${cls}:\n  ${diffs.join("\n  ")}`);
        }
      } finally {
        session.close();
      }
    }
    expect(failures.join("\n")).toBe("");
  });
});

describe("trace agrees with BPF_PROG_TEST_RUN on the load balancer", () => {
  let obj: BpfObject | undefined;
  afterAll(() => obj?.close());

  it("new flow, established flow, reverse NAT, encapsulation VIP, non-VIP, RST", async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    obj = await loadObject(result.object!);
    const M = 65537;
    const VIP = P.ip4("10.100.0.1");
    const ENCAP_VIP = P.ip4("10.100.0.2");
    const LB_MAC = P.mac("02:00:00:00:00:aa");
    const CLIENT_MAC = P.mac("02:00:00:00:00:c1");
    const backends = [0, 1, 2].map((id) => ({
      id,
      addr: P.ip4(`10.0.1.${id + 1}`),
      mac: P.mac(`02:00:00:00:01:0${id + 1}`),
    }));
    obj.map("vips").update(P.vipKey(VIP, 80, P.TCP), P.vipInfo(0));
    obj.map("vips").update(P.vipKey(ENCAP_VIP, 53, P.UDP), P.vipInfo(1, 1));
    obj.map("encap").update(P.u32key(0), P.encapConfig(P.ip4("10.0.0.254")));
    for (const b of backends) obj.map("backends").update(P.u32key(b.id), P.backend(b.addr, b.mac));
    const table = buildTable(backends.map((b) => ({ id: b.id, key: `10.0.1.${b.id + 1}`, weight: 1 })));
    for (const vip of [0, 1])
      obj
        .map("maglev")
        .updateBatch(
          Uint8Array.from(Array.from({ length: M }, (_, s) => [...P.u32key(vip * M + s)]).flat()),
          Uint8Array.from(Array.from(table, (id) => [...P.u32key(id)]).flat()),
        );
    const client = P.ip4("192.0.2.10");
    const forward = (tcpFlags: number): P.FrameSpec => ({
      ethSrc: CLIENT_MAC,
      ethDst: LB_MAC,
      saddr: client,
      daddr: VIP,
      proto: P.TCP,
      sport: 40000,
      dport: 80,
      tcpFlags,
      payload: 16,
    });
    const be = backends[table[flowSlot(client, VIP, 40000, 80, P.TCP)]!]!;
    const packets: Array<[string, Uint8Array, number]> = [
      ["new flow (SYN)", P.frame(forward(P.TCP_SYN)), XdpAction.TX],
      ["established flow (ACK)", P.frame(forward(P.TCP_ACK)), XdpAction.TX],
      [
        "reverse NAT (backend's reply)",
        P.frame({
          ethSrc: be.mac,
          ethDst: LB_MAC,
          saddr: be.addr,
          daddr: client,
          proto: P.TCP,
          sport: 80,
          dport: 40000,
          tcpFlags: P.TCP_SYN | P.TCP_ACK,
        }),
        XdpAction.TX,
      ],
      [
        "encapsulation VIP (UDP)",
        P.frame({
          ethSrc: CLIENT_MAC,
          ethDst: LB_MAC,
          saddr: client,
          daddr: ENCAP_VIP,
          proto: P.UDP,
          sport: 5353,
          dport: 53,
          payload: 20,
        }),
        XdpAction.TX,
      ],
      ["non-VIP address", P.frame({ ...forward(P.TCP_SYN), daddr: P.ip4("10.9.9.9") }), XdpAction.PASS],
      ["VIP, other port", P.frame({ ...forward(P.TCP_SYN), dport: 443 }), XdpAction.PASS],
      ["RST on the flow", P.frame(forward(0x04 | P.TCP_ACK)), XdpAction.TX],
    ];
    const live = new Map([...obj.maps].filter(([, m]) => COMPARED.has(m.type)).map(([n, m]) => [n, mapSource(m, CPU)]));
    const session = new TraceSession(obj.spec, { program: "lb", live, now, cpu: CPU });
    const failures: string[] = [];
    for (const [what, packet, expected] of packets) {
      const { run, diffs } = compare(obj, session, "lb", packet);
      // The classes must be what they say: the kernel's verdict is the expected one.
      if (run.action !== expected) diffs.push(`expected action ${expected}`);
      if (diffs.length) failures.push(`${what}:\n  ${diffs.join("\n  ")}`);
    }
    expect(failures.join("\n")).toBe("");
    // The new flow created its conntrack and rnat entries in the trace's model too.
    expect(session.map("conntrack").contents().length).toBeGreaterThan(0);
    expect(session.map("rnat").contents().length).toBeGreaterThan(0);
  });
});

/**
 * fib_route.ts in a network namespace of its own with a veth, a neighbour and routes, so that
 * bpf_fib_lookup gives every kind of answer; the trace asks the kernel's helper (a helper program
 * run in the same namespace) and must agree with the program's own test run on action and bytes.
 */
describe("trace agrees with BPF_PROG_TEST_RUN on bpf_fib_lookup's answers", () => {
  const NS = `tsbpf-trace-fib-${process.pid}`;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
  const GATEWAY_MAC = "02:00:00:00:10:02";
  const OUR_MAC = "02:00:00:00:10:01";
  let obj: BpfObject | undefined;
  /** sysfs shows the host's devices: ask ip inside the namespace. */
  const ifindexOf = (device: string) =>
    (JSON.parse(ip("-n", NS, "-j", "link", "show", device).toString()) as Array<{ ifindex: number }>)[0]!.ifindex;
  const macOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");

  beforeAll(() => {
    spawnSync("ip", ["netns", "del", NS]);
    ip("netns", "add", NS);
    const inNs = (...args: string[]) => ip("-n", NS, ...args);
    inNs("link", "set", "lo", "up");
    inNs("link", "add", "fib0", "address", OUR_MAC, "type", "veth", "peer", "name", "fib1", "address", GATEWAY_MAC);
    inNs("link", "set", "fib0", "up");
    inNs("link", "set", "fib1", "up");
    inNs("addr", "add", "10.200.0.1/24", "dev", "fib0");
    ip("netns", "exec", NS, "sysctl", "-qw", "net.ipv4.conf.all.forwarding=1");
    ip("netns", "exec", NS, "sysctl", "-qw", "net.ipv4.conf.fib1.forwarding=0");
    inNs("neigh", "replace", "10.200.0.2", "lladdr", GATEWAY_MAC, "dev", "fib0", "nud", "permanent");
    inNs("route", "add", "10.201.0.0/24", "via", "10.200.0.2", "dev", "fib0");
    inNs("route", "add", "10.202.0.0/24", "via", "10.200.0.3", "dev", "fib0"); // no neighbour entry for .3
    inNs("route", "add", "unreachable", "10.203.0.0/24");
    inNs("route", "add", "blackhole", "10.204.0.0/24");
    inNs("route", "add", "prohibit", "10.205.0.0/24");
  });
  afterAll(() => {
    obj?.close();
    spawnSync("ip", ["netns", "del", NS]);
  });

  it("success (MACs rewritten), no neighbour, unreachable, blackhole, prohibit, local, no route, MTU, forwarding off", async () => {
    const { object } = buildCorpusObject("fib_route");
    obj = await loadObject(object);
    const udpTo = (dst: string, totLen?: number) => {
      const frame = K.eth(K.ETH_IP, K.ipv4({ proto: 17, src: "10.200.0.9", dst }, K.udp(5000, 53, [1, 2, 3, 4])));
      if (totLen !== undefined) [frame[16], frame[17]] = [totLen >> 8, totLen & 0xff];
      return Uint8Array.from(frame);
    };
    // [what, packet, the fib result the program must record, the device it comes in on (default lo)]
    const cases: Array<[string, Uint8Array, FibResult, string?]> = [
      ["routed through a gateway with a neighbour entry", udpTo("10.201.0.5"), FibResult.SUCCESS],
      ["routed through a gateway without one", udpTo("10.202.0.5"), FibResult.NO_NEIGH],
      ["an unreachable route", udpTo("10.203.0.5"), FibResult.UNREACHABLE],
      ["a blackhole route", udpTo("10.204.0.5"), FibResult.BLACKHOLE],
      ["a prohibit route", udpTo("10.205.0.5"), FibResult.PROHIBIT],
      ["a local address", udpTo("10.200.0.1"), FibResult.NOT_FWDED],
      ["no route at all", udpTo("10.9.9.9"), FibResult.NOT_FWDED],
      ["longer than the route's MTU", udpTo("10.201.0.5", 9000), FibResult.FRAG_NEEDED],
      ["arriving where forwarding is off", udpTo("10.201.0.5"), FibResult.FWD_DISABLED, "fib1"],
    ];
    const failures: string[] = [];
    const traced: TraceRun[] = [];
    inNetns(NS, () => {
      for (const [what, packet, expected, device] of cases) {
        const ingressIfindex = device ? ifindexOf(device) : undefined;
        const live = new Map([...obj!.maps].map(([n, m]) => [n, mapSource(m, CPU)]));
        const session = new TraceSession(obj!.spec, { live, cpu: CPU, ...(ingressIfindex ? { ingressIfindex } : {}) });
        try {
          const { run, diffs } = compare(obj!, session, "fib_route", packet, ingressIfindex);
          traced.push(run);
          const answer = Buffer.from(obj!.map("answers").lookup(Buffer.alloc(4))!);
          if (answer.readInt32LE(0) !== expected)
            diffs.push(`kernel's fib result ${answer.readInt32LE(0)}, expected ${expected}`);
          if (diffs.length) failures.push(`${what}:\n  ${diffs.join("\n  ")}`);
        } finally {
          session.close();
        }
      }
    });
    expect(failures.join("\n")).toBe("");
    // The forwarded packet left with the gateway's MAC as destination and ours as source, out of fib0.
    const success = traced[0]!;
    expect(success.action).toBe(XdpAction.REDIRECT);
    expect(macOf(success.after.subarray(0, 6))).toBe(GATEWAY_MAC);
    expect(macOf(success.after.subarray(6, 12))).toBe(OUR_MAC);
    // The trace shows the call, its answer and the struct's fields by their kernel names.
    const text = formatTrace(success);
    expect(text).toMatch(/bpf_fib_lookup\(&ctx, fp-\d+, 64, 0\) = 0 \(SUCCESS\)/);
    expect(text).toMatch(/params in: +family 2 \(AF_INET\) .*ipv4_src 10\.200\.0\.9 +ipv4_dst 10\.201\.0\.5/);
    expect(text).toMatch(/params out: .*ifindex \d+ .*smac 02:00:00:00:10:01 +dmac 02:00:00:00:10:02/);
    expect(formatTrace(traced[1]!)).toMatch(/= 7 \(NO_NEIGH\)/);
  });

  it("passes the program's flags to the kernel: SKIP_NEIGH forwards without a neighbour, unknown flags are -EINVAL", () => {
    const params = Buffer.alloc(64);
    params[0] = 2; // AF_INET
    params.writeUInt16LE(32, 6); // tot_len
    Buffer.from([10, 200, 0, 9]).copy(params, 16);
    Buffer.from([10, 202, 0, 5]).copy(params, 32);
    const fib = new KernelFibLookup();
    try {
      inNetns(NS, () => {
        params.writeUInt32LE(ifindexOf("lo"), 8);
        expect(fib.lookup(params, 0).result).toBe(FibResult.NO_NEIGH);
        const skipped = fib.lookup(params, 4); // BPF_FIB_LOOKUP_SKIP_NEIGH
        expect(skipped.result).toBe(FibResult.SUCCESS);
        expect(Buffer.from(skipped.params).readUInt32LE(8)).toBe(ifindexOf("fib0"));
        expect(fib.lookup(params, 1 << 30).result).toBe(-22);
        params.writeUInt32LE(0x7fffffff, 8); // no such device
        expect(fib.lookup(params, 0).result).toBe(-19);
      });
    } finally {
      fib.close();
    }
  });
});
