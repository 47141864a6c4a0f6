// lb/healthcheck.ts, the tc program that sends the prober's packets through the tunnel, run
// with BPF_PROG_TEST_RUN on socket buffers: a marked probe leaves as IP-in-IP to its backend,
// byte for byte (outer header and checksum, the inner packet untouched); unmarked packets and
// other marks go on unchanged to the next program (TCX_NEXT); a probe that cannot be
// encapsulated is dropped, never sent bare. It loads with bpftool too.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compile, formatDiagnostic } from "../../compiler/index.ts";
import { loadObject, TcAction, type BpfObject } from "../../runtime/index.ts";
import * as hc from "../../lb/healthcheck.ts";
import { ipv4ToU32 } from "../../lb/flowhash.ts";
import { ipv6ToWords } from "../../lb/ipv6.ts";
import { describeKernel } from "../support/kernel.ts";
import { scratchDir } from "../support/scratch.ts";
import { ROOT } from "../runtime/helpers.ts";
import { bytes, checksum, eth, ETH_IP, ETH_IPV6, ip4, ip6, ipv4, ipv6, tcp, udp, MAC_A } from "../programs/packets.ts";

const VIP = "10.100.0.2";
const LB = "10.0.0.1";
const BACKEND = "10.0.0.12";
const BACKEND_MAC = [0x02, 0, 0x0a, 0, 0, 0x0c];
const MARK = 0x4c420007;
const VIP6 = "fd00:100::2";
const LB6 = "fd00::1";
const BACKEND6 = "fd00::c";
const MARK6 = 0x4c420008;

describeKernel("lb/healthcheck.ts", () => {
  let obj: BpfObject;
  let path: string;
  beforeAll(async () => {
    const result = compile(join(ROOT, "lb/healthcheck.ts"));
    if (!result.object) throw new Error(result.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    const dir = join(scratchDir(), "lb");
    mkdirSync(dir, { recursive: true });
    path = join(dir, "healthcheck.o");
    writeFileSync(path, result.object);
    obj = await loadObject(result.object);
    obj.typedMap(hc.hc_reals, "hc_reals").update(MARK, { addr: ipv4ToU32(BACKEND), mac: BACKEND_MAC, pad: 0 });
    obj.typedMap(hc.hc_reals6, "hc_reals6").update(MARK6, { addr: ipv6ToWords(BACKEND6), mac: BACKEND_MAC, pad: 0 });
  });
  afterAll(() => obj?.close());

  const run = (data: number[], mark: number) =>
    obj.program("healthcheck").testRun({ data: Uint8Array.from(data), skb: { mark } });
  const config = (saddr: string) => obj.typedMap(hc.hc_config, "hc_config").update(0, { saddr: ipv4ToU32(saddr) });

  it("loads with bpftool", () => {
    const r = spawnSync(
      "bpftool",
      ["prog", "load", path, `/sys/fs/bpf/tsbpf-hc-test-${process.pid}`, "type", "classifier"],
      {
        encoding: "utf8",
      },
    );
    spawnSync("rm", ["-f", `/sys/fs/bpf/tsbpf-hc-test-${process.pid}`]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("encapsulates a marked probe to its backend: IP-in-IP from the configured source, inner packet untouched", () => {
    config(LB);
    const inner = ipv4({ src: LB, dst: VIP, proto: 6, tos: 0x10 }, tcp(40000, 80, 0x02, [], [], { src: LB, dst: VIP }));
    const frame = bytes(eth(ETH_IP, inner));
    const out = run([...frame], MARK);
    expect(out.retval).toBe(TcAction.OK);
    const want = [
      ...BACKEND_MAC,
      ...MAC_A, // the source: what the stack wrote (this interface's address)
      0x08,
      0x00,
      0x45,
      0x10, // the inner TOS
      ...[0, inner.length + 20].map((x, i) => (i === 0 ? (inner.length + 20) >> 8 : x & 0xff)),
      0,
      0,
      0x40, // DF, as the inner packet
      0,
      64,
      4,
      0,
      0,
      ...ip4(LB),
      ...ip4(BACKEND),
      ...inner,
    ];
    const c = checksum(want.slice(14, 34));
    want[24] = c >> 8;
    want[25] = c & 0xff;
    expect([...out.data]).toEqual(want);
    expect(checksum(out.data.subarray(14, 34))).toBe(0);
  });

  it("encapsulates a marked IPv6 probe in IPv6 (next header 41) to its backend, inner packet untouched", () => {
    obj.typedMap(hc.hc_config6, "hc_config6").update(0, { saddr: ipv6ToWords(LB6) });
    const inner = ipv6(6, tcp(40000, 80, 0x02), LB6, VIP6);
    inner[1] = 0x2a; // traffic class and flow label bits, copied to the outer header
    inner[3] = 0x07;
    const out = run([...bytes(eth(ETH_IPV6, inner))], MARK6);
    expect(out.retval).toBe(TcAction.OK);
    expect([...out.data]).toEqual([
      ...BACKEND_MAC,
      ...MAC_A,
      0x86,
      0xdd,
      ...inner.slice(0, 4),
      inner.length >> 8,
      inner.length & 0xff,
      41,
      64,
      ...ip6(LB6),
      ...ip6(BACKEND6),
      ...inner,
    ]);
    // An IPv4 packet under an IPv6 backend's mark: dropped, not sent bare.
    const v4 = [...bytes(eth(ETH_IP, ipv4({ src: LB, dst: VIP, proto: 17 }, udp(5000, 53, [1]))))];
    expect(run(v4, MARK6).retval).toBe(TcAction.SHOT);
  });

  it("passes packets without a mark, or with a mark that is not a probe's, unchanged to the next program", () => {
    config(LB);
    const frame = [...bytes(eth(ETH_IP, ipv4({ src: LB, dst: VIP, proto: 17 }, udp(5000, 53, [1, 2, 3]))))];
    for (const mark of [0, MARK + 100]) {
      const out = run(frame, mark);
      expect(out.retval | 0).toBe(TcAction.UNSPEC); // retval is the u32 the kernel returns
      expect([...out.data]).toEqual(frame);
    }
  });

  it("drops a probe when no encapsulation source is configured (never sends it bare to the VIP)", () => {
    config("0.0.0.0");
    const frame = [...bytes(eth(ETH_IP, ipv4({ src: LB, dst: VIP, proto: 17 }, udp(5000, 53, [1]))))];
    const before = obj
      .typedMap(hc.hc_stats, "hc_stats")
      .lookupPerCpu(0)!
      .reduce((a, s) => a + s.dropped, 0n);
    expect(run(frame, MARK).retval).toBe(TcAction.SHOT);
    const after = obj
      .typedMap(hc.hc_stats, "hc_stats")
      .lookupPerCpu(0)!
      .reduce((a, s) => a + s.dropped, 0n);
    expect(after).toBe(before + 1n);
  });
});
