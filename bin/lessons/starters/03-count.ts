// Lesson 3: count with maps. A map is memory the program and userspace share: an ArrayMap has
// `maxEntries` values indexed 0…n-1, all present from the start. `stats.lookup(0)` returns a
// reference to entry 0, or null (TypeScript makes you test it: the verifier will too). Writes
// through the reference change the map. Userspace reads it by name, `stats`.
//
// Exercise: count every frame in stats[0]: `packets` += 1 and `bytes` += the frame's length; pass
//           every frame. (64-bit fields are bigints: `1n`, and `u64(ctx.len)` converts a length.)
// Check:    npx tsbpf lesson check 3 src/03-count.ts
import { xdp, XdpAction, ArrayMap, struct, u64 } from "tsbpf";

export const Counter = struct({ packets: u64, bytes: u64 });
export const stats = new ArrayMap(Counter, { maxEntries: 1 });

export const count = xdp((_ctx) => {
  const c = stats.lookup(0);
  // TODO: if c is not null, add this frame to it (name the parameter ctx to read ctx.len).
  return XdpAction.PASS;
});
