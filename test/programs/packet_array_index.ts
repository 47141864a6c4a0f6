// A computed index into an array field of a packet view (`x.bytes[x.i]`): the element's address
// is checked against the packet's end, which the verifier needs after a variable offset.
import { xdp, XdpAction, ArrayMap, struct, array, bytes, u8, u16, type u32, u64 } from "tsbpf";

export const Input = struct({ i: u8, j: u8, bytes: bytes(8), words: array(u16, 4) });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const packet_array_index = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  put(0, u64(x.bytes[x.i]!)); // i = 2
  put(1, u64(x.words[x.j]!)); // j = 9: clamped to words[3]
  x.bytes[x.i + 1] = 0xee; // written into the packet
  x.words[x.i] = 0x1234;
  put(2, u64(x.bytes[x.j]!)); // clamped to bytes[7]
  return XdpAction.PASS;
});
