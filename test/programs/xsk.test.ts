// XSKMAP and AF_XDP: an XDP program (native, on the host end of a veth) redirects UDP to port
// 4242 to an AF_XDP socket the runtime opened (XskSocket, copy mode, queue 0); a frame sent raw
// from the namespace arrives in userspace byte for byte, and other frames do not.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { XskSocket } from "../../runtime/xsk/index.ts";
import { u32le, vethToNamespace } from "../runtime/helpers.ts";
import { setup, expectLoaded, type Corpus } from "./harness.ts";
import { bytes, eth, ipv4, udp, ETH_IP } from "./packets.ts";

const tag = `${process.pid % 100000}`;
const NS = `tsbpfxsk-${tag}`;
const HOST_IF = `xk${tag}h`;
const PEER_IF = `xk${tag}p`;

/** Sends raw frames out of the namespace's end of the veth (AF_PACKET). */
function sendRaw(frames: Uint8Array[]): void {
  const hex = frames.map((f) => Buffer.from(f).toString("hex"));
  const r = spawnSync("ip", [
    "netns",
    "exec",
    NS,
    "python3",
    "-c",
    `import socket,sys\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind(('${PEER_IF}',0))\nfor h in sys.argv[1:]: s.send(bytes.fromhex(h))`,
    ...hex,
  ]);
  expect(r.status, String(r.stderr)).toBe(0);
}

describeKernel("xsk_redirect", () => {
  let c: Corpus;
  let removeVeth: (() => void) | undefined;
  let xsk: XskSocket | undefined;
  beforeAll(async () => {
    removeVeth = vethToNamespace(NS, HOST_IF, PEER_IF, "10.216.0.1/24", "10.216.0.2/24");
    c = await setup("xsk_redirect");
  });
  afterAll(() => {
    xsk?.close();
    c?.close();
    removeVeth?.();
  });

  it("loads with bpftool and the runtime", () => {
    expectLoaded(c, "xsk_redirect");
  });

  it("a redirected frame arrives in the AF_XDP socket with its exact bytes", async () => {
    const link = c.obj.program("xsk_redirect").attachXdp(HOST_IF, { mode: "native" });
    try {
      xsk = XskSocket.open(HOST_IF, { queue: 0 });
      c.obj.maps.get("xsks")!.update(u32le(0), u32le(xsk.fd));
      const payload = [...Buffer.from("tsbpf over AF_XDP")];
      const wanted = bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(5555, 4242, payload))));
      const other = bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(5555, 4243, payload))));
      sendRaw([other, wanted, other]);
      const frames = await xsk.receiveAtLeast(1, 2000);
      await new Promise((r) => setTimeout(r, 100));
      frames.push(...xsk.receive());
      expect(frames.map((f) => Buffer.from(f).toString("hex"))).toEqual([Buffer.from(wanted).toString("hex")]);
    } finally {
      link.close();
    }
  });
});
