// A bug in the compiler (an unexpected exception while lowering) is reported like any other
// error, at the statement it happened in, never as a crash without a place.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { compile } from "../../compiler/index.ts";
import { FunctionLowerer } from "../../compiler/lower/function.ts";
import { ROOT } from "../runtime/helpers.ts";

afterEach(() => vi.restoreAllMocks());

describe("internal compiler errors", () => {
  it("become a diagnostic at the statement being compiled", () => {
    vi.spyOn(FunctionLowerer.prototype, "toBool").mockImplementationOnce(() => {
      throw new TypeError("boom");
    });
    const file = join(ROOT, "test/programs/ttl_decrement.ts");
    const r = compile(file);
    expect(r.object).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "internal compiler error: boom (a bug in tsbpf; please report it with this program)",
    ]);
    // The first statement whose lowering tests a condition: the first `if`.
    const firstIf = readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes("if (")) + 1;
    expect(r.diagnostics[0]).toMatchObject({ file, line: firstIf, column: 3 });
  });
});
