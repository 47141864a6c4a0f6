// A large response over TCP, for path MTU tests (test/lb/icmp-e2e.test.ts):
//   node --import tsx lb/lab/big-response.ts serve <port> <bytes>   (in a backend: sends <bytes>
//                                                                   on every connection, then closes;
//                                                                   prints "listening")
//   node --import tsx lb/lab/big-response.ts fetch <host> <port> <ms>  (in the client: prints
//                                                                   JSON { bytes, complete } after the
//                                                                   server closes or <ms> passed)
import { connect, createServer } from "node:net";

const [mode, a, b, c] = process.argv.slice(2);
if (mode === "serve") {
  const body = Buffer.alloc(Number(b), 0x42);
  createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.end(body);
  }).listen(Number(a), "0.0.0.0", () => console.log("listening"));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
} else if (mode === "fetch") {
  let bytes = 0;
  const done = (complete: boolean) => {
    console.log(JSON.stringify({ bytes, complete }));
    process.exit(0);
  };
  const socket = connect({ host: a, port: Number(b) });
  socket.on("data", (d) => (bytes += d.length));
  socket.on("end", () => done(true));
  socket.on("error", () => done(false));
  setTimeout(() => done(false), Number(c));
} else {
  console.error("usage: big-response.ts serve <port> <bytes> | fetch <host> <port> <ms>");
  process.exit(2);
}
