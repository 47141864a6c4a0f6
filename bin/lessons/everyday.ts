/** The frames every lesson's program meets, and passes unless the lesson says otherwise. */
import { XdpAction } from "../../runtime/program/index.ts";
import type { Case } from "./check.ts";
import { arpFrame, ipv4Frame, ipv6Frame } from "./frames.ts";

export function everyday(): Case[] {
  return [
    { what: "UDP to port 53", frame: ipv4Frame({ proto: "udp", dport: 53 }), action: XdpAction.PASS },
    { what: "TCP ACK to port 80", frame: ipv4Frame({ proto: "tcp", dport: 80 }), action: XdpAction.PASS },
    { what: "ARP request", frame: arpFrame(), action: XdpAction.PASS },
    { what: "IPv6 UDP", frame: ipv6Frame(), action: XdpAction.PASS },
  ];
}
