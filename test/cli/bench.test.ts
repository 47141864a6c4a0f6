// tsbpf bench: the line-rate arithmetic, and the command's figures consistent with each other and the kernel's timing.
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { lineRatePps, lineRateShares, wireBytes } from "../../runtime/bench/line-rate.ts";
import { buildCount, tsbpf } from "./helpers.ts";

// A 60-byte frame (64 on the wire with its FCS): IPv4/UDP, padded.
const FRAME_60 = `020000000002020000000001080045000020000100004011f9e40a0000010a000002a4550035000c0000${"00".repeat(18)}`;

interface BenchJson {
  mode: string;
  runs_per_packet: number;
  packets: Array<{ bytes: number; wire_bytes: number; action: string; ns_per_packet: number }>;
  ns_per_packet: number;
  pps_per_core: number;
  mean_wire_bytes: number;
  line_rate: Array<{ speed: string; line_pps: number; fraction_of_line_rate: number; cores_for_line_rate: number }>;
}

describe("tsbpf bench", () => {
  let count: string;
  beforeAll(() => {
    count = buildCount();
  });

  it("line rate: a 64-byte frame is 84 bytes on the wire, 14.88 Mpps at 10 GbE", () => {
    expect(FRAME_60.length / 2).toBe(60);
    expect(wireBytes(60)).toBe(84);
    expect(wireBytes(20)).toBe(84); // padded to the minimum
    expect(wireBytes(1514)).toBe(1538);
    expect(Math.round(lineRatePps(10e9, 84))).toBe(14_880_952);
    expect(Math.round(lineRatePps(100e9, 84))).toBe(148_809_524);
    expect(Math.round(lineRatePps(10e9, 1538))).toBe(812_744);
    // 20 ns per packet = 50 Mpps: 3.36 × 10 GbE at 64 bytes; 100 GbE (148.8 Mpps) needs 3 cores.
    const shares = lineRateShares(20, [60]);
    expect(shares.map((s) => s.speed)).toEqual(["1 GbE", "10 GbE", "25 GbE", "40 GbE", "100 GbE"]);
    expect(shares[1]!.fraction).toBeCloseTo(50e6 / 14_880_952.38, 6);
    expect(shares[4]!.cores).toBe(3);
    expect(shares[0]!.cores).toBe(1);
  });

  it("per packet and per capture: ns, packets/s per core and line-rate shares agree with each other", async () => {
    const r = await tsbpf(
      "bench",
      count,
      "--packet",
      FRAME_60,
      "--packet",
      `${FRAME_60}${"00".repeat(940)}`,
      "--repeat",
      "20000",
      "--json",
    );
    expect(r.status, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout) as BenchJson;
    expect(b.mode).toBe("test run");
    expect(b.packets.map((p) => [p.bytes, p.wire_bytes, p.action])).toEqual([
      [60, 84, "XDP_PASS"],
      [1000, 1024, "XDP_PASS"],
    ]);
    for (const p of b.packets) expect(p.ns_per_packet).toBeGreaterThan(0);
    expect(b.ns_per_packet).toBeCloseTo((b.packets[0]!.ns_per_packet + b.packets[1]!.ns_per_packet) / 2, 6);
    expect(b.pps_per_core).toBeCloseTo(1e9 / b.ns_per_packet, 3);
    expect(b.mean_wire_bytes).toBe(554);
    for (const l of b.line_rate) {
      expect(l.fraction_of_line_rate).toBeCloseTo(b.pps_per_core / l.line_pps, 6);
      expect(l.cores_for_line_rate).toBe(Math.max(1, Math.ceil(l.line_pps / b.pps_per_core)));
    }
    expect(b.line_rate[1]!.line_pps).toBeCloseTo(10e9 / (8 * 554), 3);
    const text = await tsbpf("bench", count, "--packet", FRAME_60, "--repeat", "1000");
    expect(text.stdout).toMatch(/^ {2}10 GbE +14\.88 Mpps +\d+\.\d% +\d+$/m);
    expect(text.stdout).toMatch(
      /ns\/packet \(mean over packets\) = \d+\.\d\d Mpps per core; frames average 84\.0 bytes on the wire/,
    );
  });

  it("--live runs in live-frames mode inside a network namespace it removes after", async () => {
    const r = await tsbpf("bench", count, "--packet", FRAME_60, "--repeat", "1000", "--live", "--json");
    expect(r.status, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout) as BenchJson;
    expect(b.mode).toBe("live frames");
    expect(b.packets[0]!.ns_per_packet).toBeGreaterThan(0);
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(`tsbpf-bench-${process.pid}`);
  });

  it("usage errors", async () => {
    expect((await tsbpf("bench", count)).status).toBe(2);
    const short = await tsbpf("bench", count, "--packet", "0200");
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/packet 1 is 2 bytes/);
  });
});
