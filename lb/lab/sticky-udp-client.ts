// Sticky UDP flows, run inside the client's namespace:
//   node --import tsx lb/lab/sticky-udp-client.ts <host> <port> <flows>
// Opens <flows> UDP sockets, each connected to host:port from its own source port (so the
// kernel accepts only replies from the VIP: reverse NAT must have rewritten them), asks
// each "who?" once and prints {"phase":1,"answers":[…]}; then, for every line on stdin,
// asks again from the same sockets (the same 5-tuples). An answer is the backend's name
// or "error: ETIMEDOUT".
import { createSocket, type Socket } from "node:dgram";
import { createInterface } from "node:readline";

const [host, portArg, countArg] = process.argv.slice(2);
const port = Number(portArg),
  count = Number(countArg);
const TIMEOUT_MS = 2000;

function ask(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const done = (answer: string) => {
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve(answer);
    };
    const onMessage = (msg: Buffer) => done(msg.toString().trim());
    const timer = setTimeout(() => done("error: ETIMEDOUT"), TIMEOUT_MS);
    socket.on("message", onMessage);
    socket.send("who?");
  });
}

const sockets = await Promise.all(
  Array.from(
    { length: count },
    () =>
      new Promise<Socket>((resolve) => {
        const s = createSocket("udp4");
        s.connect(port, host, () => resolve(s));
      }),
  ),
);
console.log(JSON.stringify({ phase: 1, answers: await Promise.all(sockets.map(ask)) }));
let phase = 1;
for await (const _ of createInterface({ input: process.stdin })) {
  console.log(JSON.stringify({ phase: ++phase, answers: await Promise.all(sockets.map(ask)) }));
}
for (const s of sockets) s.close();
process.exit(0);
