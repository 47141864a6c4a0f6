// Found by the differential fuzzer (seeds 200006, 200041, 200068, 200079, reduced by hand): a
// computed index into an array of a packet view passed to a function. A function's struct
// parameter did not know that it points into the packet, so the element's address was not
// checked against the packet's end: "invalid access to packet … R1 offset is outside of the
// packet". The same index in the program itself (`pk.a[s.i]`) was checked and loaded. Now a
// function is lowered once per pattern of its calls, and in the variant that gets a view the
// index is checked as in the program: directly, through another function, and (the other
// variant) with a struct on the stack.
import { xdp, XdpAction, ArrayMap, struct, array, type Value, u8, u16, u32 } from "tsbpf";

export const S = struct({ i: u8, j: u8, out: u32, out2: u32, out3: u32 });
export const V = struct({ x: u16, a: array(u8, 4) }, { packed: true });
export const state = new ArrayMap(S, { maxEntries: 1 });

function decrement(v: Value<typeof V>, i: u32): u8 {
  return --v.a[i]!;
}

function twice(v: Value<typeof V>, i: u32): u32 {
  return decrement(v, i) + v.a[i]!;
}

export const packet_param_index = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  s.out = decrement(pk, s.i);
  s.out2 = twice(pk, s.j);
  const local: Value<typeof V> = { x: 0, a: [10, 20, 30, 40] };
  s.out3 = twice(local, s.j);
  return XdpAction.PASS;
});
