// lb/lab/throughput.ts, the bulk-throughput measurement of docs/benchmarks.md: with short runs,
// that it measures real transfers straight to the backend and through the LB in both rows and
// directions, and that it fails, rather than reporting a figure, when the LB does not forward
// (the transfer cannot arrive) or when the traffic goes around the LB's XDP program.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { ROOT } from "../runtime/helpers.ts";
import { DSR_VIP } from "../../lb/lab/dsr.ts";
import { DIRECT_ADDR, kernelPath, lbPath, measureThroughput, table, type Path } from "../../lb/lab/throughput.ts";
import { buildXdpPass } from "../../lb/lab/xdp-pass.ts";

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
    for (const r of result.runs) expect(r.mbitPerS, `${r.path} ${r.row} ${r.direction}`).toBeGreaterThan(10);
    for (const r of result.runs.filter((x) => x.path === "direct")) expect(r.lbXdpTx).toBe(0);
    // Up, every data segment passes the LB: at least 10 Mbit in 1 s is ~800 full-size packets.
    for (const r of result.runs.filter((x) => x.path === "tsbpf" && x.direction === "up"))
      expect(r.lbXdpTx).toBeGreaterThan(800);
    expect(table(result)).toContain("| tsbpf | encap |");
  }, 180_000);

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
      /tsbpf encap up: the LB sent \d+ packets with XDP_TX, the transfer needs \d+/,
    );
  }, 180_000);
});
