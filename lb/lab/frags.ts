// Multi-buffer builds (xdp.frags) of the LB and of the lab's own XDP programs, for links whose
// MTU is above a page: a veth refuses a single-buffer program while its peer's MTU is above
// 3,506 bytes (docs/xdp-on-veth.md), so at a jumbo MTU every XDP program on the path must
// declare frags. Each is a copy of its source with the program declared `{ frags: true }`
// (docs/language.md, "Multi-buffer frames"); lb.ts needs no other change, since it writes
// ctx.frameLen where it means the frame's length. The copies live in lb/.variant-frags-<pid>/
// (their relative imports resolve to each other) only while they are built.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseObject } from "../../runtime/index.ts";

const LB = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(LB, "..", "bin", "tsbpf.js");

export interface FragsObjects {
  /** lb/lb.ts, its program `lb` in section xdp.frags. */
  lb: string;
  /** lb/lab/decap.ts, the backends' decapsulation. */
  decap: string;
  /** lb/lab/xdp_pass.ts, for the veth peer of an interface that XDP_TXes. */
  xdpPass: string;
}

/** The multi-buffer section the objects' programs are in (`sec` for iproute2). */
export const FRAGS_SECTION = "xdp.frags";

/** Builds the three objects into `dir`. */
export function buildFragsObjects(dir: string): FragsObjects {
  const copy = join(LB, `.variant-frags-${process.pid}`);
  mkdirSync(join(copy, "lab"), { recursive: true });
  try {
    for (const f of readdirSync(LB)) if (f.endsWith(".ts")) copyFileSync(join(LB, f), join(copy, f));
    for (const f of ["decap.ts", "xdp_pass.ts"]) copyFileSync(join(LB, "lab", f), join(copy, "lab", f));
    mkdirSync(dir, { recursive: true });
    const build = (source: string, program: string, out: string) => {
      writeFileSync(source, declareFrags(readFileSync(source, "utf8"), program));
      const object = join(dir, out);
      execFileSync(process.execPath, [CLI, "build", source, "-o", object], { stdio: ["ignore", "ignore", "pipe"] });
      const sections = parseObject(readFileSync(object)).programs.map((p) => p.section);
      if (sections.join() !== FRAGS_SECTION) throw new Error(`frags: ${out} has programs in ${sections.join(", ")}`);
      return object;
    };
    return {
      lb: build(join(copy, "lb.ts"), "lb", "lb-frags.o"),
      decap: build(join(copy, "lab", "decap.ts"), "decap", "decap-frags.o"),
      xdpPass: build(join(copy, "lab", "xdp_pass.ts"), "pass", "xdp_pass-frags.o"),
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * `export const <program> = xdp(<fn>);` with `, { frags: true }` after <fn>: the program is the
 * file's last statement, its function a block ending in the file's last `\n});` or one line.
 */
export function declareFrags(source: string, program: string): string {
  const head = `export const ${program} = xdp(`;
  const at = source.indexOf(head);
  if (at < 0 || source.indexOf(head, at + 1) >= 0) throw new Error(`frags: no single '${head}…' to declare frags on`);
  const line = source.indexOf("\n", at);
  const oneLine = source.slice(at, line < 0 ? undefined : line);
  if (oneLine.endsWith(");")) {
    return source.slice(0, at) + oneLine.slice(0, -2) + ", { frags: true });" + source.slice(at + oneLine.length);
  }
  const end = source.lastIndexOf("\n});");
  if (end < at || source.slice(end + 4).trim() !== "")
    throw new Error(`frags: ${program}'s xdp(…) is not the file's last statement`);
  return `${source.slice(0, end)}\n}, { frags: true });${source.slice(end + 4)}`;
}
