/** A register's state as the verifier prints it, said in words. */

/** `pkt(off=14,r=14)` → { kind: "pkt", fields: { off: "14", r: "14" } }; `fp-8` → fp with off -8. */
export function parseState(state: string): { kind: string; fields: Record<string, string> } {
  const fp = /^fp(-?\d+)$/.exec(state);
  if (fp) return { kind: "fp", fields: { off: fp[1]! } };
  const m = /^([a-z_]+)(?:\((.*)\))?$/.exec(state);
  if (!m) return /^-?\d+$/.test(state) ? { kind: "scalar", fields: { const: state } } : { kind: state, fields: {} };
  const fields: Record<string, string> = {};
  let depth = 0;
  let part = "";
  const parts: string[] = [];
  for (const ch of m[2] ?? "") {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(part);
      part = "";
    } else part += ch;
  }
  if (part) parts.push(part);
  for (const p of parts) {
    // `smax=umax=0xffffffff`: every name before the last `=` gets the value.
    const names = p.split("=");
    const value = names.pop()!;
    for (const n of names) fields[n] = value;
  }
  return { kind: m[1]!, fields };
}

const num = (s: string | undefined): bigint | undefined => (s === undefined ? undefined : BigInt(s));

/** The range a scalar is known to be in, from its smin/smax/umin/umax, as `[lo, hi]` text. */
export function scalarRange(fields: Record<string, string>): string {
  if (fields.const !== undefined) return `exactly ${fields.const}`;
  const umin = num(fields.umin) ?? 0n;
  const umax = num(fields.umax);
  const smin = num(fields.smin);
  const smax = num(fields.smax);
  const signed = (v: bigint) => (v >= 1n << 63n ? v - (1n << 64n) : v);
  if (smin !== undefined && signed(smin) < 0n)
    return `anywhere from ${signed(smin)} to ${smax !== undefined ? signed(smax) : "2^63-1"}`;
  if (umax === undefined && smax === undefined) return "any value (the verifier knows no bound for it)";
  return `between ${umin} and ${umax ?? smax}`;
}

/** The value a register holds, in words a TypeScript programmer knows. */
export function describeValue(state: string | undefined): string {
  if (state === undefined) return "a value the log does not describe";
  const { kind, fields } = parseState(state);
  const map = fields.map ? ` of map '${fields.map}'` : "";
  const off = Number(fields.off ?? 0);
  switch (kind) {
    case "pkt":
      return `a pointer ${off} bytes into the packet (a header view), with ${fields.r ?? 0} bytes from its view's start proved to exist`;
    case "pkt_end":
      return "the end of the packet (ctx.data_end)";
    case "pkt_meta":
      return "a pointer into the packet's metadata";
    case "map_value":
      return `a pointer ${off} bytes into a value${map} (${fields.vs ?? "?"}-byte values)`;
    case "map_value_or_null":
      return `the result of a lookup in map${map ? ` '${fields.map}'` : ""}, which is null when the key is not there`;
    case "ringbuf_mem":
      return "a ring-buffer reservation";
    case "ringbuf_mem_or_null":
      return "the result of a ring-buffer reserve(), which is null when the buffer is full";
    case "map_ptr":
      return `the map${map ? ` '${fields.map}'` : ""} itself`;
    case "ctx":
      return "the program's context (ctx)";
    case "fp":
      return off === 0
        ? "the stack's frame pointer (its top)"
        : `a pointer into the program's stack, ${Math.abs(off)} bytes below its top`;
    case "scalar":
      return `a number, ${scalarRange(fields)}`;
    default:
      return `a value of verifier type '${kind}'`;
  }
}
