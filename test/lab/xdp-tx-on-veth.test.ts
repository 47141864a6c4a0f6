// Real TCP through the lab's VIP with a minimal C stand-in for the LB
// (test/c/lab/dnat.c: static DNAT to be1 + reverse NAT, XDP_TX both ways),
// and the veth rule from docs/xdp-on-veth.md: native-mode XDP_TX on the LB's
// eth0 is delivered only when its peer (the bridge port) has an XDP program.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { clangBpf } from "../support/clang.ts";
import { createLab, sweepStaleLabs, type Lab } from "../../lb/lab/topology.ts";
import { runLoad, startBackendServers } from "../../lb/lab/http.ts";

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });
const tmp = mkdtempSync(join(tmpdir(), "tsbpf-lab-"));
const dnatObj = join(tmp, "dnat.o");
const dnatSrc = join(dirname(fileURLToPath(import.meta.url)), "..", "c", "lab", "dnat.c");

/** Attach dnat.o to the LB's eth0 and point it at be1 (via bpftool, as a user would). */
function attachDnat(lab: Lab, mode: "xdpdrv" | "xdpgeneric"): void {
  const be = lab.backends[0]!;
  sh("ip", "-n", lab.lb.ns, "link", "set", "dev", lab.lb.ifname, mode, "obj", dnatObj, "sec", "xdp");
  const [link] = JSON.parse(sh("ip", "-n", lab.lb.ns, "-j", "link", "show", lab.lb.ifname));
  const mapIds: number[] = JSON.parse(sh("bpftool", "-j", "prog", "show", "id", String(link.xdp.prog.id))).map_ids;
  const cfg = mapIds.find((id) => JSON.parse(sh("bpftool", "-j", "map", "show", "id", String(id))).name === "dnat_cfg");
  // struct cfg { vip, backend, backend_mac[6], port (network order) }
  const value = [
    ...lab.vip.split("."),
    ...be.addr.split("."),
    ...be.mac.split(":").map((h) => String(parseInt(h, 16))),
    "0",
    "80",
  ];
  sh("bpftool", "map", "update", "id", String(cfg), "key", "0", "0", "0", "0", "value", ...value);
}

/** veth's per-queue XDP counters on the LB's eth0 (`ethtool -S`). */
async function xdpCounters(lab: Lab): Promise<Record<string, number>> {
  const out = (await lab.exec("lb", ["ethtool", "-S", lab.lb.ifname])).stdout;
  return Object.fromEntries([...out.matchAll(/^\s+(\w+): (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

beforeAll(() => {
  sweepStaleLabs();
  clangBpf(dnatSrc, dnatObj);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeKernel.each([
  { mode: "xdpdrv", peerXdp: true, works: true },
  { mode: "xdpdrv", peerXdp: false, works: false },
  { mode: "xdpgeneric", peerXdp: false, works: true },
] as const)("LB in $mode mode, XDP on the bridge-side peer: $peerXdp", ({ mode, peerXdp, works }) => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ backends: 2, peerXdp });
    await startBackendServers(lab);
    attachDnat(lab, mode);
  });
  afterAll(() => lab?.destroy());

  test(works ? "HTTP through the VIP reaches be1 and comes back" : "every XDP_TX frame is dropped", async () => {
    const report = await runLoad(lab, { requests: works ? 100 : 3, concurrency: 8, timeoutMs: works ? 3000 : 500 });
    if (works) {
      expect(report).toMatchObject({ ok: 100, failed: 0, byBackend: { be1: 100 } });
    } else {
      expect(report.ok).toBe(0);
      if (mode === "xdpdrv") expect((await xdpCounters(lab)).rx_queue_0_xdp_tx_errors).toBeGreaterThan(0);
    }
  });
});
