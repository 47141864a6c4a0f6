/**
 * Lessons 8-13: the load balancer of docs/lb-abi.md, step by step (parse, hash and Maglev,
 * rewrite, connection tracking, reverse NAT, backends that change). The checks play the control
 * plane: they fill `vips`, `backends` and `maglev` as lb/control.ts would, change them between
 * packets, and predict each flow's backend with the LB's own definitions (lb/flowhash.ts,
 * lb/maglev.ts). Expected frames are rewritten here and their checksums computed from scratch,
 * not incrementally as the program does.
 */
import { buildTable, M, NO_BACKEND } from "../../lb/maglev.ts";
import { flowSlot, ipv4ToU32 } from "../../lb/flowhash.ts";
import type { BpfObject } from "../../runtime/object/index.ts";
import { XdpAction } from "../../runtime/program/index.ts";
import type { Case, Lesson } from "./check.ts";
import { edited, ipv4Frame, u32le, type FrameSpec } from "./frames.ts";
import { everyday } from "./everyday.ts";

const { DROP, PASS, TX } = XdpAction;

const VIP = "10.0.0.100";
/** The LB's own MAC: the destination of every frame the checks send it. */
const LB_MAC = "02:00:00:00:00:02";

/** VIPs as the control plane lists them: index 0 and 1 are served; 2 and 3 are broken on purpose. */
const VIPS = [
  { port: 80, proto: 6, index: 0 }, // TCP, backends 0-2
  { port: 53, proto: 17, index: 1 }, // UDP, backends 4-5
  { port: 443, proto: 6, index: 2 }, // every slot names backend 3, an empty slot
  { port: 8080, proto: 6, index: 3 }, // every slot is NO_BACKEND (an id ≥ 1024)
] as const;

interface BackendSpec {
  id: number;
  addr: string;
  mac: string;
}

const BACKENDS: BackendSpec[] = [0, 1, 2, 4, 5].map((id) => ({
  id,
  addr: `10.1.0.${10 + id}`,
  mac: `02:be:00:00:00:${(0x10 + id).toString(16)}`,
}));
const backend = (id: number) => BACKENDS.find((b) => b.id === id)!;
const EMPTY_BACKEND = 3;

/** A VIP's Maglev table over `ids` (equal weights, keyed by address as lb/control.ts keys them). */
function table(ids: number[]): Uint32Array {
  return buildTable(ids.map((id) => ({ id, key: backend(id).addr, weight: 1 })));
}

const macBytes = (m: string) => m.split(":").map((x) => Number.parseInt(x, 16));
const ipBytes = (a: string) => a.split(".").map(Number);
/** A `vips` key (docs/lb-abi.md): address and port in network order, protocol, padding. */
function vipKey(addr: string, port: number, proto: number): Uint8Array {
  return Uint8Array.from([...ipBytes(addr), port >> 8, port & 0xff, proto, 0]);
}

/** Lesson 8 on: VIP 10.0.0.100:80/TCP is index 0, :53/UDP index 1 (9 on: :443 and :8080 too). */
function setupVips(obj: BpfObject, vips: readonly (typeof VIPS)[number][] = VIPS.slice(0, 2)): string | undefined {
  const map = obj.maps.get("vips");
  if (!map) return "no map named 'vips': declare it as docs/lb-abi.md says";
  if (map.keySize !== 8 || map.valueSize !== 8)
    return `vips has ${map.keySize}-byte keys and ${map.valueSize}-byte values; docs/lb-abi.md says 8 and 8`;
  for (const v of vips) map.update(vipKey(VIP, v.port, v.proto), Uint8Array.from([...u32le(v.index), ...u32le(0)]));
  return undefined;
}

/** Writes VIP `index`'s 65537 Maglev slots in one batch. */
function writeTable(obj: BpfObject, index: number, t: Uint32Array): void {
  const keys = new Uint32Array(M).map((_, slot) => index * M + slot);
  obj.maps.get("maglev")!.updateBatch(new Uint8Array(keys.buffer), new Uint8Array(t.buffer));
}

function writeBackend(obj: BpfObject, id: number, b: { addr: string; mac: string } | null): void {
  const value = b ? [...ipBytes(b.addr), ...macBytes(b.mac), 0, 0] : Array(12).fill(0);
  obj.maps.get("backends")!.update(u32le(id), Uint8Array.from(value));
}

/** Lesson 9 on: the four VIPs, five backends, and each VIP's table. */
function setupLb(obj: BpfObject): string | undefined {
  const problem = setupVips(obj, VIPS);
  if (problem) return problem;
  const backends = obj.maps.get("backends");
  if (!backends) return "no map named 'backends': declare it as docs/lb-abi.md says";
  if (backends.valueSize !== 12) return `backends has ${backends.valueSize}-byte values; docs/lb-abi.md says 12`;
  const maglev = obj.maps.get("maglev");
  if (!maglev) return "no map named 'maglev': declare it as docs/lb-abi.md says";
  if (maglev.maxEntries < 4 * M) return `maglev has ${maglev.maxEntries} entries; docs/lb-abi.md says 65537 × 16`;
  for (const b of BACKENDS) writeBackend(obj, b.id, b);
  writeTable(obj, 0, table([0, 1, 2]));
  writeTable(obj, 1, table([4, 5]));
  writeTable(obj, 2, new Uint32Array(M).fill(EMPTY_BACKEND));
  writeTable(obj, 3, new Uint32Array(M).fill(NO_BACKEND));
  return undefined;
}

/** A client's packet to the VIP (TCP port 80 unless told). */
interface Flow {
  src: string;
  sport: number;
  proto?: "tcp" | "udp";
  dport?: number;
  flags?: number;
  ethSrc?: string;
}

function toVip(f: Flow, extra: Partial<FrameSpec> = {}): Uint8Array {
  return ipv4Frame({
    proto: f.proto ?? "tcp",
    src: f.src,
    sport: f.sport,
    dst: VIP,
    dport: f.dport ?? (f.proto === "udp" ? 53 : 80),
    flags: f.flags,
    ethSrc: f.ethSrc,
    ethDst: LB_MAC,
    ...extra,
  });
}

/** The backend `t` picks for flow `f`: the LB's hash of the 5-tuple, host order, into the table. */
function pick(t: Uint32Array, f: Flow): number {
  const proto = f.proto === "udp" ? 17 : 6;
  const dport = f.dport ?? (proto === 17 ? 53 : 80);
  return t[flowSlot(ipv4ToU32(f.src), ipv4ToU32(VIP), f.sport, dport, proto)]!;
}

const UDP_CHECK = (f: Uint8Array) => 14 + (f[14]! & 0xf) * 4 + 6;

/** `frame` with the MACs set, and `rewrite` applied to its IPv4 header, checksums computed afresh
 *  (a UDP checksum of 0 stays 0; a computed 0 is sent as 0xffff). */
function rewritten(frame: Uint8Array, ethDst: string, rewrite: (f: Uint8Array) => void = () => {}): Uint8Array {
  const out = edited(frame, (f) => {
    f.set(macBytes(ethDst), 0);
    f.set(frame.subarray(0, 6), 6);
    rewrite(f);
  });
  if (frame[23] === 17) {
    const at = UDP_CHECK(out);
    if (frame[at] === 0 && frame[at + 1] === 0) out.fill(0, at, at + 2);
    else if (out[at] === 0 && out[at + 1] === 0) out.fill(0xff, at, at + 2);
  }
  return out;
}

/** Lesson 9: only the MACs change. */
const toBackendMac = (frame: Uint8Array, id: number) => rewritten(frame, backend(id).mac);

/** Lesson 10 on: DNAT to the backend (docs/lb-abi.md step 9). */
const forwarded = (frame: Uint8Array, id: number) =>
  rewritten(frame, backend(id).mac, (f) => f.set(ipBytes(backend(id).addr), 30));

/** A backend's reply to a client: from the backend's MAC to the LB's. */
function reply(from: number, to: Flow, sport = 80): Uint8Array {
  return ipv4Frame({
    proto: to.proto ?? "tcp",
    src: backend(from).addr,
    sport,
    dst: to.src,
    dport: to.sport,
    ethSrc: backend(from).mac,
    ethDst: LB_MAC,
  });
}

/** Reverse NAT of a reply (step 10): from the VIP, to the client's MAC. */
const natted = (frame: Uint8Array, clientMac: string) => rewritten(frame, clientMac, (f) => f.set(ipBytes(VIP), 26));

/** `frame` with its UDP checksum zeroed ("no checksum"). */
function noUdpChecksum(frame: Uint8Array): Uint8Array {
  const f = Uint8Array.from(frame);
  f.fill(0, UDP_CHECK(f), UDP_CHECK(f) + 2);
  return f;
}

/** A UDP frame of flow `f` whose checksum after DNAT to `id` computes to 0 (sent as 0xffff):
 *  two payload bytes chosen so. */
function zeroAfterDnat(f: Flow, id: number): Uint8Array {
  const frame = toVip(f, { payload: 8 });
  const at = UDP_CHECK(frame) + 2; // the first two payload bytes
  for (let w = 0; w < 0x10000; w++) {
    const g = edited(frame, (x) => void x.set([w >> 8, w & 0xff], at));
    const out = edited(g, (x) => void x.set(ipBytes(backend(id).addr), 30));
    if (out[UDP_CHECK(out)] === 0 && out[UDP_CHECK(out) + 1] === 0) return g;
  }
  throw new Error("no payload makes the checksum 0");
}

/** Packets every LB lesson from 9 on must still get right. */
function unchanged(): Case[] {
  const tcp = toVip({ src: "10.0.0.1", sport: 40000 });
  return [
    {
      what: "TCP to 10.0.0.100:81 (not a VIP)",
      frame: toVip({ src: "10.0.0.1", sport: 40000, dport: 81 }),
      action: PASS,
    },
    { what: "a first fragment (MF set) to the VIP", frame: edited(tcp, (f) => void (f[20]! |= 0x20)), action: DROP },
    ...everyday(),
  ];
}

/** Packets whose VIP has no usable backend: dropped. */
function noBackend(): Case[] {
  return [
    {
      what: "TCP to 10.0.0.100:443, whose slots name backend 3, an empty slot",
      frame: toVip({ src: "10.0.0.1", sport: 40000, dport: 443 }),
      action: DROP,
    },
    {
      what: "TCP to 10.0.0.100:8080, whose slots name no backend (0xffffffff)",
      frame: toVip({ src: "10.0.0.1", sport: 40000, dport: 8080 }),
      action: DROP,
    },
  ];
}

const CLIENTS: Flow[] = [
  { src: "10.0.0.1", sport: 40000 },
  { src: "10.0.0.1", sport: 40001 },
  { src: "10.0.0.7", sport: 51000 },
  { src: "192.168.5.5", sport: 12345 },
  { src: "172.16.9.9", sport: 443 },
];
const UDP_CLIENTS: Flow[] = [
  { src: "10.0.0.3", sport: 5353, proto: "udp" },
  { src: "10.0.0.4", sport: 33000, proto: "udp" },
];

const T0 = () => table([0, 1, 2]);
const T1 = () => table([4, 5]);

/** Words for a flow: "TCP 10.0.0.1:40000 → the VIP". */
const flowWords = (f: Flow) => `${(f.proto ?? "tcp").toUpperCase()} ${f.src}:${f.sport} → the VIP`;

/** A moment where the control plane changes the tables between two packets. */
function then(words: string, change: (obj: BpfObject) => void, c: Case): Case {
  return { ...c, what: `${words}; ${c.what}`, before: change };
}

/** The forward cases of lessons 10 on: every client to its backend, DNAT. */
function forwardCases(): Case[] {
  const t0 = T0();
  const t1 = T1();
  return [
    ...CLIENTS.map((f) => {
      const frame = toVip(f);
      return { what: flowWords(f), frame, action: TX, out: forwarded(frame, pick(t0, f)) };
    }),
    ...UDP_CLIENTS.map((f) => {
      const frame = toVip(f);
      return { what: flowWords(f), frame, action: TX, out: forwarded(frame, pick(t1, f)) };
    }),
  ];
}

/** stats[index] summed over CPUs: { packets, bytes } (docs/lb-abi.md), or a problem in words. */
function vipStats(obj: BpfObject, index: number): { packets: bigint; bytes: bigint } | string {
  const map = obj.maps.get("stats");
  if (!map) return "no map named 'stats': declare it as docs/lb-abi.md says (a PerCpuArrayMap of { packets, bytes })";
  const values = map.isPerCpu ? map.lookupPerCpu(u32le(index)) : [map.lookup(u32le(index))!];
  if (!values || map.valueSize < 16) return "stats's values must be { packets: u64, bytes: u64 }";
  let packets = 0n;
  let bytes = 0n;
  for (const v of values) {
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    packets += view.getBigUint64(0, true);
    bytes += view.getBigUint64(8, true);
  }
  return { packets, bytes };
}

export const LB_LESSONS: Lesson[] = [
  {
    n: 8,
    slug: "08-lb-parse",
    title: "LB: parse and find the VIP",
    task: "docs/lb-abi.md steps 1-7: drop malformed packets, pass non-VIP traffic, TX packets to a VIP",
    setup: (obj) => setupVips(obj),
    cases: () => {
      const vip = ipv4Frame({ proto: "tcp", dst: VIP, dport: 80 });
      return [
        { what: "TCP to the VIP 10.0.0.100:80", frame: vip, action: TX },
        { what: "UDP to the VIP 10.0.0.100:53", frame: ipv4Frame({ proto: "udp", dst: VIP, dport: 53 }), action: TX },
        {
          what: "TCP to the VIP behind IPv4 options",
          frame: ipv4Frame({ proto: "tcp", dst: VIP, dport: 80, options: [1, 1, 1, 0] }),
          action: TX,
        },
        {
          what: "UDP to 10.0.0.100:80 (the VIP is TCP on port 80)",
          frame: ipv4Frame({ proto: "udp", dst: VIP, dport: 80 }),
          action: PASS,
        },
        { what: "TCP to 10.0.0.100:81", frame: ipv4Frame({ proto: "tcp", dst: VIP, dport: 81 }), action: PASS },
        {
          what: "TCP to another address, port 80",
          frame: ipv4Frame({ proto: "tcp", dst: "10.0.0.2", dport: 80 }),
          action: PASS,
        },
        { what: "ICMP to the VIP", frame: ipv4Frame({ proto: "icmp", dst: VIP }), action: PASS },
        ...everyday(),
        {
          what: "a first fragment (MF set) to the VIP",
          frame: edited(vip, (f) => void (f[20]! |= 0x20)),
          action: DROP,
        },
        {
          what: "a later fragment (offset 185) to the VIP",
          frame: edited(vip, (f) => void (f[21] = 185)),
          action: DROP,
        },
        { what: "IPv4 with IHL 4", frame: edited(vip, (f) => void (f[14] = 0x44)), action: DROP },
        { what: "IP version 5", frame: edited(vip, (f) => void (f[14] = 0x55)), action: DROP },
        { what: "TCP header cut short", frame: vip.slice(0, 14 + 20 + 12), action: DROP },
        { what: "IPv4 header cut short", frame: vip.slice(0, 14 + 12), action: DROP },
      ];
    },
  },
  {
    n: 9,
    slug: "09-lb-hash",
    title: "LB: hash and Maglev",
    task: "docs/lb-abi.md step 8 without tracking: hash the 5-tuple, pick the backend from the VIP's Maglev table, TX to its MAC",
    setup: setupLb,
    cases: () => {
      const t0 = T0();
      const t1 = T1();
      return [
        ...CLIENTS.map((f) => {
          const frame = toVip(f);
          return { what: flowWords(f), frame, action: TX, out: toBackendMac(frame, pick(t0, f)) };
        }),
        ...UDP_CLIENTS.map((f) => {
          const frame = toVip(f);
          return { what: flowWords(f), frame, action: TX, out: toBackendMac(frame, pick(t1, f)) };
        }),
        ...noBackend(),
        ...unchanged(),
      ];
    },
  },
  {
    n: 10,
    slug: "10-lb-rewrite",
    title: "LB: rewrite (DNAT)",
    task: "docs/lb-abi.md step 9: destination := the backend, checksums patched (RFC 1624), stats counted",
    setup: setupLb,
    cases: () => {
      const t0 = T0();
      const t1 = T1();
      const withOptions = toVip(CLIENTS[0]!, { options: [1, 1, 1, 0] });
      const quiet = noUdpChecksum(toVip(UDP_CLIENTS[0]!));
      const zero = zeroAfterDnat(UDP_CLIENTS[1]!, pick(t1, UDP_CLIENTS[1]!));
      return [
        ...forwardCases(),
        {
          what: `${flowWords(CLIENTS[0]!)}, behind IPv4 options`,
          frame: withOptions,
          action: TX,
          out: forwarded(withOptions, pick(t0, CLIENTS[0]!)),
        },
        {
          what: `${flowWords(UDP_CLIENTS[0]!)}, UDP checksum 0 ("none": stays 0)`,
          frame: quiet,
          action: TX,
          out: forwarded(quiet, pick(t1, UDP_CLIENTS[0]!)),
        },
        {
          what: `${flowWords(UDP_CLIENTS[1]!)}, whose UDP checksum after the rewrite is 0 (sent as 0xffff)`,
          frame: zero,
          action: TX,
          out: forwarded(zero, pick(t1, UDP_CLIENTS[1]!)),
        },
        ...noBackend(),
        ...unchanged(),
      ];
    },
    after(obj: BpfObject, cases: Case[]): string[] {
      const out: string[] = [];
      for (const index of [0, 1]) {
        const s = vipStats(obj, index);
        if (typeof s === "string") return [s];
        const sent = cases.filter((c) => c.action === TX && c.frame[23] === (index === 0 ? 6 : 17));
        const bytes = BigInt(sent.reduce((n, c) => n + c.frame.length, 0));
        if (s.packets !== BigInt(sent.length) || s.bytes !== bytes)
          out.push(
            `stats[${index}] is { packets: ${s.packets}, bytes: ${s.bytes} } after ${sent.length} forwarded frames of ${bytes} bytes`,
          );
      }
      return out;
    },
  },
  {
    n: 11,
    slug: "11-lb-conntrack",
    title: "LB: connection tracking",
    task: "docs/lb-abi.md step 8: record each flow's backend; a tracked flow keeps it when the Maglev table changes",
    setup: setupLb,
    cases: () => {
      const t0 = T0();
      const [a, b] = [CLIENTS[0]!, CLIENTS[1]!];
      const first = pick(t0, a);
      // The control plane moves every slot of VIP 0 to another backend (a weight change would
      // move some): connections already open must stay where they are.
      const moved = [0, 1, 2].find((id) => id !== first)!;
      const allTo = new Uint32Array(M).fill(moved);
      const fa = toVip(a);
      const fb = toVip(b);
      const u = UDP_CLIENTS[0]!;
      const fu = toVip(u);
      return [
        { what: flowWords(a), frame: fa, action: TX, out: forwarded(fa, first) },
        { what: flowWords(u), frame: fu, action: TX, out: forwarded(fu, pick(T1(), u)) },
        then(`every slot of VIP 0 now names backend ${moved}`, (obj) => writeTable(obj, 0, allTo), {
          what: `${flowWords(a)} again (tracked: stays on backend ${first})`,
          frame: fa,
          action: TX,
          out: forwarded(fa, first),
        }),
        {
          what: `${flowWords(b)}, a new connection from the same client`,
          frame: fb,
          action: TX,
          out: forwarded(fb, moved),
        },
        { what: `${flowWords(u)} again`, frame: fu, action: TX, out: forwarded(fu, pick(T1(), u)) },
        ...noBackend(),
        ...unchanged(),
      ];
    },
  },
  {
    n: 12,
    slug: "12-lb-reverse-nat",
    title: "LB: reverse NAT",
    task: "docs/lb-abi.md step 10: a backend's reply to a tracked client leaves from the VIP, to the client's MAC",
    setup: setupLb,
    cases: () => {
      const t0 = T0();
      const clientMac = "02:c1:00:00:00:01";
      const a: Flow = { ...CLIENTS[0]!, ethSrc: clientMac };
      const x = pick(t0, a);
      const other = [0, 1, 2].find((id) => id !== x)!;
      const u: Flow = { ...UDP_CLIENTS[0]!, ethSrc: clientMac };
      const z = pick(T1(), u);
      const fa = toVip(a);
      const fu = toVip(u);
      const ra = reply(x, a);
      const ru = noUdpChecksum(reply(z, u, 53));
      return [
        { what: flowWords(a), frame: fa, action: TX, out: forwarded(fa, x) },
        { what: `backend ${x}'s reply to ${a.src}:${a.sport}`, frame: ra, action: TX, out: natted(ra, clientMac) },
        { what: `backend ${x}'s reply from port 81 (not the VIP's port)`, frame: reply(x, a, 81), action: PASS },
        { what: `backend ${other}'s reply to the same client (not its flow)`, frame: reply(other, a), action: PASS },
        {
          what: `backend ${x}'s reply to 10.0.0.9:${a.sport} (no such client)`,
          frame: reply(x, { ...a, src: "10.0.0.9" }),
          action: PASS,
        },
        { what: flowWords(u), frame: fu, action: TX, out: forwarded(fu, z) },
        { what: `backend ${z}'s UDP reply, checksum 0`, frame: ru, action: TX, out: natted(ru, clientMac) },
        ...forwardCases().slice(1),
        ...unchanged(),
      ];
    },
  },
  {
    n: 13,
    slug: "13-lb-backend-changes",
    title: "LB: when backends change",
    task: "docs/lb-abi.md step 8: a flow whose backend is gone is re-hashed and re-recorded; a TCP RST is not recorded",
    setup: setupLb,
    cases: () => {
      const t0 = T0();
      const a = CLIENTS[0]!;
      const x = pick(t0, a);
      const rest = [0, 1, 2].filter((id) => id !== x);
      const y = pick(table(rest), a);
      const fa = toVip(a);
      // A connection that starts with a RST (as a port scanner's does): forwarded, not recorded.
      const c: Flow = { src: "10.0.0.5", sport: 40500, flags: 0x14 };
      const z = pick(t0, c);
      const w = [0, 1, 2].find((id) => id !== z)!;
      const fc = toVip(c);
      const fcAck = toVip({ ...c, flags: 0x10 });
      return [
        { what: flowWords(a), frame: fa, action: TX, out: forwarded(fa, x) },
        then(
          `backend ${x} removed (its slot emptied, VIP 0's table rebuilt without it)`,
          (obj) => {
            writeBackend(obj, x, null);
            writeTable(obj, 0, table(rest));
          },
          { what: `${flowWords(a)} again: re-hashed to backend ${y}`, frame: fa, action: TX, out: forwarded(fa, y) },
        ),
        then(
          `backend ${x} back, VIP 0's table as before`,
          (obj) => {
            writeBackend(obj, x, backend(x));
            writeTable(obj, 0, t0);
          },
          { what: `${flowWords(a)} again: stays on backend ${y}`, frame: fa, action: TX, out: forwarded(fa, y) },
        ),
        { what: `backend ${x}'s reply to ${a.src}:${a.sport} (no longer its flow)`, frame: reply(x, a), action: PASS },
        {
          what: `backend ${y}'s reply to ${a.src}:${a.sport}`,
          frame: reply(y, a),
          action: TX,
          out: natted(reply(y, a), "02:00:00:00:00:01"),
        },
        { what: `${flowWords(c)} with RST set`, frame: fc, action: TX, out: forwarded(fc, z) },
        {
          what: `backend ${z}'s reply to ${c.src}:${c.sport} (a RST is not recorded)`,
          frame: reply(z, c),
          action: PASS,
        },
        then(`every slot of VIP 0 now names backend ${w}`, (obj) => writeTable(obj, 0, new Uint32Array(M).fill(w)), {
          what: `${flowWords(c)}, ACK (not tracked: goes to backend ${w})`,
          frame: fcAck,
          action: TX,
          out: forwarded(fcAck, w),
        }),
        ...noBackend(),
        ...unchanged(),
      ];
    },
  },
];
