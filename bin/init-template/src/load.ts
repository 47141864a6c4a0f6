// Loads bpf-out/xdp.o, blocks the UDP ports given, attaches the firewall to an interface and
// prints its counters once a second, read through the program's own declarations. Detaches
// on exit. Needs root (or CAP_BPF + CAP_NET_ADMIN):
//   npm start -- [interface=lo] [seconds=10] [blocked UDP port…]
import { loadObject } from "tsbpf/runtime";
import { blockedPorts, drops, Proto, stats } from "./xdp.ts";

const [iface = "lo", seconds = "10", ...ports] = process.argv.slice(2);

const obj = await loadObject("bpf-out/xdp.o");
try {
  const blocked = obj.typedMap(blockedPorts, "blockedPorts");
  for (const port of ports) blocked.update(Number(port), 1);
  const counters = obj.typedMap(stats, "stats");
  const dropped = obj.typedMap(drops, "drops");
  const link = obj.program("firewall").attachXdp(iface, { mode: "auto" });
  console.log(`firewall attached to ${iface}; blocked UDP ports: ${ports.join(", ") || "none"}`);
  try {
    for (let s = 1; s <= Number(seconds); s++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const row = (slot: Proto) => counters.lookup(slot)?.packets ?? 0n;
      console.log(
        `${s}s  tcp ${row(Proto.TCP)}  udp ${row(Proto.UDP)}  other IPv4 ${row(Proto.OTHER_IPV4)}  ` +
          `not IPv4 ${row(Proto.NOT_IPV4)}  dropped ${dropped.lookup(0)?.packets ?? 0n}`,
      );
    }
  } finally {
    link.close();
  }
} finally {
  obj.close();
}
