// Running a command as an unprivileged user, to check what tsbpf says without root.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** Runs `argv` as nobody (uid and gid 65534, no groups, no capabilities at all), from the
 *  repository root, with HOME at `home` (which nobody must be able to write). */
export function runAsNobody(argv: string[], home: string): SpawnSyncReturns<string> {
  return spawnSync(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", ...argv],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, HOME: home } },
  );
}
