// Block-scoped locals and temporaries die at the end of their block (compiler/lower/lifetimes.ts):
// LLVM may give a dead slot's bytes to a later one. Every value here must survive exactly as
// long as TypeScript says: an outer local across an inner block that has its own, sibling blocks
// (whose slots may share), a local made fresh in each loop iteration, a local whose address is
// kept in a reference declared outside its block, and two 320-byte arrays in sibling blocks,
// which fit in BPF's 512 bytes only if their slots share.
import { xdp, XdpAction, ArrayMap, struct, array, u8, u32, u64, type Value } from "tsbpf";

export const Input = struct({ a: u8, b: u8, c: u8, d: u8 });
const Words = array(u32, 8);
const Big = array(u64, 40);
export const results = new ArrayMap(u64, { maxEntries: 16 });
export const words = new ArrayMap(Words, { maxEntries: 4 });
export const bigs = new ArrayMap(Big, { maxEntries: 2 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const block_lifetimes = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const a: u32 = x.a,
    b: u32 = x.b,
    c: u32 = x.c,
    d: u32 = x.d;
  if (a !== 0) {
    // `outer` lives across the inner block, which has a local of its own.
    const outer: Value<typeof Words> = [a, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7];
    if (b !== 0) {
      const inner: Value<typeof Words> = [b, b, b, b, b, b, b, b];
      for (let i = 0; i < 8; i++) inner[i] = inner[i]! + outer[i]!;
      words.update(0, inner);
      outer[7] = inner[0]! * 2;
    }
    words.update(1, outer);
    put(0, u64(outer[0]!) + u64(outer[7]!));
  }
  {
    // Sibling blocks: the second's local may take the first's bytes, never its value before its own.
    const first: Value<typeof Words> = [c, c, c, c, c, c, c, c];
    words.update(2, first);
    put(1, u64(first[3]!));
  }
  {
    const second: Value<typeof Words> = [d, 0, 0, 0, 0, 0, 0, d];
    put(2, u64(second[0]!) + u64(second[1]!) + u64(second[7]!));
    words.update(3, second);
  }
  // A fresh local each iteration: it starts from its initializer, not from the last iteration.
  let sum: u64 = 0n;
  for (let i: u32 = 0; i < 4; i++) {
    const k: Value<typeof Words> = [i, 0, 0, 0, 0, 0, 0, 0];
    k[1] = k[1]! + k[0]! + a;
    sum += u64(k[1]!);
  }
  put(3, sum);
  // A reference declared outside keeps the block's local alive after the block.
  let kept: Value<typeof Words> | null = null;
  if (c !== 0) {
    const local: Value<typeof Words> = [c + 100, 0, 0, 0, 0, 0, 0, 0];
    kept = local;
  }
  {
    const later: Value<typeof Words> = [7, 7, 7, 7, 7, 7, 7, 7];
    put(4, u64(later[0]!));
  }
  if (kept !== null) put(5, u64(kept[0]!));
  // 2 × 320 bytes: only with shared slots does this fit the 512-byte stack.
  if (d !== 0) {
    const big: Value<typeof Big> = zeroBig();
    for (let i = 0; i < 40; i++) big[i] = u64(d) + u64(i);
    bigs.update(0, big);
  } else {
    const big2: Value<typeof Big> = zeroBig();
    for (let i = 0; i < 40; i++) big2[i] = u64(c) * u64(i);
    bigs.update(1, big2);
  }
  return XdpAction.PASS;
});

function zeroBig(): Value<typeof Big> {
  return Big.zero();
}
