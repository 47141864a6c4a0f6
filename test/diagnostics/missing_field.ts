// expect: 10:9 - error TS2739: Type '{ addr: number; port: number; }' is missing the following properties from type 'StructValue<{ addr: IntDesc<number>; port: IntDesc<number>; proto: IntDesc<number>; pad: IntDesc<number>; }>': proto, pad
// expect: 10:34 - error: missing fields 'proto', 'pad' of struct Key
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const Key = struct({ addr: u32, port: u16, proto: u8, pad: u8 });
export const seen = new HashMap(Key, u64, { maxEntries: 16 });

export const p = xdp((ctx) => {
  const key: Value<typeof Key> = { addr: 1, port: 2 };
  seen.update(key, 1n);
  return XdpAction.PASS;
});
