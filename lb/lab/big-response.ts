// Large transfers over TCP, for path MTU tests (test/lb/icmp-e2e.test.ts), one connection each:
//   node --import tsx lb/lab/big-response.ts serve <port> <bytes> [address]
//        (in a backend: sends <bytes> on every connection, then closes; address default "::",
//        IPv4 and IPv6; prints "listening")
//   node --import tsx lb/lab/big-response.ts fetch <host> <port> <ms>
//        (in the client: prints JSON { bytes, complete } after the server closes or <ms> passed)
//   node --import tsx lb/lab/big-response.ts sink <port> [address]
//        (in a backend: reads every connection to its end, then answers with the byte count and
//        closes; prints "listening")
//   node --import tsx lb/lab/big-response.ts upload <host> <port> <bytes> <ms>
//        (in the client: sends <bytes>, half-closes, prints JSON { bytes, complete }: the count
//        the sink answered, and whether it answered within <ms>)
import { connect, createServer } from "node:net";

const [mode, a, b, c, d] = process.argv.slice(2);
/** Prints the result as JSON and exits: the client modes' one line of output. */
const report = (bytes: number, complete: boolean) => {
  console.log(JSON.stringify({ bytes, complete }));
  process.exit(0);
};
/** The servers run until their parent closes their stdin (or kills them). */
const untilStdinEnds = () => {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
};

if (mode === "serve") {
  const body = Buffer.alloc(Number(b), 0x42);
  createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.end(body);
  }).listen(Number(a), c ?? "::", () => console.log("listening"));
  untilStdinEnds();
} else if (mode === "fetch") {
  let bytes = 0;
  const socket = connect({ host: a, port: Number(b) });
  socket.on("data", (chunk) => (bytes += chunk.length));
  socket.on("end", () => report(bytes, true));
  socket.on("error", () => report(bytes, false));
  setTimeout(() => report(bytes, false), Number(c));
} else if (mode === "sink") {
  createServer((socket) => {
    let bytes = 0;
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk) => (bytes += chunk.length));
    socket.on("end", () => socket.end(`${bytes}\n`));
  }).listen(Number(a), b ?? "::", () => console.log("listening"));
  untilStdinEnds();
} else if (mode === "upload") {
  let answer = "";
  const socket = connect({ host: a, port: Number(b) }, () => socket.end(Buffer.alloc(Number(c), 0x55)));
  socket.on("data", (chunk) => (answer += chunk));
  socket.on("end", () => report(Number(answer.trim()), true));
  socket.on("error", () => report(0, false));
  setTimeout(() => report(0, false), Number(d));
} else {
  console.error(
    "usage: big-response.ts serve <port> <bytes> [address] | fetch <host> <port> <ms> | sink <port> [address] | upload <host> <port> <bytes> <ms>",
  );
  process.exit(2);
}
