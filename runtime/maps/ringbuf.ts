/**
 * Consuming a BPF ring buffer from userspace, as libbpf's ring_buffer__poll does: the consumer
 * page (read-write) and the producer page with the data area (read-only, mapped twice over so
 * a record that wraps around is contiguous) are mmap'ed from the map fd; records are read
 * between the consumer and producer positions, and the consumer position is advanced past
 * them. Waiting is epoll on the map fd, on a worker thread.
 */
import { mapShared, type Mapping } from "../sys/index.ts";
import { EventReader } from "./event-reader.ts";
import { MapError, type BpfMap } from "./map.ts";
import type { Codec } from "./typed.ts";
import { MapType, mapTypeName } from "./types.ts";

const PAGE = 4096;
const BUSY = 0x80000000,
  DISCARD = 0x40000000,
  HEADER = 8;

/** The part of a RingBuf declaration (runtime/lang) the runtime needs. */
export interface RingBufDescriptor<E> {
  readonly type: MapType.RINGBUF;
  readonly eventType: Codec<E>;
  readonly maxEntries: number;
}

export class RingBufReader<E = Uint8Array> extends EventReader<E> {
  private consumer: Mapping;
  private producer: Mapping;
  /** Records too short for the event type (the program wrote another type), skipped. */
  skipped = 0;

  /** Reads raw records (Uint8Array) or, with a codec, decoded events. */
  constructor(
    readonly map: BpfMap,
    private readonly codec?: Pick<Codec<E>, "size" | "decode">,
  ) {
    super();
    if (map.type !== MapType.RINGBUF) throw new MapError(`map "${map.name}" is ${mapTypeName(map.type)}, not RINGBUF`);
    const size = map.maxEntries;
    this.consumer = mapShared(map.fd, 0, PAGE, true, `ring buffer "${map.name}" consumer page`);
    try {
      this.producer = mapShared(map.fd, PAGE, PAGE + 2 * size, false, `ring buffer "${map.name}" data`);
    } catch (e) {
      this.consumer.unmap();
      throw e;
    }
  }

  /** A reader decoding records with the declaration's event type (`new RingBuf(Event, …)`). */
  static bind<E>(map: BpfMap, decl: RingBufDescriptor<E>): RingBufReader<E> {
    if (decl.maxEntries !== map.maxEntries)
      throw new MapError(
        `declaration does not match loaded map "${map.name}": size ${decl.maxEntries} ≠ ${map.maxEntries}`,
      );
    return new RingBufReader(map, decl.eventType);
  }

  /** Every record committed now, in order (never waits). */
  poll(): E[] {
    const out: E[] = [];
    for (let r = this.next(); r.found; r = this.next()) out.push(r.record);
    return out;
  }

  /**
   * Takes the next committed record and hands its space back, as libbpf does record by record:
   * a consumer that stops after one record leaves the next ones in the ring for the next reader.
   */
  private next(): { found: true; record: E } | { found: false } {
    if (this.closed) throw new MapError(`ring buffer "${this.map.name}" reader is closed`);
    const size = this.map.maxEntries;
    const cons = this.consumer.view;
    const prod = this.producer.view;
    let pos = cons.getBigUint64(0, true);
    const end = prod.getBigUint64(0, true);
    while (pos < end) {
      const off = PAGE + Number(pos & BigInt(size - 1));
      const len = prod.getUint32(off, true);
      if (len & BUSY) break; // reserved, not yet submitted
      const n = len & ~(BUSY | DISCARD);
      pos += BigInt((n + HEADER + 7) & ~7);
      cons.setBigUint64(0, pos, true);
      if (len & DISCARD) continue;
      const bytes = new Uint8Array(prod.buffer.slice(off + HEADER, off + HEADER + n));
      if (!this.codec) return { found: true, record: bytes as E };
      if (n >= this.codec.size) return { found: true, record: this.codec.decode(bytes) };
      this.skipped++;
    }
    return { found: false };
  }

  protected waitFds(): readonly number[] {
    return [this.map.fd];
  }

  protected take(): E | undefined {
    const r = this.next();
    return r.found ? r.record : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closeWaiting();
    this.consumer.unmap();
    this.producer.unmap();
  }
}
