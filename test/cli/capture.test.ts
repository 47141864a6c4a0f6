// Capture files in and out: pcapng read like pcap (checked against editcap's conversion), run --out writes a pcap tshark reads.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePcap } from "../../runtime/pcap/index.ts";
import { buildCorpusObject } from "../programs/harness.ts";
import { ROOT } from "../runtime/helpers.ts";
import { tsbpf } from "./helpers.ts";

const DIR = `/tmp/tsbpf-capture-${process.pid}`;
const PCAP = join(DIR, "mixed.pcap");
const PCAPNG = join(DIR, "mixed.pcapng");

/** A big-endian pcapng with nanosecond timestamps (if_tsresol 9), written by hand: one interface, one packet. */
function bigEndianNs(frame: Buffer, ns: bigint): Buffer {
  const block = (type: number, body: Buffer) => {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    b.writeUInt32BE(type, 0);
    b.writeUInt32BE(len, 4);
    body.copy(b, 8);
    b.writeUInt32BE(len, len - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32BE(0x1a2b3c4d, 0);
  shb.writeUInt16BE(1, 4);
  shb.writeBigInt64BE(-1n, 8);
  const idb = Buffer.alloc(8 + 8 + 4);
  idb.writeUInt16BE(1, 0); // Ethernet
  idb.writeUInt32BE(262144, 4);
  idb.writeUInt16BE(9, 8); // if_tsresol
  idb.writeUInt16BE(1, 10);
  idb.writeUInt8(9, 12); // 10^-9
  const padded = Buffer.alloc(Math.ceil(frame.length / 4) * 4);
  frame.copy(padded);
  const epb = Buffer.alloc(20);
  epb.writeUInt32BE(Number(ns >> 32n), 4);
  epb.writeUInt32BE(Number(ns & 0xffffffffn), 8);
  epb.writeUInt32BE(frame.length, 12);
  epb.writeUInt32BE(frame.length + 10, 16);
  return Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), block(6, Buffer.concat([epb, padded]))]);
}

describe("capture files", () => {
  beforeAll(() => {
    mkdirSync(DIR, { recursive: true });
    execFileSync("/usr/bin/python3", [join(ROOT, "test/support/mixed_capture.py"), PCAP]);
    execFileSync("editcap", ["-F", "pcapng", PCAP, PCAPNG], { stdio: "ignore" });
  });
  afterAll(() => rmSync(DIR, { recursive: true, force: true }));

  it("reads pcapng (editcap's conversion of a pcap) to the same packets and timestamps", () => {
    const a = parsePcap(readFileSync(PCAP));
    const b = parsePcap(readFileSync(PCAPNG));
    expect(readFileSync(PCAPNG).readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(b.length).toBe(32);
    expect(b).toEqual(a);
  });

  it("reads big-endian pcapng with nanosecond timestamps and snapped packets", () => {
    const frame = Buffer.from("020000000002020000000001080045000014000100004011f9e40a0000010a000002", "hex");
    const [p, ...rest] = parsePcap(bigEndianNs(frame, 1_700_000_000_123_456_789n));
    expect(rest).toEqual([]);
    expect(Buffer.from(p!.data)).toEqual(frame);
    expect(p).toMatchObject({
      originalLength: frame.length + 10,
      timestamp: { seconds: 1_700_000_000, fraction: 123_456_789, nanos: true },
    });
  });

  it("names a malformed pcapng block instead of failing", () => {
    const good = bigEndianNs(Buffer.alloc(14), 0n);
    expect(() => parsePcap(good.subarray(0, good.length - 3), "cut.pcapng")).toThrow(
      /cut.pcapng: block at byte 60: length 48 runs past the end of the file \(45 bytes left\)/,
    );
  });

  it("run --pcap FILE.pcapng --out OUT.pcap writes the packets the program let out; tshark reads them", async () => {
    const { path } = buildCorpusObject("drop_udp_port");
    const out = join(DIR, "out", "passed.pcap");
    const r = await tsbpf("run", path, "--pcap", PCAPNG, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    // Packet 9 is UDP to port 9, the blocked one.
    expect(r.stdout).toMatch(/^#9 XDP_DROP/m);
    expect(r.stdout).toContain(`wrote ${out}: 31 packets (1 dropped, not written)`);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
    const theirs = execFileSync("tshark", ["-r", out, "-T", "fields", "-e", "frame.len", "-e", "udp.dstport"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const rows = theirs.trimEnd().split("\n");
    expect(rows).toHaveLength(31);
    expect(rows.some((row) => row.split("\t")[1] === "9")).toBe(false);
    const input = parsePcap(readFileSync(PCAP)).map((p) => Buffer.from(p.data).toString("hex"));
    const output = parsePcap(readFileSync(out)).map((p) => Buffer.from(p.data).toString("hex"));
    expect(output).toEqual(input.filter((_, i) => i !== 8)); // XDP_PASS leaves the bytes as they were
  });
});
