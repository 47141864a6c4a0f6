// Issue 13, defect 1, at full scale with real traffic: the LB as built (65,536 conntrack and
// 131,072 rnat entries), 300 idle TCP connections through it, then a flood of 80,000 new
// SYN flows — more than conntrack holds — that the backends answer, with new HTTP
// connections during and after it. Every idle connection must still answer from its own
// backend, and no HTTP connection may fail. lb/lab/flood.ts is the scenario (and a command
// that prints its figures, quoted in docs/lb-state.md); test/lb/flood.test.ts checks the
// same rule packet by packet on a small build.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { FLOW_ENTRIES } from "../../lb/maps.ts";
import { startLoadBalancedLab, type LoadBalancedLab } from "../../lb/lab/load-balanced.ts";
import { runFloodScenario } from "../../lb/lab/flood.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

describeKernel("an 80,000-flow SYN flood through the LB in namespaces (default table sizes)", () => {
  let env: LoadBalancedLab;

  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb-flood-e2e.o");
    writeFileSync(object, result.object!);
    env = await startLoadBalancedLab({ object, backends: 3 });
  }, 120_000);
  afterAll(() => env?.destroy());

  it("leaves 300 idle connections working and every new connection answered", async () => {
    // 80,000 flows, 22 % over the table's 65,536: at load 14 one run in ten lost 10 % of the
    // SYNs on the veths before the LB (62,975 seen of 70,000), which left the table not full.
    const flows = 80_000;
    expect(flows).toBeGreaterThan(FLOW_ENTRIES * 1.2);
    const report = await runFloodScenario(env, { flows, pps: 20_000, idle: 300, requests: 500 });
    expect(report.flood.sent).toBe(flows);
    // The flood really filled the connection table (the LRU evicted): without that the
    // test would prove nothing. Some SYNs may be lost on the veths before the LB.
    expect(report.vip80Packets).toBeGreaterThan(FLOW_ENTRIES);
    expect(report.conntrackEntries).toBeGreaterThan(FLOW_ENTRIES * 0.95);
    expect(report.idleBroken).toEqual([]);
    expect(report.idleSameBackend).toBe(300);
    expect(report.during.errors).toEqual({});
    expect(report.during.ok).toBe(500);
    expect(report.after.errors).toEqual({});
    expect(report.after.ok).toBe(500);
  }, 240_000);
});
