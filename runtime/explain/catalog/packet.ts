/** Packet access: reads and writes past what the program proved is in the packet. */
import type { CatalogEntry } from "../entry.ts";
import { nonNullAssertion, type LogFacts } from "../log-facts.ts";
import { describeValue } from "../values.ts";

function assertionNote(facts: LogFacts): string {
  const nn = nonNullAssertion(facts);
  return nn
    ? ` Line ${nn.line} (\`${nn.text.trim()}\`) uses \`!\`, which tells TypeScript the value is never null and so removes the bounds check the verifier needs: write \`if (v === null) return XdpAction.DROP;\` instead.`
    : "";
}

export const PACKET_OUT_OF_RANGE: CatalogEntry = {
  id: "PACKET_OUT_OF_RANGE",
  title: "packet access out of range",
  message: /invalid access to packet, off=(-?\d+) size=(\d+), R(\d+)\(id=\d+,off=(-?\d+),r=(\d+)\)/,
  explain(m, facts) {
    const [, off, size, reg, , range] = m;
    const end = Number(off) + Number(size);
    return {
      value: `R${reg}, ${describeValue(facts.register(Number(reg)))}; the access is ${size} byte${size === "1" ? "" : "s"} at ${off} past the start of its view.`,
      bound: `The access needs bytes ${off}..${end - 1} of the view, but on this path the program has proved only that ${range} byte${range === "1" ? "" : "s"} exist there (r=${range}): the verifier needs a comparison with the packet's end (data_end) covering byte ${end - 1} before the access.`,
      fix:
        "Take the header with `ctx.header(View, offset)` and test the result for null before using it; a view covers exactly `View.size` bytes, so reach further bytes through a second view at a larger offset." +
        assertionNote(facts),
    };
  },
};

export const PACKET_POINTER_UNBOUNDED: CatalogEntry = {
  id: "PACKET_POINTER_UNBOUNDED",
  title: "packet offset without bounds",
  message: /math between pkt pointer and register with unbounded min value is not allowed/,
  explain(_m, facts) {
    const add = /r(\d+) \+= r(\d+)/.exec(facts.insn?.text ?? "");
    const reg = add ? Number(add[2]) : undefined;
    return {
      value: `${reg !== undefined ? `R${reg}, ${describeValue(facts.register(reg))}, ` : "an offset "}added to a packet pointer.`,
      bound:
        "The verifier has no lower bound for the offset (it could be negative), so it cannot tell where the resulting pointer is; it refuses the addition itself, before any bounds check.",
      fix: "Compute header offsets from unsigned values with a known range (`ip.ihl * 4`, a `u8` field, a value masked with `& 0x3f`) and take the header with `ctx.header(View, offset)`, which checks the offset against the packet's end.",
    };
  },
  compilerPrevents:
    "`ctx.header(View, offset)` converts the offset to an unsigned 64-bit number and bounds it before adding it to the packet pointer",
};

export const VIEW_AFTER_ADJUST: CatalogEntry = {
  id: "VIEW_AFTER_ADJUST",
  title: "a view used after adjust_head/adjust_tail/adjust_meta",
  message: /R(\d+) (invalid mem access 'scalar'|!read_ok)/,
  when: (facts) => facts.calls.some((c) => /bpf_xdp_adjust_(head|tail|meta)/.test(c.name)),
  explain(m, facts) {
    const adjust = facts.calls.filter((c) => /bpf_xdp_adjust_(head|tail|meta)/.test(c.name)).at(-1)!;
    return {
      value: `R${m[1]}, a pointer into the packet taken before the call to ${adjust.name} (instruction ${adjust.index}).`,
      bound:
        "Adjusting the packet's head, tail or metadata moves or reallocates its data, so after the call the verifier forgets every packet pointer it knew (they become plain numbers) and refuses to read or write through them.",
      fix: "After `ctx.adjustHead()`/`adjustTail()`/`adjustMeta()`, take every header again with `ctx.header(View, offset)` (and test it for null); do not keep a view from before the call.",
    };
  },
  compilerPrevents:
    "using a view after `ctx.adjustHead/adjustTail/adjustMeta` is a compile error at the use, naming the call",
};
