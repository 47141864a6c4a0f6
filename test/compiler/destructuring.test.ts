// `const { a, b: c } = x` declares each name as `const a = x.a` does: each pair below is compiled
// as a whole program and its BPF instructions compared, byte for byte (no kernel needed; the
// corpus program test/programs/destructuring.ts runs the forms in the kernel).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compile, formatDiagnostic } from "../../compiler/index.ts";
import { parseObject } from "../../runtime/index.ts";
import { scratchDir } from "../support/scratch.ts";

let serial = 0;
/** The instructions of a program that runs `body` with a map value `v` (a struct), a view `ip` and
 *  a local struct `s` at hand, then returns DROP when `verdict` is true; a body declaring `sport`
 *  from `p` is that of a function `sum` taking a struct parameter `p`. */
function instructions(body: string, verdict: string): string[] {
  const inFunction = /\bp\.|= p;/.test(body);
  const file = join(scratchDir(), `destructuring_${serial++}.ts`);
  writeFileSync(
    file,
    `import { xdp, XdpAction, HashMap, struct, array, zero, u8, u16, u32, u64, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";
export const L4 = struct({ sport: u16, dport: u16 });
export const V = struct({ packets: u64, bytes: u64, l4: L4, arr: array(u8, 4) });
export const m = new HashMap(u32, V, { maxEntries: 4 });
function sum(p: Value<typeof L4>): u32 {
  ${inFunction ? body : "const sport = p.sport;"}
  return sport + p.dport;
}
export const prog = xdp((ctx) => {
  const v = m.lookup(ctx.len);
  const ip = ctx.header(Ipv4, Eth.size);
  if (v === null || ip === null) return XdpAction.PASS;
  const s = zero(V);
  s.l4.sport = ip.ttl;
  ${inFunction ? "" : body}
  return ${verdict} ? XdpAction.DROP : XdpAction.PASS;
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

const PAIRS: [destructured: string, oneAtATime: string, verdict: string][] = [
  [
    "const { saddr, protocol } = ip;",
    "const saddr = ip.saddr; const protocol = ip.protocol;",
    "saddr === 1 && protocol === 6",
  ],
  ["const { saddr: src, ttl } = ip;", "const src = ip.saddr; const ttl = ip.ttl;", "src === ttl"],
  ["const { packets, bytes } = v;", "const packets = v.packets; const bytes = v.bytes;", "packets > bytes"],
  ["const { l4: { sport }, arr } = v;", "const sport = v.l4.sport; const arr = v.arr;", "sport === arr[1]"],
  ["const { l4 } = v; v.l4.sport = 9;", "const l4 = v.l4; v.l4.sport = 9;", "l4.sport === 3"],
  ["const { arr } = v; v.arr[1] = 9;", "const arr = v.arr; v.arr[1] = 9;", "arr[1] === 3"],
  ["let { packets } = v; packets += 1n;", "let packets = v.packets; packets += 1n;", "packets === v.bytes"],
  ["let { ttl } = ip; ttl -= 1;", "let ttl = ip.ttl; ttl -= 1;", "ttl === 0"],
  ["const { l4: { sport, dport: d } } = s;", "const sport = s.l4.sport; const d = s.l4.dport;", "sport > d"],
  ["const { sport } = p;", "const sport = p.sport;", "sum(v.l4) === 7"],
  ["const { sport, dport } = p;", "const sport = p.sport; const dport = p.dport;", "sum(v.l4) === 7"],
  ["const { len } = ctx;", "const len = ctx.len;", "len > 100"],
];

it.each(PAIRS)(
  "`%s` compiles to the instructions of `%s`",
  (destructured, oneAtATime, verdict) => {
    const a = instructions(destructured, verdict);
    expect(a).toEqual(instructions(oneAtATime, verdict));
    expect(a.length).toBeGreaterThan(5);
  },
  60_000,
);
