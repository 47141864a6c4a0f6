// bpf_loop with module-level callbacks: `sumSquares` adds index² to its state until the index
// reaches the state's limit (then LoopStep.BREAK), for as many iterations as the frame's first
// UDP payload byte says, the limit being the second; `tick` (no state) counts its calls in a
// map. The results go to `results`: the iterations bpf_loop reports and the state after.
import { xdp, XdpAction, ArrayMap, LoopStep, loop, struct, u8, u32, u64, zero, type Value } from "tsbpf";
import { Eth, Ipv4, Udp } from "tsbpf/net";

export const Payload = struct({ count: u8, limit: u8 });
export const Sum = struct({ total: u64, limit: u32, calls: u32 });
export const Result = struct({ iterations: u32, calls: u32, total: u64 });
export const results = new ArrayMap(Result, { maxEntries: 1 });
export const Counter = struct({ n: u64 });
export const ticks = new ArrayMap(Counter, { maxEntries: 1 });

function sumSquares(i: u32, s: Value<typeof Sum>): LoopStep {
  s.calls += 1;
  if (i === s.limit) return LoopStep.BREAK;
  s.total += u64(i) * u64(i);
  return LoopStep.CONTINUE;
}

function tick(_i: u32) {
  const t = ticks.lookup(0);
  if (t !== null) t.n += 1n;
}

export const bpf_loop = xdp((ctx) => {
  const data = ctx.header(Payload, Eth.size + Ipv4.size + Udp.size);
  const out = results.lookup(0);
  if (data === null || out === null) return XdpAction.PASS;
  const state = zero(Sum);
  state.limit = data.limit;
  out.iterations = loop(data.count, sumSquares, state);
  out.calls = state.calls;
  out.total = state.total;
  loop(3, tick);
  return XdpAction.TX;
});
