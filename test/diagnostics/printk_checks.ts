// expect: 14:3 - error: the format "a %d\n" has 1 conversion but 2 arguments follow it
// expect: 15:3 - error: the format "%d %u\n" has 2 conversions but 1 argument follows it
// expect: 16:20 - error: %pI4 prints an IPv4 address from memory: pass a 4-byte field such as ip.saddr, not u32
// expect: 17:3 - error: printk() takes a format and up to 3 arguments, got 4
// expect: 18:10 - error: %s is not supported: strings are not values in BPF programs; print numbers with %d, %u or %x
// expect: 19:22 - error: %u prints 32 bits but this argument is u64; write %llu
import { xdp, XdpAction, printk, ktimeGetNs } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

const FORMAT = "len %u, ifindex %u, now %llu\n";

export const p = xdp((ctx) => {
  printk(FORMAT, ctx.len, ctx.ingressIfindex, ktimeGetNs());
  printk("a %d\n", ctx.len, 2);
  printk("%d %u\n", ctx.len);
  printk("%pI4\n", ctx.len);
  printk("%d %d %d %d\n", 1, 2, 3, 4);
  printk("%s\n", 1);
  printk("now %u\n", ktimeGetNs());
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip !== null) printk("%pI4 -> %pI4 %%\n", ip.saddr, ip.daddr);
  return XdpAction.PASS;
});
