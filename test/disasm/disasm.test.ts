// tsbpf disasm: source lines from .BTF.ext agree with llvm-objdump's (DWARF) on the corpus; instruction
// text matches llvm-objdump's; --xlated agrees with bpftool's dump of the same loaded program.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { disassemble, type Listing, programCodeOf } from "../../runtime/disasm/index.ts";
import { loadObject, parseObject } from "../../runtime/index.ts";
import { tsbpf } from "../cli/helpers.ts";
import { buildCorpusObject, corpusNames } from "../programs/harness.ts";

interface ObjdumpInsn {
  fn: string;
  /** Index relative to the function's first instruction. */
  rel: number;
  text: string;
  /** The last `; file:line` llvm-objdump printed before this instruction in its function. */
  source?: { file: string; line: number };
}

/** `llvm-objdump-14 -d -l`: instructions per function with the line it attributes to each. */
function objdump(path: string): ObjdumpInsn[] {
  const out = execFileSync("llvm-objdump-14", ["-d", "-l", "--no-show-raw-insn", path], { encoding: "utf8" });
  const insns: ObjdumpInsn[] = [];
  let fn = "";
  let base = 0;
  let source: ObjdumpInsn["source"];
  for (const line of out.split("\n")) {
    const sym = /^[0-9a-f]{16} <([^>]+)>:$/.exec(line);
    if (sym) {
      if (!/^LBB\d+_\d+$/.test(sym[1]!)) {
        fn = sym[1]!;
        base = -1;
        source = undefined;
      }
      continue;
    }
    const loc = /^; (\/.*):(\d+)$/.exec(line);
    if (loc) {
      source = { file: loc[1]!, line: Number(loc[2]) };
      continue;
    }
    const insn = /^\s+(\d+):\t(.*)$/.exec(line);
    if (insn) {
      const index = Number(insn[1]);
      if (base < 0) base = index;
      insns.push({ fn, rel: index - base, text: insn[2]!.trim(), ...(source ? { source } : {}) });
    }
  }
  return insns;
}

/** Our listing as (function, relative index) → instruction line and the line info record at it. */
function ours(listing: Listing) {
  const rows: Array<{ fn: string; rel: number; text: string; record?: { file: string; line: number } }> = [];
  let fn = "";
  let start = 0;
  const records = new Map<number, { file: string; line: number }>();
  for (const l of listing.lines) if (l.kind === "source") records.set(l.insn, { file: l.file, line: l.line });
  for (const l of listing.lines) {
    if (l.kind === "function") {
      fn = l.name;
      start = l.insn;
    }
    if (l.kind === "insn") rows.push({ fn, rel: l.insn - start, text: l.text, record: records.get(l.insn) });
  }
  return rows;
}

/** llvm-objdump's text without what the listing names: jump offsets become labels, calls and map loads names.
 *  LLVM 14's objdump cannot decode a store of an immediate (`<unknown>`), which the compiler puts
 *  at each function's entry (compiler/lower/frame-marker.ts). */
const comparable = (text: string) => !/goto|call|ll$|^<unknown>$/.test(text);

describe("tsbpf disasm", () => {
  it("every corpus program: source lines agree with llvm-objdump -d -l; instruction text is llvm-objdump's", () => {
    let lines = 0;
    let texts = 0;
    const mismatches: string[] = [];
    // A dozen corpus programs covering maps, atomics, loops, helpers, ring buffers, tail calls and
    // rewrites (compiling all of them takes minutes on a shared machine).
    const names = [
      "atomic_hash",
      "count_proto",
      "drop_udp_port",
      "flow_hash",
      "hash_blocklist",
      "icmp_echo",
      "ipv4_options",
      "ipv6_exthdr",
      "ringbuf_events",
      "tail_call",
      "udp_nat",
      "vlan_push",
    ];
    expect(names.every((n) => corpusNames().includes(n))).toBe(true);
    for (const name of names) {
      const { path, object } = buildCorpusObject(name);
      const spec = parseObject(object);
      const theirs = new Map(objdump(path).map((i) => [`${i.fn}+${i.rel}`, i]));
      for (const program of spec.programs) {
        for (const row of ours(disassemble(programCodeOf(program, spec.btf)))) {
          const their = theirs.get(`${row.fn}+${row.rel}`);
          if (!their) {
            mismatches.push(`${name}: ${row.fn}+${row.rel} not in llvm-objdump's output`);
            continue;
          }
          if (row.record && row.record.line > 0) {
            lines++;
            if (their.source?.file !== row.record.file || their.source?.line !== row.record.line)
              mismatches.push(
                `${name}: ${row.fn}+${row.rel} line info ${row.record.file}:${row.record.line}, llvm-objdump ${their.source?.file}:${their.source?.line}`,
              );
          }
          if (comparable(their.text)) {
            texts++;
            if (row.text !== their.text)
              mismatches.push(`${name}: ${row.fn}+${row.rel} "${row.text}", llvm-objdump "${their.text}"`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    console.log(`compared ${lines} line info records and ${texts} instruction texts`);
    expect(lines).toBeGreaterThan(150);
    expect(texts).toBeGreaterThan(400);
  }, 180_000);

  it("names maps, helpers, callees and jump targets", async () => {
    const { path } = buildCorpusObject("local_funcs");
    const r = await tsbpf("disasm", path);
    expect(r.status, r.stderr).toBe(0);
    const count = await tsbpf("disasm", "examples/count.ts");
    expect(count.stdout).toMatch(/^ +\d+: r1 = map\[counts\] ll$/m);
    expect(count.stdout).toMatch(/^ +\d+: call bpf_map_lookup_elem#1$/m);
    expect(count.stdout).toMatch(/^ +\d+: if r1 <= r6 goto L\d+$/m);
    expect(count.stdout).toMatch(/^ {2}; if \(eth === null\) return XdpAction.DROP; {2}@ examples\/count.ts:31:7$/m);
    expect(count.stdout).toMatch(/^; \d+ instructions; helpers: bpf_map_lookup_elem; maps: counts$/m);
  });

  it("--ir prints the optimized IR under the TypeScript lines", async () => {
    const r = await tsbpf("disasm", "examples/count.ts", "--ir");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^define i32 @count\(/m);
    expect(r.stdout).toMatch(
      /^ {2}; if \(eth === null\) return XdpAction.DROP; {2}@ examples\/count.ts:31\n {2}br i1 /m,
    );
    expect(r.stdout).not.toMatch(/^!\d+ = /m);
    expect(r.stdout).not.toContain("!dbg");
    const o = await tsbpf("disasm", "bpf-out/count.o", "--ir");
    expect(o.status).toBe(2);
  });

  it("--xlated: the kernel's translated code with the same source lines bpftool shows", async () => {
    const { path } = buildCorpusObject("hash_blocklist");
    const obj = await loadObject(path);
    try {
      const prog = [...obj.programs.values()][0]!;
      const id = prog.info().id;
      const r = await tsbpf("disasm", "--xlated", String(id), "--json");
      expect(r.status, r.stderr).toBe(0);
      const [listing] = JSON.parse(r.stdout) as Listing[];
      const bpftool = JSON.parse(
        execFileSync("bpftool", ["-j", "prog", "dump", "xlated", "id", String(id), "linum"], { encoding: "utf8" }),
      ) as Array<{ disasm: string; src?: string; file?: string; line_num?: number }>;
      // bpftool lists one entry per instruction (ld_imm64 once), in order: the same as our insn lines.
      const insns = listing!.lines.filter((l) => l.kind === "insn");
      expect(insns.length).toBe(bpftool.length);
      const sources = listing!.lines.filter((l) => l.kind === "source");
      let withSource = 0;
      bpftool.forEach((b, i) => {
        if (b.line_num === undefined) return;
        withSource++;
        const ours = sources.find((s) => s.insn === insns[i]!.insn);
        if (ours?.kind === "source")
          expect({ file: ours.file, line: ours.line }).toEqual({ file: b.file, line: b.line_num });
        else expect(insns[i]!.source?.line, `insn ${insns[i]!.insn}`).toBe(b.line_num);
      });
      expect(withSource).toBeGreaterThan(5);
      // Helpers by the kernel's name, maps by name.
      const texts = insns.map((l) => (l.kind === "insn" ? l.text : ""));
      expect(texts.some((t) => /^r\d = map\[\w+\] ll$/.test(t))).toBe(true);
      expect(texts.some((t) => /^call \w+#-?\d+$/.test(t))).toBe(true);
    } finally {
      obj.close();
    }
  });
});
