/**
 * CIDR prefixes as people write them ("10.0.0.0/8", "2001:db8::/32") and as LPM trie keys hold
 * them: a u32 prefix length (host order), then the address in network order.
 */
import { isIPv4, isIPv6 } from "node:net";
import { ipv4, ipv6 } from "../decode/addresses.ts";
import { MapError } from "./map.ts";

export interface Cidr {
  /** 4 or 16 bytes, network order. */
  address: Uint8Array;
  prefixLen: number;
}

/** Parses "a.b.c.d/n" or "x:y::z/n" (a bare address is a full-length prefix). Host bits must be zero. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const address = isIPv4(addr) ? Uint8Array.from(addr.split("."), Number) : isIPv6(addr) ? ipv6Bytes(addr) : undefined;
  if (!address) throw new MapError(`"${text}" is not a CIDR prefix: expected "10.0.0.0/8" or "2001:db8::/32"`);
  const bits = address.length * 8;
  const lenText = slash < 0 ? String(bits) : text.slice(slash + 1);
  const prefixLen = /^\d{1,3}$/.test(lenText) ? Number(lenText) : Number.NaN;
  if (!(prefixLen <= bits)) throw new MapError(`"${text}": the prefix length must be a number from 0 to ${bits}`);
  for (let bit = prefixLen; bit < bits; bit++) {
    if (address[bit >> 3]! & (0x80 >> (bit & 7))) {
      const network = formatCidr({ address: maskTo(address, prefixLen), prefixLen });
      throw new MapError(`"${text}" has bits set after the first ${prefixLen}; the prefix is ${network}`);
    }
  }
  return { address, prefixLen };
}

export function formatCidr(c: Cidr): string {
  return `${c.address.length === 4 ? ipv4(c.address) : ipv6(c.address)}/${c.prefixLen}`;
}

/** The key bytes of an LPM trie whose keys are `keySize` bytes (4 + 4 for IPv4, 4 + 16 for IPv6). */
export function encodeCidrKey(text: string, keySize: number, mapName: string): Uint8Array {
  const cidr = parseCidr(text);
  if (keySize - 4 !== cidr.address.length)
    throw new MapError(
      `map "${mapName}" holds ${keySize - 4}-byte addresses; "${text}" is an IPv${cidr.address.length === 4 ? 4 : 6} prefix`,
    );
  const key = new Uint8Array(keySize);
  new DataView(key.buffer).setUint32(0, cidr.prefixLen, true);
  key.set(cidr.address, 4);
  return key;
}

/** The CIDR text of an LPM trie key of 4- or 16-byte addresses. */
export function decodeCidrKey(key: Uint8Array): string {
  const prefixLen = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0, true);
  return formatCidr({ address: key.subarray(4), prefixLen });
}

function maskTo(address: Uint8Array, prefixLen: number): Uint8Array {
  return address.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefixLen - i * 8));
    return b & ((0xff00 >> keep) & 0xff);
  });
}

/** The 16 bytes of an IPv6 address node:net accepted (groups, "::", a trailing dotted IPv4). */
function ipv6Bytes(text: string): Uint8Array {
  let groups = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = dotted[1]!.split(".").map(Number);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    groups = text.slice(0, dotted.index) + "0"; // placeholder group, dropped below
  }
  const [head, rest] = groups.split("::") as [string, string | undefined];
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  let left = parse(head);
  let right = rest === undefined ? [] : parse(rest);
  if (dotted) {
    if (rest === undefined) left = left.slice(0, -1);
    else right = right.slice(0, -1);
  }
  const fill = 8 - left.length - right.length - tail.length;
  const all = [...left, ...Array(rest === undefined ? 0 : fill).fill(0), ...right, ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}
