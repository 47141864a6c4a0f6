// ctx.frameLen, the whole frame's length: in a module without an xdp.frags program every frame
// is one buffer, so it is ctx.len, instruction for instruction (no helper call); once a program
// of the module declares `frags: true` it is bpf_xdp_get_buff_len in every function, those
// of a single-buffer program too (functions are lowered once and shared). No kernel needed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, formatDiagnostic } from "../../compiler/index.ts";
import { parseObject } from "../../runtime/index.ts";
import { scratchDir } from "../support/scratch.ts";

const GET_BUFF_LEN = 188;

const SOURCE = (len: string, options: string) => `
import { xdp, XdpAction, type XdpContext, type u32 } from "tsbpf";
function tooLong(ctx: XdpContext, limit: u32): boolean {
  return ${len} > limit;
}
export const first = xdp((ctx) => (tooLong(ctx, 1500) ? XdpAction.DROP : XdpAction.PASS));
export const second = xdp((ctx) => (${len} < 60 ? XdpAction.DROP : XdpAction.PASS)${options});
`;

/** Each program's instructions (hex, without the line info that names the source) and helper calls. */
function programs(name: string, source: string) {
  const dir = join(scratchDir(), "frame-len");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, source);
  const r = compile(file);
  expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  return Object.fromEntries(
    parseObject(r.object!).programs.map((p) => {
      const insns = Buffer.from(p.insns);
      const calls: number[] = [];
      for (let i = 0; i < insns.length; i += 8)
        if (insns[i] === 0x85 && insns[i + 1] === 0) calls.push(insns.readInt32LE(i + 4));
      return [p.name, { section: p.section, code: insns.toString("hex"), calls }];
    }),
  );
}

describe("ctx.frameLen", () => {
  it("is ctx.len in a module of single-buffer programs", () => {
    const frame = programs("single_frame", SOURCE("ctx.frameLen", ""));
    const len = programs("single_len", SOURCE("ctx.len", ""));
    expect(frame).toEqual(len);
    expect(frame.first!.calls).toEqual([]);
  });

  it("asks the kernel in every program once one declares frags", () => {
    const p = programs("multi", SOURCE("ctx.frameLen", ", { frags: true }"));
    expect([p.first!.section, p.second!.section]).toEqual(["xdp", "xdp.frags"]);
    expect(p.first!.calls).toEqual([GET_BUFF_LEN]);
    expect(p.second!.calls).toEqual([GET_BUFF_LEN]);
    // ctx.len stays the first buffer's length: no helper call.
    expect(programs("multi_len", SOURCE("ctx.len", ", { frags: true }")).second!.calls).toEqual([]);
  });
});
