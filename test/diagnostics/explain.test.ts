// `tsbpf check --explain`, `tsbpf load` and VerifierError.explanation: every entry of the
// rejection catalog (runtime/explain) with a program the verifier rejects for that reason, and
// what the explanation must say about it (which value, which bound, the TypeScript fix).
//
// Where tsbpf's compiler lets the mistake through (TypeScript's non-null assertion `!`, a loop
// counter assigned in its body, a reservation not submitted on a path, …) the trigger is a .ts
// program in test/diagnostics/verifier/. Where the compiler prevents it, the trigger is a C
// object (test/c/explain/*.c, clang-14, some with inline assembly), and the explanation adds
// that a .ts program producing it would be a compiler bug.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { loadObject, VERIFIER_REJECTIONS, VerifierError, type Explanation } from "../../runtime/index.ts";
import { tsbpfProcess, TSBPF } from "../cli/helpers.ts";
import { compileC, ROOT } from "../runtime/helpers.ts";
import { describeKernel } from "../support/kernel.ts";

interface Trigger {
  id: string;
  /** test/diagnostics/verifier/<ts>.ts or test/c/explain/<c>.c */
  ts?: string;
  c?: string;
  /** Source line the explanation is at (the verifier's last printed line). */
  line?: number;
  value: RegExp;
  bound: RegExp;
  fix: RegExp;
}

const NN = /uses `!`: TypeScript's non-null assertion only silences the type checker/;

const TRIGGERS: Trigger[] = [
  {
    id: "PACKET_OUT_OF_RANGE",
    ts: "packet_unchecked",
    line: 8,
    value: /^R1, a pointer 0 bytes into the packet \(a header view\).*; the access is 1 byte at 22 past the start of its view/,
    bound: /needs bytes 22\.\.22 of the view, but on this path the program has proved only that 0 bytes exist there \(r=0\)/,
    fix: /ctx\.header\(View, offset\)` and test the result for null.*Line 7 \(`const ip = ctx\.header\(Ipv4, 14\)!;`\) uses `!`/,
  },
  {
    id: "NULL_NOT_CHECKED",
    ts: "lookup_unchecked",
    line: 10,
    value: /^R0, the result of a lookup in map 'counts', which is null when the key is not there/,
    bound: /`counts\.lookup\(key\)` returns null when the key is not in the map/,
    fix: new RegExp(`if \\(v === null\\).*Line 9 \\(\`const c = counts\\.lookup\\(1\\)!;\`\\) ${NN.source}`),
  },
  {
    id: "NULL_NOT_CHECKED",
    ts: "reserve_unchecked",
    line: 8,
    value: /^R0, the result of a ring-buffer reserve\(\), which is null when the buffer is full/,
    bound: /`reserve\(\)` returns null when the ring buffer is full/,
    fix: new RegExp(`events\\.reserve\\(\\); if \\(v === null\\).*Line 7 .*${NN.source}`),
  },
  {
    id: "POINTER_ARITHMETIC_ON_NULLABLE",
    ts: "lookup_index_unchecked",
    line: 11,
    value: /^R0, the result of a lookup in map 'tables'/,
    bound: /no arithmetic on a map_value_or_null pointer: until the null check/,
    fix: new RegExp(`Compare the lookup's result with null first.*Line 10 .*${NN.source}`),
  },
  {
    id: "UNBOUNDED_LOOP",
    ts: "loop_counter_reset",
    value: /^The loop at line 8 \(`for \(let i = 0; i < 10; i\+\+\) \{`\)/,
    bound: /exactly the state it had been in before.*its counter did not move towards the bound/,
    fix: /Let only the loop's own `i\+\+` change its counter/,
  },
  {
    id: "UNRELEASED_RESERVATION",
    ts: "ringbuf_leak",
    line: 11,
    value: /^The result of bpf_ringbuf_reserve taken at instruction \d+/,
    bound: /without submitting or discarding it/,
    fix: /end every path with `events\.submit\(ev\)` or `events\.discard\(ev\)`/,
  },
  {
    id: "STACK_TOO_BIG",
    c: "stack_too_big",
    value: /^The stack frames of 3 nested function calls, 704 bytes together/,
    bound: /512 bytes of stack in all/,
    fix: /PerCpuArrayMap/,
  },
  {
    id: "VIEW_AFTER_ADJUST",
    c: "view_after_adjust",
    line: 14,
    value: /^R\d+, a pointer into the packet taken before the call to bpf_xdp_adjust_head \(instruction \d+\)/,
    bound: /forgets every packet pointer/,
    fix: /take every header again with `ctx\.header\(View, offset\)`/,
  },
  {
    id: "MISALIGNED_ACCESS",
    c: "misaligned_stack",
    value: /^R10, the stack's frame pointer \(its top\), read or written 4 bytes at a time/,
    bound: /is not a multiple of 4\. The verifier always requires aligned stack accesses/,
    fix: /naturally aligned/,
  },
  {
    id: "VARIABLE_STACK_OFFSET",
    c: "var_stack",
    line: 10,
    value: /^R2, a pointer into the program's stack, 16 bytes below its top/,
    bound: /with no upper bound/,
    fix: /`arr\[i & 15\]`/,
  },
  {
    id: "MAP_VALUE_OUT_OF_RANGE",
    c: "map_value_range",
    line: 19,
    value: /^R1, a pointer 0 bytes into a value of map 'counters' \(8-byte values\)/,
    bound: /covers bytes 8\.\.15, but the map's values are 8 bytes long/,
    fix: /index an array field with a number known to be below its length/,
  },
  {
    id: "NEGATIVE_INDEX",
    c: "signed_index",
    line: 23,
    value: /^R2, a number, anywhere from -2147483648 to 63, used as an index/,
    bound: /lower bound is -2147483648/,
    fix: /unsigned type for indexes/,
  },
  {
    id: "PACKET_POINTER_UNBOUNDED",
    c: "unbounded_pkt",
    line: 14,
    value: /^R3, a number, any value \(the verifier knows no bound for it\), added to a packet pointer/,
    bound: /no lower bound for the offset/,
    fix: /ctx\.header\(View, offset\)/,
  },
  {
    id: "HELPER_ARGUMENT_TYPE",
    c: "helper_arg",
    line: 16,
    value: /^Argument 2 of bpf_map_lookup_elem \(R2\), a number, between 0 and 4294967295/,
    bound: /wants fp, pkt, .* but got scalar/,
    fix: /passes by address/,
  },
  {
    id: "HELPER_NOT_ALLOWED",
    c: "wrong_helper",
    line: 9,
    value: /^The call to bpf_skb_load_bytes \(helper 26\)/,
    bound: /not for this program type/,
    fix: /what tsbpf declares for XDP/,
  },
  {
    id: "CONTEXT_ACCESS",
    c: "ctx_access",
    line: 9,
    value: /^A 4-byte read of the context at offset 32/,
    bound: /six 4-byte fields/,
    fix: /`ctx\.len`, `ctx\.ingressIfindex`/,
  },
  {
    id: "CALL_STACK_TOO_DEEP",
    c: "deep_calls",
    value: /^A chain of 9 nested BPF-to-BPF function calls/,
    bound: /at most 8 frames/,
    fix: /Flatten the call chain/,
  },
  {
    id: "UNINITIALIZED_REGISTER",
    c: "uninit_reg",
    line: 9,
    value: /^R3, which nothing on this path has written/,
    bound: /reading one that does not is refused/,
    fix: /give every variable a value/,
  },
  {
    id: "NOT_A_POINTER",
    c: "scalar_deref",
    line: 9,
    value: /^R1, a number, between 0 and 4294967295/,
    bound: /Only pointers the verifier made itself/,
    fix: /through views/,
  },
];

/** Entries whose trigger runs elsewhere: the complexity limit (test/diagnostics/verifier-complexity.test.ts, a long load) and the uninitialized stack (below: it needs a loader without CAP_PERFMON). */
const ELSEWHERE = ["COMPLEXITY_LIMIT", "UNINITIALIZED_STACK"];

async function rejection(t: Trigger): Promise<VerifierError> {
  let object: Uint8Array;
  if (t.ts) {
    const r = compile(join(ROOT, "test/diagnostics/verifier", `${t.ts}.ts`));
    expect(r.diagnostics).toEqual([]);
    object = r.object!;
  } else object = readFileSync(compileC(`explain/${t.c}`));
  const error = await loadObject(object).then(
    (o) => (o.close(), undefined),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VerifierError);
  return error as VerifierError;
}

describe("the catalog", () => {
  it("has at least 15 entries, each with a triggering program in this file or named in ELSEWHERE", () => {
    const ids = VERIFIER_REJECTIONS.map((e) => e.id);
    expect(ids.length).toBeGreaterThanOrEqual(15);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...new Set([...TRIGGERS.map((t) => t.id), ...ELSEWHERE])].sort()).toEqual([...ids].sort());
  });

  it("says, for the entries the compiler prevents, what the compiler does instead, and nothing for the others", () => {
    const prevented = VERIFIER_REJECTIONS.filter((e) => e.compilerPrevents).map((e) => e.id);
    const fromTs = new Set(TRIGGERS.filter((t) => t.ts).map((t) => t.id));
    for (const id of fromTs) expect(prevented).not.toContain(id);
    for (const t of TRIGGERS.filter((t) => t.c)) expect(prevented).toContain(t.id);
  });
});

describeKernel("explanations of real rejections", () => {
  for (const t of TRIGGERS) {
    it(`${t.id} from ${t.ts ? `${t.ts}.ts` : `${t.c}.c`}`, async () => {
      const e = await rejection(t);
      const x = e.explanation as Explanation;
      expect(x?.id).toBe(t.id);
      expect(x.value).toMatch(t.value);
      expect(x.bound).toMatch(t.bound);
      expect(x.fix).toMatch(t.fix);
      if (t.line !== undefined) {
        expect(x.line?.line).toBe(t.line);
        expect(x.line?.file).toBe(t.ts ? `${t.ts}.ts` : `${t.c}.c`);
      }
      expect(Boolean(x.compilerPrevents)).toBe(Boolean(t.c));
    }, 60_000);
  }

  it("UNINITIALIZED_STACK: `tsbpf load` without CAP_PERFMON explains a helper reading unwritten stack", () => {
    const obj = compileC("explain/uninit_stack");
    const r = spawnSync(
      "setpriv",
      ["--inh-caps=-perfmon,-sys_admin", "--bounding-set=-perfmon,-sys_admin", process.execPath, TSBPF, "load", obj],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^why \(UNINITIALIZED_STACK, uninitialized stack read\):$/m);
    expect(r.stderr).toMatch(/^ {2}value: 8 bytes of stack at offset -8, passed to bpf_map_lookup_elem; R2 is a pointer into/m);
    expect(r.stderr).toMatch(/^ {2}bound: Some of these bytes were never written on this path\. A program loaded without CAP_PERFMON/m);
    expect(r.stderr).toMatch(/^ {2}note: {2}tsbpf's compiler does not emit this/m);
  });

  it("`tsbpf check --explain` prints the explanation under the caret; without --explain, a pointer to it", () => {
    const file = "test/diagnostics/verifier/packet_unchecked.ts";
    const r = tsbpfProcess("check", file, "--explain", "--log-tail", "3");
    expect(r.status).toBe(4);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe(`${file}:8:7 - error: the verifier rejected program 'packet_unchecked': R1 offset is outside of the packet`);
    expect(lines[2]).toBe("8 |   if (ip.ttl < 2) return XdpAction.DROP;");
    expect(lines[5]).toBe("why (PACKET_OUT_OF_RANGE, packet access out of range):");
    expect(lines[6]).toMatch(/^ {2}value: R1, a pointer 0 bytes into the packet/);
    expect(lines[7]).toMatch(/^ {2}bound: /);
    expect(lines[8]).toMatch(/^ {2}fix: {3}Take the header with .*Line 7 /);
    expect(r.stderr).toMatch(/verifier log \(last 3 of \d+ lines\):/);

    const plain = tsbpfProcess("check", file, "--log-tail", "3");
    expect(plain.status).toBe(4);
    expect(plain.stderr).not.toMatch(/^why /m);
    expect(plain.stderr).toContain("(packet access out of range: `tsbpf check --explain` says why and what to change)");

    const none = tsbpfProcess("check", file, "--log-tail", "0");
    expect(none.status).toBe(4);
    expect(none.stderr).not.toMatch(/verifier log/);
    const bad = tsbpfProcess("check", file, "--log-tail", "lots");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("expected a whole number of lines (0 for none)");
  });

  it("`tsbpf load` prints the explanation between the source line and the log", () => {
    const r = tsbpfProcess("load", compileC("explain/view_after_adjust"));
    expect(r.status).toBe(4);
    const at = (re: RegExp) => r.stderr.split("\n").findIndex((l) => re.test(l));
    expect(at(/^ {2}--> .*view_after_adjust\.c:14/)).toBeGreaterThan(0);
    expect(at(/^why \(VIEW_AFTER_ADJUST/)).toBeGreaterThan(at(/^ {2}--> /));
    expect(at(/^verifier log/)).toBeGreaterThan(at(/^why /));
  });
});
