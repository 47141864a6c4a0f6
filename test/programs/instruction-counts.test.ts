/**
 * Instruction counts of every corpus program as compiled (no kernel needed): each
 * test/programs/*.ts (and lb/lb.ts) is compiled in process and its object parsed with parseObject(); the
 * snapshot records the BPF instructions of each program (entry function and BPF-to-BPF
 * callees, as loaded), so any change in generated code shows up here, as bpftrace's
 * codegen snapshots do. A codegen change made on purpose updates the snapshot with
 *   npx vitest run test/programs/instruction-counts.test.ts -u
 * and the diff of __snapshots__/instruction-counts.test.ts.snap goes into the commit.
 */
import { describe, expect, it } from "vitest";
import { compile, formatDiagnostic } from "../../compiler/index.ts";
import { parseObject } from "../../runtime/index.ts";
import { ROOT } from "../runtime/helpers.ts";
import { corpusNames, PROGRAMS } from "./harness.ts";
import { join } from "node:path";

function instructionCounts(file: string): Record<string, number> {
  const result = compile(file);
  expect(result.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  const spec = parseObject(result.object!);
  return Object.fromEntries(spec.programs.map((p) => [`${p.section} ${p.name}`, p.insns.length / 8]));
}

describe("instruction counts of the corpus", () => {
  it("lb/lb.ts", () => {
    expect(instructionCounts(join(ROOT, "lb/lb.ts"))).toMatchSnapshot();
  }, 60_000);

  it.each(corpusNames())(
    "%s",
    (name) => {
      const result = compile(join(PROGRAMS, `${name}.ts`));
      expect(result.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      const spec = parseObject(result.object!);
      const counts = Object.fromEntries(spec.programs.map((p) => [`${p.section} ${p.name}`, p.insns.length / 8]));
      expect(counts).toMatchSnapshot();
    },
    60_000,
  );
});
