// Smoke test of the benchmark harness (bench/harness.ts, `npm run bench`): a reduced run
// must produce every row of the table, and every measured packet path must have taken
// the intended path (retval and output bytes, conntrack/stats bookkeeping) — so a
// broken harness, or a data plane that stops matching its C twin, fails CI.
import { expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { markdown, QUICK, runBench, type BenchResult } from "../../bench/harness.ts";
import { ensureBpffs } from "../runtime/helpers.ts";

const ROWS = [
  "build, cold",
  "build, warm",
  "ELF instructions",
  "xlated instructions",
  "xlated bytes",
  "jited bytes",
  "verifier-processed instructions",
  "established flow",
  "non-VIP pass",
  "reverse NAT",
  "new flow",
  "XDP_TX floor, repeat 50",
  "XDP_TX floor, repeat 1",
  "Maglev table build, 10 backends",
  "Maglev table build, 100 backends",
  "Maglev table build, 1000 backends",
];

describeKernel("bench harness (reduced)", () => {
  let res: BenchResult;

  it("runs and checks every measured path", async () => {
    ensureBpffs();
    res = await runBench(QUICK, "vitest");
    const failed = res.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    for (const path of ["established flow", "non-VIP pass", "reverse NAT"]) {
      for (const impl of ["TS", "C"]) {
        expect(
          res.checks.some((c) => c.ok && c.name.startsWith(`${impl} ${path}`) && c.name.includes("repeat 1 gives")),
        ).toBe(true);
        expect(
          res.checks.some(
            (c) =>
              c.ok && c.name.startsWith(`${impl} ${path}`) && c.name.includes(`repeat ${QUICK.repeat} gives the same`),
          ),
        ).toBe(true);
      }
    }
    expect(res.checks.some((c) => c.ok && c.name.startsWith("new flow: every sample missed conntrack"))).toBe(true);
    for (const impl of ["TS", "C"]) {
      expect(res.checks.some((c) => c.ok && c.name.startsWith(`${impl}: stats[0].packets grew`))).toBe(true);
      expect(
        res.checks.some(
          (c) => c.ok && c.name.startsWith(`${impl}: conntrack grew by the new flows only (${QUICK.newFlows})`),
        ),
      ).toBe(true);
    }
  }, 300_000);

  it("has every row of the table, with values", () => {
    expect(res).toBeDefined();
    for (const name of ROWS) {
      const row = res.rows.find((r) => r.name.startsWith(name));
      expect(row, name).toBeDefined();
      expect(row!.ts !== undefined || row!.c !== undefined, name).toBe(true);
      for (const v of [row!.ts, row!.c])
        if (v !== undefined) expect(Number.isFinite(v) && v > 0, `${name}: ${v}`).toBe(true);
    }
    for (const row of res.rows.filter((r) => r.group === "ns/packet" || r.group === "code")) {
      if (!row.name.startsWith("XDP_TX floor"))
        expect(row.ts !== undefined && row.c !== undefined, row.name).toBe(true);
    }
    const md = markdown(res);
    for (const name of ROWS) expect(md).toContain(name);
    expect(md).toContain("| TS (tsbpf) | C (clang-14 -O2) | TS/C |");
  });
});
