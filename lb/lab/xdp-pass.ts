// Builds xdp_pass.c, the XDP_PASS program the lab puts on the veth peer of
// an interface that XDP_TXes (see topology.ts, docs/xdp-on-veth.md).
// clang-14 is already a build dependency of the project (bench twin, tests);
// the object is cached in bpf-out/lab/ and rebuilt when the source is newer.
// TODO: emit it with tsbpf itself once the compiler can.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "xdp_pass.c");
const object = join(here, "..", "..", "bpf-out", "lab", "xdp_pass.o");

export function buildXdpPass(): string {
  if (existsSync(object) && statSync(object).mtimeMs >= statSync(source).mtimeMs) return object;
  mkdirSync(dirname(object), { recursive: true });
  // Build to a private name then rename, so parallel labs never load a half-written file.
  const tmp = `${object}.${process.pid}.tmp`;
  try {
    execFileSync(
      "clang-14",
      ["-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", source, "-o", tmp],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`lab: compiling ${source} with clang-14 failed: ${err.stderr?.toString() || err.message}`);
  }
  renameSync(tmp, object);
  return object;
}
