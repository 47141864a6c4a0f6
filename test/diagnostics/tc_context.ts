// expect: 21:8 - error: ctx.adjustHead() is an XDP helper; a tc program has pullData, adjustRoom, loadBytes and storeBytes
// expect: 21:12 - error TS2339: Property 'adjustHead' does not exist on type 'TcContext'.
// expect: 22:7 - error: the tc context has no property 'rxQueueIndex'; it has len, pktType, mark, queueMapping, protocol, vlanTci, priority, ingressIfindex, ifindex, tcIndex, hash, tcClassid
// expect: 22:11 - error TS2339: Property 'rxQueueIndex' does not exist on type 'TcContext'.
// expect: 23:13 - error: expected the XDP context here (the program's ctx, or an XdpContext parameter)
// expect: 24:10 - error: redirect() through a map is for XDP programs; a tc program calls redirect(ifindex)
// expect: 28:3 - error: the XDP context has no property 'mark'
// expect: 28:7 - error TS2339: Property 'mark' does not exist on type 'XdpContext'.
// expect: 32:56 - error: 'tcx/output' is not a tc section libbpf knows: use "tc", "tcx/ingress" or "tcx/egress"
// A tc program uses what only XDP has, a field __sk_buff lacks, the XDP context's functions,
// and a section libbpf does not know for tc.
import { tc, TcAction, xdp, XdpAction, DevMap, type XdpContext, type u32 } from "tsbpf";

export const ports = new DevMap({ maxEntries: 4 });

function queue(c: XdpContext): u32 {
  return c.rxQueueIndex;
}

export const shrink = tc((ctx) => {
  if (!ctx.adjustHead(4)) return TcAction.SHOT;
  if (ctx.rxQueueIndex === 1) return TcAction.SHOT;
  if (queue(ctx as unknown as XdpContext) === 2) return TcAction.SHOT;
  return ports.redirect(0, 0);
});

export const marked = xdp((ctx) => {
  ctx.mark = 1;
  return XdpAction.PASS;
});

export const egress = tc(() => TcAction.OK, { section: "tcx/output" });
