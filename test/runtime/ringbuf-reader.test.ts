// The runtime's ring-buffer consumer: records of test/programs/ringbuf_events.ts decoded by the
// program's own declaration, read by poll() and by the epoll-driven async iterator, which wakes
// for a record produced while it waits.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "./helpers.ts";
import { describeKernel } from "../support/kernel.ts";
import { setup, run, type Corpus } from "../programs/harness.ts";
import { RingBufReader, XdpAction } from "../../runtime/index.ts";
import { bytes, eth, ipv4, tcp, pad, ETH_IP, ETH_ARP } from "../programs/packets.ts";
import { events } from "../programs/ringbuf_events.ts";

describeKernel("RingBufReader", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("ringbuf_events");
  });
  afterAll(() => c?.close());
  const tcpFrame = bytes(eth(ETH_IP, ipv4({ proto: 6, src: "1.2.3.4", dst: "5.6.7.8" }, tcp(1, 2, 2))));
  const arp = bytes(pad(eth(ETH_ARP, []), 42));

  it("decodes committed records with the declaration, skipping discarded ones", () => {
    const reader = c.obj.typedMap(events, "events");
    try {
      expect(reader).toBeInstanceOf(RingBufReader);
      expect(reader.poll()).toEqual([]);
      for (const p of [tcpFrame, bytes(eth(ETH_IP, ipv4({ proto: 0xff }, []))), arp])
        expect(run(c, "ringbuf_events", p).ret).toBe(XdpAction.PASS);
      const [a, b, ...rest] = reader.poll();
      expect(rest).toEqual([]);
      expect(a).toMatchObject({ kind: 1, proto: 6, len: tcpFrame.length, saddr: 0x01020304, daddr: 0x05060708 });
      expect(a!.ts).toBeGreaterThan(0n);
      expect(b).toEqual({ kind: 2, proto: 0, len: 42, saddr: 0, daddr: ETH_ARP, pad: 0, ts: 0n });
      expect(reader.poll()).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it("yields records as they come through the async iterator, woken by epoll", async () => {
    const reader = c.obj.typedMap(events, "events");
    const got: number[] = [];
    const started = Date.now();
    // Produced while the iterator waits on epoll (a worker thread), a few ms apart.
    const producer = [20, 40, 60].map((ms, i) =>
      setTimeout(() => run(c, "ringbuf_events", bytes(pad(eth(ETH_ARP, []), 60 + i))), ms),
    );
    try {
      for await (const ev of reader) {
        got.push(ev.len);
        if (got.length === 3) break;
      }
    } finally {
      producer.forEach(clearTimeout);
      reader.close();
    }
    expect(got).toEqual([60, 61, 62]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(() => reader.poll()).toThrow(/closed/);
  });

  it("wait() returns as soon as a record is committed, not at its timeout", async () => {
    const reader = c.obj.typedMap(events, "events");
    try {
      reader.poll();
      const started = Date.now();
      const producer = setTimeout(() => run(c, "ringbuf_events", arp), 50);
      expect(await reader.wait(20_000)).toBe(true);
      clearTimeout(producer);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(reader.poll().map((e) => e.kind)).toEqual([2]);
      expect(await reader.wait(10)).toBe(false); // nothing more: the timeout
    } finally {
      reader.close();
    }
  });

  it("tsbpf ringbuf prints records as JSON lines, raw or decoded by a declaration", () => {
    const pin = `/sys/fs/bpf/tsbpf-ringbuf-cli-${process.pid}`;
    c.obj.map("events").pin(pin);
    const tsbpf = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "ringbuf", ...args], { cwd: ROOT, encoding: "utf8" });
    try {
      c.obj.typedMap(events, "events").poll(); // start empty
      for (const len of [42, 43, 44]) run(c, "ringbuf_events", bytes(pad(eth(ETH_ARP, []), len)));
      const raw = tsbpf(pin, "--count", "1", "--timeout", "20");
      expect(raw.stderr).toBe("");
      expect(raw.stdout).toBe(
        `${JSON.stringify({ size: 24, hex: "02002a0000000000060800000000000000000000000000" + "00" })}\n`,
      );
      const decoded = tsbpf(
        "id",
        String(c.obj.map("events").id),
        "--decl",
        "test/programs/ringbuf_events.ts:events",
        "--timeout",
        "2",
      );
      expect([decoded.status, decoded.stderr]).toEqual([0, ""]);
      expect(
        decoded.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
      ).toEqual([
        { kind: 2, proto: 0, len: 43, saddr: 0, daddr: ETH_ARP, pad: 0, ts: 0 },
        { kind: 2, proto: 0, len: 44, saddr: 0, daddr: ETH_ARP, pad: 0, ts: 0 },
      ]);
      const wrong = tsbpf(pin, "--decl", "test/programs/ringbuf_events.ts:nothing");
      expect([wrong.status, wrong.stderr.trim()]).toEqual([
        2,
        'tsbpf: --decl test/programs/ringbuf_events.ts:nothing: test/programs/ringbuf_events.ts exports no RingBuf named "nothing"',
      ]);
    } finally {
      rmSync(pin, { force: true });
    }
  }, 60_000);
});
