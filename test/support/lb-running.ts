// What the tests read from an LB running under a pin directory (started by `tsbpf lb start` or
// `lb run`), through the CLI's own opener.
import { openRunningLb } from "../../bin/commands/lb.ts";
import { MAGLEV_M } from "../../lb/maps.ts";

/** The VIP's 65537 Maglev slots as the running LB has them. */
export function vipTable(pinDir: string, vip: string): Uint32Array {
  const lb = openRunningLb(pinDir);
  try {
    const index = lb.stats().find((s) => s.vip === vip)!.index;
    const table = new Uint32Array(MAGLEV_M);
    for (const [k, v] of lb.maps.maglev.map.lookupBatch(MAGLEV_M) ?? []) {
      const key = new DataView(k.buffer, k.byteOffset).getUint32(0, true);
      if (key >= index * MAGLEV_M && key < (index + 1) * MAGLEV_M)
        table[key - index * MAGLEV_M] = new DataView(v.buffer, v.byteOffset).getUint32(0, true);
    }
    return table;
  } finally {
    lb.close();
  }
}
