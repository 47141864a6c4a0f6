// UDP server, run inside a backend's namespace:
//   node --import tsx lb/lab/udp-echo.ts <name> <port> [address]
// Answers every datagram with "<name>". Prints "listening" once bound. Bound to [address]
// (default all): a server for a VIP held on lo binds the VIP, so that its answers come from
// it (direct server return) rather than from the address the route to the client prefers.
// An IPv6 address ("::" for all) makes an IPv6-only socket, beside the IPv4 one on the port.
import { createSocket } from "node:dgram";

const [name, portArg, address] = process.argv.slice(2);
const port = Number(portArg ?? 53);
if (!name || !Number.isInteger(port)) {
  console.error("usage: udp-echo.ts <name> <port> [address]");
  process.exit(2);
}
const socket = address?.includes(":") ? createSocket({ type: "udp6", ipv6Only: true }) : createSocket("udp4");
socket.on("message", (_msg, from) => socket.send(name, from.port, from.address));
socket.bind(port, address ?? "0.0.0.0", () => console.log("listening"));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
