// The runtime's perf event array reader: samples of test/programs/perf_events.ts, written by
// bpf_perf_event_output to the current CPU's ring, decoded by the program's declaration.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "./helpers.ts";
import { describeKernel } from "../support/kernel.ts";
import { setup, run, expectLoaded, type Corpus } from "../programs/harness.ts";
import { PerfEventReader, XdpAction } from "../../runtime/index.ts";
import { bytes, eth, pad, ETH_ARP, ETH_IP } from "../programs/packets.ts";
import { samples } from "../programs/perf_events.ts";

describeKernel("PerfEventReader", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("perf_events");
  });
  afterAll(() => c?.close());

  it("reads every CPU's samples, decoded by the declaration", async () => {
    expectLoaded(c, "perf_events");
    const reader = c.obj.typedMap(samples, "samples");
    try {
      expect(reader).toBeInstanceOf(PerfEventReader);
      expect(reader.poll()).toEqual([]);
      expect(run(c, "perf_events", bytes(pad(eth(ETH_ARP, []), 42))).ret).toBe(XdpAction.PASS);
      expect(run(c, "perf_events", bytes(pad(eth(ETH_IP, []), 61))).ret).toBe(XdpAction.PASS);
      const got = reader.poll().sort((a, b) => a.len - b.len);
      expect(got).toEqual([
        { len: 42, proto: ETH_ARP, pad: 0 },
        { len: 61, proto: ETH_IP, pad: 0 },
      ]);
      const producer = setTimeout(() => run(c, "perf_events", bytes(pad(eth(ETH_ARP, []), 77))), 50);
      const started = Date.now();
      for await (const s of reader) {
        expect(s).toEqual({ len: 77, proto: ETH_ARP, pad: 0 });
        break;
      }
      clearTimeout(producer);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(reader.lost).toBe(0n);
    } finally {
      reader.close();
    }
  });

  /** Runs `tsbpf perf …` until it exits; `produce` runs once it says it is reading. */
  function tsbpfPerf(
    args: string[],
    produce: () => void,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, "bin/tsbpf.js"), "perf", ...args], { cwd: ROOT });
      let stdout = "",
        stderr = "",
        produced = false;
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => {
        stderr += d;
        if (!produced && stderr.includes("reading perf event array")) {
          produced = true;
          produce();
        }
      });
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("tsbpf perf prints samples as JSON lines, raw or decoded by a declaration", async () => {
    const pin = `/sys/fs/bpf/tsbpf-perf-cli-${process.pid}`;
    c.obj.map("samples").pin(pin);
    try {
      const raw = await tsbpfPerf([pin, "--count", "1", "--timeout", "20"], () =>
        run(c, "perf_events", bytes(pad(eth(ETH_ARP, []), 42))),
      );
      expect(raw.code).toBe(0);
      expect(raw.stderr).toMatch(/^tsbpf: reading perf event array "samples" on \d+ CPUs/);
      // The raw sample is the 8-byte Sample bpf_perf_event_output copied (len 42, proto 0x0806 in
      // host order), then 4 bytes the kernel pads the raw data with (its size field counts them).
      expect(raw.stdout).toBe(`${JSON.stringify({ size: 12, hex: "2a000000060800000000" + "0000" })}\n`);
      const decoded = await tsbpfPerf(
        [
          "id",
          String(c.obj.map("samples").id),
          "--decl",
          "test/programs/perf_events.ts:samples",
          "--count",
          "2",
          "--timeout",
          "20",
        ],
        () => {
          run(c, "perf_events", bytes(pad(eth(ETH_ARP, []), 43)));
          run(c, "perf_events", bytes(pad(eth(ETH_IP, []), 61)));
        },
      );
      expect(decoded.code).toBe(0);
      expect(
        decoded.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
          .sort((a, b) => a.len - b.len),
      ).toEqual([
        { len: 43, proto: ETH_ARP, pad: 0 },
        { len: 61, proto: ETH_IP, pad: 0 },
      ]);
      const wrong = await tsbpfPerf([pin, "--decl", "test/programs/ringbuf_events.ts:events"], () => {});
      expect([wrong.code, wrong.stderr.trim()]).toEqual([
        2,
        'tsbpf: --decl test/programs/ringbuf_events.ts:events: test/programs/ringbuf_events.ts exports no PerfEventArray named "events"',
      ]);
    } finally {
      rmSync(pin, { force: true });
    }
  }, 60_000);
});
