/**
 * AF_XDP sockets: frames an XDP program redirects to an XSKMAP arrive here, in userspace,
 * without the kernel's network stack. One socket on one interface queue, in copy mode (works
 * on every driver with XDP, veth included), receive only: a UMEM of fixed-size frames, its
 * fill ring (frames given to the kernel) and the RX ring (frames filled), all shared memory
 * (Documentation/networking/af_xdp.rst). Put `socket.fd` into the XSKMAP at the queue's index.
 */
import { TsbpfError } from "../errors.ts";
import { closeFd, ifNameToIndex, mapAnonymous, mapShared, SyscallError, type Mapping } from "../sys/index.ts";
import { lastErrno, rawBind, rawGetsockopt, rawSetsockopt, rawSocket } from "../sys/libc.ts";

const AF_XDP = 44,
  SOCK_RAW = 3,
  SOL_XDP = 283;
/** setsockopt names (include/uapi/linux/if_xdp.h). */
const XDP_MMAP_OFFSETS = 1,
  XDP_RX_RING = 2,
  XDP_UMEM_REG = 4,
  XDP_UMEM_FILL_RING = 5,
  XDP_UMEM_COMPLETION_RING = 6;
/** mmap offsets of the rings. */
const XDP_PGOFF_RX_RING = 0,
  XDP_UMEM_PGOFF_FILL_RING = 0x100000000;
/** sockaddr_xdp flags: copy mode. */
const XDP_COPY = 1 << 1;

export interface XskOptions {
  /** The interface's queue to bind (default 0); the XDP program redirects with this key. */
  queue?: number;
  /** Frames in the UMEM, also the size of each ring (a power of two, default 64). */
  frames?: number;
  /** Bytes per frame (2048 or 4096, default 2048). */
  frameSize?: number;
}

/** One ring of the socket: producer and consumer indexes and the descriptors, in shared memory. */
class Ring {
  constructor(
    private readonly map: Mapping,
    private readonly offsets: { producer: number; consumer: number; desc: number },
    readonly size: number,
  ) {}
  get producer(): number {
    return this.map.view.getUint32(this.offsets.producer, true);
  }
  set producer(v: number) {
    this.map.view.setUint32(this.offsets.producer, v >>> 0, true);
  }
  get consumer(): number {
    return this.map.view.getUint32(this.offsets.consumer, true);
  }
  set consumer(v: number) {
    this.map.view.setUint32(this.offsets.consumer, v >>> 0, true);
  }
  /** The byte offset of entry `index` (entries of `entrySize` bytes). */
  entry(index: number, entrySize: number): number {
    return this.offsets.desc + (index & (this.size - 1)) * entrySize;
  }
  get view(): DataView {
    return this.map.view;
  }
  unmap(): void {
    this.map.unmap();
  }
}

export class XskSocket {
  private constructor(
    readonly fd: number,
    readonly ifindex: number,
    readonly queue: number,
    private readonly umem: Mapping,
    private readonly frameSize: number,
    private readonly fill: Ring,
    private readonly rx: Ring,
  ) {}

  /** An AF_XDP socket bound to queue `options.queue` of `iface`, with every frame given to the kernel. */
  static open(iface: string | number, options: XskOptions = {}): XskSocket {
    const ifindex = typeof iface === "number" ? iface : ifNameToIndex(iface);
    const queue = options.queue ?? 0;
    const frames = options.frames ?? 64;
    const frameSize = options.frameSize ?? 2048;
    if (frames <= 0 || (frames & (frames - 1)) !== 0)
      throw new TsbpfError(`an AF_XDP ring size is a power of two, not ${frames}`);
    const fd = rawSocket(AF_XDP, SOCK_RAW, 0);
    if (fd < 0) throw new SyscallError("socket(AF_XDP)", lastErrno());
    const cleanup: (() => void)[] = [() => closeFd(fd)];
    try {
      const umem = mapAnonymous(frames * frameSize, "AF_XDP UMEM");
      cleanup.push(() => umem.unmap());
      // struct xdp_umem_reg: addr, len, chunk_size, headroom, flags.
      const reg = Buffer.alloc(24);
      reg.writeBigUInt64LE(umem.address, 0);
      reg.writeBigUInt64LE(BigInt(frames * frameSize), 8);
      reg.writeUInt32LE(frameSize, 16);
      setsockopt(fd, XDP_UMEM_REG, reg, "XDP_UMEM_REG");
      const entries = Buffer.alloc(4);
      entries.writeUInt32LE(frames);
      setsockopt(fd, XDP_UMEM_FILL_RING, entries, "XDP_UMEM_FILL_RING");
      setsockopt(fd, XDP_UMEM_COMPLETION_RING, entries, "XDP_UMEM_COMPLETION_RING");
      setsockopt(fd, XDP_RX_RING, entries, "XDP_RX_RING");
      // struct xdp_mmap_offsets: rx, tx, fr, cr; each producer, consumer, desc, flags (u64).
      const off = Buffer.alloc(128);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(off.length);
      if (rawGetsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, len) < 0)
        throw new SyscallError("getsockopt(XDP_MMAP_OFFSETS)", lastErrno());
      const ring = (base: number) => ({
        producer: Number(off.readBigUInt64LE(base)),
        consumer: Number(off.readBigUInt64LE(base + 8)),
        desc: Number(off.readBigUInt64LE(base + 16)),
      });
      const rxOff = ring(0),
        fillOff = ring(64);
      const rxMap = mapShared(fd, XDP_PGOFF_RX_RING, rxOff.desc + frames * 16, true, "AF_XDP RX ring");
      cleanup.push(() => rxMap.unmap());
      const fillMap = mapShared(fd, XDP_UMEM_PGOFF_FILL_RING, fillOff.desc + frames * 8, true, "AF_XDP fill ring");
      cleanup.push(() => fillMap.unmap());
      const socket = new XskSocket(
        fd,
        ifindex,
        queue,
        umem,
        frameSize,
        new Ring(fillMap, fillOff, frames),
        new Ring(rxMap, rxOff, frames),
      );
      // Every frame to the fill ring: the kernel copies received packets into them.
      for (let i = 0; i < frames; i++) socket.giveFrame(i * frameSize);
      // struct sockaddr_xdp: family, flags, ifindex, queue_id, shared_umem_fd.
      const addr = Buffer.alloc(16);
      addr.writeUInt16LE(AF_XDP, 0);
      addr.writeUInt16LE(XDP_COPY, 2);
      addr.writeUInt32LE(ifindex, 4);
      addr.writeUInt32LE(queue, 8);
      if (rawBind(fd, addr, addr.length) < 0)
        throw new SyscallError(`bind(AF_XDP) to ifindex ${ifindex} queue ${queue}`, lastErrno());
      return socket;
    } catch (e) {
      for (const c of cleanup.reverse()) c();
      throw e;
    }
  }

  /** The frames received since the last call (copies; their UMEM frames go back to the kernel). */
  receive(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const { rx } = this;
    let cons = rx.consumer;
    const prod = rx.producer;
    for (; cons !== prod; cons = (cons + 1) >>> 0) {
      // struct xdp_desc: addr (u64), len (u32), options (u32).
      const at = rx.entry(cons, 16);
      const addr = Number(rx.view.getBigUint64(at, true));
      const len = rx.view.getUint32(at + 8, true);
      out.push(new Uint8Array(this.umem.view.buffer, this.umem.view.byteOffset + addr, len).slice());
      this.giveFrame(addr - (addr % this.frameSize));
    }
    rx.consumer = cons;
    return out;
  }

  /** Waits (polling, up to `timeoutMs`) until at least `count` frames arrived; returns them all. */
  async receiveAtLeast(count: number, timeoutMs = 2000): Promise<Uint8Array[]> {
    const frames: Uint8Array[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      frames.push(...this.receive());
      if (frames.length >= count || Date.now() >= deadline) return frames;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.rx.unmap();
    this.fill.unmap();
    closeFd(this.fd);
    this.umem.unmap();
  }

  /** Puts a UMEM frame (by its offset) on the fill ring. */
  private giveFrame(addr: number): void {
    const { fill } = this;
    const prod = fill.producer;
    fill.view.setBigUint64(fill.entry(prod, 8), BigInt(addr), true);
    fill.producer = prod + 1;
  }
}

function setsockopt(fd: number, name: number, value: Buffer, what: string): void {
  if (rawSetsockopt(fd, SOL_XDP, name, value, value.length) < 0)
    throw new SyscallError(`setsockopt(${what})`, lastErrno());
}
