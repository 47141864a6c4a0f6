/**
 * The interpreter: runs one program of a parsed object on one packet, instruction by instruction,
 * with the semantics of the kernel's instruction-set document, and records what a reader wants to
 * see (source lines reached, branches, packet bytes, map operations, helper calls) as events.
 */
import type { ProgramSpec } from "../object/spec.ts";
import { formatInstruction, type Instruction, readInstruction } from "../disasm/instruction.ts";
import { helperName } from "../disasm/helpers.ts";
import { functionNames } from "../disasm/object.ts";
import type { Btf } from "../btf/parse.ts";
import { M32, alu, bswap, condition, sext, u64 } from "./alu.ts";
import type { TraceEvent, TraceOutcome } from "./events.ts";
import { callHelper, describeBytes, type HelperHost, HelperStop } from "./helpers.ts";
import { hex, XDP_FRAME, XDP_HEADROOM } from "./xdp-frame.ts";
import { type AddressSpace, MemoryFault, type Region } from "./memory.ts";
import type { TraceMap } from "./maps.ts";
import type { FibAnswer } from "./fib-lookup.ts";

const STACK_SIZE = 512;
const MAX_TAIL_CALLS = 33;

export interface MachineOptions {
  /** Instructions to run before giving up (bounded loops can still be long). */
  maxInstructions?: number;
  ingressIfindex?: number;
  rxQueueIndex?: number;
  /** bpf_ktime_get_ns; default: CLOCK_MONOTONIC as Node reads it (the kernel's clock too). */
  now?: () => bigint;
  /** The CPU the program runs as (bpf_get_smp_processor_id; per-CPU maps show this CPU's values). Default 0. */
  cpu?: number;
  /** bpf_jiffies64; default: the kernel's jiffies from /proc/timer_list (root). */
  jiffies?: () => bigint;
  /** bpf_get_prandom_u32; default: a fixed-seed generator, so a trace repeats. */
  random?: () => number;
  /** bpf_fib_lookup: the kernel's answer for a parameter struct (a TraceSession asks the kernel); without it the trace stops there. */
  fibLookup?: (params: Uint8Array, flags: number) => FibAnswer;
}

export interface Program {
  spec: ProgramSpec;
  /** The object's other programs, by name (tail calls). */
  programs: ReadonlyMap<string, ProgramSpec>;
  btf: Btf | undefined;
}

interface Frame {
  regs: bigint[];
  stack: Region;
  /** Where to continue in the caller, and its callee-saved registers r6–r9 and frame pointer. */
  returnPc: number;
  function: string;
}

export interface RunResult {
  outcome: TraceOutcome;
  /** r0 at exit (the XDP action); undefined if the run stopped early. */
  value?: number;
  message?: string;
  events: TraceEvent[];
  /** The packet as the program left it (ctx->data .. ctx->data_end). */
  packet: Uint8Array;
  /** The metadata the program left in front of it (ctx->data_meta .. ctx->data). */
  meta: Uint8Array;
  instructions: number;
}

export class Machine implements HelperHost {
  readonly events: TraceEvent[] = [];
  readonly packet: Region;
  readonly ctx: Region;
  /** Function addresses: code.base + instruction index (bpf_loop's callback). */
  readonly code: Region;
  /** Running bpf_loop calls, innermost last. */
  private loops: Array<{ count: number; target: number; ctx: bigint; done: number; resumePc: number }> = [];
  /** Offsets in the packet region of data_meta, data and data_end. */
  meta = XDP_HEADROOM;
  data = XDP_HEADROOM;
  end: number;
  readonly options: MachineOptions;
  private frames: Frame[] = [];
  private program!: ProgramSpec;
  private lines: Array<{ file: string; line: number; col: number; text: string } | undefined> = [];
  private functionAt: string[] = [];
  private references = new Map<
    number,
    { kind: "map"; map: string } | { kind: "value"; section: string; offset: number }
  >();
  private lastLine: string | undefined;
  private seed = 0x2545f491;
  pc = 0;
  tailCalls = 0;

  /** `memory` and `maps` outlive the run: the next packet of a capture sees what this one changed. */
  constructor(
    private readonly entry: Program,
    readonly memory: AddressSpace,
    readonly maps: ReadonlyMap<string, TraceMap>,
    packet: Uint8Array,
    options: MachineOptions = {},
  ) {
    this.options = options;
    const frame = new Uint8Array(XDP_FRAME);
    frame.set(packet, XDP_HEADROOM);
    this.end = XDP_HEADROOM + packet.length;
    this.packet = this.memory.add("packet", "packet", frame);
    this.syncPacketBounds();
    this.ctx = this.memory.add("ctx", "ctx", new Uint8Array(24), false);
    this.code = this.memory.add("code", "code", new Uint8Array(0), false);
    this.enter(entry.spec);
  }

  /** The packet region's readable range follows data_meta .. data_end. */
  syncPacketBounds(): void {
    this.packet.lo = this.meta;
    this.packet.hi = this.end;
  }

  packetBytes(): Uint8Array {
    return this.packet.bytes.slice(this.data, this.end);
  }

  /** The metadata in front of the packet (data_meta .. data); BPF_PROG_TEST_RUN returns it before the packet. */
  metaBytes(): Uint8Array {
    return this.packet.bytes.slice(this.meta, this.data);
  }

  get btf(): Btf | undefined {
    return this.entry.btf;
  }

  get programs(): ReadonlyMap<string, ProgramSpec> {
    return this.entry.programs;
  }

  /** Starts `program` from its first instruction with r1 = ctx (the entry, or a tail call's target). */
  enter(program: ProgramSpec): void {
    this.program = program;
    const count = program.insns.length / 8;
    this.lines = new Array(count).fill(undefined);
    const sorted = [...program.lineInfo].sort((a, b) => a.insnOff - b.insnOff);
    for (let i = 0; i < sorted.length; i++) {
      const l = sorted[i]!;
      const next = sorted[i + 1]?.insnOff ?? count;
      for (let pc = l.insnOff; pc < next && pc < count; pc++)
        this.lines[pc] = { file: l.fileName, line: l.line, col: l.col, text: l.lineText };
    }
    const fns = functionNames(program.name, program.funcInfo, this.entry.btf).sort((a, b) => a.insn - b.insn);
    this.functionAt = new Array(count);
    for (let i = 0; i < fns.length; i++)
      for (let pc = fns[i]!.insn; pc < (fns[i + 1]?.insn ?? count); pc++) this.functionAt[pc] = fns[i]!.name;
    this.references = new Map(program.references.map((r) => [r.insn, r]));
    for (const f of this.frames) this.memory.remove(f.stack);
    this.frames = [];
    this.pushFrame(-1, program.name);
    this.frame.regs[1] = this.ctx.base;
    this.pc = 0;
    this.lastLine = undefined;
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private pushFrame(returnPc: number, fn: string): void {
    const stack = this.memory.add("stack", `stack[${this.frames.length}]`, new Uint8Array(STACK_SIZE));
    const regs = new Array<bigint>(11).fill(0n);
    regs[10] = stack.base + BigInt(STACK_SIZE);
    this.frames.push({ regs, stack, returnPc, function: fn });
  }

  emit(e: TraceEvent): void {
    this.events.push(e);
  }

  /** A value as a reader wants it: a pointer as region+offset, else decimal (hex when large). */
  describe(v: bigint): string {
    const r = v === 0n ? undefined : this.memory.regionOf(v);
    if (r) {
      const off = Number(v - r.base);
      if (r.kind === "packet") {
        if (off === this.end) return "data_end";
        return `packet+${off - this.data}`;
      }
      if (r.kind === "stack") return `fp${off - STACK_SIZE}`;
      if (r.kind === "map") return r.name;
      return `&${r.name}${off ? `+${off}` : ""}`;
    }
    return v > 0xffffn ? `${v} (0x${v.toString(16)})` : String(v);
  }

  nextRandom(): number {
    if (this.options.random) return this.options.random() >>> 0;
    // xorshift32: deterministic, so the same packet traces the same way twice.
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /** Runs to the end, then frees the run's own memory (packet, ctx, stacks). */
  run(): RunResult {
    try {
      return this.execute();
    } finally {
      for (const f of this.frames) this.memory.remove(f.stack);
      this.memory.remove(this.packet);
      this.memory.remove(this.ctx);
      this.memory.remove(this.code);
    }
  }

  private execute(): RunResult {
    const limit = this.options.maxInstructions ?? 1_000_000;
    let count = 0;
    const stop = (outcome: TraceOutcome, message: string, value?: number): RunResult => {
      if (outcome !== "exit") this.emit({ kind: "fault", insn: this.pc, message });
      return {
        outcome,
        value,
        message,
        events: this.events,
        packet: this.packetBytes(),
        meta: this.metaBytes(),
        instructions: count,
      };
    };
    for (;;) {
      if (count >= limit) return stop("limit", `stopped after ${limit} instructions`);
      const insn = readInstruction(this.program.insns, this.pc);
      if (!insn) return stop("fault", `instruction ${this.pc} is past the end of ${this.program.name}`);
      count++;
      this.noteLine();
      try {
        const done = this.step(insn);
        if (done !== undefined) {
          this.emit({ kind: "exit", insn: insn.index, value: done });
          return {
            outcome: "exit",
            value: done,
            events: this.events,
            packet: this.packetBytes(),
            meta: this.metaBytes(),
            instructions: count,
          };
        }
      } catch (e) {
        if (e instanceof MemoryFault) return stop("fault", e.message);
        if (e instanceof HelperStop) return stop("not-modelled", e.message);
        throw e;
      }
    }
  }

  private noteLine(): void {
    const l = this.lines[this.pc];
    if (!l || l.line === 0) return;
    const key = `${l.file}:${l.line}`;
    if (key === this.lastLine) return;
    this.lastLine = key;
    this.emit({ kind: "line", insn: this.pc, function: this.functionAt[this.pc] ?? this.program.name, ...l });
  }

  private reg(n: number): bigint {
    return this.frame.regs[n]!;
  }
  private set(n: number, v: bigint): void {
    this.frame.regs[n] = u64(v);
  }

  /** Executes one instruction; returns the exit value when the program returns. */
  private step(insn: Instruction): number | undefined {
    const { code, dst, src, off, imm } = insn;
    const cls = code & 7;
    const op = code & 0xf0;
    const x = (code & 0x08) !== 0;
    const next = insn.index + insn.slots;
    switch (cls) {
      case 0x04: // ALU
      case 0x07: {
        // ALU64
        const wide = cls === 0x07;
        const bits = wide ? 64 : 32;
        const cut = (v: bigint) => (wide ? v : v & M32);
        if (op === 0xd0) {
          // Byte swaps: ALU with BPF_TO_BE swaps (little-endian host), BPF_TO_LE truncates; ALU64 always swaps.
          const v = this.reg(dst) & ((1n << BigInt(imm)) - 1n);
          this.set(dst, wide || x ? bswap(v, imm) : v);
        } else if (op === 0xb0 && x && off > 0) {
          // movsx: sign-extend the low `off` bits of src.
          const v = sext(this.reg(src), off);
          this.set(dst, wide ? v : v & M32);
        } else {
          const s = x ? this.reg(src) : u64(BigInt(imm)); // imm is sign-extended to 64 bits
          this.set(dst, alu(op, cut(this.reg(dst)), cut(s), bits, off === 1));
        }
        this.pc = next;
        return undefined;
      }
      case 0x01: {
        // LDX
        const size = SIZES[(code >> 3) & 3]!;
        const addr = u64(this.reg(src) + BigInt(off));
        let v = this.load(insn, addr, size);
        if ((code & 0xe0) === 0x80) v = sext(v, size * 8);
        this.set(dst, v);
        this.pc = next;
        return undefined;
      }
      case 0x02:
      case 0x03: {
        // ST, STX
        const size = SIZES[(code >> 3) & 3]!;
        const addr = u64(this.reg(dst) + BigInt(off));
        if ((code & 0xe0) === 0xc0) this.atomic(insn, addr, size);
        else this.store(insn, addr, size, cls === 0x03 ? this.reg(src) : u64(BigInt(imm)));
        this.pc = next;
        return undefined;
      }
      case 0x00: {
        // LD: only ld_imm64 is valid in programs that load today.
        if (insn.slots !== 2) throw new MemoryFault(`legacy packet load 0x${code.toString(16)} is not supported`);
        const ref = this.references.get(insn.index);
        if (src === 4) this.set(dst, this.code.base + BigInt(insn.index + 1 + imm));
        else if (ref?.kind === "map") this.set(dst, this.mapOf(ref.map).handle.base);
        else if (ref?.kind === "value") {
          const m = this.mapOf(ref.section);
          this.set(dst, m.lookup(new Uint8Array(4)).address + BigInt(ref.offset));
        } else this.set(dst, insn.imm64 ?? 0n);
        this.pc = next;
        return undefined;
      }
      default: {
        // JMP, JMP32
        const wide = cls === 0x05;
        if (op === 0x90) return this.exit(insn);
        if (op === 0x80) {
          this.call(insn);
          return undefined;
        }
        if (op === 0x00) {
          this.pc = insn.index + 1 + (cls === 0x06 ? imm : off);
          return undefined;
        }
        const cut = (v: bigint) => (wide ? v : v & M32);
        const a = cut(this.reg(dst));
        const b = cut(x ? this.reg(src) : u64(BigInt(imm)));
        const taken = condition(op, a, b, wide ? 64 : 32);
        const target = insn.index + 1 + off;
        const text = formatInstruction(insn).replace(/ goto .*/, "");
        const values = `${this.describe(a)} ${text.split(" ")[2]} ${x ? this.describe(b) : String(BigInt.asIntN(wide ? 64 : 32, b))}`;
        this.emit({ kind: "branch", insn: insn.index, condition: `${text.slice(3)}: ${values}`, taken, target });
        this.pc = taken ? target : next;
        return undefined;
      }
    }
  }

  mapOf(name: string): TraceMap {
    const m = this.maps.get(name);
    if (!m) throw new MemoryFault(`map "${name}" is not in the trace's maps`);
    return m;
  }

  /** The map an address stands for (a helper's map argument). */
  mapAt(addr: bigint): TraceMap {
    const r = this.memory.regionOf(addr);
    if (r?.kind !== "map" || addr !== r.base) throw new MemoryFault(`${this.describe(addr)} is not a map`);
    return r.map as TraceMap;
  }

  private load(insn: Instruction, addr: bigint, size: number): bigint {
    const r = this.memory.regionOf(addr);
    if (r?.kind === "ctx") return this.loadCtx(Number(addr - r.base), size);
    const { value, region, offset } = this.memory.read(addr, size);
    if (region.kind === "packet")
      this.emit({
        kind: "packet-read",
        insn: insn.index,
        offset: offset - this.data,
        bytes: hex(region.bytes.subarray(offset, offset + size)),
      });
    return value;
  }

  /** struct xdp_md: the verifier turns its u32 data/data_end/data_meta into packet pointers. */
  private loadCtx(offset: number, size: number): bigint {
    if (size !== 4) throw new MemoryFault(`ctx+${offset}: xdp_md fields are read as u32, not ${size} bytes`);
    switch (offset) {
      case 0:
        return this.packet.base + BigInt(this.data);
      case 4:
        return this.packet.base + BigInt(this.end);
      case 8:
        return this.packet.base + BigInt(this.meta);
      case 12:
        return BigInt(this.options.ingressIfindex ?? 1);
      case 16:
        return BigInt(this.options.rxQueueIndex ?? 0);
      case 20:
        return 0n;
      default:
        throw new MemoryFault(`ctx+${offset} is not a field of xdp_md`);
    }
  }

  private store(insn: Instruction, addr: bigint, size: number, value: bigint): void {
    const r = this.memory.regionOf(addr);
    const before = r?.kind === "packet" ? hex(this.memory.bytes(addr, size)) : undefined;
    const { region, offset } = this.memory.write(addr, size, value);
    if (region.kind === "packet")
      this.emit({
        kind: "packet-write",
        insn: insn.index,
        offset: offset - this.data,
        bytes: hex(region.bytes.subarray(offset, offset + size)),
        before: before ?? "",
      });
    else if (region.kind === "map-value" || region.kind === "global") {
      const map = region.map as TraceMap;
      this.emit({
        kind: "map",
        insn: insn.index,
        op: "write",
        map: map.name,
        key: describeBytes(this, map.shape.keyTypeId, region.key!),
        value: describeBytes(this, map.shape.valueTypeId, region.bytes),
        result: `${size} bytes at +${offset}`,
      });
    }
  }

  private atomic(insn: Instruction, addr: bigint, size: number): void {
    const { src, imm } = insn;
    const wide = size === 8;
    const cut = (v: bigint) => (wide ? v : v & M32);
    const old = this.memory.read(addr, size).value;
    const operand = cut(this.reg(src));
    let result: bigint;
    switch (imm & ~1) {
      case 0x00:
        result = old + operand;
        break;
      case 0x40:
        result = old | operand;
        break;
      case 0x50:
        result = old & operand;
        break;
      case 0xa0:
        result = old ^ operand;
        break;
      case 0xe0: // xchg
        result = operand;
        break;
      case 0xf0: {
        // cmpxchg: compares with r0, r0 gets the old value.
        result = old === cut(this.reg(0)) ? operand : old;
        this.memory.write(addr, size, cut(result));
        this.set(0, old);
        return;
      }
      default:
        throw new MemoryFault(`atomic operation 0x${imm.toString(16)} is not defined`);
    }
    this.store(insn, addr, size, cut(result));
    if (imm & 1) this.set(src, old);
  }

  private call(insn: Instruction): void {
    if (insn.src === 1) {
      // BPF-to-BPF: a new frame with its own stack; r1–r5 are the arguments.
      const target = insn.index + 1 + insn.imm;
      const caller = this.frame;
      if (this.frames.length >= 8) throw new MemoryFault("call depth over 8 frames");
      const name = this.functionAt[target] ?? `pc${target}`;
      this.pushFrame(insn.index + 1, name);
      for (let r = 1; r <= 5; r++) this.frame.regs[r] = caller.regs[r]!;
      this.emit({ kind: "call", insn: insn.index, function: name, depth: this.frames.length - 1 });
      this.pc = target;
      return;
    }
    if (insn.src !== 0) throw new HelperStop(`kfunc call #${insn.imm} is not modelled`);
    const args = [1, 2, 3, 4, 5].map((r) => this.reg(r));
    const name = helperName(insn.imm).replace(/^bpf_/, "");
    const r0 = callHelper(this, insn, name, args);
    if (r0 === "jumped") return; // a tail call or a bpf_loop callback: the machine continues elsewhere
    this.set(0, r0);
    // r1–r5 are scratch after a call; clear them so a program relying on them shows up as a difference.
    for (let r = 1; r <= 5; r++) this.frame.regs[r] = 0n;
    this.pc = insn.index + 1;
  }

  private exit(insn: Instruction): number | undefined {
    const r0 = this.reg(0);
    if (this.frames.length === 1) return Number(r0 & M32);
    const done = this.frames.pop()!;
    this.memory.remove(done.stack);
    if (done.returnPc === LOOP_RETURN) return this.loopReturned(insn, done, r0);
    this.emit({
      kind: "return",
      insn: insn.index,
      function: done.function,
      value: this.describe(r0),
      depth: this.frames.length,
    });
    // Callee-saved r6–r9 and r10 are the caller's own (each frame keeps its registers).
    this.frame.regs[0] = r0;
    this.pc = done.returnPc;
    this.lastLine = undefined;
    return undefined;
  }

  startLoop(insn: Instruction, count: number, fn: bigint, ctx: bigint): void {
    const r = this.memory.regionOf(fn);
    if (r !== this.code) throw new MemoryFault(`bpf_loop: ${this.describe(fn)} is not a function`);
    this.loops.push({ count, target: Number(fn - r.base), ctx, done: 0, resumePc: insn.index + 1 });
    this.callLoopBody(insn);
  }

  private callLoopBody(insn: Instruction): void {
    const loop = this.loops[this.loops.length - 1]!;
    const name = this.functionAt[loop.target] ?? `pc${loop.target}`;
    this.pushFrame(LOOP_RETURN, name);
    this.frame.regs[1] = BigInt(loop.done);
    this.frame.regs[2] = loop.ctx;
    this.emit({ kind: "call", insn: insn.index, function: `${name}(${loop.done})`, depth: this.frames.length - 1 });
    this.pc = loop.target;
    this.lastLine = undefined;
  }

  /** A bpf_loop callback returned: 0 runs the next iteration, 1 ends the loop; r0 is then the iterations run. */
  private loopReturned(insn: Instruction, done: Frame, r0: bigint): undefined {
    const loop = this.loops[this.loops.length - 1]!;
    loop.done++;
    this.emit({
      kind: "return",
      insn: insn.index,
      function: done.function,
      value: this.describe(r0),
      depth: this.frames.length,
    });
    if ((r0 & M32) === 0n && loop.done < loop.count) {
      this.callLoopBody(insn);
      return undefined;
    }
    this.loops.pop();
    this.frame.regs[0] = BigInt(loop.done);
    for (let r = 1; r <= 5; r++) this.frame.regs[r] = 0n;
    this.pc = loop.resumePc;
    this.lastLine = undefined;
    return undefined;
  }

  /** bpf_tail_call: continue in `program` with the same ctx; the current frames are gone. */
  tailCall(program: ProgramSpec): void {
    this.tailCalls++;
    this.enter(program);
  }

  get tailCallLimit(): number {
    return MAX_TAIL_CALLS;
  }
}

const SIZES = [4, 2, 1, 8];
/** The return address of a bpf_loop callback's frame. */
const LOOP_RETURN = -2;
