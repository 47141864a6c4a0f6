// tc programs (BPF_PROG_TYPE_SCHED_CLS) written in the language: loaded by bpftool and the
// runtime, run with BPF_PROG_TEST_RUN on socket buffers (verdicts, skb->mark and priority as
// the program left them, counters), and attached through tcx links on a veth with real traffic.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { sendUdpFrom, udpDelivered } from "../support/udp.ts";
import { linkInfo, openPinnedLink, ProgType, TcAction, TcxLink } from "../../runtime/index.ts";
import { bpffsDir, vethToNamespace } from "../runtime/helpers.ts";
import { ROOT, tsbpfProcess } from "../cli/helpers.ts";
import { bytes, eth, ipv4, udp, tcp, ETH_IP, ETH_ARP, pad } from "./packets.ts";
import { setup, expectLoaded, type Corpus } from "./harness.ts";
import { by_proto, last_ifindex } from "./tc_classify.ts";

const udpFrame = (dport: number, payload: number[] = [1, 2, 3, 4]) =>
  bytes(eth(ETH_IP, ipv4({ proto: 17 }, udp(1234, dport, payload))));

describeKernel("tc_classify", () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup("tc_classify");
  });
  afterAll(() => c?.close());

  it("loads as a SCHED_CLS program with bpftool and the runtime", () => {
    expectLoaded(c, "tc_classify");
    expect(c.obj.program("tc_classify").type).toBe(ProgType.SCHED_CLS);
  });

  it("drops UDP to the blocked port, marks the rest with the port, raises the priority", () => {
    const prog = c.obj.program("tc_classify");
    const blocked = prog.testRun({ data: udpFrame(9), skb: { mark: 5, priority: 3, ifindex: 1 } });
    expect(blocked.retval).toBe(TcAction.SHOT);
    expect(blocked.skb).toMatchObject({ mark: 5, priority: 3 });
    const dns = prog.testRun({ data: udpFrame(53), skb: { priority: 3, ifindex: 1 } });
    expect(dns.retval).toBe(TcAction.OK);
    expect(dns.skb).toMatchObject({ mark: 53, priority: 4, ifindex: 1 });
    // Not UDP: neither marked nor re-prioritized.
    const syn = prog.testRun({ data: bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(1, 80, 2)))), skb: { priority: 3 } });
    expect(syn.retval).toBe(TcAction.OK);
    expect(syn.skb).toMatchObject({ mark: 0, priority: 3 });
    // ARP: skb->protocol is not IPv4, the program returns before looking at the packet.
    expect(prog.testRun({ data: bytes(eth(ETH_ARP, pad([], 28))) }).retval).toBe(TcAction.OK);
  });

  it("counts packets and skb->len bytes by IP protocol; sees the ifindex it runs on", () => {
    const counts = c.obj.typedMap(by_proto, "by_proto");
    const before = (proto: number) => counts.lookup(proto) ?? { packets: 0n, bytes: 0n };
    const [udp0, tcp0] = [before(17), before(6)];
    const frames = [udpFrame(53), udpFrame(53, pad([], 100)), bytes(eth(ETH_IP, ipv4({ proto: 6 }, tcp(1, 80, 2))))];
    for (const f of frames) c.obj.program("tc_classify").testRun({ data: f, skb: { ifindex: 1 } });
    expect(counts.lookup(17)).toEqual({
      packets: udp0.packets + 2n,
      bytes: udp0.bytes + BigInt(frames[0]!.length + frames[1]!.length),
    });
    expect(counts.lookup(6)).toEqual({ packets: tcp0.packets + 1n, bytes: tcp0.bytes + BigInt(frames[2]!.length) });
    expect(c.obj.typedMap(last_ifindex, "last_ifindex").lookup(0)).toBe(1);
  });
});

const tag = `${process.pid % 100000}`;
const NS = `tsbpftc-${tag}`;
const HOST_IF = `tc${tag}h`;
const PEER_IF = `tc${tag}p`;
const HOST_ADDR = "10.214.0.1";
/** UDP from the namespace to the host end, and what of it reached sockets there (got past tc). */
const send = (port: number, n: number) => sendUdpFrom(NS, HOST_ADDR, port, n);
const delivered = (during: () => void) => udpDelivered(HOST_ADDR, [9, 9999], during);

describeKernel("tcx links with real traffic", () => {
  let c: Corpus;
  let removeVeth: (() => void) | undefined;
  beforeAll(async () => {
    removeVeth = vethToNamespace(NS, HOST_IF, PEER_IF, `${HOST_ADDR}/24`, "10.214.0.2/24");
    c = await setup("tc_classify");
  });
  afterAll(() => {
    c?.close();
    removeVeth?.();
  });

  it("on ingress: UDP from the namespace is counted, port 9 dropped before the socket; detach stops it", async () => {
    const prog = c.obj.program("tc_classify");
    const link = prog.attachTcx(HOST_IF, "ingress");
    try {
      // The kernel's view of the link (this bpftool predates tcx): type BPF_LINK_TYPE_TCX (11), on
      // the host end, attach type BPF_TCX_INGRESS (46).
      const ifindex = Number(
        /^(\d+):/.exec(execFileSync("ip", ["-o", "link", "show", HOST_IF], { encoding: "utf8" }))![1],
      );
      expect(linkInfo(link.fd)).toMatchObject({ type: 11, ifindex, attachType: 46, progId: prog.id });
      const counts = c.obj.typedMap(by_proto, "by_proto");
      const udp0 = counts.lookup(17)?.packets ?? 0n;
      expect(await delivered(() => (send(9999, 3), send(9, 2)))).toEqual({ 9999: 3 });
      expect(counts.lookup(17)?.packets).toBe(udp0 + 5n);
    } finally {
      link.detach();
    }
    const after = c.obj.typedMap(by_proto, "by_proto").lookup(17)?.packets;
    expect(await delivered(() => (send(9999, 2), send(9, 1)))).toEqual({ 9: 1, 9999: 2 });
    expect(c.obj.typedMap(by_proto, "by_proto").lookup(17)?.packets).toBe(after);
  });

  it("tsbpf attach --tcx ingress pins a tcx link that drops port 9 until tsbpf detach --pin removes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-tcx-"));
    const pins = bpffsDir("tcx-cli");
    const pin = join(pins.dir, "link");
    try {
      const object = join(dir, "tc_classify.o");
      expect(tsbpfProcess("build", join(ROOT, "test/programs/tc_classify.ts"), "-o", object).status).toBe(0);
      // An XDP attach of a tc-only object says what is wrong.
      const wrong = tsbpfProcess("attach", object, "--dev", HOST_IF, "--pin", pin);
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain("has 0 XDP programs (none)");

      const attach = tsbpfProcess("attach", object, "--tcx", "ingress", "--dev", HOST_IF, "--pin", pin, "--json");
      expect(attach.status, attach.stderr).toBe(0);
      const result = JSON.parse(attach.stdout);
      expect(result).toMatchObject({ interface: HOST_IF, mode: "tcx ingress", link_pin: pin, prog: "tc_classify" });
      const pinned = openPinnedLink(pin);
      try {
        expect(pinned).toBeInstanceOf(TcxLink);
        expect(pinned.info()).toMatchObject({ type: 11, attachType: 46, progId: result.prog_id });
      } finally {
        pinned.close();
      }
      expect(await delivered(() => (send(9999, 2), send(9, 2)))).toEqual({ 9999: 2 });

      const detach = tsbpfProcess("detach", "--pin", pin);
      expect(detach.status, detach.stderr).toBe(0);
      expect(detach.stdout).toMatch(
        new RegExp(
          `^detached link ${result.link_id} \\(prog id ${result.prog_id}\\) from ifindex ${result.ifindex} \\(tcx ingress\\); removed ${pin}$`,
          "m",
        ),
      );
      expect(existsSync(pin)).toBe(false);
      expect(await delivered(() => send(9, 1))).toEqual({ 9: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      pins.cleanup();
    }
  }, 60_000);
});
