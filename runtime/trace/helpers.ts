/**
 * The kernel helpers a traced program may call, modelled on the interpreter's memory and maps,
 * with the return values and errors the kernel gives (net/core/filter.c, kernel/bpf/helpers.c).
 * bpf_fib_lookup, whose answer is the network namespace's routing and neighbour state, is asked of
 * the kernel itself (fib-lookup.ts). A helper the trace does not model stops it with "not
 * modelled" instead of inventing an answer.
 */
import { readFileSync } from "node:fs";
import { formatBtfText } from "../btf/format.ts";
import type { Instruction } from "../disasm/instruction.ts";
import { MapType } from "../maps/types.ts";
import type { Btf } from "../btf/parse.ts";
import type { ProgramSpec } from "../object/spec.ts";
import { M32, u64 } from "./alu.ts";
import type { TraceEvent } from "./events.ts";
import type { AddressSpace, Region } from "./memory.ts";
import { deviceByIfindex, dropTimers, initTimer, timerState } from "./kernel-state.ts";
import type { TraceMap } from "./maps.ts";
import type { FibAnswer } from "./fib-lookup.ts";
import { fibParamsText, fibResultText } from "./fib-params.ts";
import { hex, XDP_FRAME, XDP_FRAME_HEADER, XDP_TAILROOM } from "./xdp-frame.ts";

/** What the helpers see of the machine that calls them. */
export interface HelperHost {
  readonly memory: AddressSpace;
  readonly packet: Region;
  /** Offsets in the packet region of data_meta, data and data_end. */
  meta: number;
  data: number;
  end: number;
  readonly options: {
    now?: () => bigint;
    random?: () => number;
    cpu?: number;
    jiffies?: () => bigint;
    fibLookup?: (params: Uint8Array, flags: number) => FibAnswer;
  };
  readonly btf: Btf | undefined;
  readonly programs: ReadonlyMap<string, ProgramSpec>;
  readonly tailCalls: number;
  readonly tailCallLimit: number;
  emit(e: TraceEvent): void;
  describe(v: bigint): string;
  mapAt(addr: bigint): TraceMap;
  syncPacketBounds(): void;
  nextRandom(): number;
  tailCall(program: ProgramSpec): void;
  /** bpf_loop: runs the callback at `fn` up to `count` times with (index, ctx), then continues after the call. */
  startLoop(insn: Instruction, count: number, fn: bigint, ctx: bigint): void;
}
type Machine = HelperHost;

/** Thrown to stop the trace at a helper the interpreter does not model. */
export class HelperStop extends Error {}

const EINVAL = 22n;
const ENOENT = 2n;
const EACCES = 13n;
const E2BIG = 7n;
const ENODEV = 19n;
const EBUSY = 16n;
const neg = (e: bigint) => u64(-e);
const ETH_HLEN = 14;
const XDP_ABORTED = 0n;
const XDP_REDIRECT = 4n;

/** A key or value as text: decoded with the map's BTF type when there is one (as `tsbpf map dump` prints it), else hex. */
export function describeBytes(m: Machine, typeId: number, bytes: Uint8Array): string {
  const btf = m.btf;
  if (btf && typeId) {
    try {
      return formatBtfText(btf, typeId, bytes);
    } catch {
      // fall back to hex
    }
  }
  return hex(bytes);
}

const keyText = (m: Machine, map: TraceMap, key: Uint8Array) => describeBytes(m, map.shape.keyTypeId, key);
const valueText = (m: Machine, map: TraceMap, value: Uint8Array) => describeBytes(m, map.shape.valueTypeId, value);
const errno = (r: number) => (r === 0 ? "ok" : `-${ERRNO_NAMES[-r] ?? -r}`);
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  7: "E2BIG",
  13: "EACCES",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  22: "EINVAL",
};

export function callHelper(m: Machine, insn: Instruction, name: string, a: bigint[]): bigint | "jumped" {
  const plain = (result: bigint, note?: string, args = a.slice(0, arity(name)).map((v) => m.describe(v))) => {
    m.emit({
      kind: "helper",
      insn: insn.index,
      helper: name,
      args,
      result: m.describe(result),
      ...(note ? { note } : {}),
    });
    return result;
  };
  switch (name) {
    case "map_lookup_elem": {
      const map = m.mapAt(a[0]!);
      const key = m.memory.bytes(a[1]!, map.shape.keySize);
      const r = map.lookup(key);
      m.emit({
        kind: "map",
        insn: insn.index,
        op: "lookup",
        map: map.name,
        key: keyText(m, map, key),
        ...(r.value ? { value: valueText(m, map, r.value) } : {}),
        result: r.address === 0n ? "not found" : r.slot && "map" in r.slot ? `map ${r.slot.map.name}` : "found",
      });
      return r.address;
    }
    case "map_update_elem": {
      const map = m.mapAt(a[0]!);
      const key = m.memory.bytes(a[1]!, map.shape.keySize);
      const value = m.memory.bytes(a[2]!, map.shape.valueSize);
      const r = map.update(key, value, a[3]!);
      if (r === 0) dropTimers(map, key); // the kernel frees the old value's timers (bpf_obj_free_fields)
      const flags = a[3] === 1n ? " (NOEXIST)" : a[3] === 2n ? " (EXIST)" : "";
      m.emit({
        kind: "map",
        insn: insn.index,
        op: "update",
        map: map.name,
        key: keyText(m, map, key),
        value: valueText(m, map, value),
        result: errno(r) + flags,
      });
      return u64(BigInt(r));
    }
    case "map_delete_elem": {
      const map = m.mapAt(a[0]!);
      const key = m.memory.bytes(a[1]!, map.shape.keySize);
      const r = map.delete(key);
      if (r === 0) dropTimers(map, key);
      m.emit({
        kind: "map",
        insn: insn.index,
        op: "delete",
        map: map.name,
        key: keyText(m, map, key),
        result: errno(r),
      });
      return u64(BigInt(r));
    }
    case "map_push_elem": {
      const map = m.mapAt(a[0]!);
      const value = m.memory.bytes(a[1]!, map.shape.valueSize);
      let r = 0n;
      if (map.queue.length >= map.shape.maxEntries) {
        if (a[2] === 2n)
          map.queue.shift(); // BPF_EXIST: drop the oldest
        else r = neg(E2BIG);
      }
      if (r === 0n) map.queue.push(value);
      m.emit({
        kind: "map",
        insn: insn.index,
        op: "push",
        map: map.name,
        value: valueText(m, map, value),
        result: errno(Number(BigInt.asIntN(64, r))),
      });
      return r;
    }
    case "map_pop_elem":
    case "map_peek_elem": {
      const map = m.mapAt(a[0]!);
      const stack = map.shape.type === MapType.STACK;
      const v = stack ? map.queue[map.queue.length - 1] : map.queue[0];
      const op = name === "map_pop_elem" ? "pop" : "peek";
      if (!v) {
        m.emit({ kind: "map", insn: insn.index, op, map: map.name, result: "empty (-ENOENT)" });
        return neg(ENOENT);
      }
      if (op === "pop") stack ? map.queue.pop() : map.queue.shift();
      m.memory.copyIn(a[1]!, v);
      m.emit({ kind: "map", insn: insn.index, op, map: map.name, value: valueText(m, map, v), result: "ok" });
      return 0n;
    }
    case "ktime_get_ns":
      return plain(m.options.now ? m.options.now() : process.hrtime.bigint(), "CLOCK_MONOTONIC read by the tracer");
    case "ktime_get_boot_ns":
      // Without suspend, CLOCK_BOOTTIME is CLOCK_MONOTONIC; Node reads only the latter.
      return plain(
        m.options.now ? m.options.now() : process.hrtime.bigint(),
        "CLOCK_MONOTONIC read by the tracer, for CLOCK_BOOTTIME",
      );
    case "jiffies64": {
      const j = m.options.jiffies ? m.options.jiffies() : kernelJiffies();
      if (j === undefined)
        throw new HelperStop("helper bpf_jiffies64 is not modelled here: /proc/timer_list is not readable");
      return plain(j, "the kernel's jiffies when the tracer read them");
    }
    case "loop": {
      const count = Number(a[0]! & M32);
      // BPF_MAX_LOOPS = 8M; flags must be 0.
      if (a[3] !== 0n || count > 1 << 23) return plain(neg(a[3] !== 0n ? EINVAL : E2BIG));
      m.emit({
        kind: "helper",
        insn: insn.index,
        helper: name,
        args: a.slice(0, 4).map((v) => m.describe(v)),
        result: "runs the callback",
      });
      if (count === 0) return 0n;
      m.startLoop(insn, count, a[1]!, a[2]!);
      return "jumped";
    }
    case "get_prandom_u32":
      return plain(BigInt(m.nextRandom()), m.options.random ? undefined : "fixed-seed generator, not the kernel's");
    case "get_smp_processor_id":
      return plain(BigInt(m.options.cpu ?? 0), `the trace runs as CPU ${m.options.cpu ?? 0}`);
    case "trace_printk": {
      const fmt = Buffer.from(m.memory.bytes(a[0]!, Number(a[1]! & M32)));
      return plain(0n, `"${printk(fmt, a.slice(2), m).replace(/\n$/, "")}"`, [
        `"${fmt.toString("latin1").replace(/\0.*$/s, "").replace(/\n/g, "\\n")}"`,
      ]);
    }
    case "csum_diff": {
      const fromSize = Number(a[1]! & M32);
      const toSize = Number(a[3]! & M32);
      if (fromSize % 4 || toSize % 4 || fromSize > 512 || toSize > 512) return plain(neg(EINVAL));
      const from = fromSize ? m.memory.bytes(a[0]!, fromSize) : new Uint8Array(0);
      const to = toSize ? m.memory.bytes(a[2]!, toSize) : new Uint8Array(0);
      return plain(csumDiff(from, to, a[4]! & M32));
    }
    case "xdp_adjust_head":
    case "xdp_adjust_meta":
    case "xdp_adjust_tail":
      return plain(adjust(m, name, Number(BigInt.asIntN(32, a[1]!))), packetBoundsNote(m));
    case "xdp_get_buff_len":
      // The trace's frame is one buffer: its length is data_end - data.
      return plain(BigInt(m.end - m.data));
    case "xdp_load_bytes":
    case "xdp_store_bytes": {
      const offset = Number(a[1]! & M32);
      const len = Number(a[3]! & M32);
      if (offset + len > m.end - m.data || len === 0) return plain(neg(EINVAL));
      const at = m.packet.base + BigInt(m.data + offset);
      if (name === "xdp_load_bytes") {
        const bytes = m.memory.bytes(at, len);
        m.memory.copyIn(a[2]!, bytes);
        m.emit({ kind: "packet-read", insn: insn.index, offset, bytes: hex(bytes) });
      } else {
        const before = hex(m.memory.bytes(at, len));
        const bytes = m.memory.bytes(a[2]!, len);
        m.memory.copyIn(at, bytes);
        m.emit({ kind: "packet-write", insn: insn.index, offset, bytes: hex(bytes), before });
      }
      return plain(0n);
    }
    case "redirect": {
      // bpf_xdp_redirect: flags must be 0.
      return plain(a[1] === 0n ? XDP_REDIRECT : XDP_ABORTED, a[1] === 0n ? `to ifindex ${a[0]! & M32}` : "flags not 0");
    }
    case "redirect_map": {
      const map = m.mapAt(a[0]!);
      const key = new Uint8Array(4);
      Buffer.from(key.buffer).writeUInt32LE(Number(a[1]! & M32));
      const flags = a[2]!;
      // The low two bits are the action when the slot is empty; BPF_F_BROADCAST/EXCLUDE_INGRESS are bits 3, 4.
      if (flags & ~0x1bn) return plain(XDP_ABORTED, "unknown flags");
      const found = map.lookup(key).address !== 0n;
      m.emit({
        kind: "map",
        insn: insn.index,
        op: "lookup",
        map: map.name,
        key: String(a[1]! & M32),
        result: found ? "found" : "not found",
      });
      return plain(
        found ? XDP_REDIRECT : flags & 3n,
        found ? `to ${map.name}[${a[1]! & M32}]` : "empty slot: the fallback action",
      );
    }
    case "tail_call": {
      const map = m.mapAt(a[1]!);
      const index = Number(a[2]! & M32);
      const key = new Uint8Array(4);
      Buffer.from(key.buffer).writeUInt32LE(index);
      const slot = index < map.shape.maxEntries ? map.slot(key) : undefined;
      const program = slot && "program" in slot ? m.programs.get(slot.program) : undefined;
      m.emit({
        kind: "tail-call",
        insn: insn.index,
        map: map.name,
        index,
        ...(program ? { program: program.name } : {}),
      });
      if (!program || m.tailCalls >= m.tailCallLimit) return 0n; // falls through, as the kernel does
      m.tailCall(program);
      return "jumped";
    }
    case "perf_event_output":
    case "ringbuf_output": {
      const perf = name === "perf_event_output";
      const map = m.mapAt(perf ? a[1]! : a[0]!);
      const data = perf ? m.memory.bytes(a[3]!, Number(a[4]!)) : m.memory.bytes(a[1]!, Number(a[2]!));
      map.outputs.push(data);
      m.emit({ kind: "map", insn: insn.index, op: "output", map: map.name, value: hex(data), result: "ok" });
      return 0n;
    }
    case "ringbuf_reserve": {
      const map = m.mapAt(a[0]!);
      const size = Number(a[1]!);
      const region = m.memory.add("scratch", `${map.name} record`, new Uint8Array(size));
      region.map = map;
      return plain(region.base);
    }
    case "ringbuf_submit":
    case "ringbuf_discard": {
      const region = m.memory.regionOf(a[0]!);
      if (region?.kind !== "scratch") return plain(0n, "not a reserved record");
      const map = region.map as TraceMap;
      if (name === "ringbuf_submit") {
        map.outputs.push(region.bytes.slice());
        m.emit({ kind: "map", insn: insn.index, op: "output", map: map.name, value: hex(region.bytes), result: "ok" });
      }
      m.memory.remove(region);
      return 0n;
    }
    case "timer_init":
    case "timer_set_callback":
    case "timer_start":
    case "timer_cancel":
      return timer(m, name, a, plain);
    case "check_mtu": {
      // bpf_xdp_check_mtu: dev_len = mtu + hard_header_len; the frame (or *mtu_len, an L3 length,
      // plus the header) grown by len_diff must not exceed it; *mtu_len becomes the MTU.
      if (a[4] !== 0n)
        return plain(
          neg(EINVAL),
          "flags not 0",
          a.slice(0, 5).map((v) => m.describe(v)),
        );
      const ifindex = Number(a[1]! & M32);
      const dev = ifindex > 0x7fffffff ? undefined : deviceByIfindex(ifindex);
      const args = a.slice(0, 5).map((v) => m.describe(v));
      if (!dev) return plain(neg(ENODEV), `no device with ifindex ${ifindex}`, args);
      if (dev.hardHeaderLen === undefined)
        throw new HelperStop(
          `helper bpf_check_mtu is not modelled for ${dev.name}: its link-layer header length is unknown`,
        );
      const mtuLen = Buffer.from(m.memory.bytes(a[2]!, 4)).readUInt32LE(0);
      let len = mtuLen ? (mtuLen + dev.hardHeaderLen) | 0 : m.end - m.data;
      len = (len + Number(BigInt.asIntN(32, a[3]!))) | 0;
      const out = Buffer.alloc(4);
      out.writeUInt32LE(dev.mtu >>> 0);
      m.memory.copyIn(a[2]!, out);
      const frag = len > dev.mtu + dev.hardHeaderLen;
      return plain(
        frag ? 1n : 0n,
        `${dev.name} (MTU ${dev.mtu}): ${len} bytes with the header ${frag ? "need fragmentation" : "fit"}`,
        args,
      );
    }
    case "fib_lookup": {
      // The kernel answers: the struct goes to the real helper and comes back as it left it.
      if (!m.options.fibLookup)
        throw new HelperStop("helper bpf_fib_lookup is not modelled here: no kernel to ask (fibLookup option)");
      const plen = Number(a[2]! & M32);
      const flags = Number(a[3]! & M32);
      const before = m.memory.bytes(a[1]!, plen);
      let answer: FibAnswer;
      try {
        answer = m.options.fibLookup(before, flags);
      } catch (e) {
        throw new HelperStop(`helper bpf_fib_lookup: the kernel could not be asked: ${(e as Error).message}`);
      }
      m.memory.copyIn(a[1]!, answer.params);
      const params = fibParamsText(before, answer.params, flags);
      m.emit({
        kind: "helper",
        insn: insn.index,
        helper: name,
        args: a.slice(0, 4).map((v) => m.describe(v)),
        result: fibResultText(answer.result),
        note: "the kernel's answer, in this network namespace",
        details: [`params in:  ${params.in}`, `params out: ${params.out}`],
      });
      return u64(BigInt(answer.result));
    }
    default:
      throw new HelperStop(`helper bpf_${name} is not modelled by the trace`);
  }
}

/** The kernel's jiffies counter, read from /proc/timer_list (root only). */
function kernelJiffies(): bigint | undefined {
  try {
    const m = /^jiffies: (\d+)/m.exec(readFileSync("/proc/timer_list", "latin1"));
    return m ? BigInt(m[1]!) : undefined;
  } catch {
    return undefined;
  }
}

function arity(name: string): number {
  if (name === "ktime_get_boot_ns" || name === "jiffies64") return 0;
  if (name === "ktime_get_ns" || name === "get_prandom_u32" || name === "get_smp_processor_id") return 0;
  if (name === "redirect") return 2;
  if (name.startsWith("xdp_adjust")) return 2;
  if (name === "csum_diff") return 5;
  if (name === "ringbuf_reserve" || name === "timer_init" || name === "timer_start") return 3;
  if (name === "timer_set_callback") return 2;
  if (name === "timer_cancel") return 1;
  return 4;
}

const CLOCK_REALTIME = 0n;
const CLOCK_MONOTONIC = 1n;
const CLOCK_BOOTTIME = 7n;
const MAX_CLOCKS = 16n;
const BPF_F_TIMER_ABS = 1n;
const BPF_F_TIMER_CPU_PIN = 2n;

/**
 * bpf_timer_* as kernel/bpf/helpers.c answers a program run by a process that holds the map (as
 * BPF_PROG_TEST_RUN's caller does, so never -EPERM). The kernel hides a timer from user space, so
 * a timer the trace has not initialized itself is taken as never initialized. The callback is run
 * by the kernel when the timer expires, never by the trace.
 */
function timer(m: Machine, name: string, a: bigint[], plain: (r: bigint, note?: string) => bigint): bigint {
  const region = m.memory.regionOf(a[0]!);
  if (region?.kind !== "map-value" || !region.map || !region.key)
    throw new HelperStop(`helper bpf_${name} is not modelled on a timer outside a map value`);
  const map = region.map as TraceMap;
  const offset = Number(a[0]! - region.base);
  const t = timerState(map, region.key, offset);
  const now = () => (m.options.now ? m.options.now() : process.hrtime.bigint());
  if (name === "timer_init") {
    const clock = a[2]! & (MAX_CLOCKS - 1n);
    if (a[2]! >= MAX_CLOCKS || (clock !== CLOCK_MONOTONIC && clock !== CLOCK_REALTIME && clock !== CLOCK_BOOTTIME))
      return plain(neg(EINVAL), "unsupported clock");
    if (t) return plain(neg(EBUSY), "initialized before");
    initTimer(map, region.key, offset);
    return plain(0n, "assumes no earlier initialization the kernel hides from user space");
  }
  if (!t) return plain(neg(EINVAL), "timer not initialized");
  if (name === "timer_set_callback") {
    t.callback = a[1]!;
    return plain(0n);
  }
  if (name === "timer_start") {
    if (a[2]! & ~(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN)) return plain(neg(EINVAL), "unknown flags");
    if (t.callback === undefined) return plain(neg(EINVAL), "no callback set");
    t.expires = a[2]! & BPF_F_TIMER_ABS ? a[1]! : now() + a[1]!;
    return plain(0n, "the kernel runs the callback when it expires; the trace does not run it");
  }
  // bpf_timer_cancel: 1 if it was pending (hrtimer_cancel), 0 if not; the callback is dropped.
  const pending = t.expires !== undefined && t.expires > now();
  t.callback = undefined;
  t.expires = undefined;
  return plain(pending ? 1n : 0n, pending ? "it was pending" : "it was not pending");
}

function packetBoundsNote(m: Machine): string {
  return `packet now ${m.end - m.data} bytes${m.data > m.meta ? `, ${m.data - m.meta} of metadata` : ""}`;
}

/** bpf_xdp_adjust_head/meta/tail with the kernel's limits (XDP frame of BPF_PROG_TEST_RUN). */
function adjust(m: Machine, name: string, delta: number): bigint {
  const frameStart = XDP_FRAME_HEADER;
  if (name === "xdp_adjust_head") {
    const metalen = m.data - m.meta;
    const data = m.data + delta;
    if (data < frameStart + metalen || data > m.end - ETH_HLEN) return neg(EINVAL);
    if (metalen) m.packet.bytes.copyWithin(m.meta + delta, m.meta, m.data);
    m.meta += delta;
    m.data = data;
  } else if (name === "xdp_adjust_meta") {
    const meta = m.meta + delta;
    const metalen = m.data - meta;
    if (meta < frameStart || meta > m.data) return neg(EINVAL);
    if (metalen > 32 || metalen % 4) return neg(EACCES);
    m.meta = meta;
  } else {
    const end = m.end + delta;
    if (end > XDP_FRAME - XDP_TAILROOM || end < m.data + ETH_HLEN) return neg(EINVAL);
    if (delta > 0) m.packet.bytes.fill(0, m.end, end);
    m.end = end;
  }
  m.syncPacketBounds();
  return 0n;
}

/** 32-bit one's-complement sum of `to` minus `from` plus `seed`, as csum_partial over the diff buffer. */
export function csumDiff(from: Uint8Array, to: Uint8Array, seed: bigint): bigint {
  let sum = seed;
  const add = (v: bigint) => {
    sum += v;
    sum = (sum & M32) + (sum >> 32n);
  };
  const word = (b: Uint8Array, i: number) => BigInt(Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32LE(i));
  for (let i = 0; i < from.length; i += 4) add(~word(from, i) & M32);
  for (let i = 0; i < to.length; i += 4) add(word(to, i));
  return sum & M32;
}

/** The text bpf_trace_printk would write, for the conversions programs use (%d %u %x %ld %lu %lx %lld %llu %llx %c %%). */
function printk(fmt: Buffer, args: bigint[], m: Machine): string {
  const text = fmt.toString("latin1").replace(/\0.*$/s, "");
  let n = 0;
  return text.replace(/%(l{0,2})([diuxXcp%])/g, (all, l: string, c: string) => {
    if (c === "%") return "%";
    const v = args[n++] ?? 0n;
    const bits = l ? 64 : 32;
    const cut = BigInt.asUintN(bits, v);
    if (c === "d" || c === "i") return String(BigInt.asIntN(bits, v));
    if (c === "u") return String(cut);
    if (c === "x") return cut.toString(16);
    if (c === "X") return cut.toString(16).toUpperCase();
    if (c === "c") return String.fromCharCode(Number(v & 0xffn));
    if (c === "p") return m.describe(v);
    return all;
  });
}
