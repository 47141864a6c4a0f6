// UDP through a veth: datagrams sent from inside a network namespace to sockets bound in
// this one. What reaches a socket got past whatever program sits on the way.
import { spawnSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";

/** Sends `count` datagrams of 10 bytes from inside `ns` to `address:port` (python3, a plain UDP socket). */
export function sendUdpFrom(ns: string, address: string, port: number, count: number): void {
  const r = spawnSync("ip", [
    "netns",
    "exec",
    ns,
    "python3",
    "-c",
    `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(${count}): s.sendto(b'x'*10, ('${address}', ${port}))`,
  ]);
  if (r.status !== 0) throw new Error(`sending UDP from ${ns} failed: ${r.stderr}`);
}

/**
 * Binds a UDP socket on `address` for each port, runs `send`, waits `settleMs` for the
 * datagrams to arrive, and returns how many each port received (ports that got none are absent).
 */
export async function udpDelivered(
  address: string,
  ports: number[],
  send: () => void,
  settleMs = 300,
): Promise<Record<number, number>> {
  const got: Record<number, number> = {};
  const sockets = await Promise.all(
    ports.map(
      (port) =>
        new Promise<Socket>((resolve, reject) => {
          const s = createSocket("udp4");
          s.on("message", () => void (got[port] = (got[port] ?? 0) + 1));
          s.once("error", reject);
          s.bind(port, address, () => resolve(s));
        }),
    ),
  );
  try {
    send();
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    for (const s of sockets) s.close();
  }
  return got;
}
