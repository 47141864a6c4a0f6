// A multi-buffer program (`frags: true`, section xdp.frags): it records the first buffer's
// length (ctx.len) and the whole frame's (ctx.frameLen, bpf_xdp_get_buff_len), reads the
// frame's last 4 bytes with ctx.loadBytes() (in a fragment when the frame has one) and cuts
// the frame to its first `keep` bytes with ctx.adjustTail() (a negative delta that may free
// fragments). A frame of one buffer gives the same two lengths.
import { xdp, XdpAction, ArrayMap, struct, bytes, u32 } from "tsbpf";

export const Seen = struct({ len: u32, frameLen: u32, tail: bytes(4), keep: u32 });
export const seen = new ArrayMap(Seen, { maxEntries: 1 });

export const frags_len = xdp(
  (ctx) => {
    const s = seen.lookup(0);
    if (s === null) return XdpAction.ABORTED;
    s.len = ctx.len;
    s.frameLen = ctx.frameLen;
    if (ctx.frameLen < 4 || !ctx.loadBytes(ctx.frameLen - 4, s.tail)) return XdpAction.DROP;
    if (s.keep !== 0 && !ctx.adjustTail(s.keep - ctx.frameLen)) return XdpAction.ABORTED;
    return XdpAction.PASS;
  },
  { frags: true },
);
