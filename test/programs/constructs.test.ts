// Language constructs users reach for (issue 11): functions returning views, references and
// structs; enum types; constant tables as loop ranges; Math on integers; zeroed values and
// literals without padding; literals typed by their use; printk formats. Packets are built by scapy
// (test/support/packets.py) and the expected output frames too, so expected bytes and
// checksums come from an implementation that shares nothing with tsbpf.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, expectLoaded, run, XDP, type Corpus } from "./harness.ts";
import { scapyBuild, scapyCheck } from "../support/scapy.ts";
import { Backend, backends, Hits, hits, services, Service } from "./return_refs.ts";
import { Decision, last, perClass, PacketClass, Summary, summary, Trend } from "./enum_types.ts";
import { counted, weighted } from "./const_tables.ts";
import { results } from "./int_math.ts";
import { flows, scratch } from "./zero_values.ts";
import { last as lastPair, seen, vips } from "./inferred_literals.ts";

const ip4 = (s: string) => s.split(".").reduce((a, b) => a * 256 + Number(b), 0);

describe("return_refs: functions returning a view, a map-value reference, a struct, or null", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("return_refs");
    const svc = c.obj.typedMap(services, "services");
    svc.update({ addr: ip4("10.0.0.100"), port: 53, proto: 17 }, 2);
    svc.update({ addr: ip4("10.0.0.101"), port: 53, proto: 17 }, 3); // backend 3 is empty
    c.obj.typedMap(backends, "backends").update(2, { addr: ip4("10.1.0.2"), port: 5353 });
  });
  afterAll(() => c?.close());

  it("rewrites a service's packets to its backend, with and without a VLAN tag", () => {
    expectLoaded(c, "return_refs");
    const [plain, tagged, wantPlain, wantTagged] = scapyBuild(
      { ip: { dst: "10.0.0.100" }, udp: { dport: 53 }, payload: "abcdef" },
      { vlan: 7, ip: { dst: "10.0.0.100" }, udp: { dport: 53 }, payload: "abcdef" },
      { ip: { dst: "10.1.0.2" }, udp: { dport: 5353, chksum: 0 }, payload: "abcdef" },
      { vlan: 7, ip: { dst: "10.1.0.2" }, udp: { dport: 5353, chksum: 0 }, payload: "abcdef" },
    );
    const a = run(c, "return_refs", plain!);
    expect(a.ret).toBe(XDP.TX);
    expect(a.data.toString("hex")).toBe(wantPlain!.toString("hex"));
    expect(scapyCheck(a.data)[0]!.checksums.ip!.ok).toBe(true);
    const b = run(c, "return_refs", tagged!);
    expect(b.ret).toBe(XDP.TX);
    expect(b.data.toString("hex")).toBe(wantTagged!.toString("hex"));
    const h = c.obj.typedMap(hits, "hits").lookup(5353 & 7)!;
    expect(h.packets).toBe(2n);
    expect(h.lastLen).toBe(tagged!.length);
    expect(Hits.size).toBe(16);
  });

  it("passes what no function accepts, and drops a cut UDP header", () => {
    const frames = scapyBuild(
      { ip: { dst: "10.0.0.99" }, udp: { dport: 53 } }, // no such service
      { ip: { dst: "10.0.0.101" }, udp: { dport: 53 } }, // its backend is empty
      { ip: { dst: "10.0.0.100", options: 4 }, udp: { dport: 53 } }, // options: not this function's
      { ip: { dst: "10.0.0.100" }, tcp: { dport: 53 } },
      { vlan: 7, arp: {} },
      { arp: {} },
      { ip: { dst: "10.0.0.100" }, udp: { dport: 53 }, truncate: 30 },
    );
    const cut = scapyBuild({ ip: { dst: "10.0.0.100" }, udp: { dport: 53 }, truncate: 38 })[0]!;
    for (const f of frames) {
      const r = run(c, "return_refs", f);
      expect(r.ret).toBe(XDP.PASS);
      expect(r.data.toString("hex")).toBe(f.toString("hex"));
    }
    expect(run(c, "return_refs", cut).ret).toBe(XDP.DROP);
    expect(Backend.size + Service.size).toBe(16);
  });
});

describe("enum_types: enums as parameter, return, local and struct-field types", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("enum_types");
  });
  afterAll(() => c?.close());
  it("classifies, decides and records the decision in enum-typed fields", () => {
    expectLoaded(c, "enum_types");
    const cases: [Record<string, unknown>, PacketClass, number][] = [
      [{ icmp: {} }, PacketClass.Ping, XDP.DROP],
      [{ tcp: { dport: 443 } }, PacketClass.Web, XDP.PASS],
      [{ tcp: { dport: 80 } }, PacketClass.Web, XDP.PASS],
      [{ udp: { dport: 53 } }, PacketClass.Dns, XDP.PASS],
      [{ udp: { dport: 9999 } }, PacketClass.Other, XDP.TX],
    ];
    const frames = scapyBuild(...cases.map(([spec]) => spec));
    const decisions = c.obj.typedMap(last, "last");
    const summaries = c.obj.typedMap(summary, "summary");
    let prev = PacketClass.Other;
    cases.forEach(([, cls, verdict], i) => {
      expect(run(c, "enum_types", frames[i]!).ret).toBe(verdict);
      expect(decisions.lookup(0)).toEqual({ cls, pad: 0, verdict });
      const trend = cls > prev ? Trend.Rising : cls < prev ? Trend.Falling : Trend.Flat;
      prev = cls;
      expect(summaries.lookup(0)).toEqual({ cls, verdict, trend, packets: i + 1 });
      // The bytes, independently: three 4-byte little-endian enums (the trend signed), a u32.
      const raw = Buffer.alloc(16);
      raw.writeUInt32LE(cls, 0);
      raw.writeUInt32LE(verdict, 4);
      raw.writeInt32LE(trend, 8);
      raw.writeUInt32LE(i + 1, 12);
      expect(Buffer.from(c.obj.map("summary").lookup(Buffer.alloc(4))!).toString("hex")).toBe(raw.toString("hex"));
    });
    expect(Summary.size).toBe(16);
    expect(Summary.layout.map((f) => [f.name, f.offset, f.type.size])).toEqual([
      ["cls", 0, 4],
      ["verdict", 4, 4],
      ["trend", 8, 4],
      ["packets", 12, 4],
    ]);
    const counts = c.obj.typedMap(perClass, "perClass");
    expect([0, 1, 2, 3].map((i) => counts.lookup(i))).toEqual([1n, 2n, 1n, 1n]);
    expect(Decision.size).toBe(8);
  });
});

describe("const_tables: a constant table's .length as a loop bound, and for…of over it", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("const_tables");
  });
  afterAll(() => c?.close());
  it("drops blocked ports, counts listed ones, sums weighted address bytes", () => {
    expectLoaded(c, "const_tables");
    const ports = [23, 2323, 445, 139, 53, 5353, 5353, 80, 123];
    const frames = scapyBuild(...ports.map((dport) => ({ ip: { src: "10.1.2.3" }, udp: { dport } })));
    const verdicts = frames.map((f) => run(c, "const_tables", f).ret);
    expect(verdicts).toEqual([
      XDP.DROP,
      XDP.DROP,
      XDP.DROP,
      XDP.DROP,
      XDP.PASS,
      XDP.PASS,
      XDP.PASS,
      XDP.PASS,
      XDP.PASS,
    ]);
    const n = c.obj.typedMap(counted, "counted");
    expect([0, 1, 2, 3].map((i) => n.lookup(i))).toEqual([1, 1, 2, 0]);
    expect(c.obj.typedMap(weighted, "weighted").lookup(0)).toBe(10 * 1 + 1 * 3 + 2 * 5 + 3 * 7);
  });
});

describe("int_math: Math.imul, Math.min, Math.max on integers", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("int_math");
  });
  afterAll(() => c?.close());
  it("computes what JavaScript computes", () => {
    expectLoaded(c, "int_math");
    for (const [src, ttl] of [
      ["192.168.0.1", 20],
      ["10.200.30.4", 64],
      ["255.255.255.255", 200],
    ] as const) {
      const frame = scapyBuild({ ip: { src, ttl }, udp: { dport: 1 }, payload: "00".repeat(100) })[0]!;
      expect(run(c, "int_math", frame).ret).toBe(XDP.PASS);
      const r = c.obj.typedMap(results, "results").lookup(0)!;
      expect(r.hash).toBe(Math.imul(ip4(src), 0x9e3779b1) >>> 8);
      expect(r.ttlFloor).toBe(Math.max(ttl, 32));
      expect(r.lenCap).toBe(Math.min(frame.length, 100, frame.length - 14));
      expect(r.signedMin).toBe(Math.min(ttl - 64, -3));
      expect(r.three).toBe(3);
    }
  });
});

describe("zero_values: zero(S), S.zero(), literals without padding", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("zero_values");
  });
  afterAll(() => c?.close());
  it("keys built without their padding fields find the same entry as zero-padded keys", () => {
    expectLoaded(c, "zero_values");
    const frame = scapyBuild({ ip: { src: "10.0.0.1" }, udp: { sport: 1111, dport: 2222 } })[0]!;
    expect(run(c, "zero_values", frame).ret).toBe(XDP.PASS);
    expect(run(c, "zero_values", frame).ret).toBe(XDP.PASS);
    const key = Buffer.from("0a000001" + "0457" + "11" + "00" + "08ae" + "0000", "hex");
    expect(Buffer.from(c.obj.map("flows").lookup(key)!).toString("hex")).toBe("0200000000000000");
    expect(c.obj.typedMap(flows, "flows").lookup({ saddr: ip4("10.0.0.1"), sport: 1111, proto: 17, dport: 2222 })).toBe(
      2n,
    );
    const s = c.obj.typedMap(scratch, "scratch");
    expect(s.lookup(0)).toEqual({ ports: [1111, 0, 0, 2222], count: 2, pad: 0 });
    expect(s.lookup(1)).toEqual({ ports: [0, 0, 0, 0], count: 7, pad: 0 });
  });
});

describe("inferred_literals: object literals typed by their use", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("inferred_literals");
    c.obj.typedMap(vips, "vips").update({ addr: ip4("10.0.0.100"), port: 53, proto: 17 }, 5n);
  });
  afterAll(() => c?.close());
  it("looks up and updates with an unannotated key, and passes a literal to a function", () => {
    expectLoaded(c, "inferred_literals");
    const [hit, miss] = scapyBuild(
      { ip: { src: "10.0.0.1", dst: "10.0.0.100" }, udp: { sport: 40000, dport: 53 } },
      { ip: { src: "10.0.0.1", dst: "10.0.0.100" }, udp: { sport: 40000, dport: 54 } },
    );
    expect(run(c, "inferred_literals", hit!).ret).toBe(XDP.DROP);
    expect(run(c, "inferred_literals", miss!).ret).toBe(XDP.PASS);
    expect(c.obj.typedMap(vips, "vips").lookup({ addr: ip4("10.0.0.100"), port: 53, proto: 17 })).toBe(6n);
    expect(c.obj.typedMap(seen, "seen").lookup({ addr: ip4("10.0.0.1"), port: 40000, proto: 17 })).toBe(1n);
    // A literal returned through a struct-typed function, assigned to an annotated variable and
    // to the fields of a map value: the bytes, independently (addresses and ports big-endian).
    expect(c.obj.typedMap(lastPair, "last").lookup(0)).toEqual({
      client: { addr: ip4("10.0.0.1"), port: 40000, proto: 17, pad: 0 },
      service: { addr: ip4("10.0.0.100"), port: 53, proto: 17, pad: 0 },
      hits: 1n,
    });
    const key = (a: string, port: number) => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(ip4(a), 0);
      b.writeUInt16BE(port, 4);
      b[6] = 17;
      return b;
    };
    const hits = Buffer.alloc(8);
    hits.writeBigUInt64LE(1n);
    const want = Buffer.concat([key("10.0.0.1", 40000), key("10.0.0.100", 53), hits]);
    expect(Buffer.from(c.obj.map("last").lookup(Buffer.alloc(4))!).toString("hex")).toBe(want.toString("hex"));
  });
});

describe("printk_formats: a module-level format constant, %u, %pI4 and %x, as the kernel prints them", () => {
  let c: Corpus;
  let trace: { file: string; close(): void };
  beforeAll(async () => {
    c = await setup("printk_formats");
    trace = traceFile();
  });
  afterAll(() => {
    c?.close();
    trace?.close();
  });
  it("prints the line the format describes into the kernel's trace buffer", () => {
    expectLoaded(c, "printk_formats");
    const nonce = randomBytes(4).readUInt32BE(0);
    const [frame, noPayload] = scapyBuild(
      { ip: { src: "10.1.2.3" }, udp: { dport: 8080 }, payload: nonce.toString(16).padStart(8, "0") },
      { ip: { src: "10.1.2.3" }, udp: { dport: 8080 } },
    );
    expect(run(c, "printk_formats", frame!).ret).toBe(XDP.TX);
    expect(run(c, "printk_formats", noPayload!).ret).toBe(XDP.DROP);
    const lines = readFileSync(trace.file, "utf8")
      .split("\n")
      .filter((l) => l.includes(`tsbpf printk_formats id=${nonce} `));
    expect(lines.map((l) => l.slice(l.indexOf("tsbpf printk_formats")))).toEqual([
      `tsbpf printk_formats id=${nonce} src=10.1.2.3 port=1f90`,
    ]);
  });
});

/** The kernel's trace buffer (where bpf_trace_printk writes): tracefs where it is mounted, or
 *  mounted for this test in a temporary directory (and unmounted after). */
function traceFile(): { file: string; close(): void } {
  for (const dir of ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"])
    if (existsSync(join(dir, "trace"))) return { file: join(dir, "trace"), close: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "tsbpf-tracefs-"));
  execFileSync("mount", ["-t", "tracefs", "nodev", dir]);
  return {
    file: join(dir, "trace"),
    close: () => {
      execFileSync("umount", [dir]);
      rmdirSync(dir);
    },
  };
}
