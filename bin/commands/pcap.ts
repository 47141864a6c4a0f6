// Classic libpcap capture files (the format tcpdump -w writes), Ethernet link type only.
import fs from "node:fs";
import { CliError, EXIT } from "./common.ts";

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
  const bad = (what: string) => new CliError(`${name}: ${what}`, EXIT.USAGE);
  if (buf.length < 24) throw bad(`${buf.length} bytes, too short for a pcap file header (24 bytes)`);
  const le = buf.readUInt32LE(0);
  const be = buf.readUInt32BE(0);
  if (le === PCAPNG)
    throw bad("pcapng format is not supported; convert it: tcpdump -r IN -w OUT.pcap (or editcap -F pcap)");
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

export function readPcap(file: string): PcapPacket[] {
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.USAGE);
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
