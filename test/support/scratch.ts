/**
 * A temporary directory for the files a test file writes (compiled objects, pcaps), so tests
 * never write into the repository's bpf-out/ and never race each other or a user's build on
 * it. One per test file, created on first use and removed after the file's tests.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

let dir: string | undefined;

export function scratchDir(): string {
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), "tsbpf-test-"));
    // Readable by all: some tests run the loader as an unprivileged user on these objects.
    chmodSync(dir, 0o755);
  }
  return dir;
}

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
