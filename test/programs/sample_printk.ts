// Samples packets with bpf_get_prandom_u32 at a rate (percent) set in .rodata; sampled packets
// are logged with bpf_trace_printk and counted in a .bss global.
import { xdp, XdpAction, rodata, getPrandomU32, printk, u32 } from "tsbpf";

export const ratePercent = rodata(u32, 100);
// biome-ignore lint/correctness/noUnusedVariables: a global the test reads back from the object's .bss
let sampled: u32 = 0;
// biome-ignore lint/correctness/noUnusedVariables: a global the test reads back from the object's .bss
let seen: u32 = 0;

export const sample_printk = xdp((ctx) => {
  seen += 1;
  if (getPrandomU32() % 100 >= ratePercent) return XdpAction.PASS;
  sampled += 1;
  printk("tsbpf sample: len=%u ifindex=%u", ctx.len, ctx.ingressIfindex);
  return XdpAction.PASS;
});
