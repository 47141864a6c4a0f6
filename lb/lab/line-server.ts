// Long-lived-connection server, run inside a backend's namespace:
//   node --import tsx lb/lab/line-server.ts <name> <port> [address]
// Answers every line it receives with "<name>\n" and keeps the connection open, so a
// client can watch one TCP flow over time (does it stay on its backend?).
// Prints "listening" once bound to [address] (default all).
import { createServer } from "node:net";

const [name, portArg, address] = process.argv.slice(2);
const port = Number(portArg ?? 81);
if (!name || !Number.isInteger(port)) {
  console.error("usage: line-server.ts <name> <port>");
  process.exit(2);
}
const server = createServer((socket) => {
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    for (let i = 0; i < d.split("\n").length - 1; i++) socket.write(`${name}\n`);
  });
  socket.on("error", () => socket.destroy());
});
server.listen(port, address ?? "0.0.0.0", () => console.log("listening"));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
