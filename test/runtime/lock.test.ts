// lockFile (runtime/sys/lock.ts): flock on a file, and removing the file with the lock held
// (what `tsbpf lb stop` does with an LB's lock): a process that was waiting for the removed
// file locks the new one, so two holders never coexist.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { lockFile, SyscallError } from "../../runtime/index.ts";
import { ROOT } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbpf-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a held lock refuses a second taker; remove() deletes the file and frees it", () => {
  const path = join(dir, "a.lock");
  const first = lockFile(path);
  expect(() => lockFile(path, 0)).toThrow(SyscallError);
  expect(() => lockFile(path, 0)).toThrow(/another process holds the lock/);
  first.remove();
  expect(existsSync(path)).toBe(false);
  const second = lockFile(path, 0);
  expect(existsSync(path)).toBe(true);
  second.release();
  expect(existsSync(path)).toBe(true); // release keeps the file
});

it("a process waiting while the holder removes the file ends up holding the file at the path", async () => {
  const path = join(dir, "b.lock");
  // Another process takes the lock, holds it 300 ms, then removes the file.
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import { lockFile } from "./runtime/index.ts";
       const l = lockFile(${JSON.stringify(path)});
       process.stdout.write("locked\\n");
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       l.remove();`,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before locking`)));
  });
  const waited = lockFile(path, 10_000); // blocks until the child removes its file
  try {
    expect(await exited).toBe(0);
    // Our lock is on the file now at the path: a third taker is refused.
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).isFile()).toBe(true);
    expect(() => lockFile(path, 0)).toThrow(/another process holds the lock/);
  } finally {
    waited.remove();
  }
}, 20_000);
