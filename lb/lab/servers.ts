// The lab's node scripts (lb/lab/*.ts) run inside a host's namespace: the command that runs
// one, and a server started and awaited until it prints "listening" (every server script of
// the lab prints that line once bound).
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "./topology.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, the working directory of lab scripts (`--import tsx` resolves from it). */
export const LAB_CWD = join(here, "..", "..");

/** `node --import tsx lb/lab/<file> ARGS…`. */
export function labScript(file: string, ...args: string[]): string[] {
  return [process.execPath, "--import", "tsx", join(here, file), ...args];
}

/** Starts a server in namespace `ns` (a role name or namespace) and resolves with its process
 *  once it prints "listening"; rejects, with what it wrote to stderr, if it exits first or is
 *  not listening after `timeoutMs`. The lab's destroy() kills it. */
export function startServer(lab: Lab, ns: string, argv: string[], timeoutMs = 30_000): Promise<ChildProcess> {
  const child = lab.spawn(ns, argv, { cwd: LAB_CWD, stdio: ["pipe", "pipe", "pipe"] });
  const what = `${argv.slice(3).join(" ")} in ${ns}`;
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
    function fail(why: string) {
      clearTimeout(timer);
      reject(new Error(`lab: ${what}: ${why}${err ? `: ${err.trim()}` : ""}`));
    }
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.split("\n").includes("listening")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code, sig) => fail(`exited (${sig ?? code})`));
  });
}
