/**
 * Reading a BPF_MAP_TYPE_PERF_EVENT_ARRAY from userspace, as libbpf's perf_buffer does: one
 * perf event (software, BPF output) per CPU, its ring mmap'ed, its fd stored in the map at the
 * CPU's index; records are PERF_RECORD_SAMPLE with the program's bytes as raw data (counted
 * as lost when the ring was full). Waiting is epoll over every CPU's fd, on a worker thread.
 */
import { Attr, bpf, BpfCmd, closeFd, kernelCopy, mapShared, SyscallError, type Mapping } from "../sys/index.ts";
import { lastErrno, rawSyscall5 } from "../sys/libc.ts";
import { EventReader } from "./event-reader.ts";
import { MapError, type BpfMap } from "./map.ts";
import { possibleCpus } from "./possible-cpus.ts";
import type { Codec } from "./typed.ts";
import { MapType, mapTypeName } from "./types.ts";

const PAGE = 4096;
const SYS_perf_event_open = process.arch === "arm64" ? 241 : 298;
const PERF_TYPE_SOFTWARE = 1,
  PERF_COUNT_SW_BPF_OUTPUT = 10,
  PERF_SAMPLE_RAW = 1 << 10,
  PERF_FLAG_FD_CLOEXEC = 8,
  PERF_RECORD_LOST = 2,
  PERF_RECORD_SAMPLE = 9;
/** struct perf_event_mmap_page: data_head and data_tail, after its first 1 KiB. */
const DATA_HEAD = 1024,
  DATA_TAIL = 1032;

/** The part of a PerfEventArray declaration (runtime/lang) the runtime needs. */
export interface PerfEventArrayDescriptor<E> {
  readonly type: MapType.PERF_EVENT_ARRAY;
  readonly eventType: Codec<E>;
}

interface CpuRing {
  cpu: number;
  fd: number;
  ring: Mapping;
}

export class PerfEventReader<E = Uint8Array> extends EventReader<E> {
  private readonly rings: CpuRing[] = [];
  /** Samples taken from the rings and not yet yielded by the iterator. */
  private pending: E[] = [];
  /** Samples the kernel dropped because a ring was full. */
  lost = 0n;

  /** One ring of `pages` (a power of two) data pages per possible CPU. */
  constructor(
    readonly map: BpfMap,
    private readonly codec?: Pick<Codec<E>, "size" | "decode">,
    readonly pages = 8,
  ) {
    super();
    if (map.type !== MapType.PERF_EVENT_ARRAY)
      throw new MapError(`map "${map.name}" is ${mapTypeName(map.type)}, not PERF_EVENT_ARRAY`);
    const cpus = Math.min(possibleCpus(), map.maxEntries);
    try {
      for (let cpu = 0; cpu < cpus; cpu++) this.openCpu(cpu);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The number of CPUs it reads (one ring each). */
  get cpus(): number {
    return this.rings.length;
  }

  static bind<E>(map: BpfMap, decl: PerfEventArrayDescriptor<E>): PerfEventReader<E> {
    return new PerfEventReader(map, decl.eventType);
  }

  private openCpu(cpu: number): void {
    const attr = Buffer.alloc(128); // struct perf_event_attr
    attr.writeUInt32LE(PERF_TYPE_SOFTWARE, 0);
    attr.writeUInt32LE(128, 4);
    attr.writeBigUInt64LE(BigInt(PERF_COUNT_SW_BPF_OUTPUT), 8);
    attr.writeBigUInt64LE(1n, 16); // sample_period
    attr.writeBigUInt64LE(BigInt(PERF_SAMPLE_RAW), 24);
    attr.writeUInt32LE(1, 48); // wakeup_events: every sample wakes epoll
    const fd = Number(rawSyscall5(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) throw new SyscallError(`perf_event_open (CPU ${cpu})`, lastErrno());
    try {
      const ring = mapShared(fd, 0, PAGE * (1 + this.pages), true, `perf ring of CPU ${cpu}`);
      this.rings.push({ cpu, fd, ring });
      const key = Buffer.alloc(4);
      key.writeUInt32LE(cpu);
      const value = Buffer.alloc(4);
      value.writeUInt32LE(fd);
      bpf(
        BpfCmd.MAP_UPDATE_ELEM,
        new Attr(32).u32(0, this.map.fd).ptr(8, kernelCopy(key)).ptr(16, kernelCopy(value)),
        `map "${this.map.name}"`,
      );
    } catch (e) {
      if (!this.rings.some((r) => r.fd === fd)) closeFd(fd);
      throw e;
    }
  }

  /** Every sample written now, CPU by CPU, each CPU's in order (never waits). */
  poll(): E[] {
    if (this.closed) throw new MapError(`perf event array "${this.map.name}" reader is closed`);
    const out: E[] = [];
    const size = this.pages * PAGE;
    for (const { ring } of this.rings) {
      const v = ring.view;
      const head = v.getBigUint64(DATA_HEAD, true);
      let tail = v.getBigUint64(DATA_TAIL, true);
      const at = (pos: bigint, n: number) => {
        const bytes = new Uint8Array(n);
        for (let i = 0; i < n; i++) bytes[i] = v.getUint8(PAGE + Number((pos + BigInt(i)) % BigInt(size)));
        return bytes;
      };
      while (tail < head) {
        const header = new DataView(at(tail, 8).buffer);
        const type = header.getUint32(0, true);
        const recordSize = header.getUint16(6, true);
        if (type === PERF_RECORD_SAMPLE) {
          const raw = at(tail + 8n, 4);
          const n = new DataView(raw.buffer).getUint32(0, true);
          const bytes = at(tail + 12n, n);
          if (!this.codec) out.push(bytes as E);
          else if (n >= this.codec.size) out.push(this.codec.decode(bytes));
        } else if (type === PERF_RECORD_LOST) {
          this.lost += new DataView(at(tail + 16n, 8).buffer).getBigUint64(0, true);
        }
        tail += BigInt(recordSize || 8);
      }
      v.setBigUint64(DATA_TAIL, tail, true);
    }
    return out;
  }

  protected waitFds(): readonly number[] {
    return this.rings.map((r) => r.fd);
  }

  protected take(): E | undefined {
    if (this.pending.length === 0) this.pending = this.poll();
    return this.pending.shift();
  }

  close(): void {
    if (this.closed) return;
    this.closeWaiting();
    for (const { fd, ring } of this.rings) {
      ring.unmap();
      closeFd(fd);
    }
  }
}
