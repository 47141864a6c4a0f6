/**
 * What a verifier log says about the moment the verifier gave up, in a form the catalog can
 * ask questions of: the message, the rejected instruction, the last known state of each
 * register, the source lines it walked through, and the helpers it saw called. Only the end of
 * the log is read (a complexity rejection's log has a million lines).
 */

/** A source line the verifier printed (`; text @ file:N`): BTF line info, TypeScript or C. */
export interface LoggedLine {
  file: string;
  line: number;
  text: string;
}

export interface LogFacts {
  /** The verifier's own words after the last instruction (statistics and state dumps removed). */
  message: string;
  /** The rejected instruction (`9: (71) r1 = *(u8 *)(r1 +22)`), if the log names one. */
  insn?: { index: number; text: string };
  /** Source lines in the order the verifier printed them, the last one nearest the rejection. */
  lines: LoggedLine[];
  /** Helper calls seen (`bpf_xdp_adjust_head`), in order, with the instruction index. */
  calls: Array<{ index: number; name: string }>;
  /** The last state the log gave register `r` before the rejection (`pkt(off=14,r=14)`). */
  register(r: number): string | undefined;
}

const INSN = /^(\d+): \(([0-9a-f]{2})\) (.*)$/;
const SOURCE = /^; (.*) @ (\S+):(\d+)$/;
const CALL = /call (\w+)#\d+/;
const FOOTER =
  /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|-- END PROG LOAD LOG --|cur state:|old state:)/;
/** How far back the register states and source lines are looked for. */
const WINDOW = 400;

export function logFacts(log: string): LogFacts {
  const all = log.trimEnd().split("\n");
  const lines = all.slice(-WINDOW);
  let last = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (INSN.test(lines[i]!)) {
      last = i;
      break;
    }
  }
  const tail = lines.slice(last + 1).filter((l) => l.trim() !== "" && !FOOTER.test(l) && !SOURCE.test(l));
  const message = (tail.length > 0 ? tail : lines.filter((l) => l.trim() !== "" && !FOOTER.test(l)).slice(-1)).join(
    "\n",
  );
  const m = last >= 0 ? INSN.exec(lines[last]!) : null;
  const insn = m ? { index: Number(m[1]), text: m[3]!.split(/\s+;/)[0]!.trim() } : undefined;
  const logged: LoggedLine[] = [];
  const calls: LogFacts["calls"] = [];
  for (const l of lines) {
    const s = SOURCE.exec(l);
    if (s && Number(s[3]) > 0) logged.push({ text: s[1]!, file: s[2]!, line: Number(s[3]) });
    const i = INSN.exec(l);
    const c = i && CALL.exec(i[3]!);
    if (c) calls.push({ index: Number(i![1]), name: c[1]! });
  }
  const before = last >= 0 ? lines.slice(0, last + 1) : lines;
  return {
    message,
    insn,
    lines: logged,
    calls,
    register(r) {
      for (let i = before.length - 1; i >= 0; i--) {
        const state = registerState(before[i]!, r);
        if (state !== undefined) return state;
      }
      return undefined;
    },
  };
}

/** `R1_w=pkt(off=14,r=14)` in a line of the log → `pkt(off=14,r=14)` (parentheses balanced). */
export function registerState(line: string, r: number): string | undefined {
  const re = new RegExp(`(?:^|[\\s;:])R${r}(?:_[rw]+)?=`, "g");
  let found: string | undefined;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    let i = m.index + m[0].length;
    const start = i;
    let depth = 0;
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === "(") depth++;
      else if (ch === ")") depth--;
      else if (depth === 0 && /\s/.test(ch)) break;
    }
    found = line.slice(start, i);
  }
  return found;
}

/** The source line nearest the rejection (the last one the verifier printed). */
export function lastLine(facts: LogFacts): LoggedLine | undefined {
  return facts.lines.at(-1);
}

/**
 * A source line that turns a possibly-null value into a non-null one without a test: a
 * TypeScript non-null assertion (`lookup(k)!`, `ctx.header(V, 0)!`, `reserve()!`).
 */
export function nonNullAssertion(facts: LogFacts): LoggedLine | undefined {
  return [...facts.lines].reverse().find((l) => /\)!(?![=])/.test(l.text));
}
