// Compiles (`!` only silences the type checker), but the lookup's result is used without a
// null test: the verifier rejects the write (NULL_NOT_CHECKED).
import { xdp, XdpAction, HashMap, struct, u32, u64 } from "tsbpf";

export const Counter = struct({ packets: u64, bytes: u64 });
export const counts = new HashMap(u32, Counter, { maxEntries: 16 });

export const lookup_unchecked = xdp(() => {
  const c = counts.lookup(1)!;
  c.packets += 1n;
  return XdpAction.PASS;
});
