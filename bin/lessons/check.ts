/**
 * Runs a lesson's packets through a learner's program (BPF_PROG_TEST_RUN on the real kernel) and
 * says what it got wrong on which packet: the action it returned against the one expected, and
 * for a rewritten frame the fields that differ, named as `tsbpf decode` names them.
 */
import { decodePacket } from "../../runtime/decode/index.ts";
import type { BpfObject } from "../../runtime/object/index.ts";
import { XdpAction } from "../../runtime/program/index.ts";

export interface Case {
  /** The packet in words ("UDP to port 9, IPv4 with options"). */
  what: string;
  frame: Uint8Array;
  action: XdpAction;
  /** The frame the program must leave; default: the input, unchanged. */
  out?: Uint8Array;
  /** Before this packet: what the control plane changes in the maps (lessons 11 and 13). */
  before?(obj: BpfObject): void;
}

export interface Lesson {
  n: number;
  /** File name of the starter and the solution (`04-parse`). */
  slug: string;
  title: string;
  /** What the program must do, one sentence (printed by `tsbpf lesson list`). */
  task: string;
  /** The program the packets go to; default: the object's first. */
  entry?: string;
  cases(): Case[];
  /** Before the packets: fill the object's maps; returns a problem in words, if any. */
  setup?(obj: BpfObject): string | undefined;
  /** After the packets: check the object's maps; returns problems in words. */
  after?(obj: BpfObject, cases: Case[]): string[];
}

export interface CheckReport {
  ok: boolean;
  lines: string[];
}

const actionName = (a: number) => (XdpAction[a] ? `XDP_${XdpAction[a]}` : `action ${a}`);

/** One line naming the packet: its number, the lesson's words, and decode's protocol summary. */
function packetTitle(i: number, c: Case): string {
  const d = decodePacket(c.frame);
  const layers = d.layers.length > 1 ? d.layers.filter((l) => l.protocol !== "Ethernet") : d.layers; // addresses as the lesson sets them
  const summary = layers.map((l) => `${l.protocol} ${l.summary}`.trim()).join(" / ");
  return `packet ${i + 1} (${c.what}): ${summary}`;
}

/** The fields of `got` that differ from `want`, by decode's names, and checksums decode finds wrong. */
/** Whether decode finds field `name` of layer `protocol` wrong in `p` (a test frame may be malformed on purpose). */
function badIn(p: ReturnType<typeof decodePacket>, protocol: string, name: string): boolean {
  return p.layers.some((l) => l.protocol === protocol && l.fields.some((f) => f.name === name && f.verdict === "bad"));
}

export function frameDifferences(got: Uint8Array, want: Uint8Array): string[] {
  if (Buffer.from(got).equals(Buffer.from(want))) return [];
  const g = decodePacket(got);
  const w = decodePacket(want);
  const out: string[] = [];
  if (got.length !== want.length) out.push(`the frame is ${got.length} bytes, expected ${want.length}`);
  for (const wl of w.layers) {
    const gl = g.layers.find((l) => l.protocol === wl.protocol && l.depth === wl.depth);
    if (!gl) {
      out.push(`no ${wl.protocol} header where one was expected`);
      continue;
    }
    for (const wf of wl.fields) {
      const gf = gl.fields.find((f) => f.name === wf.name);
      if (gf && gf.raw !== wf.raw) out.push(`${wl.protocol} ${wf.name} is ${gf.value}, expected ${wf.value}`);
    }
  }
  for (const l of g.layers)
    for (const f of l.fields)
      if (f.verdict === "bad" && f.expected !== undefined && /check/.test(f.name) && !badIn(w, l.protocol, f.name))
        out.push(`${l.protocol} ${f.name} ${f.value} is wrong for the bytes the frame has (correct: ${f.expected})`);
  if (out.length === 0 && !Buffer.from(got).equals(Buffer.from(want)))
    out.push("the bytes differ from the expected frame");
  return [...new Set(out)];
}

export function runLesson(lesson: Lesson, obj: BpfObject): CheckReport {
  const lines: string[] = [];
  const name = lesson.entry ?? [...obj.programs.keys()][0];
  const prog = name === undefined ? undefined : obj.programs.get(name);
  if (!prog)
    return {
      ok: false,
      lines: [
        `no program${lesson.entry ? ` named '${lesson.entry}'` : ""} in the file: export one, \`export const ${lesson.entry ?? "prog"} = xdp((ctx) => …)\``,
      ],
    };
  const problem = lesson.setup?.(obj);
  if (problem) return { ok: false, lines: [problem] };
  const cases = lesson.cases();
  let right = 0;
  cases.forEach((c, i) => {
    c.before?.(obj);
    const r = prog.testRun({ data: c.frame });
    const wrong: string[] = [];
    if (r.retval !== c.action) wrong.push(`returned ${actionName(r.retval)}, expected ${actionName(c.action)}`);
    else {
      const diff = frameDifferences(r.data, c.out ?? c.frame);
      if (diff.length > 0)
        wrong.push(
          `returned ${actionName(r.retval)} as expected, but ${c.out ? "the frame is not the expected one" : "the frame was changed"}: ${diff.join("; ")}`,
        );
    }
    if (wrong.length === 0) right++;
    else lines.push(`✗ ${packetTitle(i, c)}`, ...wrong.map((w) => `    ${w}`));
  });
  const mapProblems = lesson.after?.(obj, cases) ?? [];
  for (const p of mapProblems) lines.push(`✗ ${p}`);
  const ok = right === cases.length && mapProblems.length === 0;
  const head = `lesson ${lesson.n} (${lesson.title}): ${right} of ${cases.length} packets right${mapProblems.length ? `, ${mapProblems.length} map problem${mapProblems.length === 1 ? "" : "s"}` : ""}`;
  return { ok, lines: [ok ? `${head} ✓` : head, ...lines] };
}
