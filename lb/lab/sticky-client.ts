// Sticky-flow client, run inside the client's namespace:
//   node --import tsx lb/lab/sticky-client.ts <host> <port> <connections>
// Opens <connections> TCP connections, asks each "who?" once and prints one JSON line
// {"phase":1,"answers":[…]}; then, for every line on stdin, asks again on the same
// connections and prints {"phase":N,"answers":[…]}, where an answer is the backend's
// name or "error: CODE" (a flow moved to a backend that does not know it is reset).
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";

const [host, portArg, countArg] = process.argv.slice(2);
const port = Number(portArg),
  count = Number(countArg);
const TIMEOUT_MS = 3000;

function ask(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const done = (answer: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      resolve(answer);
    };
    const onData = (d: Buffer) => done(d.toString().trim());
    const onError = (e: NodeJS.ErrnoException) => done(`error: ${e.code ?? e.message}`);
    const onClose = () => done("error: closed");
    const timer = setTimeout(() => done("error: ETIMEDOUT"), TIMEOUT_MS);
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    socket.write("who?\n");
  });
}

const sockets = await Promise.all(
  Array.from(
    { length: count },
    () =>
      new Promise<Socket>((resolve) => {
        const s = connect({ host, port });
        s.setNoDelay(true);
        s.once("connect", () => resolve(s));
        s.once("error", () => resolve(s));
      }),
  ),
);
console.log(JSON.stringify({ phase: 1, answers: await Promise.all(sockets.map(ask)) }));
// Every further line on stdin asks again on the same connections; end of stdin ends.
let phase = 1;
for await (const _ of createInterface({ input: process.stdin })) {
  console.log(JSON.stringify({ phase: ++phase, answers: await Promise.all(sockets.map(ask)) }));
}
for (const s of sockets) s.destroy();
process.exit(0);
