// Redirects through a devmap chosen by the UDP destination port's low bit; TCP goes out of a
// configured ifindex with bpf_redirect; the rest to a CPU through a cpumap.
import { xdp, XdpAction, DevMap, CpuMap, rodata, redirect, u32 } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP, IPPROTO_TCP } from "tsbpf/net";

export const tx_ports = new DevMap({ maxEntries: 2 });
export const cpus = new CpuMap({ maxEntries: 4 });
export const out_ifindex = rodata(u32, 1);

export const devmap_redirect = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  if (ip.protocol === IPPROTO_TCP) return redirect(out_ifindex);
  if (ip.protocol !== IPPROTO_UDP) return cpus.redirect(0, XdpAction.DROP);
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.DROP;
  // An empty slot returns the action in the flags' low bits: PASS.
  return tx_ports.redirect(udp.dest & 1, XdpAction.PASS);
});
