// `?.` and `??` cost what the null test written by hand costs: the test the verifier needs before
// the load, and nothing more. Each pair below is compiled as a whole program and its BPF
// instructions compared, byte for byte (no kernel needed; the corpus program
// test/programs/optional_firewall.ts runs them in the kernel).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compile, formatDiagnostic } from "../../compiler/index.ts";
import { parseObject } from "../../runtime/index.ts";
import { scratchDir } from "../support/scratch.ts";

let serial = 0;
/** The instructions of a program whose verdict is `condition` over a map value `v` (a struct), `n` (a
 *  number) and a view `ip`. */
function instructions(condition: string): string[] {
  const file = join(scratchDir(), `optional_${serial++}.ts`);
  writeFileSync(
    file,
    `import { xdp, XdpAction, HashMap, struct, array, u8, u16, u32 } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";
export const V = struct({ f: u16, arr: array(u8, 4) });
export const m = new HashMap(u32, V, { maxEntries: 4 });
export const counts = new HashMap(u32, u8, { maxEntries: 4 });
export const p = xdp((ctx) => {
  const v = m.lookup(ctx.len);
  const n = counts.lookup(ctx.len);
  const ip = ctx.header(Ipv4, Eth.size);
  return ${condition} ? XdpAction.DROP : XdpAction.PASS;
});
`,
  );
  const r = compile(file);
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  const insns = parseObject(r.object!).programs[0]!.insns;
  return Array.from({ length: insns.length / 8 }, (_, i) =>
    Buffer.from(insns.subarray(i * 8, i * 8 + 8)).toString("hex"),
  );
}

const PAIRS: [optional: string, byHand: string][] = [
  ["v?.f === 1", "(v !== null && v.f === 1)"],
  ["ip?.protocol !== 6", "(ip === null || ip.protocol !== 6)"],
  ["v?.arr[2] === 3", "(v !== null && v.arr[2] === 3)"],
  ["(v?.f ?? 7) > 3", "(v !== null ? v.f : 7) > 3"],
  ["!ip?.ttl", "(ip === null || !ip.ttl)"],
  ["(ip?.ttl && ip.ttl < 5)", "(ip !== null && ip.ttl && ip.ttl < 5)"],
  ["(n ?? 7) > 3", "(n !== null ? n : 7) > 3"],
  // A number that may be null (`n`, a lookup in a map of numbers): the value's truth, tested
  // where the entry is present (docs/language.md, "A number that may be null").
  ["n", "(n !== null && n !== 0)"],
  ["!n", "(n === null || n === 0)"],
  ["n === 5", "(n !== null && n === 5)"],
  ["n !== 0", "(n === null || n !== 0)"],
  ["(n || 3) > 2", "((n ?? 0) || 3) > 2"],
];

it.each(PAIRS)(
  "`%s` compiles to the instructions of `%s`",
  (optional, byHand) => {
    const a = instructions(optional);
    expect(a).toEqual(instructions(byHand));
    expect(a.length).toBeGreaterThan(5);
  },
  60_000,
);

// Two tests of one lookup each read the value after their own null test: LLVM must not move the
// second read above it (the verifier refuses a read of `map_value_or_null`).
it("two truth tests of `n` compile to the instructions of two hand-written tests", () => {
  expect(instructions("(n ? 1 : 0) + (!n ? 2 : 0) + (n === 5 ? 4 : 0) > 4")).toEqual(
    instructions(
      "((n !== null && n !== 0) ? 1 : 0) + ((n === null || n === 0) ? 2 : 0) + ((n !== null && n === 5) ? 4 : 0) > 4",
    ),
  );
}, 60_000);
