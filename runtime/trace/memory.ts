/**
 * The interpreter's address space: every buffer a program can point into (packet, stack frames,
 * context, map values, global data) is a region at its own fake 64-bit base address, so pointer
 * arithmetic and comparisons work on plain numbers and every access is checked against the
 * region's bounds. A bad access becomes a `MemoryFault` the trace reports, never a crash.
 */

/** "code": addresses of the program's functions (callbacks); never read or written. */
export type RegionKind = "packet" | "stack" | "ctx" | "map-value" | "global" | "map" | "scratch" | "code";

export interface Region {
  id: number;
  kind: RegionKind;
  /** What the printer calls it: "packet", "stack[0]", "flows value", ".rodata". */
  name: string;
  base: bigint;
  bytes: Uint8Array;
  /** Readable/writable byte range [lo, hi) of `bytes` (the packet: data_meta .. data_end). */
  lo: number;
  hi: number;
  writable: boolean;
  /** For map handles and map values: the map (a TraceMap); for values also the entry's key. */
  map?: unknown;
  key?: Uint8Array;
}

export class MemoryFault extends Error {}

/** Regions live 4 GiB apart, so the region of an address is its upper 32 bits. */
const REGION_SHIFT = 32n;
const FIRST_REGION = 0x1000;

export class AddressSpace {
  private readonly regions = new Map<number, Region>();
  private next = FIRST_REGION;

  add(kind: RegionKind, name: string, bytes: Uint8Array, writable = true): Region {
    const id = this.next++;
    const r: Region = {
      id,
      kind,
      name,
      base: BigInt(id) << REGION_SHIFT,
      bytes,
      lo: 0,
      hi: bytes.length,
      writable,
    };
    this.regions.set(id, r);
    return r;
  }

  /** The region an address points into, if any (a pointer one past the end still names its region). */
  regionOf(addr: bigint): Region | undefined {
    return this.regions.get(Number(addr >> REGION_SHIFT));
  }

  /** The region and offset of an access of `size` bytes at `addr`; throws a fault naming what went wrong. */
  resolve(addr: bigint, size: number, write: boolean): { region: Region; offset: number } {
    const region = this.regionOf(addr);
    if (!region)
      throw new MemoryFault(
        `${write ? "write to" : "read from"} 0x${addr.toString(16)}: not a pointer into any memory`,
      );
    const offset = Number(addr - region.base);
    if (offset < region.lo || offset + size > region.hi)
      throw new MemoryFault(
        `${write ? "write" : "read"} of ${size} bytes at ${region.name}+${offset - (region.kind === "packet" ? region.lo : 0)} is outside it (${region.hi - region.lo} bytes)`,
      );
    if (write && !region.writable) throw new MemoryFault(`write to read-only ${region.name}+${offset}`);
    return { region, offset };
  }

  read(addr: bigint, size: number): { value: bigint; region: Region; offset: number } {
    const { region, offset } = this.resolve(addr, size, false);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(region.bytes[offset + i]!);
    return { value: v, region, offset };
  }

  write(addr: bigint, size: number, value: bigint): { region: Region; offset: number } {
    const { region, offset } = this.resolve(addr, size, true);
    let v = value;
    for (let i = 0; i < size; i++) {
      region.bytes[offset + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return { region, offset };
  }

  /** A copy of `size` bytes at `addr` (helper arguments: keys, values, buffers). */
  bytes(addr: bigint, size: number): Uint8Array {
    const { region, offset } = this.resolve(addr, size, false);
    return region.bytes.slice(offset, offset + size);
  }

  copyIn(addr: bigint, data: Uint8Array): void {
    const { region, offset } = this.resolve(addr, data.length, true);
    region.bytes.set(data, offset);
  }

  remove(region: Region): void {
    this.regions.delete(region.id);
  }
}
