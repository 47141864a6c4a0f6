// Bulk TCP throughput in the lab, iperf-style, with node's sockets:
//   node --import tsx lb/lab/bulk.ts sink <port>                 (in a backend: counts bytes,
//                                                                 answers the total at the end)
//   node --import tsx lb/lab/bulk.ts send <host> <port> <MB>     (in the client: sends MB
//                                                                 megabytes, prints JSON)
// The sender's figure is the time from connect to the sink's answer, so it counts every
// byte the sink received.
import { connect, createServer } from "node:net";

const [mode, a, b, c] = process.argv.slice(2);
if (mode === "sink") {
  createServer((socket) => {
    let n = 0;
    socket.on("data", (d) => (n += d.length));
    socket.on("end", () => socket.end(`${n}\n`));
    socket.on("error", () => socket.destroy());
  }).listen(Number(a), "0.0.0.0", () => console.log("listening"));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
} else if (mode === "send") {
  const total = Number(c) * 1_000_000;
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  const t0 = process.hrtime.bigint();
  const socket = connect({ host: a, port: Number(b) }, () => {
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
      socket.end();
    };
    pump();
  });
  let answer = "";
  socket.on("data", (d) => (answer += d));
  socket.on("end", () => {
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const bytes = Number(answer.trim());
    console.log(JSON.stringify({ bytes, seconds: s, mbitPerS: (bytes * 8) / s / 1e6 }));
    process.exit(0);
  });
  socket.on("error", (e) => {
    console.log(JSON.stringify({ error: e.message }));
    process.exit(1);
  });
} else {
  console.error("usage: bulk.ts sink <port> | send <host> <port> <MB>");
  process.exit(2);
}
