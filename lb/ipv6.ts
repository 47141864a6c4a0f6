// IPv6 addresses as the LB's maps hold them (lb/lb.ts Addr6): four host-order words of the
// address's 16 network-order bytes. Text in, text out, for the control plane and tests.
import { isIPv6 } from "node:net";

export interface Addr6Words {
  w0: number;
  w1: number;
  w2: number;
  w3: number;
}

/** The 16 bytes of an IPv6 address in any RFC 4291 text form ("fd00::1", "::ffff:10.0.0.1"). */
export function ipv6Bytes(text: string): Uint8Array {
  if (!isIPv6(text)) throw new RangeError(`not an IPv6 address: "${text}"`);
  let s = text;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function ipv6ToWords(text: string): Addr6Words {
  const b = ipv6Bytes(text);
  const dv = new DataView(b.buffer);
  return { w0: dv.getUint32(0), w1: dv.getUint32(4), w2: dv.getUint32(8), w3: dv.getUint32(12) };
}

export function wordsList(a: Addr6Words): number[] {
  return [a.w0, a.w1, a.w2, a.w3];
}

/** The canonical text form (RFC 5952: lower case, longest zero run as "::"). */
export function formatIpv6(a: Addr6Words): string {
  const groups = wordsList(a).flatMap((w) => [(w >>> 16) & 0xffff, w & 0xffff]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function isZero6(a: Addr6Words): boolean {
  return (a.w0 | a.w1 | a.w2 | a.w3) === 0;
}
