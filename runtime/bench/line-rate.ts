/**
 * Ethernet line rate: how many frames per second a link carries at a frame size, and what share of it
 * one core running a program achieves. On the wire a frame also takes its FCS (4 bytes, not in a
 * captured or test-run frame), is padded to 64 bytes, and is preceded by a preamble and start delimiter
 * (8 bytes) and followed by the inter-frame gap (12 bytes): a 60-byte frame is 84 bytes of line time,
 * 14.88 Mpps at 10 Gb/s.
 */

export const FCS = 4;
export const MIN_FRAME = 64;
export const PREAMBLE_AND_GAP = 20;

/** The speeds shown, in bits per second. */
export const ETHERNET_SPEEDS: ReadonlyArray<{ name: string; bitsPerSecond: number }> = [
  { name: "1 GbE", bitsPerSecond: 1e9 },
  { name: "10 GbE", bitsPerSecond: 10e9 },
  { name: "25 GbE", bitsPerSecond: 25e9 },
  { name: "40 GbE", bitsPerSecond: 40e9 },
  { name: "100 GbE", bitsPerSecond: 100e9 },
];

/** Bytes of line time a frame of `length` bytes (without FCS, as XDP sees it) occupies. */
export function wireBytes(length: number): number {
  return Math.max(length + FCS, MIN_FRAME) + PREAMBLE_AND_GAP;
}

/** Frames per second at `bitsPerSecond` when frames average `meanWireBytes` on the wire. */
export function lineRatePps(bitsPerSecond: number, meanWireBytes: number): number {
  return bitsPerSecond / (8 * meanWireBytes);
}

export interface LineRateShare {
  speed: string;
  /** Frames per second the link carries at these sizes. */
  linePps: number;
  /** One core's packets per second as a fraction of that (1 = exactly line rate). */
  fraction: number;
  /** Cores needed to keep up (at least 1). */
  cores: number;
}

/** For a program that takes `nsPerPacket` per frame on one core, its share of each Ethernet speed. */
export function lineRateShares(nsPerPacket: number, frameLengths: readonly number[]): LineRateShare[] {
  const meanWire = frameLengths.reduce((s, l) => s + wireBytes(l), 0) / Math.max(1, frameLengths.length);
  const pps = nsPerPacket > 0 ? 1e9 / nsPerPacket : Number.POSITIVE_INFINITY;
  return ETHERNET_SPEEDS.map(({ name, bitsPerSecond }) => {
    const linePps = lineRatePps(bitsPerSecond, meanWire);
    return { speed: name, linePps, fraction: pps / linePps, cores: Math.max(1, Math.ceil(linePps / pps)) };
  });
}
