// Read-only configuration in .rodata: which UDP port to act on and what to do with it.
// The loader can replace `config` before load; the verifier then sees it as a constant.
import { xdp, XdpAction, rodata, struct, u16, u32, bool } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const Config = struct({ port: u16, enabled: bool, verdict: u32 });
export const config = rodata(Config, { port: 53, enabled: true, verdict: XdpAction.DROP });
export const fallback = rodata(u32, XdpAction.PASS);

export const rodata_config = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return fallback;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return fallback;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return fallback;
  if (config.enabled && udp.dest === config.port) return config.verdict;
  return fallback;
});
