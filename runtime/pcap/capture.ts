/**
 * Capture files: classic libpcap (what tcpdump -w writes) and pcapng (Wireshark's default),
 * Ethernet link type only. One reader for `tsbpf decode`, `run` and `trace`.
 */
import fs from "node:fs";
import { TsbpfError } from "../errors.ts";

/** A capture file that cannot be read: not pcap/pcapng, truncated, or not Ethernet. */
export class CaptureError extends TsbpfError {}

export interface PcapPacket {
  /** 1-based position in the file. */
  index: number;
  data: Uint8Array;
  /** Length on the wire; larger than data.length if the capture was truncated (snaplen). */
  originalLength: number;
  timestamp: { seconds: number; fraction: number; nanos: boolean };
}

const LINKTYPE_ETHERNET = 1;
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const PCAPNG = 0x0a0d0d0a;

export function parsePcap(bytes: Uint8Array, name = "pcap"): PcapPacket[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string) => new CaptureError(`${name}: ${what}`);
  if (buf.length < 24) throw bad(`${buf.length} bytes, too short for a pcap file header (24 bytes)`);
  const le = buf.readUInt32LE(0);
  const be = buf.readUInt32BE(0);
  if (le === PCAPNG) return parsePcapng(buf, name);
  const little = le === MAGIC_US || le === MAGIC_NS;
  if (!little && be !== MAGIC_US && be !== MAGIC_NS)
    throw bad(`not a pcap file (magic 0x${be.toString(16).padStart(8, "0")})`);
  const nanos = (little ? le : be) === MAGIC_NS;
  const u32 = (off: number) => (little ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const linkType = u32(20) & 0x0fffffff; // upper bits: FCS info
  if (linkType !== LINKTYPE_ETHERNET)
    throw bad(`link type ${linkType} is not Ethernet (1); XDP programs see Ethernet frames`);
  const snaplen = u32(16);
  const packets: PcapPacket[] = [];
  for (let off = 24; off < buf.length; ) {
    const index = packets.length + 1;
    if (off + 16 > buf.length)
      throw bad(`packet ${index} at byte ${off}: record header truncated (${buf.length - off} of 16 bytes)`);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    if (incl > Math.max(snaplen, 262144))
      throw bad(`packet ${index} at byte ${off}: captured length ${incl} exceeds the snapshot length ${snaplen}`);
    if (off + 16 + incl > buf.length)
      throw bad(`packet ${index} at byte ${off}: ${incl} bytes announced, ${buf.length - off - 16} left in the file`);
    packets.push({
      index,
      data: Uint8Array.from(buf.subarray(off + 16, off + 16 + incl)),
      originalLength: orig,
      timestamp: { seconds: u32(off), fraction: u32(off + 4), nanos },
    });
    off += 16 + incl;
  }
  return packets;
}

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK = { SECTION: PCAPNG, INTERFACE: 1, OBSOLETE_PACKET: 2, SIMPLE_PACKET: 3, ENHANCED_PACKET: 6 } as const;
const OPT_IF_TSRESOL = 9;

interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (if_tsresol; default microseconds). */
  unitsPerSecond: bigint;
}

/** pcapng (IETF draft-ietf-opsawg-pcapng): sections, interfaces, enhanced/simple/obsolete packet blocks. */
export function parsePcapng(buf: Buffer, name = "pcapng"): PcapPacket[] {
  const bad = (what: string) => new CaptureError(`${name}: ${what}`);
  const packets: PcapPacket[] = [];
  let little = true;
  let interfaces: PcapngInterface[] = [];
  const u16 = (off: number) => (little ? buf.readUInt16LE(off) : buf.readUInt16BE(off));
  const u32 = (off: number) => (little ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const push = (
    iface: PcapngInterface | undefined,
    ifaceId: number,
    off: number,
    data: Buffer,
    orig: number,
    ts: bigint,
  ) => {
    const index = packets.length + 1;
    if (!iface) throw bad(`packet ${index} at byte ${off}: interface ${ifaceId} was not described before it`);
    if (iface.linkType !== LINKTYPE_ETHERNET)
      throw bad(
        `packet ${index} at byte ${off}: link type ${iface.linkType} is not Ethernet (1); XDP programs see Ethernet frames`,
      );
    const nanos = iface.unitsPerSecond === 1_000_000_000n;
    const perSecond = nanos ? 1_000_000_000n : 1_000_000n;
    const scaled = (ts * perSecond) / iface.unitsPerSecond;
    packets.push({
      index,
      data: Uint8Array.from(data),
      originalLength: orig,
      timestamp: { seconds: Number(scaled / perSecond), fraction: Number(scaled % perSecond), nanos },
    });
  };
  for (let off = 0; off < buf.length; ) {
    if (off + 12 > buf.length) throw bad(`block at byte ${off}: truncated header (${buf.length - off} of 12 bytes)`);
    const type = buf.readUInt32LE(off); // the section magic reads the same either way
    if (type === BLOCK.SECTION) {
      const magic = buf.readUInt32LE(off + 8);
      if (magic === BYTE_ORDER_MAGIC) little = true;
      else if (buf.readUInt32BE(off + 8) === BYTE_ORDER_MAGIC) little = false;
      else
        throw bad(
          `section at byte ${off}: byte-order magic 0x${magic.toString(16).padStart(8, "0")} is not 0x1a2b3c4d`,
        );
      interfaces = [];
    }
    const blockType = u32(off);
    const length = u32(off + 4);
    if (length < 12 || length % 4 || off + length > buf.length)
      throw bad(
        `block at byte ${off}: length ${length} ${off + length > buf.length ? `runs past the end of the file (${buf.length - off} bytes left)` : "is not a multiple of 4 of at least 12"}`,
      );
    if (u32(off + length - 4) !== length)
      throw bad(`block at byte ${off}: trailing length ${u32(off + length - 4)} differs from ${length}`);
    const body = off + 8;
    const bodyEnd = off + length - 4;
    if (blockType === BLOCK.INTERFACE) {
      if (bodyEnd - body < 8) throw bad(`interface block at byte ${off}: too short`);
      let unitsPerSecond = 1_000_000n;
      for (let o = body + 8; o + 4 <= bodyEnd; ) {
        const code = u16(o);
        const len = u16(o + 2);
        if (code === 0) break;
        if (code === OPT_IF_TSRESOL && len >= 1) {
          const r = buf[o + 4]!;
          unitsPerSecond = r & 0x80 ? 2n ** BigInt(r & 0x7f) : 10n ** BigInt(r);
        }
        o += 4 + Math.ceil(len / 4) * 4;
      }
      interfaces.push({ linkType: u16(body), snaplen: u32(body + 4), unitsPerSecond });
    } else if (blockType === BLOCK.ENHANCED_PACKET || blockType === BLOCK.OBSOLETE_PACKET) {
      if (bodyEnd - body < 20) throw bad(`packet block at byte ${off}: too short`);
      const enhanced = blockType === BLOCK.ENHANCED_PACKET;
      const ifaceId = enhanced ? u32(body) : u16(body);
      const ts = (BigInt(u32(body + 4)) << 32n) | BigInt(u32(body + 8));
      const captured = u32(body + 12);
      if (body + 20 + captured > bodyEnd)
        throw bad(
          `packet ${packets.length + 1} at byte ${off}: ${captured} bytes announced, ${bodyEnd - body - 20} in the block`,
        );
      push(interfaces[ifaceId], ifaceId, off, buf.subarray(body + 20, body + 20 + captured), u32(body + 16), ts);
    } else if (blockType === BLOCK.SIMPLE_PACKET) {
      const orig = u32(body);
      const iface = interfaces[0];
      const captured = Math.min(orig, bodyEnd - body - 4, iface?.snaplen || Number.MAX_SAFE_INTEGER);
      push(iface, 0, off, buf.subarray(body + 4, body + 4 + captured), orig, 0n);
    }
    // Other blocks (name resolution, statistics, custom…) carry no packets.
    off += length;
  }
  return packets;
}

export function readPcap(file: string): PcapPacket[] {
  if (!fs.existsSync(file)) throw new CaptureError(`${file}: no such file`);
  return parsePcap(fs.readFileSync(file), file);
}

/** A classic pcap file (microseconds, little-endian, Ethernet) holding `packets`; for tests and tooling. */
export function writePcap(packets: Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(MAGIC_US, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  parts.push(header);
  packets.forEach((p, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(i, 0);
    rec.writeUInt32LE(p.length, 8);
    rec.writeUInt32LE(p.length, 12);
    parts.push(rec, Buffer.from(p));
  });
  return Buffer.concat(parts);
}
