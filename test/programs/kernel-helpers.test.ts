// Corpus: kernel helpers beyond maps: bpf_check_mtu with its typed result, the boot-time and
// jiffies clocks, bpf_loop with module-level callbacks, timers in map values (the callback
// runs later, in the kernel), spin locks in map values, and a multi-buffer program's lengths
// (xdp.frags, bpf_xdp_get_buff_len).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";
import { MtuStatus } from "../../runtime/lang/index.ts";
import { bytes, eth, ipv4, udp, pad, ETH_IP, ETH_ARP } from "./packets.ts";
import { checks, probe } from "./check_mtu.ts";
import { clocks } from "./boot_clocks.ts";
import { results, ticks } from "./bpf_loop.ts";
import { slots } from "./timers.ts";
import { accounts } from "./spin_lock.ts";
import { seen } from "./frags_len.ts";

const arp = (len: number) => bytes(pad(eth(ETH_ARP, []), len));

describeKernel("check_mtu (bpf_check_mtu)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("check_mtu");
  });
  afterAll(() => c?.close());

  it("checks the frame, a planned growth and an IP length against the device's MTU", () => {
    expectLoaded(c, "check_mtu");
    // BPF_PROG_TEST_RUN runs XDP on this namespace's loopback; its L2 header counts 14 bytes.
    const mtu = Number(readFileSync("/sys/class/net/lo/mtu", "utf8"));
    const p = c.obj.typedMap(probe, "probe");
    const out = c.obj.typedMap(checks, "checks");
    const frame = arp(60);
    const room = mtu + 14 - 60;
    p.update(0, { lenDiff: room, l3Length: mtu, badIfindex: 0x7fffffff });
    expect(run(c, "check_mtu", frame).ret).toBe(XdpAction.PASS);
    expect(out.lookup(0)).toEqual({ status: MtuStatus.FITS, mtu });
    expect(out.lookup(1)).toEqual({ status: MtuStatus.FITS, mtu });
    expect(out.lookup(2)).toEqual({ status: MtuStatus.FITS, mtu });
    const bad = out.lookup(3)!;
    expect(bad.status).toBeLessThan(0); // no such device: -ENODEV
    p.update(0, { lenDiff: room + 1, l3Length: mtu + 1, badIfindex: 1 }); // 1: loopback itself
    expect(run(c, "check_mtu", frame).ret).toBe(XdpAction.DROP);
    expect(out.lookup(1)).toEqual({ status: MtuStatus.FRAG_NEEDED, mtu });
    expect(out.lookup(2)).toEqual({ status: MtuStatus.FRAG_NEEDED, mtu });
    expect(out.lookup(3)).toEqual({ status: MtuStatus.FITS, mtu });
  });
});

describeKernel("boot_clocks (bpf_ktime_get_boot_ns, bpf_jiffies64)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("boot_clocks");
  });
  afterAll(() => c?.close());

  const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  const jiffies = () => BigInt(/^jiffies: (\d+)$/m.exec(readFileSync("/proc/timer_list", "utf8"))![1]!);

  it("reads time since boot between two reads of /proc/uptime, and jiffies between two of /proc/timer_list", () => {
    expectLoaded(c, "boot_clocks");
    const [up0, j0] = [uptime(), jiffies()];
    expect(run(c, "boot_clocks", arp(60)).ret).toBe(XdpAction.PASS);
    const [up1, j1] = [uptime(), jiffies()];
    const v = c.obj.typedMap(clocks, "clocks").lookup(0)!;
    const boot = Number(v.boot) / 1e9;
    expect(boot).toBeGreaterThanOrEqual(up0 - 0.01); // /proc/uptime is rounded down to 10 ms
    expect(boot).toBeLessThanOrEqual(up1 + 0.01);
    expect(v.boot).toBeGreaterThanOrEqual(v.mono); // boot time counts suspend too
    expect(v.jiffies).toBeGreaterThanOrEqual(j0);
    expect(v.jiffies).toBeLessThanOrEqual(j1);
  });
});

describeKernel("bpf_loop (module-level callbacks)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("bpf_loop");
  });
  afterAll(() => c?.close());
  const frame = (count: number, limit: number) => bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1, 2, [count, limit]))));

  it("calls the callback with each index and its state until it breaks", () => {
    expectLoaded(c, "bpf_loop");
    const out = c.obj.typedMap(results, "results");
    const sumSquares = (n: number) => BigInt(((n - 1) * n * (2 * n - 1)) / 6);
    expect(run(c, "bpf_loop", frame(10, 200)).ret).toBe(XdpAction.TX);
    expect(out.lookup(0)).toEqual({ iterations: 10, calls: 10, total: sumSquares(10) });
    // Breaks at index 4: five calls, bpf_loop counts the one that broke.
    expect(run(c, "bpf_loop", frame(10, 4)).ret).toBe(XdpAction.TX);
    expect(out.lookup(0)).toEqual({ iterations: 5, calls: 5, total: sumSquares(4) });
    expect(run(c, "bpf_loop", frame(0, 4)).ret).toBe(XdpAction.TX);
    expect(out.lookup(0)).toEqual({ iterations: 0, calls: 0, total: 0n });
    expect(run(c, "bpf_loop", frame(255, 255)).ret).toBe(XdpAction.TX);
    expect(out.lookup(0)).toEqual({ iterations: 255, calls: 255, total: sumSquares(255) });
    // The stateless callback ran 3 times per frame.
    expect(c.obj.typedMap(ticks, "ticks").lookup(0)).toEqual({ n: 12n });
  });
});

describeKernel("timers (bpf_timer in a map value)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("timers");
  });
  afterAll(() => c?.close());

  it("runs the callback in the kernel after the delay, once armed; a second init is -EBUSY", async () => {
    expectLoaded(c, "arm", "disarm");
    const s = c.obj.typedMap(slots, "slots");
    const idle = { delayNs: 0n, armedAt: 0n, firedAt: 0n, firedKey: 0, result: 0 };
    s.update(0, { ...idle, delayNs: 20_000_000n }); // the timer field is left out: zero
    expect(run(c, "arm", arp(60)).ret).toBe(XdpAction.PASS);
    expect(s.lookup(0)?.result).toBe(0);
    // The callback runs in softirq context 20 ms later: wait for it, 2 s at most.
    const deadline = Date.now() + 2000;
    while (s.lookup(0)!.firedAt === 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const v = s.lookup(0)!;
    expect(v.timer).toEqual({ kernelObject: "bpf_timer" });
    expect(v.firedKey).toBe(0);
    expect(v.firedAt - v.armedAt).toBeGreaterThanOrEqual(20_000_000n);
    expect(run(c, "arm", arp(60)).ret).toBe(XdpAction.PASS);
    expect(s.lookup(0)?.result).toBe(-16); // -EBUSY
  });

  it("cancels a pending timer before it fires", async () => {
    const s = c.obj.typedMap(slots, "slots");
    expect(run(c, "disarm", arp(60)).ret).toBe(XdpAction.PASS);
    expect(s.lookup(1)).toMatchObject({ result: 1, firedAt: 0n });
  });
});

describeKernel("spin_lock (bpf_spin_lock in a map value)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("spin_lock");
  });
  afterAll(() => c?.close());

  it("updates the fields under the lock", () => {
    expectLoaded(c, "spin_lock");
    const a = c.obj.typedMap(accounts, "accounts");
    a.update(1, { frames: 0, bytes: 0n }); // BPF_PROG_TEST_RUN frames come in on loopback (ifindex 1)
    const verdicts = [60, 70, 80].map((len) => run(c, "spin_lock", arp(len)).ret);
    expect(verdicts).toEqual([XdpAction.PASS, XdpAction.TX, XdpAction.PASS]);
    expect(a.lookup(1)).toEqual({ lock: { kernelObject: "bpf_spin_lock" }, frames: 3, bytes: 210n });
    expect(run(c, "spin_lock", arp(60)).ret).toBe(XdpAction.TX); // the fourth frame
  });

  it("reads the metadata under the lock (ctx.meta() is no helper call): the verifier accepts it", () => {
    expectLoaded(c, "spin_lock_meta");
    const a = c.obj.typedMap(accounts, "accounts");
    a.update(2, { frames: 0, bytes: 0n });
    // A test run has no metadata before the packet: meta() is null, the frame's length counts.
    expect(run(c, "spin_lock_meta", arp(64)).ret).toBe(XdpAction.PASS);
    expect(a.lookup(2)).toMatchObject({ frames: 1, bytes: 64n });
  });
});

describeKernel("frags_len (xdp.frags: multi-buffer frames, ctx.frameLen)", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("frags_len");
  });
  afterAll(() => c?.close());
  // Bytes that differ along the frame, so a fragment's bytes read or cut wrongly show.
  const frame = (len: number) => bytes(Array.from({ length: len }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

  it("is in section xdp.frags, loaded as multi-buffer by the runtime and by bpftool", () => {
    expectLoaded(c, "frags_len");
    expect(c.obj.program("frags_len").section).toBe("xdp.frags");
  });

  it("sees a frame larger than a page: the first buffer in ctx.len, all of it in ctx.frameLen", () => {
    const s = c.obj.typedMap(seen, "seen");
    const f = frame(9000);
    s.update(0, { len: 0, frameLen: 0, tail: [0, 0, 0, 0], keep: 0 });
    const r = run(c, "frags_len", f);
    expect(r.ret).toBe(XdpAction.PASS);
    const got = s.lookup(0)!;
    expect(got.frameLen).toBe(9000);
    // BPF_PROG_TEST_RUN puts what fits in a page (after headroom and shared info) in the first
    // buffer and the rest in fragments.
    expect(got.len).toBeGreaterThan(0);
    expect(got.len).toBeLessThan(4096);
    expect(got.tail).toEqual([...f.subarray(8996)]);
    expect(r.data.equals(Buffer.from(f))).toBe(true);
  });

  it("cuts a multi-buffer frame into its first buffer with a negative adjustTail", () => {
    const s = c.obj.typedMap(seen, "seen");
    const f = frame(9000);
    s.update(0, { len: 0, frameLen: 0, tail: [0, 0, 0, 0], keep: 100 });
    const r = run(c, "frags_len", f);
    expect(r.ret).toBe(XdpAction.PASS);
    expect(r.data.toString("hex")).toBe(Buffer.from(f.subarray(0, 100)).toString("hex"));
  });

  it("gives a frame of one buffer the same length twice", () => {
    const s = c.obj.typedMap(seen, "seen");
    const f = frame(60);
    s.update(0, { len: 0, frameLen: 0, tail: [0, 0, 0, 0], keep: 0 });
    expect(run(c, "frags_len", f).ret).toBe(XdpAction.PASS);
    expect(s.lookup(0)).toEqual({ len: 60, frameLen: 60, tail: [...f.subarray(56)], keep: 0 });
  });
});
