// Issue 13, defect 1, packet by packet (BPF_PROG_TEST_RUN): a SYN flood larger than the flow
// tables must not leave an idle connection with one of its two entries (conntrack, rnat).
// The LB is built with FLOW_ENTRIES 2048 (a copy of lb/lb.ts with that one constant changed)
// so the flood fits a test run: 300 connections opened (SYN, SYN-ACK), then 5 × 2048 new
// SYN flows while the connections' clients send keepalives, then every connection's next
// packet and its backend's reply must go through: forwarded to its own backend, and the
// reply reverse-NATed (source = the VIP).
// docs/lb-state.md, "Both entries or none", says what was run at full size.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../compiler/index.ts";
import { loadObject, XdpAction, type BpfObject } from "../../runtime/index.ts";
import { buildTable } from "../../lb/maglev.ts";
import { flowSlot } from "../../lb/flowhash.ts";
import * as P from "../../bench/packets.ts";
import { lbVariant } from "../support/lb-variant.ts";

const SMALL = 2048;
const M = 65537;
const VIP = P.ip4("10.100.0.1");
const LB_MAC = P.mac("02:00:00:00:00:aa");
const CLIENT_MAC = P.mac("02:00:00:00:00:c1");
const BACKENDS = [0, 1, 2, 3].map((id) => ({
  id,
  addr: P.ip4(`10.0.1.${id + 1}`),
  mac: P.mac(`02:00:00:00:01:0${id + 1}`),
}));

describe("SYN flood beyond the flow tables (FLOW_ENTRIES 2048 build)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "tsbpf-flood-"));
  let obj: BpfObject | undefined;
  afterAll(() => {
    obj?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("300 idle connections keep working after 5 × 2048 new flows", async () => {
    const variant = lbVariant("flood", (t) =>
      t.replace("export const FLOW_ENTRIES = 65536;", `export const FLOW_ENTRIES = ${SMALL};`),
    );
    let result: ReturnType<typeof compile>;
    try {
      result = compile(variant.entry);
    } finally {
      variant.remove();
    }
    expect(result.diagnostics).toEqual([]);
    const path = join(tmp, "lb-small.o");
    writeFileSync(path, result.object!);
    obj = await loadObject(path);
    expect(obj.map("conntrack").maxEntries).toBe(SMALL);

    obj.map("vips").update(P.vipKey(VIP, 80, P.TCP), P.vipInfo(0));
    for (const b of BACKENDS) obj.map("backends").update(P.u32key(b.id), P.backend(b.addr, b.mac));
    const table = buildTable(BACKENDS.map((b) => ({ id: b.id, key: `10.0.1.${b.id + 1}`, weight: 1 })));
    obj
      .map("maglev")
      .updateBatch(
        Uint8Array.from(Array.from({ length: M }, (_, s) => [...P.u32key(s)]).flat()),
        Uint8Array.from(Array.from(table, (id) => [...P.u32key(id)]).flat()),
      );
    const prog = obj.program("lb");
    const run = (spec: P.FrameSpec) => prog.testRun({ data: P.frame(spec) });

    const client = (i: number, base: string) => (P.ip4(base) + i) >>> 0;
    const forward = (saddr: number, sport: number, tcpFlags: number): P.FrameSpec => ({
      ethSrc: CLIENT_MAC,
      ethDst: LB_MAC,
      saddr,
      daddr: VIP,
      proto: P.TCP,
      sport,
      dport: 80,
      tcpFlags,
    });
    const backendOf = (saddr: number, sport: number) => BACKENDS[table[flowSlot(saddr, VIP, sport, 80, P.TCP)]!]!;
    const reply = (saddr: number, sport: number, tcpFlags: number): P.FrameSpec => ({
      ethSrc: backendOf(saddr, sport).mac,
      ethDst: LB_MAC,
      saddr: backendOf(saddr, sport).addr,
      daddr: saddr,
      proto: P.TCP,
      sport: 80,
      dport: sport,
      tcpFlags,
    });

    // 300 connections: SYN, SYN-ACK.
    const idle = Array.from({ length: 300 }, (_, i) => ({ saddr: client(i, "10.1.0.0"), sport: 1024 + i }));
    for (const c of idle) {
      expect(run(forward(c.saddr, c.sport, P.TCP_SYN)).retval).toBe(XdpAction.TX);
      expect(run(reply(c.saddr, c.sport, P.TCP_SYN | P.TCP_ACK)).retval).toBe(XdpAction.TX);
    }
    // The flood: new SYN flows, five times the conntrack table. Meanwhile the idle connections'
    // clients send a keepalive now and then (forward only: nothing for the backends to answer),
    // which keeps their conntrack entries recently used and, before the fix, not their rnat ones.
    for (let i = 0; i < 5 * SMALL; i++) {
      run(forward(client(i, "10.2.0.0"), 2000 + (i % 50000), P.TCP_SYN));
      if (i % (SMALL / 4) === 0) for (const c of idle) run(forward(c.saddr, c.sport, P.TCP_ACK));
    }

    // Every idle connection's next packet, then its backend's reply.
    const broken: string[] = [];
    for (const c of idle) {
      const be = backendOf(c.saddr, c.sport);
      const f = run(forward(c.saddr, c.sport, P.TCP_ACK));
      const want = P.rewritten(forward(c.saddr, c.sport, P.TCP_ACK), { daddr: be.addr, ethDst: be.mac });
      if (f.retval !== XdpAction.TX || !P.equalBytes(f.data, want)) broken.push(`forward :${c.sport}`);
      const r = run(reply(c.saddr, c.sport, P.TCP_ACK));
      const wantReply = P.rewritten(reply(c.saddr, c.sport, P.TCP_ACK), { saddr: VIP, ethDst: CLIENT_MAC });
      if (r.retval !== XdpAction.TX || !P.equalBytes(r.data, wantReply)) broken.push(`reply :${c.sport}`);
    }
    expect(broken).toEqual([]);
  }, 300_000);
});
