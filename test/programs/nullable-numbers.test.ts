// Corpus: nullable_numbers.ts, every operator on a number that may be null (a lookup in a map of
// numbers), run in the kernel on an absent entry, an entry holding 0 and entries holding other
// numbers. The expected results are TypeScript's, computed here by the same expressions.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { setup, expectLoaded, run, key32, u32At, type Corpus } from "./harness.ts";
import { XdpAction } from "../../runtime/index.ts";

const NAME = "nullable_numbers";
const LEN = 60; // the packet's length, the key of its entry

/** What TypeScript gives for each result slot of nullable_numbers.ts, with `counts.lookup(k)` = n. */
function expected(n: number | null): number[] {
  let s = 9;
  switch (n) {
    case 0:
      s = 1;
      break;
    case 5:
      s = 2;
      break;
    default:
      s = 3;
  }
  let t = 0;
  if (n) t += 1;
  if (!n) t += 2;
  if (n) t += 4;
  return [
    n ? 1 : 0,
    !n ? 1 : 0,
    n || 300,
    n === 5 ? 1 : 0,
    n !== 0 ? 1 : 0,
    n === 0 ? 1 : 0,
    n === null ? 1 : 0,
    n ?? 300,
    n && LEN > 10 ? 1 : 0,
    7 !== n ? 1 : 0,
    s,
    t,
    n !== null ? (n > 3 ? 1 : 0) : 2,
    n === 0 ? 1 : 0,
    n || !n ? 1 : 0,
  ];
}

describeKernel(NAME, () => {
  let c: Corpus;
  beforeAll(async () => {
    c = await setup(NAME);
  });
  afterAll(() => c?.close());

  it.each([null, 0, 5, 7, 255])("gives TypeScript's results for an entry holding %s", (n) => {
    expectLoaded(c, NAME);
    const counts = c.obj.map("counts");
    if (n === null) counts.delete(key32(LEN));
    else counts.update(key32(LEN), Buffer.from([n]));
    expect(run(c, NAME, Buffer.alloc(LEN)).ret).toBe(n ? XdpAction.DROP : XdpAction.PASS);
    const want = expected(n);
    const got = want.map((_, i) => u32At(c.obj.map("results").lookup(key32(i))));
    expect(got).toEqual(want);
  });
});
