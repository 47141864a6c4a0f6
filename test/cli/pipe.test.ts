// A reader that goes away (`tsbpf map dump … | head -1`) ends the command quietly: no EPIPE
// stack trace, exit status 0 (as if the output had all been read).
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureBpffs } from "../runtime/helpers.ts";
import { buildCount, ROOT, TSBPF, tsbpfJson } from "./helpers.ts";

const PIN = `/sys/fs/bpf/tsbpf-cli-pipe-${process.pid}`;

/** Runs tsbpf with its stdout closed by the reader before anything is written; stderr and status. */
function withClosedStdout(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSBPF, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

beforeAll(async () => {
  ensureBpffs();
  await tsbpfJson("load", buildCount(), "--pin", PIN);
});
afterAll(() => rmSync(PIN, { recursive: true, force: true }));

it.each([
  ["map dump", ["map", "dump", join(PIN, "counts")]],
  ["run", ["run", join(PIN, "count"), "--packet", "0200000000020200000000010800"]],
  ["--help", ["--help"]],
])("%s into a closed pipe ends quietly", async (_name, args) => {
  expect(await withClosedStdout(...args)).toEqual({ status: 0, stderr: "" });
});
