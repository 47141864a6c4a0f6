// expect: 10:9 - error TS2741: Property 'proto' is missing in type '{ addr: number; port: number; }' but required in type 'Flatten<{ addr: number; port: number; proto: number; } & { pad?: number | undefined; }>'.
// expect: 10:34 - error: missing field 'proto' of struct Key
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const Key = struct({ addr: u32, port: u16, proto: u8, pad: u8 });
export const seen = new HashMap(Key, u64, { maxEntries: 16 });

export const p = xdp((ctx) => {
  const key: Value<typeof Key> = { addr: 1, port: 2 };
  seen.update(key, 1n);
  return XdpAction.PASS;
});
