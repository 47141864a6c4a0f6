// expect: 9:19 - error: 'number' has no width here; write an integer type such as u32 or u64
// expect: 9:30 - error: 'number' has no width here; write an integer type such as u32 or u64
// expect: 10:18 - error: floating-point numbers are not supported (BPF has no floats); use an integer
// expect: 13:20 - error: 'number' has no width here; write an integer type such as u32 or u64
// expect: 19:19 - error: a for loop needs a condition comparing its counter with a constant (e.g. `i < 8`), so the verifier can see it ends
// expect: 20:19 - error: for…of runs over a module-level constant table or a fixed-size array; u32 is neither
import { xdp, XdpAction, u32 } from "tsbpf";

function scale(x: number, y: number): u32 {
  return u32(x * 1.5 + y);
}

function unused(z: number): u32 {
  return u32(z);
}

export const p = xdp((ctx) => {
  let n: u32 = 0;
  for (let i = 0; i < ctx.len; i++) n++;
  for (const x of n as unknown as u32[]) n += x;
  return scale(ctx.len, 2) > n ? XdpAction.PASS : XdpAction.DROP;
});
