// The differential fuzzer's fixed budget in CI: random programs (test/fuzz/generate.ts) compiled,
// run in the kernel and compared with the model of docs/language.md (test/fuzz/model.ts).
// A failure prints the seed and the command that reproduces and reduces it.
import { describe, expect, it } from "vitest";
import { generate } from "./generate.ts";
import { printModule } from "./print.ts";
import { reproduce, runBatch } from "./run.ts";

/** Seeds run by `npm test` (`npm run fuzz -- --seed 1 --count 200 --avoid …` runs the same programs). */
const FIRST = 1;
const COUNT = 200;
const BATCH = 40;
/** Constructs left out while a bug in them is open (see docs/fuzzing.md). */
const AVOID: string[] = ["computed-index", "unbounded-offset"];

describe("differential fuzzer", () => {
  it("generates the same program from the same seed", () => {
    expect(printModule([generate(7)])).toBe(printModule([generate(7)]));
    expect(printModule([generate(7)])).not.toBe(printModule([generate(8)]));
  });

  it("notices when the kernel and the model disagree", () => {
    const r = runBatch([FIRST], { avoid: AVOID, sabotage: true });
    expect(r.failures.map((f) => f.class)).toEqual(["miscompile"]);
  });

  for (let s = FIRST; s < FIRST + COUNT; s += BATCH) {
    const seeds = Array.from({ length: BATCH }, (_, i) => s + i);
    it(`programs ${s}..${s + BATCH - 1} behave as the model says`, () => {
      const r = runBatch(seeds, { avoid: AVOID });
      const report = r.failures.map((f) => `seed ${f.seed} ${f.class}: ${f.detail}\n  ${reproduce(f.seed)}`);
      expect(report).toEqual([]);
      expect(r.runs).toBe(3 * BATCH);
    }, 300_000);
  }
});
