/** Addresses and well-known numbers as people write them. */

export function mac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

export function ipv4(b: Uint8Array): string {
  return Array.from(b).join(".");
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run of two or more zero groups as "::". */
export function ipv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

export const ETHER_TYPES: Record<number, string> = {
  2048: "IPv4",
  2054: "ARP",
  34525: "IPv6",
  33024: "802.1Q VLAN",
  34984: "802.1ad QinQ",
  37120: "QinQ (old)",
  25944: "Transparent Ethernet Bridging",
  34887: "MPLS",
  35020: "LLDP",
  32821: "RARP",
};

export const IP_PROTOCOLS: Record<number, string> = {
  0: "IPv6 Hop-by-Hop",
  1: "ICMP",
  2: "IGMP",
  4: "IPv4 (IPIP)",
  6: "TCP",
  17: "UDP",
  41: "IPv6 (6in4)",
  43: "IPv6 Routing",
  44: "IPv6 Fragment",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "ICMPv6",
  59: "No Next Header",
  60: "IPv6 Destination Options",
  132: "SCTP",
};
