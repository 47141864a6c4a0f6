// expect: 8:13 - error: this literal needs a known struct or array type: annotate the variable (`const k: Value<typeof Key> = {…}`)
import { xdp, XdpAction, HashMap, struct, u32, u64, printk } from "tsbpf";

export const Key = struct({ addr: u32, port: u32 });
export const seen = new HashMap(Key, u64, { maxEntries: 16 });

export const p = xdp((ctx) => {
  const k = { addr: ctx.len, port: 1 };
  printk("%u\n", k.addr);
  return XdpAction.PASS;
});
