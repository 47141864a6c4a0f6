// Programs are TypeScript: the whole project, every example, corpus program and the LB,
// type-checks with `tsc --strict` against tsbpf's declarations.
import { expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../runtime/helpers.ts";

it("tsc --strict --noEmit passes on the project", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", ROOT], {
    encoding: "utf8",
    cwd: ROOT,
  });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
}, 120_000);
