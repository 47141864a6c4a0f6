/**
 * The tutorial's lessons (docs/tutorial.md), in the xdp-tutorial's order: what each program must
 * do, and the packets its check sends with the action and frame expected for each. Starters are
 * bin/lessons/starters/NN-name.ts, reference solutions bin/lessons/solutions/NN-name.ts.
 */
import { XdpAction } from "../../runtime/program/index.ts";
import type { BpfObject } from "../../runtime/object/index.ts";
import type { Case, Lesson } from "./check.ts";
import { everyday } from "./everyday.ts";
import { arpFrame, edited, ipv4Frame, ipv6Frame, u32le } from "./frames.ts";
import { LB_LESSONS } from "./lb-lessons.ts";

const { DROP, PASS, TX } = XdpAction;

export const LESSONS: Lesson[] = [
  {
    n: 1,
    slug: "01-pass",
    title: "pass",
    task: "let every frame through (XDP_PASS)",
    cases: () => [...everyday(), { what: "ICMP echo request", frame: ipv4Frame({ proto: "icmp" }), action: PASS }],
  },
  {
    n: 2,
    slug: "02-drop",
    title: "drop",
    task: "drop frames longer than 1000 bytes, pass the others",
    cases: () => [
      { what: "a 50-byte UDP frame", frame: ipv4Frame({ proto: "udp", payload: 8 }), action: PASS },
      { what: "a frame of exactly 1000 bytes", frame: ipv4Frame({ proto: "udp", payload: 958 }), action: PASS },
      { what: "a frame of 1001 bytes", frame: ipv4Frame({ proto: "udp", payload: 959 }), action: DROP },
      { what: "a 1514-byte TCP frame", frame: ipv4Frame({ proto: "tcp", payload: 1460 }), action: DROP },
      { what: "ARP request", frame: arpFrame(), action: PASS },
    ],
  },
  {
    n: 3,
    slug: "03-count",
    title: "count with maps",
    task: "count every frame and its bytes in stats[0] ({ packets, bytes }); pass every frame",
    cases: () => [
      ...everyday(),
      { what: "a 1001-byte UDP frame", frame: ipv4Frame({ proto: "udp", payload: 959 }), action: PASS },
    ],
    after(obj: BpfObject, cases: Case[]): string[] {
      const map = obj.maps.get("stats");
      if (!map)
        return ["no map named 'stats': declare `export const stats = new ArrayMap(Counter, { maxEntries: 1 })`"];
      if (map.valueSize < 16)
        return [`stats's values are ${map.valueSize} bytes: they must be { packets: u64, bytes: u64 }`];
      const v = map.lookup(u32le(0));
      if (!v) return ["stats has no entry 0 (use an ArrayMap)"];
      const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
      const packets = view.getBigUint64(0, true);
      const bytes = view.getBigUint64(8, true);
      const wantBytes = BigInt(cases.reduce((s, c) => s + c.frame.length, 0));
      const out: string[] = [];
      if (packets !== BigInt(cases.length))
        out.push(`stats[0].packets is ${packets} after ${cases.length} frames, expected ${cases.length}`);
      if (bytes !== wantBytes)
        out.push(
          `stats[0].bytes is ${bytes} after frames of ${cases.map((c) => c.frame.length).join(" + ")} bytes, expected ${wantBytes}`,
        );
      return out;
    },
  },
  {
    n: 4,
    slug: "04-parse",
    title: "parse headers",
    task: "drop UDP over IPv4 to port 9, pass everything else",
    cases: () => [
      { what: "UDP to port 9", frame: ipv4Frame({ proto: "udp", dport: 9 }), action: DROP },
      ...everyday(),
      { what: "TCP to port 9", frame: ipv4Frame({ proto: "tcp", dport: 9 }), action: PASS },
      { what: "UDP from port 9 to port 7", frame: ipv4Frame({ proto: "udp", sport: 9, dport: 7 }), action: PASS },
      {
        what: "UDP to port 9 behind 4 bytes of IPv4 options (IHL 6)",
        frame: ipv4Frame({ proto: "udp", dport: 9, options: [1, 1, 1, 0] }),
        action: DROP,
      },
      { what: "IPv6 UDP to port 9", frame: ipv6Frame(9), action: PASS },
      {
        what: "a frame cut short inside its IPv4 header",
        frame: ipv4Frame({ proto: "udp", dport: 9 }).slice(0, 30),
        action: PASS,
      },
    ],
  },
  {
    n: 5,
    slug: "05-rewrite",
    title: "rewrite",
    task: "IPv4: drop at TTL ≤ 1, else decrement the TTL and update the checksum; pass",
    cases: () => {
      const ttl = (f: Uint8Array) => edited(f, (g) => void (g[22]! -= 1));
      const udp = ipv4Frame({ proto: "udp", ttl: 64 });
      const tcp = ipv4Frame({ proto: "tcp", ttl: 2, src: "192.168.1.10", dst: "172.16.0.1" });
      const opts = ipv4Frame({ proto: "udp", ttl: 128, options: [1, 1, 1, 0] });
      return [
        { what: "UDP, TTL 64", frame: udp, action: PASS, out: ttl(udp) },
        { what: "TCP, TTL 2", frame: tcp, action: PASS, out: ttl(tcp) },
        { what: "UDP with IPv4 options, TTL 128", frame: opts, action: PASS, out: ttl(opts) },
        { what: "UDP, TTL 1", frame: ipv4Frame({ proto: "udp", ttl: 1 }), action: DROP },
        { what: "UDP, TTL 0", frame: ipv4Frame({ proto: "udp", ttl: 0 }), action: DROP },
        { what: "ARP request", frame: arpFrame(), action: PASS },
        { what: "IPv6 UDP", frame: ipv6Frame(), action: PASS },
      ];
    },
  },
  {
    n: 6,
    slug: "06-redirect",
    title: "send it back (XDP_TX)",
    task: "answer ICMP echo requests with their reply and XDP_TX; pass everything else",
    cases: () => {
      const reply = (f: Uint8Array) =>
        edited(f, (g) => {
          const swap = (a: number, b: number, n: number) => {
            const t = g.slice(a, a + n);
            g.copyWithin(a, b, b + n);
            g.set(t, b);
          };
          swap(0, 6, 6); // MACs
          swap(26, 30, 4); // IP addresses
          g[14 + (g[14]! & 0xf) * 4] = 0; // echo reply
        });
      const ping = ipv4Frame({ proto: "icmp", icmpType: 8, seq: 1 });
      const ping2 = ipv4Frame({
        proto: "icmp",
        icmpType: 8,
        seq: 77,
        src: "192.168.7.9",
        dst: "10.1.2.3",
        payload: 56,
      });
      return [
        { what: "ICMP echo request", frame: ping, action: TX, out: reply(ping) },
        { what: "ICMP echo request, 56 bytes of data", frame: ping2, action: TX, out: reply(ping2) },
        { what: "ICMP echo reply", frame: ipv4Frame({ proto: "icmp", icmpType: 0 }), action: PASS },
        ...everyday(),
      ];
    },
  },
  {
    n: 7,
    slug: "07-tail-calls",
    title: "tail calls",
    task: "dispatch TCP to `tcp` (slot 0, drops port 23) and UDP to `udp` (slot 1, drops port 9)",
    entry: "dispatch",
    setup(obj: BpfObject): string | undefined {
      const jumps = obj.maps.get("jumps");
      if (!jumps) return "no map named 'jumps': declare `export const jumps = new ProgArray({ maxEntries: 2 })`";
      for (const [slot, name] of [
        [0, "tcp"],
        [1, "udp"],
      ] as const) {
        const p = obj.programs.get(name);
        if (!p)
          return `no program named '${name}' for slot ${slot}: export one, \`export const ${name} = xdp((ctx) => …)\``;
        jumps.update(u32le(slot), u32le(p.fd));
      }
      return undefined;
    },
    cases: () => [
      { what: "TCP to port 23 (telnet)", frame: ipv4Frame({ proto: "tcp", dport: 23 }), action: DROP },
      { what: "TCP to port 80", frame: ipv4Frame({ proto: "tcp", dport: 80 }), action: PASS },
      { what: "UDP to port 9 (discard)", frame: ipv4Frame({ proto: "udp", dport: 9 }), action: DROP },
      { what: "UDP to port 53", frame: ipv4Frame({ proto: "udp", dport: 53 }), action: PASS },
      { what: "UDP to port 23", frame: ipv4Frame({ proto: "udp", dport: 23 }), action: PASS },
      { what: "ICMP echo request", frame: ipv4Frame({ proto: "icmp" }), action: PASS },
      { what: "ARP request", frame: arpFrame(), action: PASS },
    ],
  },
  ...LB_LESSONS,
];

export function lessonByNumber(n: number): Lesson | undefined {
  return LESSONS.find((l) => l.n === n);
}
