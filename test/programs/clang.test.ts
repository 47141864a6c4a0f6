// Code quality: five corpus programs against their C twins compiled by clang-14 -O2 (bench/corpus.ts).
import { expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { compareCorpus } from "../../bench/corpus.ts";

describeKernel("tsbpf vs clang", () => {
  it("each program is at most 1.1× the instructions of its C twin", async () => {
    const rows = await compareCorpus();
    expect(rows.length).toBe(5);
    for (const r of rows) {
      expect(r.ts, `${r.name}: ${r.ts} vs ${r.c}`).toBeLessThanOrEqual(r.c * 1.1);
      expect(r.tsXlated, `${r.name} xlated: ${r.tsXlated} vs ${r.cXlated}`).toBeLessThanOrEqual(r.cXlated * 1.1);
    }
  }, 60_000);
});
