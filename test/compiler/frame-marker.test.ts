// Each function's first stack access is a store to its deepest slot (compiler/lower/frame-marker.ts,
// the workaround for Linux 6.18's "verifier bug: stack slot N, total slots M"): the marker put in
// before code generation never stays in the object, the store goes to the frame's deepest 8-byte
// slot, and where that could overwrite a slot LLVM wrote, or the function has no stack, the
// marker is `goto +0`, which the verifier removes.
import { join } from "node:path";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { patchFrameMarkers } from "../../compiler/lower/frame-marker.ts";
import { frameDepth, functionsOfObject } from "../../compiler/lower/stack.ts";
import { ROOT } from "../runtime/helpers.ts";

const MARKER = "7baaf8ff00000000"; // *(u64 *)(r10 - 8) = r10
const GOTO_0 = "0500000000000000";
const hex = (o: Uint8Array, at: number) => Buffer.from(o.subarray(at, at + 8)).toString("hex");

function objectOf(file: string): Uint8Array {
  const r = compile(join(ROOT, file));
  expect(r.diagnostics).toEqual([]);
  return r.object!;
}

/** Per function: what its marker became, and the frame's depth from the other instructions. */
function markers(object: Uint8Array): Record<string, string> {
  const view = new DataView(object.buffer, object.byteOffset, object.byteLength);
  const out: Record<string, string> = {};
  for (const f of functionsOfObject(object)) {
    const found: string[] = [];
    for (let o = f.start; o < f.end; o += 8) {
      const insn = hex(object, o);
      expect(insn).not.toBe(MARKER);
      const usedStackBefore = found.length === 0 && (object[o + 1]! & 0xf) === 10;
      if (object[o] === 0x7a && object[o + 1] === 10) {
        // The first use of r10 in the function, at the deepest slot the rest of the code uses.
        const depth = Math.ceil(frameDepth(view, f.start, f.end, o) / 8) * 8;
        found.push(`store -${-view.getInt16(o + 2, true)} (frame ${depth})`);
      } else if (insn === GOTO_0) found.push("goto +0");
      else if (usedStackBefore) found.push("r10 used before");
    }
    out[f.name] = found.join(", ");
  }
  return out;
}

it("a function with a frame stores to its deepest slot first; one without has goto +0", () => {
  // bpf_loop.ts: the program and one callback have a frame, the other callback none.
  expect(markers(objectOf("test/programs/bpf_loop.ts"))).toEqual({
    bpf_loop: "store -32 (frame 32)", // 24 before code generation in source order (a spill more)
    tick__loop: "store -8 (frame 8)",
    sumSquares__loop: "goto +0",
  });
  expect(markers(objectOf("test/programs/pass_all.ts"))).toEqual({ pass_all: "goto +0" });
  // The LB: its frame is 264 bytes (280 before code generation in source order).
  expect(markers(objectOf("lb/lb.ts"))).toEqual({ lb: "store -264 (frame 264)" });
}, 60_000);

it("a marker after a stack access becomes goto +0: a slot LLVM wrote is never overwritten", () => {
  const object = objectOf("test/programs/pass_all.ts");
  const [f] = functionsOfObject(object);
  // pass_all is `goto +0; w0 = 2; exit`: make it `*(u64 *)(r10 - 16) = r1; <marker>; exit`.
  object.set(Buffer.from(`7b1af0ff00000000${MARKER}`, "hex"), f!.start);
  patchFrameMarkers(object);
  expect(hex(object, f!.start + 8)).toBe(GOTO_0);
  // The marker first: the store to the deepest slot (16, from the store after it).
  object.set(Buffer.from(`${MARKER}7b1af0ff00000000`, "hex"), f!.start);
  patchFrameMarkers(object);
  expect(hex(object, f!.start)).toBe("7a0af0ff00000000");
});
