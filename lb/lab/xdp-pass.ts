// Builds the lab's own XDP programs with `tsbpf build`: xdp_pass.ts, the XDP_PASS program the
// lab puts on the veth peer of an interface that XDP_TXes (see topology.ts,
// docs/xdp-on-veth.md), and decap.ts, the backends' decapsulation (encap-backends.ts, fleet.ts);
// also decap_tc.ts, the same at tc ingress (throughput.ts).
// Objects are cached in bpf-out/lab/ and rebuilt when the source is newer. (The CLI, not the compiler
// module: lb/ depends on the runtime and the declarations only.)

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "..", "bin", "tsbpf.js");

export function buildXdpPass(): string {
  return buildLabProgram("xdp_pass");
}

/** The backends' IPv4-in-IPv4 and IPv6-in-IPv6 decapsulation (decap.ts). */
export function buildDecap(): string {
  return buildLabProgram("decap");
}

/** The same for IPv4 at tc ingress (decap_tc.ts), without an XDP program on the backend. */
export function buildDecapTc(): string {
  return buildLabProgram("decap_tc");
}

function buildLabProgram(name: string): string {
  const source = join(here, `${name}.ts`);
  const object = join(here, "..", "..", "bpf-out", "lab", `${name}.o`);
  if (existsSync(object) && statSync(object).mtimeMs >= statSync(source).mtimeMs) return object;
  mkdirSync(dirname(object), { recursive: true });
  // Build to a private name then rename, so parallel labs never load a half-written file.
  const tmp = `${object}.${process.pid}.tmp`;
  try {
    execFileSync(process.execPath, [cli, "build", source, "-o", tmp], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`lab: tsbpf build ${source} failed: ${err.stderr?.toString() || err.message}`);
  }
  renameSync(tmp, object);
  return object;
}
