// Module-level constant arrays as loop bounds (`TABLE.length`) and as `for…of` ranges:
// blocked ports are dropped, allowed ones counted, and a weighted sum of the address bytes
// is recorded for each passed packet.
import { xdp, XdpAction, ArrayMap, u32 } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

const BLOCKED_PORTS = [23, 2323, 445, 139];
const COUNTED_PORTS = [53, 123, 5353];
const WEIGHTS = [1, 3, 5, 7];

export const counted = new ArrayMap(u32, { maxEntries: 4 });
export const weighted = new ArrayMap(u32, { maxEntries: 1 });

export const const_tables = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP || ip.verIhl !== 0x45) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + Ipv4.size);
  if (udp === null) return XdpAction.DROP;
  const port = udp.dest;
  for (let i = 0; i < BLOCKED_PORTS.length; i++) {
    if (port === BLOCKED_PORTS[i]) return XdpAction.DROP;
  }
  let slot: u32 = 0;
  for (const p of COUNTED_PORTS) {
    if (p === port) {
      const n = counted.lookup(slot);
      if (n !== null) counted.update(slot, n + 1);
      break;
    }
    slot++;
  }
  let sum: u32 = 0;
  let shift: u32 = 24;
  for (const w of WEIGHTS) {
    sum += ((ip.saddr >>> shift) & 0xff) * w;
    shift -= 8;
  }
  weighted.update(0, sum);
  return XdpAction.PASS;
});
