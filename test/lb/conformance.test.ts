// Packet conformance of the LB with LB_ABI.md, for the TS data plane and its C twin alike.
// test/lb/conformance.py builds every packet class with scapy, runs it through the object
// loaded by bpftool (libbpf), and checks verdicts, exact output bytes, checksums recomputed
// from scratch by scapy, and the conntrack/rnat/stats maps. The multi-buffer builds (xdp.frags)
// pass the same checks, and forward frames larger than a page (conformance_frags.py).
import { expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";
import { clangBpf } from "../support/clang.ts";
import { buildFragsObjects } from "../../lb/lab/frags.ts";

function conformance(object: string, multiBuffer = false): string {
  const r = spawnSync("/usr/bin/python3", [join(ROOT, "test/lb/conformance.py")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, LB_OBJ: object, LB_FRAGS: multiBuffer ? "1" : "0" },
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

  it("lb/lb.ts declared { frags: true } (xdp.frags) passes them all and forwards 9000-byte frames", () => {
    const { lb } = buildFragsObjects(join(scratchDir(), "frags"));
    const out = conformance(lb, true);
    expect(out).toMatch(/\b(\d{3,}) checks passed, 0 failed/);
    expect(out).toContain("frames larger than a page: multi-buffer build, forwarded");
  }, 320_000);

  it("bench/lb.c built with -DLB_FRAGS behaves the same", () => {
    const object = join(scratchDir(), "lb_c_frags.o");
    clangBpf(join(ROOT, "bench/lb.c"), object, "-DLB_FRAGS");
    const out = conformance(object, true);
    expect(out).toMatch(/\b(\d{3,}) checks passed, 0 failed/);
    expect(out).toContain("frames larger than a page: multi-buffer build, forwarded");
  }, 320_000);
});
