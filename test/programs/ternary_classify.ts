// Nested ternaries and short-circuit conditions pick a traffic class; classes are written into
// the packet's IPv4 TOS byte (DSCP) with an RFC 1624 checksum update.
import { xdp, XdpAction, type u8, u16, type u32 } from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from "tsbpf/net";

const DSCP_EF = 46,
  DSCP_AF41 = 34,
  DSCP_CS1 = 8,
  DSCP_DEFAULT = 0;

/** RFC 1624: HC' = ~(~HC + ~m + m'), for one 16-bit word changed from m to m'. */
function csumReplace16(check: u16, old: u16, now: u16): u16 {
  let sum: u32 = (~check & 0xffff) + (~old & 0xffff) + now;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return u16(~sum);
}

export const ternary_classify = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const l4 = Eth.size + (ip.verIhl & 0xf) * 4;
  let port: u16 = 0;
  if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    port = udp !== null ? udp.dest : 0;
  } else if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    port = tcp === null ? 0 : tcp.dest;
  }
  const dscp: u8 =
    port === 5060 || (port >= 16384 && port < 32768)
      ? DSCP_EF
      : port === 443
        ? DSCP_AF41
        : port !== 0 && port < 1024
          ? DSCP_DEFAULT
          : port === 0
            ? DSCP_DEFAULT
            : DSCP_CS1;
  const oldWord: u16 = (ip.verIhl << 8) | ip.tos;
  ip.tos = (dscp << 2) | (ip.tos & 3);
  const newWord: u16 = (ip.verIhl << 8) | ip.tos;
  ip.check = csumReplace16(ip.check, oldWord, newWord);
  return XdpAction.PASS;
});
