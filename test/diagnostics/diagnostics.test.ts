// Programs outside the subset: each file lists the diagnostics `tsbpf build` must print for it
// (`// expect: line:col - error: message`), all of them, and nothing else; exit code 3, never a
// stack trace. Every file goes through the CLI's main(); two also through a real `tsbpf` process.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { main, EXIT } from "../../bin/cli.ts";
import { ROOT } from "../runtime/helpers.ts";

const DIR = join(ROOT, "test/diagnostics");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).sort();

function expected(file: string): string[] {
  const rel = relative(ROOT, join(DIR, file));
  return readFileSync(join(DIR, file), "utf8").split("\n")
    .filter((l) => l.startsWith("// expect: "))
    .map((l) => `${rel}:${l.slice("// expect: ".length)}`);
}

/** Runs the CLI's main() in this process, capturing what it prints. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const err: string[] = [], out: string[] = [];
  const [e, o, cwd] = [console.error, console.log, process.cwd()];
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  process.chdir(ROOT);
  const before = process.exitCode;
  try {
    const code = await main(["node", "tsbpf", ...args]);
    return { code, stderr: err.join("\n"), stdout: out.join("\n") };
  } finally {
    [console.error, console.log] = [e, o];
    process.chdir(cwd);
    process.exitCode = before;
  }
}

describe("diagnostics", () => {
  it("has at least 20 rejected programs, each expecting at least one error", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(20);
    for (const f of FILES) expect(expected(f).length, f).toBeGreaterThan(0);
  });

  for (const file of FILES) {
    it(`rejects ${file}`, async () => {
      const r = await cli("build", join("test/diagnostics", file), "-o", "bpf-out/diagnostics/never.o");
      const want = expected(file);
      expect(r.code).toBe(EXIT.COMPILE_ERROR);
      const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
      expect(lines.slice(0, -1)).toEqual(want);
      expect(lines.at(-1)).toBe(`Found ${want.length} error${want.length === 1 ? "" : "s"}.`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }, 20_000);
  }

  it("a real tsbpf process prints every error of a file and exits 3", () => {
    for (const file of ["many_errors.ts", "stack_too_big.ts"]) {
      const r = spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", join("test/diagnostics", file), "-o", "bpf-out/diagnostics/never.o"], { cwd: ROOT, encoding: "utf8" });
      expect(r.status).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n").slice(0, -2)).toEqual(expected(file));
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  }, 30_000);

  it("tsbpf check: the verifier's rejection at the TypeScript line, with a caret and the log tail; exit 4", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "check", "test/diagnostics/verifier/ringbuf_leak.ts"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(4);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe("test/diagnostics/verifier/ringbuf_leak.ts:11:3 - error: the verifier rejected program 'leaky': BPF_EXIT instruction in main prog would lead to reference leak");
    expect(lines.slice(2, 4)).toEqual(["11 |   if (ctx.len > 100) events.submit(ev);", "   |   ^"]);
    expect(r.stderr).toMatch(/verifier log \(last \d+ of \d+ lines\):/);
    expect(r.stderr).toContain("Unreleased reference");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it("tsbpf check accepts a corpus program (exit 0) and reports compile errors (exit 3)", async () => {
    const ok = await cli("check", "test/programs/icmp_echo.ts");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/the verifier accepted 1 program: icmp_echo \(\d+ insns\)/);
    const bad = await cli("check", "test/diagnostics/float_literal.ts");
    expect(bad.code).toBe(EXIT.COMPILE_ERROR);
    expect(bad.stderr.split("\n")[0]).toBe(expected("float_literal.ts")[0]);
  }, 30_000);
});
