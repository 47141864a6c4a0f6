// Corpus: the map types beyond hash and array and the helpers that go with them: LPM tries
// (CIDR keys from userspace), xdp_load_bytes/xdp_store_bytes, atomics that return values,
// queue, stack and bloom filter maps, DEVMAP_HASH.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u64At, type Corpus } from "./harness.ts";
import {
  LpmTrieMap,
  MapError,
  MapType,
  SyscallError,
  TypedBloomFilter,
  TypedQueue,
  XdpAction,
} from "../../runtime/index.ts";
import { bytes, eth, ipv4, ipv6, udp, pad, ETH_IP, ETH_IPV6, ETH_ARP } from "./packets.ts";
import { Rule, rules4, rules6 } from "./cidr_firewall.ts";
import { windows } from "./load_store_bytes.ts";
import { seen, shared } from "./atomic_fetch.ts";
import { blocked, recent, verdicts } from "./keyless_maps.ts";
import { by_port } from "./devmap_hash.ts";

describeKernel("cidr_firewall (LPM trie)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("cidr_firewall");
  });
  afterAll(() => c?.close());
  const from4 = (src: string) => bytes(eth(ETH_IP, ipv4({ proto: 17, src }, udp(1, 2, []))));
  const from6 = (src: string) => bytes(eth(ETH_IPV6, ipv6(17, udp(1, 2, []), src)));
  const rule = (action: XdpAction) => ({ action, hits: 0n });

  it("is created as a trie without preallocation, and loads with bpftool", () => {
    expectLoaded(c, "cidr_firewall");
    const m = c.obj.map("rules4");
    expect([m.type, m.flags & 1, m.keySize, m.valueSize]).toEqual([MapType.LPM_TRIE, 1, 8, 16]);
    expect(c.obj.map("rules6").keySize).toBe(20);
    expect(rules4.flags & 1).toBe(1);
  });

  it("gives each packet the verdict of the longest prefix containing its source", () => {
    const v4 = c.obj.typedMap(rules4, "rules4");
    const v6 = c.obj.typedMap(rules6, "rules6");
    expect(v4).toBeInstanceOf(LpmTrieMap);
    expect(run(c, "cidr_firewall", from4("10.1.2.3")).ret).toBe(XdpAction.PASS); // empty trie
    v4.update("10.0.0.0/8", rule(XdpAction.DROP));
    v4.update("10.1.0.0/16", rule(XdpAction.PASS));
    v4.update({ prefixLen: 32, addr: 0x0a010203 }, rule(XdpAction.TX)); // the struct form: 10.1.2.3/32
    v4.update("192.0.2.0/24", rule(XdpAction.ABORTED));
    v6.update("2001:db8::/32", rule(XdpAction.DROP));
    v6.update("2001:db8:1::/48", rule(XdpAction.PASS));
    const cases: [Uint8Array, XdpAction][] = [
      [from4("10.9.9.9"), XdpAction.DROP],
      [from4("10.9.0.1"), XdpAction.DROP],
      [from4("10.1.9.9"), XdpAction.PASS],
      [from4("10.1.2.3"), XdpAction.TX],
      [from4("192.0.2.200"), XdpAction.ABORTED],
      [from4("11.0.0.1"), XdpAction.PASS],
      [from6("2001:db8:ffff::1"), XdpAction.DROP],
      [from6("2001:db8:1:2::1"), XdpAction.PASS],
      [from6("2001:db9::1"), XdpAction.PASS],
      [bytes(pad(eth(ETH_ARP, []), 42)), XdpAction.PASS],
    ];
    for (const [packet, verdict] of cases) expect(run(c, "cidr_firewall", packet).ret).toBe(verdict);
    // Counted in the matching rule only; userspace lookups are longest-prefix matches too.
    expect(v4.lookup("10.0.0.0/8")).toEqual({ action: XdpAction.DROP, pad: 0, hits: 2n });
    expect(v4.lookup("10.1.0.0/16")?.hits).toBe(1n);
    expect(v4.lookup("10.200.0.1")?.action).toBe(XdpAction.DROP);
    expect(v4.lookup("11.0.0.1")).toBeUndefined();
    expect(v6.lookup("2001:db8::/32")?.hits).toBe(1n);
    expect(
      v4
        .cidrs()
        .map(([cidr]) => cidr)
        .sort(),
    ).toEqual(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32", "192.0.2.0/24"]);
    expect(v6.cidrs().map(([cidr, r]) => [cidr, r.action])).toContainEqual(["2001:db8:1::/48", XdpAction.PASS]);
    expect(v4.delete("10.1.0.0/16")).toBe(true);
    expect(v4.delete("10.1.0.0/16")).toBe(false);
    expect(run(c, "cidr_firewall", from4("10.1.9.9")).ret).toBe(XdpAction.DROP);
    expect(Rule.size).toBe(16);
  });

  it("refuses CIDR text that is not a prefix of the map's family, saying why", () => {
    const v4 = c.obj.typedMap(rules4, "rules4");
    const v6 = c.obj.typedMap(rules6, "rules6");
    expect(() => v4.update("10.0.0.1/8", rule(XdpAction.DROP))).toThrow(
      new MapError('"10.0.0.1/8" has bits set after the first 8; the prefix is 10.0.0.0/8'),
    );
    expect(() => v4.update("2001:db8::/32", rule(XdpAction.DROP))).toThrow(
      new MapError('map "rules4" holds 4-byte addresses; "2001:db8::/32" is an IPv6 prefix'),
    );
    expect(() => v6.lookup("10.0.0.0/40")).toThrow(/prefix length must be a number from 0 to 32/);
    expect(() => v6.lookup("bogus/8")).toThrow(/is not a CIDR prefix/);
  });
});

describeKernel("load_store_bytes (xdp_load_bytes, xdp_store_bytes)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("load_store_bytes");
  });
  afterAll(() => c?.close());

  it("copies packet bytes into a map value and a stack struct, and a struct back into the packet", () => {
    expectLoaded(c, "load_store_bytes");
    const frame = bytes(eth(ETH_IP, ipv4({ proto: 17, src: "192.0.2.1", dst: "198.51.100.7" }, udp(1, 2, [9, 9]))));
    const r = run(c, "load_store_bytes", frame);
    expect(r.ret).toBe(XdpAction.TX);
    const want = Buffer.from(frame);
    want.set(frame.subarray(6, 12), 0);
    want.set(frame.subarray(0, 6), 6);
    expect(r.data.toString("hex")).toBe(want.toString("hex"));
    expect(c.obj.typedMap(windows, "windows").lookup(0)?.data).toEqual([...frame.subarray(14, 30)]);
  });

  it("fails (false) for a range past the packet's end, touching nothing", () => {
    const short = bytes([...eth(ETH_ARP, []), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]); // 14 + 15 bytes
    const r = run(c, "load_store_bytes", short);
    expect(r.ret).toBe(XdpAction.DROP);
    expect(r.data.toString("hex")).toBe(Buffer.from(short).toString("hex"));
    expect(u64At(c.obj.map("misses").lookup(key32(0)))).toBe(1n);
  });
});

describeKernel("atomic_fetch (atomics that return the value before)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("atomic_fetch");
  });
  afterAll(() => c?.close());

  it("returns each field's previous value and leaves the operation's result", () => {
    expectLoaded(c, "atomic_fetch");
    const state = c.obj.typedMap(shared, "shared");
    const out = c.obj.typedMap(seen, "seen");
    const initial = { tickets: 10, mask: 0xffffffff, flags: 0, small: 7, owner: 0n, bits: 0n, last: 0n };
    const afterFirst = {
      tickets: 11,
      mask: ~(1 << 10) >>> 0,
      flags: 0xff,
      small: 60,
      owner: 60n,
      bits: 1n << 10n,
      last: 60n,
    };
    const afterSecond = {
      tickets: 12,
      mask: ~(3 << 10) >>> 0,
      flags: 0,
      small: 60,
      owner: 60n,
      bits: 3n << 10n,
      last: 70n,
    };
    state.update(0, initial);
    const frame = (len: number) => bytes(pad(eth(ETH_ARP, []), len));
    // Each atomic returns the field's value from before: `seen` gets the state the frame found.
    expect(run(c, "atomic_fetch", frame(60)).ret).toBe(XdpAction.PASS);
    expect(out.lookup(0)).toEqual(initial);
    expect(state.lookup(0)).toEqual(afterFirst);
    expect(run(c, "atomic_fetch", frame(70)).ret).toBe(XdpAction.PASS);
    expect(out.lookup(0)).toEqual(afterFirst);
    // compare-exchange does not store when the field differs from `expected`: owner and small keep 60.
    expect(state.lookup(0)).toEqual(afterSecond);
  });
});

describeKernel("keyless_maps (queue, stack, bloom filter)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("keyless_maps");
  });
  afterAll(() => c?.close());
  const from = (src: string, proto = 17, dst = "10.0.0.9") =>
    bytes(eth(ETH_IP, ipv4({ proto, src, dst }, udp(1, 2, []))));
  const arp = bytes(pad(eth(ETH_ARP, []), 42));
  const host = (a: string) => a.split(".").reduce((n, b) => n * 256 + Number(b), 0);

  it("has maps without keys, created from BTF that bpftool loads too", () => {
    expectLoaded(c, "keyless_maps");
    const types = ["recent", "verdicts", "blocked"].map((n) => [c.obj.map(n).type, c.obj.map(n).keySize]);
    expect(types).toEqual([
      [MapType.QUEUE, 0],
      [MapType.STACK, 0],
      [MapType.BLOOM_FILTER, 0],
    ]);
  });

  it("drops sources in the bloom filter, added by userspace or by the program", () => {
    const filter = c.obj.typedMap(blocked, "blocked");
    expect(filter).toBeInstanceOf(TypedBloomFilter);
    expect(run(c, "keyless_maps", from("10.0.0.1")).ret).toBe(XdpAction.TX); // not blocked; the only sample queued
    filter.add(host("10.0.0.1"));
    expect(filter.has(host("10.0.0.1"))).toBe(true);
    expect(run(c, "keyless_maps", from("10.0.0.1")).ret).toBe(XdpAction.DROP);
    expect(filter.has(host("10.7.7.7"))).toBe(false);
    expect(run(c, "keyless_maps", from("10.0.0.2", 0xfe, "10.7.7.7")).ret).toBe(XdpAction.PASS);
    expect(filter.has(host("10.7.7.7"))).toBe(true);
    expect(run(c, "keyless_maps", from("10.7.7.7")).ret).toBe(XdpAction.DROP);
  });

  it("keeps the newest samples in the queue, oldest first", () => {
    const queue = c.obj.typedMap(recent, "recent");
    expect(queue).toBeInstanceOf(TypedQueue);
    queue.drain();
    const lens = [60, 61, 62, 63, 64, 65];
    const verdictsSeen = lens.map((len) => run(c, "keyless_maps", bytes(pad(eth(0x86dd, []), len))).ret);
    // peek() in the program sees the oldest sample: the frame itself only while it is the first.
    expect(verdictsSeen).toEqual([XdpAction.TX, ...Array(5).fill(XdpAction.PASS)]);
    expect(queue.peek()).toEqual({ len: 62, proto: 0x86dd, pad: 0 });
    expect(queue.drain().map((s) => s.len)).toEqual([62, 63, 64, 65]);
    expect(queue.pop()).toBeUndefined();
    queue.push({ len: 1, proto: 2 });
    expect(queue.pop()).toEqual({ len: 1, proto: 2, pad: 0 });
  });

  it("pops verdicts pushed from userspace, newest first", () => {
    const stack = c.obj.typedMap(verdicts, "verdicts");
    stack.push(XdpAction.DROP);
    stack.push(XdpAction.TX);
    expect(stack.peek()).toBe(XdpAction.TX);
    expect(run(c, "keyless_maps", arp).ret).toBe(XdpAction.TX);
    expect(run(c, "keyless_maps", arp).ret).toBe(XdpAction.DROP);
    expect(run(c, "keyless_maps", arp).ret).toBe(XdpAction.ABORTED);
    for (let i = 0; i < 4; i++) stack.push(i);
    expect(() => stack.push(9)).toThrow(SyscallError); // full: E2BIG
    stack.push(9, true); // overwrite drops the oldest
    expect(stack.drain()).toEqual([9, 3, 2, 1]);
  });
});

describeKernel("devmap_hash (DEVMAP_HASH redirect)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("devmap_hash");
  });
  afterAll(() => c?.close());
  it("redirects by a sparse key, falls back where there is none", () => {
    expectLoaded(c, "devmap_hash");
    const to = (dport: number) => bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, dport, []))));
    expect(c.obj.map("by_port").type).toBe(MapType.DEVMAP_HASH);
    expect(run(c, "devmap_hash", to(8080)).ret).toBe(XdpAction.PASS);
    const ports = c.obj.typedMap(by_port, "by_port");
    ports.update(8080, 1); // lo
    ports.update(53000, 1);
    expect(run(c, "devmap_hash", to(8080)).ret).toBe(XdpAction.REDIRECT);
    expect(run(c, "devmap_hash", to(53000)).ret).toBe(XdpAction.REDIRECT);
    expect(run(c, "devmap_hash", to(8081)).ret).toBe(XdpAction.PASS);
    expect(ports.keys().sort((a, b) => a - b)).toEqual([8080, 53000]);
    expect(ports.delete(8080)).toBe(true);
    expect(run(c, "devmap_hash", to(8080)).ret).toBe(XdpAction.PASS);
  });
});
