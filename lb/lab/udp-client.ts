// UDP load client, run inside the client's namespace:
//   node --import tsx lb/lab/udp-client.ts <host> <port> <count>
// Sends one datagram from each of <count> new sockets, each *connected* to host:port, so
// the kernel accepts only a reply whose source is host:port (the VIP: reverse NAT must have
// rewritten it) with a valid UDP checksum. Prints {"ok","failed","byBackend","errors"}.
import { createSocket } from "node:dgram";

const [host, portArg, countArg] = process.argv.slice(2);
const port = Number(portArg),
  count = Number(countArg);
const TIMEOUT_MS = 2000,
  CONCURRENCY = 16;

function ask(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host!.includes(":") ? "udp6" : "udp4");
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("timeout"));
    }, TIMEOUT_MS);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg.toString());
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    });
    socket.connect(port, host, () => socket.send("who?"));
  });
}

const report = { ok: 0, failed: 0, byBackend: {} as Record<string, number>, errors: {} as Record<string, number> };
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      next++;
      try {
        const name = await ask();
        report.byBackend[name] = (report.byBackend[name] ?? 0) + 1;
        report.ok++;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        report.errors[code] = (report.errors[code] ?? 0) + 1;
        report.failed++;
      }
    }
  }),
);
console.log(JSON.stringify(report));
process.exit(0);
