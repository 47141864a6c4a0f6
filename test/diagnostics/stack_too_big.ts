// expect: 10:3 - error: program 'big_stack' needs 648 bytes of stack, over BPF's 512-byte limit; biggest locals: 'table' (512 bytes, line 10), 'key' (128 bytes, line 11), 'tmp' (4 bytes, line 12). Keep large buffers in a map value instead (e.g. a PerCpuArrayMap with one entry)
import { xdp, XdpAction, HashMap, array, u32, u64, type Value } from "tsbpf";

const Table = array(u64, 64);
const Key = array(u32, 32);
export const seen = new HashMap(Key, Table, { maxEntries: 4 });
export const other = new HashMap(u32, Table, { maxEntries: 4 });

export const big_stack = xdp((ctx) => {
  const table: Value<typeof Table> = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  const key: Value<typeof Key> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  other.update(ctx.len, table);
  for (let i = 0; i < 32; i++) key[i] = ctx.len + i;
  table[ctx.len & 63] = 1n;
  seen.update(key, table);
  return XdpAction.PASS;
});
