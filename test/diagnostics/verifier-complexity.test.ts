// A program the verifier gives up on (its complexity limit, E2BIG) is reported as such, with the
// reason in words, the TypeScript line it was at and what to do: by the runtime's error, by
// `tsbpf check` and by `tsbpf load` (the two formatters of the CLI), not as a bare E2BIG.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { loadObject, VerifierError } from "../../runtime/index.ts";
import { formatRejection } from "../../bin/commands/check.ts";
import { formatVerifierError } from "../../bin/commands/common.ts";
import { ROOT } from "../runtime/helpers.ts";

const FILE = "test/diagnostics/verifier/too_complex.ts";
const REASON = /^the verifier stopped after 1000001 instructions \(its complexity limit\): it checks every path separately/;

describe("a complexity rejection", () => {
  it("names the limit, the TypeScript line and what to do", async () => {
    const r = compile(join(ROOT, FILE));
    expect(r.diagnostics).toEqual([]);
    const error = await loadObject(r.object!).then(
      (o) => (o.close(), undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VerifierError);
    const e = error as VerifierError;
    expect(e.code).toBe("E2BIG");
    expect(e.reason).toMatch(REASON);
    expect(e.reason).toMatch(/fewer or shorter nested loops/);
    // Somewhere in the loops (lines 12 to 18), where the verifier was when it stopped.
    expect(e.source?.file).toMatch(/too_complex\.ts$/);
    expect(e.source!.line).toBeGreaterThanOrEqual(12);
    expect(e.source!.line).toBeLessThanOrEqual(18);
    // The catalog's explanation (runtime/explain; the other entries: explain.test.ts).
    expect(e.explanation?.id).toBe("COMPLEXITY_LIMIT");
    expect(e.explanation!.value).toMatch(/^The whole program: the verifier walked 1000001 instructions, and was at line 1[2-8] \(`/);
    expect(e.explanation!.bound).toMatch(/stops after one million instructions/);
    expect(e.explanation!.fix).toMatch(/ProgArray\.tailCall/);

    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const check = formatRejection(FILE, e).split("\n");
      expect(check[0]).toMatch(
        new RegExp(`^${FILE.replace(/\./g, "\\.")}:${e.source!.line}:\\d+ - error: the verifier rejected program 'too_complex': the verifier stopped after 1000001 instructions`),
      );
      expect(check[2]).toMatch(new RegExp(`^${e.source!.line} \\| `));
      const load = formatVerifierError(e);
      expect(load).toMatch(/^tsbpf: the verifier rejected program "too_complex" \(E2BIG\)\n {2}the verifier stopped after 1000001 instructions/);
      expect(load).toMatch(new RegExp(`--> .*too_complex\\.ts:${e.source!.line}[: ]`));
      expect(load).toContain("BPF program is too large. Processed 1000001 insn");
    } finally {
      process.chdir(cwd);
    }
  }, 180_000);
});
