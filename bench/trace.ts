// A small eBPF interpreter for the LB objects: runs one packet through the ELF program
// (before the kernel's rewrites) against in-memory maps and counts the instructions it
// executes, by kind. It makes the per-path ns/packet differences explainable without
// timing noise: same packet, same map contents, TS object vs C object.
// Supports what clang/LLVM emit for these programs: ALU/ALU64, JMP/JMP32, LDX/ST/STX
// (MEM), ld_imm64 map references, helpers 1 (map_lookup_elem), 2 (map_update_elem), 3 (map_delete_elem), 5
// (ktime_get_ns, a fixed TRACE_KTIME) and 44 (xdp_adjust_head, within 256 bytes of headroom).
import { parseElf } from "../runtime/elf/index.ts";

export interface TraceMap {
  /** Key hex → value bytes. Lookups return a stable pointer to the stored bytes. */
  entries: Map<string, Uint8Array>;
  /** Computes a value for keys not in `entries` (e.g. a Maglev slot), or undefined. */
  fallback?: (key: Uint8Array) => Uint8Array | undefined;
}

export interface TraceCounts {
  insns: number;
  alu: number;
  bswap: number;
  jmp: number;
  /** Loads/stores relative to r10 (spills, fills, map keys on the stack). */
  stackLoads: number;
  stackStores: number;
  /** Other loads/stores (packet, ctx, map values). */
  loads: number;
  stores: number;
  calls: number;
  ldImm64: number;
}

export interface TraceResult {
  retval: number;
  data: Uint8Array;
  counts: TraceCounts;
}

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;
const PKT = 0x1000_0000n,
  CTX = 0x0800_0000n,
  STACK = 0x2000_0000n,
  VALUES = 0x3000_0000n;

interface Region {
  base: bigint;
  bytes: Uint8Array;
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function sext32(v: bigint): bigint {
  v &= M32;
  return v & 0x8000_0000n ? v - (1n << 32n) : v;
}

function s64(v: bigint): bigint {
  return v & (1n << 63n) ? v - (1n << 64n) : v;
}

function bswap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

const HEADROOM = 256;

/** What bpf_ktime_get_ns returns in a trace. */
export const TRACE_KTIME = 1_000_000_000_000n;

export class Tracer {
  private insns: DataView;
  private mapAt = new Map<number, string>();

  constructor(object: Uint8Array, section = "xdp") {
    const elf = parseElf(object);
    const sec = elf.sectionByName(section);
    if (!sec) throw new Error(`no section ${section}`);
    this.insns = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    for (const r of elf.relocations.get(sec.index) ?? []) this.mapAt.set(r.offset / 8, r.symbol.name);
  }

  run(packet: Uint8Array, maps: Record<string, TraceMap>): TraceResult {
    // The packet after 256 bytes of headroom (XDP_PACKET_HEADROOM), which xdp_adjust_head may take.
    const buffer = new Uint8Array(HEADROOM + packet.length);
    buffer.set(packet, HEADROOM);
    const ctx = new Uint8Array(24);
    const cv = new DataView(ctx.buffer);
    cv.setUint32(0, Number(PKT), true);
    cv.setUint32(4, Number(PKT) + packet.length, true);
    const packetNow = () => buffer.slice(cv.getUint32(0, true) - Number(PKT - BigInt(HEADROOM)));
    const regions: Region[] = [
      { base: PKT - BigInt(HEADROOM), bytes: buffer },
      { base: CTX, bytes: ctx },
      { base: STACK, bytes: new Uint8Array(512) },
    ];
    const valueAddr = new Map<Uint8Array, bigint>();
    let nextValue = VALUES;
    const pointerTo = (v: Uint8Array): bigint => {
      let a = valueAddr.get(v);
      if (a === undefined) {
        a = nextValue;
        nextValue += 0x1000n;
        valueAddr.set(v, a);
        regions.push({ base: a, bytes: v });
      }
      return a;
    };
    const locate = (addr: bigint, size: number): [Uint8Array, number] => {
      for (const r of regions) {
        if (addr >= r.base && addr + BigInt(size) <= r.base + BigInt(r.bytes.length))
          return [r.bytes, Number(addr - r.base)];
      }
      throw new Error(`trace: access of ${size} B at 0x${addr.toString(16)} outside every region`);
    };
    const load = (addr: bigint, size: number): bigint => {
      const [b, o] = locate(addr, size);
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]!);
      return v;
    };
    const store = (addr: bigint, size: number, v: bigint): void => {
      const [b, o] = locate(addr, size);
      for (let i = 0; i < size; i++) b[o + i] = Number((v >> BigInt(8 * i)) & 0xffn);
    };
    const bytesAt = (addr: bigint, n: number): Uint8Array => {
      const [b, o] = locate(addr, n);
      return b.slice(o, o + n);
    };
    const mapKeySize: Record<string, number> = {
      vips: 8,
      backends: 4,
      maglev: 4,
      stats: 4,
      conntrack: 16,
      rnat: 16,
      config: 4,
      encap: 4,
      vips6: 20,
      backends6: 4,
      conntrack6: 40,
      rnat6: 40,
      encap6: 4,
    };
    const mapValueSize: Record<string, number> = {
      vips: 8,
      backends: 12,
      maglev: 4,
      stats: 16,
      conntrack: 24,
      rnat: 12,
      config: 32,
      encap: 4,
      vips6: 8,
      backends6: 24,
      conntrack6: 32,
      rnat6: 24,
      encap6: 16,
    };

    const r = new Array<bigint>(11).fill(0n);
    r[1] = CTX;
    r[10] = STACK + 512n;
    const c: TraceCounts = {
      insns: 0,
      alu: 0,
      bswap: 0,
      jmp: 0,
      stackLoads: 0,
      stackStores: 0,
      loads: 0,
      stores: 0,
      calls: 0,
      ldImm64: 0,
    };
    const SIZE = [4, 2, 1, 8];
    let pc = 0;
    for (let steps = 0; steps < 100_000; steps++) {
      const at = pc * 8;
      const op = this.insns.getUint8(at);
      const regs = this.insns.getUint8(at + 1);
      const dst = regs & 0xf,
        src = regs >> 4;
      const off = this.insns.getInt16(at + 2, true);
      const imm = this.insns.getInt32(at + 4, true);
      const cls = op & 7;
      c.insns++;
      pc++;
      switch (cls) {
        case 0: {
          // ld_imm64 (map reference)
          c.ldImm64++;
          const name = this.mapAt.get(pc - 1);
          if (name === undefined) {
            // A plain 64-bit constant (clang's v1 code uses them as masks).
            r[dst] = (BigInt(this.insns.getUint32(at + 12, true)) << 32n) | BigInt(this.insns.getUint32(at + 4, true));
          } else {
            if (!maps[name]) throw new Error(`trace: map ${name} not provided`);
            r[dst] = BigInt(Object.keys(maps).indexOf(name) + 1) << 40n; // a fake map handle
          }
          pc++;
          break;
        }
        case 1: {
          // LDX
          const size = SIZE[(op >> 3) & 3]!;
          if (src === 10) c.stackLoads++;
          else c.loads++;
          r[dst] = load((r[src]! + BigInt(off)) & M64, size);
          break;
        }
        case 2:
        case 3: {
          // ST, STX
          const size = SIZE[(op >> 3) & 3]!;
          if (dst === 10) c.stackStores++;
          else c.stores++;
          store((r[dst]! + BigInt(off)) & M64, size, cls === 2 ? BigInt(imm) : r[src]!);
          break;
        }
        case 4:
        case 7: {
          // ALU, ALU64
          c.alu++;
          const is64 = cls === 7;
          const code = op & 0xf0;
          if (code === 0xd0) {
            c.bswap++;
            const v = r[dst]!;
            r[dst] = op & 0x08 ? bswap(v, imm) : v & ((1n << BigInt(imm)) - 1n);
            break;
          }
          const mask = is64 ? M64 : M32;
          const a = r[dst]! & mask;
          const b = (op & 0x08 ? r[src]! : BigInt.asUintN(64, BigInt(imm))) & mask;
          const bits = is64 ? 64n : 32n;
          let v: bigint;
          switch (code) {
            case 0x00:
              v = a + b;
              break;
            case 0x10:
              v = a - b;
              break;
            case 0x20:
              v = a * b;
              break;
            case 0x30:
              v = b === 0n ? 0n : a / b;
              break;
            case 0x40:
              v = a | b;
              break;
            case 0x50:
              v = a & b;
              break;
            case 0x60:
              v = a << (b & (bits - 1n));
              break;
            case 0x70:
              v = a >> (b & (bits - 1n));
              break;
            case 0x80:
              v = -a;
              break;
            case 0x90:
              v = b === 0n ? a : a % b;
              break;
            case 0xa0:
              v = a ^ b;
              break;
            case 0xb0:
              v = b;
              break;
            case 0xc0:
              v = (is64 ? s64(a) : sext32(a)) >> (b & (bits - 1n));
              break;
            default:
              throw new Error(`trace: ALU op 0x${op.toString(16)}`);
          }
          r[dst] = v & mask;
          break;
        }
        case 5:
        case 6: {
          // JMP, JMP32
          const code = op & 0xf0;
          if (code === 0x90) return { retval: Number(r[0]! & M32), data: packetNow(), counts: c };
          if (code === 0x80) {
            c.calls++;
            if (imm === 5) {
              // bpf_ktime_get_ns: a fixed time, so the traced flows' entries are live.
              r[0] = TRACE_KTIME;
              for (const k of [1, 2, 3, 4, 5]) r[k] = 0xdeadn;
              break;
            }
            if (imm === 44) {
              // bpf_xdp_adjust_head(ctx, delta): moves the packet's start within the buffer.
              const data = cv.getUint32(0, true) + Number(BigInt.asIntN(32, r[2]!));
              const end = cv.getUint32(4, true);
              const ok = data >= Number(PKT) - HEADROOM && data <= end - 14;
              if (ok) cv.setUint32(0, data, true);
              r[0] = ok ? 0n : BigInt.asUintN(64, -22n);
              for (const k of [1, 2, 3, 4, 5]) r[k] = 0xdeadn;
              break;
            }
            const name = Object.keys(maps)[Number(r[1]! >> 40n) - 1]!;
            const m = maps[name]!;
            const key = bytesAt(r[2]!, mapKeySize[name]!);
            if (imm === 1) {
              let v = m.entries.get(hexOf(key));
              if (!v && m.fallback) {
                const f = m.fallback(key);
                if (f) {
                  v = f;
                  m.entries.set(hexOf(key), f);
                }
              }
              r[0] = v ? pointerTo(v) : 0n;
            } else if (imm === 2) {
              const val = bytesAt(r[3]!, mapValueSize[name]!);
              const old = m.entries.get(hexOf(key));
              if (old) old.set(val);
              else m.entries.set(hexOf(key), val);
              r[0] = 0n;
            } else if (imm === 3) {
              r[0] = m.entries.delete(hexOf(key)) ? 0n : BigInt.asUintN(64, -2n);
            } else throw new Error(`trace: helper ${imm}`);
            for (const k of [1, 2, 3, 4, 5]) r[k] = 0xdeadn; // clobbered
            break;
          }
          c.jmp++;
          if (code === 0x00) {
            pc += off;
            break;
          }
          const is32 = cls === 6;
          const mask = is32 ? M32 : M64;
          const a = r[dst]! & mask;
          const b = (op & 0x08 ? r[src]! : BigInt.asUintN(64, BigInt(imm))) & mask;
          const sa = is32 ? sext32(a) : s64(a),
            sb = is32 ? sext32(b) : s64(b);
          let t: boolean;
          switch (code) {
            case 0x10:
              t = a === b;
              break;
            case 0x20:
              t = a > b;
              break;
            case 0x30:
              t = a >= b;
              break;
            case 0x40:
              t = (a & b) !== 0n;
              break;
            case 0x50:
              t = a !== b;
              break;
            case 0x60:
              t = sa > sb;
              break;
            case 0x70:
              t = sa >= sb;
              break;
            case 0xa0:
              t = a < b;
              break;
            case 0xb0:
              t = a <= b;
              break;
            case 0xc0:
              t = sa < sb;
              break;
            case 0xd0:
              t = sa <= sb;
              break;
            default:
              throw new Error(`trace: JMP op 0x${op.toString(16)}`);
          }
          if (t) pc += off;
          break;
        }
      }
    }
    throw new Error("trace: no exit after 100000 instructions");
  }
}
