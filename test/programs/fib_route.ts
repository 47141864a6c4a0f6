// Route lookup with bpf_fib_lookup: fills a FibParams from the IPv4 header, asks the kernel's FIB
// and records the answer; forwards on success (new MACs, out of the returned ifindex).
import { xdp, XdpAction, ArrayMap, struct, fibLookup, redirect, FibResult, i32, u32, type Value } from "tsbpf";
import { Eth, Ipv4, type FibParams, ETH_P_IP, AF_INET } from "tsbpf/net";

export const Answer = struct({ result: i32, ifindex: u32 });
export const answers = new ArrayMap(Answer, { maxEntries: 1 });

export const fib_route = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const params: Value<typeof FibParams> = {
    family: AF_INET,
    l4Protocol: ip.protocol,
    sport: 0,
    dport: 0,
    totLen: ip.totLen,
    ifindex: ctx.ingressIfindex,
    tosFlow: ip.tos << 24,
    src: [ip.saddr, 0, 0, 0],
    dst: [ip.daddr, 0, 0, 0],
    vlanProto: 0,
    vlanTci: 0,
    smac: [0, 0, 0, 0, 0, 0],
    dmac: [0, 0, 0, 0, 0, 0],
  };
  const rc = fibLookup(ctx, params);
  const a = answers.lookup(0);
  if (a !== null) {
    a.result = rc;
    a.ifindex = params.ifindex;
  }
  if (rc !== FibResult.SUCCESS) return XdpAction.PASS;
  eth.dst = params.dmac;
  eth.src = params.smac;
  return redirect(params.ifindex);
});
