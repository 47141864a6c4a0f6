// expect: 11:10 - error: operator '**' is not supported (no exponentiation in BPF); multiply, or shift for powers of two (`1 << n`)
// expect: 11:20 - error: the comma operator is not supported
// expect: 16:7 - error: signed division is not available in BPF (cpu v3); convert the operands to unsigned types
// expect: 17:5 - error: while loops may not terminate, which the verifier rejects; write `for (let i = 0; i < N; i++)` with a constant N
// expect: 19:19 - error: a call in an optional chain (`f?.()`, `x?.m()`) is not supported: test for null with an if (`const v = m.lookup(k); if (v !== null) …`)
import { xdp, XdpAction, i32, u32 } from "tsbpf";

// Constructs outside the subset by their syntax are found before lowering, all of them: two in
// one statement, one inside a statement whose lowering stopped earlier, one in a constant.
function square(x: u32): u32 {
  return x ** 2 + (x++, 1);
}

export const p = xdp((ctx) => {
  const half: i32 = 5;
  if (half / 2 > 1) {
    while (ctx.len > 0) {}
  }
  const verdict = square?.(1) ? XdpAction.PASS : XdpAction.DROP;
  return square(ctx.len) > 10 ? verdict : XdpAction.DROP;
});
