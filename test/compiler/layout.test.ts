// One layout model: the struct layout the compiler gives the kernel program (read back from the
// BTF LLVM emits) equals the runtime's layout of the same declarations (the StructDesc objects
// userspace encodes map keys and values with), for every named struct in the BTF of lb/lb.ts
// and test/programs. Runs without a kernel (compiles with LLVM, imports the declarations).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { parseBtf } from "../../runtime/btf/parse.ts";
import { BtfKind } from "../../runtime/btf/types.ts";
import { parseElf } from "../../runtime/elf/parse.ts";
import { StructDesc } from "../../runtime/lang/types.ts";
import * as lang from "../../runtime/lang/index.ts";
import * as net from "../../runtime/lang/net.ts";
import { ROOT } from "../runtime/helpers.ts";

/** Structs the kernel defines (the programs' contexts, the opaque timer and lock), not declared
 *  by the program. */
const KERNEL_STRUCTS = new Set(["xdp_md", "__sk_buff", "bpf_timer", "bpf_spin_lock"]);

const PROGRAMS = [
  "lb/lb.ts",
  ...readdirSync(join(ROOT, "test/programs"))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "harness.ts" && f !== "packets.ts")
    .map((f) => `test/programs/${f}`),
].sort();

/** A program's file and the program's own modules it imports (`./maps.ts`), transitively. */
function ownModules(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  for (const [, spec] of readFileSync(file, "utf8").matchAll(/from "(\.{1,2}\/[^"]+\.ts)"/g))
    ownModules(join(dirname(file), spec!), seen);
  return [...seen];
}

/** The runtime's struct descriptors the program's modules export (and tsbpf's and tsbpf/net's,
 *  such as a helper's result struct), by declaration name. */
async function runtimeStructs(file: string): Promise<Map<string, StructDesc<any>>> {
  const modules = await Promise.all(ownModules(file).map((f) => import(f) as Promise<Record<string, unknown>>));
  const out = new Map<string, StructDesc<any>>();
  for (const [name, value] of [lang, net, ...modules].flatMap((m) => Object.entries(m))) {
    if (value instanceof StructDesc) out.set(name, value);
  }
  return out;
}

describe("struct layout: compiler (BTF) = runtime (StructDesc)", () => {
  let compared = 0;
  for (const program of PROGRAMS) {
    it(program, async () => {
      const result = compile(join(ROOT, program), { skipTypeCheck: true });
      if (!result.object) return; // programs that are rejected on purpose have no BTF
      const elf = parseElf(result.object);
      const section = elf.sectionByName(".BTF")!;
      const btf = parseBtf(result.object.subarray(section.offset, section.offset + section.size));
      const structs = await runtimeStructs(join(ROOT, program));
      const unmatched: string[] = [];
      for (const t of btf.types) {
        if (t.kind !== BtfKind.STRUCT || t.name === "" || KERNEL_STRUCTS.has(t.name)) continue;
        const desc = structs.get(t.name);
        if (!desc) {
          unmatched.push(t.name);
          continue;
        }
        const btfLayout = {
          size: t.size,
          members: t.members.map((m) => ({ name: m.name, offset: m.bitOffset / 8 })),
        };
        const runtimeLayout = {
          size: desc.size,
          members: desc.layout.map((f) => ({ name: f.name, offset: f.offset })),
        };
        expect(btfLayout, `struct ${t.name} in ${program}`).toEqual(runtimeLayout);
        compared++;
      }
      expect(unmatched, `BTF structs of ${program} without an exported runtime descriptor`).toEqual([]);
    }, 60_000);
  }
  it("compared structs", () => {
    expect(compared).toBeGreaterThan(20);
  });
});
