// The differential fuzzer's fixed budget in CI: random programs (test/fuzz/generate.ts) compiled,
// run in the kernel and compared with the model of docs/language.md (test/fuzz/model.ts).
// A failure prints the seed and the command that reproduces and reduces it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { loadObjectSync } from "../../runtime/index.ts";
import { generate } from "./generate.ts";
import { printModule } from "./print.ts";
import { reproduce, runBatch } from "./run.ts";

/** Seeds run by `npm test` (`npm run fuzz -- --seed 1 --count 200 --avoid …` runs the same programs). */
const FIRST = 1;
const COUNT = 80;
const BATCH = 40;
/** Constructs left out while a bug in them is open (see docs/fuzzing.md). */
const AVOID: string[] = ["computed-index", "unbounded-offset", "view", "len"];

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

describe("bugs found by the fuzzer", () => {
  it("regressions/view_reuse.ts: the first view stays writable after a second view's check failed (seed 3067)", () => {
    const r = compile(join(import.meta.dirname, "regressions/view_reuse.ts"));
    expect(r.diagnostics).toEqual([]);
    loadObjectSync(r.object!).close();
  });

  it("regressions/call_order.ts: the left operand is read before a call on the right changes it (seed 86)", () => {
    const r = compile(join(import.meta.dirname, "regressions/call_order.ts"));
    expect(r.diagnostics).toEqual([]);
    const obj = loadObjectSync(r.object!);
    try {
      const value = new Uint8Array(24);
      value[0] = 7; // s.a
      obj.map("state").update(new Uint8Array(4), value);
      expect(obj.program("call_order").testRun({ data: new Uint8Array(64) }).retval).toBe(2);
      const out = Buffer.from(obj.map("state").lookup(new Uint8Array(4))!);
      // g % setGlobal() = 2 % 0 = 2 (g read first); s.a + setField(s) = 7 + 3 (s.a read first).
      expect([out.readBigUInt64LE(0), out.readBigUInt64LE(8), out.readBigUInt64LE(16)]).toEqual([5n, 2n, 10n]);
    } finally {
      obj.close();
    }
  });
});
