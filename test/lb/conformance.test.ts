// Packet conformance of the LB with LB_ABI.md, for the TS data plane and its C twin alike.
// test/lb/conformance.py builds every packet class with scapy, runs it through the object
// loaded by bpftool (libbpf), and checks verdicts, exact output bytes, checksums recomputed
// from scratch by scapy, and the conntrack/rnat/stats maps.
import { expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";
import { clangBpf } from "../support/clang.ts";

function conformance(object: string): string {
  const r = spawnSync("/usr/bin/python3", [join(ROOT, "test/lb/conformance.py")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, LB_OBJ: object },
    timeout: 300_000,
  });
  return `${r.stdout}${r.stderr}`;
}

describeKernel("LB packet conformance (LB_ABI.md)", () => {
  it("lb/lb.ts, compiled by tsbpf, gives every packet class its exact action and bytes", () => {
    const result = compile(join(ROOT, "lb/lb.ts"));
    expect(result.diagnostics).toEqual([]);
    const object = join(scratchDir(), "lb.o");
    writeFileSync(object, result.object!);
    const out = conformance(object);
    expect(out).toMatch(/\b(\d{3,}) checks passed, 0 failed/);
  }, 320_000);

  it("bench/lb.c, compiled by clang-14, behaves the same", () => {
    const object = join(scratchDir(), "lb_c.o");
    clangBpf(join(ROOT, "bench/lb.c"), object);
    const out = conformance(object);
    expect(out).toMatch(/\b(\d{3,}) checks passed, 0 failed/);
  }, 320_000);
});
