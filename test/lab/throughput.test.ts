// lb/lab/throughput.ts, the bulk-throughput measurement of docs/benchmarks.md: with short runs,
// that it measures real transfers straight to the backend and through the LB in both rows and
// directions, and that it fails, rather than reporting a figure, when the LB does not forward
// (the transfer cannot arrive) or when the traffic goes around the LB's XDP program; and that
// with multi-buffer builds (xdp.frags) 9000-byte frames go through the LB.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { ROOT } from "../runtime/helpers.ts";
import { DSR_VIP } from "../../lb/lab/dsr.ts";
import {
  DIRECT_ADDR,
  kernelPath,
  lbPath,
  measureThroughput,
  table,
  type Path,
  type Run,
} from "../../lb/lab/throughput.ts";
import { buildXdpPass } from "../../lb/lab/xdp-pass.ts";
import { buildFragsObjects } from "../../lb/lab/frags.ts";

/** Through the encapsulation VIP the backend's frames carry the 20-byte outer IPv4 header that
 *  straight to it they do not: the upload's mean frame is ~20 bytes larger. */
function expectEncapsulatedUpload(runs: Run[]): void {
  const up = (path: string, row: string) => runs.find((r) => r.path === path && r.row === row && r.direction === "up")!;
  const direct = up("direct", "direct");
  for (const r of runs.filter((x) => x.row === "encap" && x.direction === "up")) {
    const extra = r.backendFrameBytes - direct.backendFrameBytes;
    expect(
      extra,
      `${r.path}: ${r.backendFrameBytes} bytes a frame, direct ${direct.backendFrameBytes}`,
    ).toBeGreaterThan(15);
    expect(extra).toBeLessThan(25);
  }
}

describeKernel("bulk throughput measurement (iperf3, lb/lab/throughput.ts)", () => {
  let dir: string;
  let object: string;
  const direct: Path = {
    name: "direct",
    targets: () => [["direct", DIRECT_ADDR]],
    forwardsByXdp: false,
    setUp: async () => async () => {},
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-throughput-test-"));
    object = join(dir, "lb.o");
    execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", object]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("measures direct and through the LB (encapsulation and DNAT), up and down, the LB XDP_TXing the transfers (decapsulation at tc)", async () => {
    // Decapsulating at tc ingress (decap_tc.ts): the encapsulated upload arrives only if it works.
    const result = await measureThroughput({
      seconds: 1,
      rounds: 1,
      decap: "tc",
      paths: [direct, lbPath("tsbpf", object)],
    });
    expect(result.runs.map((r) => `${r.path} ${r.row} ${r.direction}`)).toEqual([
      "direct direct up",
      "direct direct down",
      "tsbpf encap up",
      "tsbpf encap down",
      "tsbpf dnat up",
      "tsbpf dnat down",
    ]);
    for (const r of result.runs) {
      expect(r.mbitPerS, `${r.path} ${r.row} ${r.direction}`).toBeGreaterThan(10);
      expect(r.cpuSecondsPerGB, `${r.path} ${r.row} ${r.direction}`).toBeGreaterThan(0);
    }
    for (const r of result.runs.filter((x) => x.path === "direct")) expect(r.lbForwarded).toBe(0);
    // Up, every data segment passes the LB: at least 10 Mbit in 1 s is ~800 full-size packets.
    for (const r of result.runs.filter((x) => x.path === "tsbpf" && x.direction === "up"))
      expect(r.lbForwarded).toBeGreaterThan(800);
    expectEncapsulatedUpload(result.runs);
    expect(table(result)).toContain("| tsbpf | encap |");
  }, 180_000);

  it("measures the LB in generic mode (forwarded packets from its VIP counters) with a 3000-byte MTU", async () => {
    const result = await measureThroughput({
      seconds: 1,
      rounds: 1,
      mtu: 3000,
      paths: [direct, lbPath("tsbpf-generic", object, { mode: "generic" })],
    });
    const up = result.runs.filter((r) => r.direction === "up");
    expect(up.map((r) => `${r.path} ${r.row}`)).toEqual(["direct direct", "tsbpf-generic encap", "tsbpf-generic dnat"]);
    // Segments of the client's MTU: 3000-byte IP packets in 3014-byte frames, a few smaller ones.
    for (const r of up) expect(r.backendFrameBytes, `${r.path} ${r.row}`).toBeGreaterThan(2900);
    // 10 Mbit in 1 s is ~400 segments of 3000 bytes.
    for (const r of up.filter((x) => x.path !== "direct")) expect(r.lbForwarded).toBeGreaterThan(400);
    expectEncapsulatedUpload(result.runs);
    expect(result.mtu).toBe(3000);
  }, 180_000);

  it("with xdp.frags builds, carries 9000-byte frames through the LB in native mode (encapsulation and DNAT)", async () => {
    const frags = buildFragsObjects(join(dir, "frags"));
    const result = await measureThroughput({
      seconds: 1,
      rounds: 1,
      mtu: 9000,
      frags: true,
      paths: [direct, lbPath("tsbpf", frags.lb)],
    });
    const up = result.runs.filter((r) => r.direction === "up");
    expect(up.map((r) => `${r.path} ${r.row}`)).toEqual(["direct direct", "tsbpf encap", "tsbpf dnat"]);
    // Segments of the client's MTU, frames larger than a page: each reached the LB's program as a
    // first buffer and fragments, and the backend whole (its decapsulation is a frags build too).
    for (const r of up) expect(r.backendFrameBytes, `${r.path} ${r.row}`).toBeGreaterThan(8000);
    // 10 Mbit in 1 s is ~140 segments of 9000 bytes; the LB's XDP_TX count shows it forwarded them.
    for (const r of up) expect(r.mbitPerS, `${r.path} ${r.row}`).toBeGreaterThan(10);
    // (The encapsulated row arrives only through the LB and the backend's decapsulation. Its
    // outer header is not looked for in the mean frame size as at 1500 bytes: the share of
    // shorter frames varies between runs and moved the mean by more than those 20 bytes.)
    for (const r of up.filter((x) => x.path !== "direct")) expect(r.lbForwarded).toBeGreaterThan(100);
    expect([result.mtu, result.frags]).toEqual([9000, true]);
  }, 180_000);

  it("refuses an MTU the lab's veths cannot take with the LB's program attached", async () => {
    await expect(measureThroughput({ seconds: 1, rounds: 1, mtu: 9000, paths: [direct] })).rejects.toThrow(
      /mtu 9000: use 1280\.\.3406/,
    );
  });

  it("fails when the LB does not forward (its VIPs have no backend, so it drops)", async () => {
    const dropping = lbPath("tsbpf", object, {
      configure: (lb, lab) => {
        lb.setEncapSource(lab.lb.addr);
        lb.addVip({ addr: DSR_VIP, port: 5201, proto: "tcp" }, { encap: true });
      },
    });
    await expect(measureThroughput({ seconds: 1, rounds: 1, paths: [dropping] })).rejects.toThrow(
      /tsbpf encap up: the transfer failed/,
    );
  }, 180_000);

  it("fails when the transfer goes around the LB's XDP_TX (the kernel forwards it)", async () => {
    const around: Path = { ...kernelPath("tsbpf", buildXdpPass()), forwardsByXdp: true };
    await expect(measureThroughput({ seconds: 1, rounds: 1, paths: [around] })).rejects.toThrow(
      /tsbpf encap up: the LB forwarded \d+ packets, the transfer needs \d+/,
    );
  }, 180_000);
});
