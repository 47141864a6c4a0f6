// Backend HTTP server, run inside a backend's namespace by http.ts:
//   node --import tsx lb/lab/http-server.ts <name> <port> [address]
// Answers every request with "<name>\n" and closes the connection, so each
// request the load client makes is one TCP flow through the LB.
// Prints "listening" once bound, which http.ts waits for. [address] defaults to 0.0.0.0; an
// IPv6 address ("::") listens on IPv6 only, beside the IPv4 server on the same port.

import { createServer } from "node:http";

const [name, portArg, address] = process.argv.slice(2);
const port = Number(portArg ?? 80);
if (!name || !Number.isInteger(port)) {
  console.error("usage: http-server.ts <name> <port>");
  process.exit(2);
}

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "text/plain", connection: "close" });
  res.end(`${name}\n`);
});
server.keepAliveTimeout = 0;
const host = address ?? "0.0.0.0";
server.listen({ port, host, ipv6Only: host.includes(":") }, () => console.log("listening"));
// Die with the parent: it kills us, but a SIGKILLed parent can't.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
