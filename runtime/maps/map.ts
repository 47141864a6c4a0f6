/**
 * A map the process holds an fd for: byte-level element operations.
 * Keys and values are raw bytes exactly keySize / valueSize long (per-CPU
 * maps: one value per possible CPU, see lookupPerCpu/updatePerCpu).
 */
import { TsbpfError } from "../errors.ts";
import {
  Attr,
  bpf,
  BpfCmd,
  closeFd,
  EINVAL,
  ENOSPC,
  ENOENT,
  ENOTSUPP,
  EOPNOTSUPP,
  getPinnedObject,
  kernelBuffer,
  kernelCopy,
  objectInfo,
  pinObject,
  SyscallError,
  fdById,
} from "../sys/index.ts";
import { perCpuStride, possibleCpus } from "./possible-cpus.ts";
import { isPerCpuMapType, mapTypeName, MapType, UpdateFlags } from "./types.ts";

/** Misuse of a map from userspace (wrong key size, per-CPU vs not, closed map). */
export class MapError extends TsbpfError {}

export interface MapProperties {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** BTF ids of key/value in the object's BTF (0 if unknown). */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  id?: number;
  btfId?: number;
}

const BATCH_TYPES: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
  MapType.ARRAY,
  MapType.PERCPU_ARRAY,
]);

export class BpfMap {
  private fdValue: number;
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  /** Kernel id of the BTF object the type ids refer to (0 if none or not known). */
  readonly btfId: number;
  private idValue: number;
  /** Path where this map was pinned or found pinned, if any. */
  pinnedPath?: string;
  private batchUnsupported = false;

  constructor(fd: number, props: MapProperties) {
    this.fdValue = fd;
    this.name = props.name;
    this.type = props.type;
    this.keySize = props.keySize;
    this.valueSize = props.valueSize;
    this.maxEntries = props.maxEntries;
    this.flags = props.flags;
    this.btfKeyTypeId = props.btfKeyTypeId ?? 0;
    this.btfValueTypeId = props.btfValueTypeId ?? 0;
    this.idValue = props.id ?? 0;
    this.btfId = props.btfId ?? 0;
  }

  /** The map's kernel id (as `bpftool map` shows it). */
  get id(): number {
    if (this.idValue === 0) this.idValue = objectInfo(this.fd, 88).readUInt32LE(4);
    return this.idValue;
  }

  /** Open a map by its kernel id (as listed by `bpftool map` or a program's map ids). */
  static fromId(id: number): BpfMap {
    const fd = fdById(BpfCmd.MAP_GET_FD_BY_ID, id);
    try {
      return BpfMap.fromFd(fd);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  /** Open a map pinned in bpffs; its properties come from the kernel. */
  static fromPinned(path: string): BpfMap {
    const fd = getPinnedObject(path);
    try {
      const map = BpfMap.fromFd(fd);
      map.pinnedPath = path;
      return map;
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  /** Wrap an fd the caller owns (ownership moves to the BpfMap). */
  static fromFd(fd: number): BpfMap {
    const info = objectInfo(fd, 88); // struct bpf_map_info
    const nameBytes = info.subarray(24, 40);
    const nul = nameBytes.indexOf(0);
    return new BpfMap(fd, {
      type: info.readUInt32LE(0),
      id: info.readUInt32LE(4),
      keySize: info.readUInt32LE(8),
      valueSize: info.readUInt32LE(12),
      maxEntries: info.readUInt32LE(16),
      flags: info.readUInt32LE(20),
      name: nameBytes.subarray(0, nul < 0 ? 16 : nul).toString("utf8"),
      btfKeyTypeId: info.readUInt32LE(68),
      btfValueTypeId: info.readUInt32LE(72),
      btfId: info.readUInt32LE(64),
    });
  }

  get fd(): number {
    if (this.fdValue < 0) throw new MapError(`map "${this.name}" is closed`);
    return this.fdValue;
  }

  get typeName(): string {
    return mapTypeName(this.type);
  }

  get isPerCpu(): boolean {
    return isPerCpuMapType(this.type);
  }

  /** Bytes of one lookup result: valueSize, or per-CPU stride × possible CPUs. */
  get valueBufferSize(): number {
    return this.isPerCpu ? perCpuStride(this.valueSize) * possibleCpus() : this.valueSize;
  }

  private keyBuffer(key: Uint8Array): Buffer {
    this.checkBytes("key", key, this.keySize);
    return kernelCopy(key);
  }

  /** A BpfMap's keys and values are bytes: a number or an object here means the typed API was meant. */
  private checkBytes(what: "key" | "value", x: Uint8Array, size: number): void {
    if (!(x instanceof Uint8Array))
      throw new MapError(
        `map "${this.name}": the ${what} must be its ${size} bytes (a Uint8Array), got ${x === null ? "null" : typeof x}; ` +
          `for keys and values typed by the program's declarations use obj.typedMap(<declaration>, "${this.name}")`,
      );
    if (x.byteLength !== size)
      throw new MapError(`map "${this.name}": ${what} is ${x.byteLength} bytes, expected ${size}`);
  }

  private elemAttr(key: Buffer | null, value: Buffer | null, flags = 0): Attr {
    return new Attr(32).u32(0, this.fd).ptr(8, key).ptr(16, value).u64(24, flags);
  }

  private notPerCpu(op: string): void {
    if (this.isPerCpu) throw new MapError(`map "${this.name}" is ${this.typeName}: use ${op}PerCpu()`);
  }

  /** Raw lookup that tolerates ENOENT; value buffer sized for per-CPU maps too. */
  private lookupRaw(key: Uint8Array): Buffer | undefined {
    const value = kernelBuffer(this.valueBufferSize);
    try {
      bpf(BpfCmd.MAP_LOOKUP_ELEM, this.elemAttr(this.keyBuffer(key), value), `map "${this.name}"`);
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT) return undefined;
      throw e;
    }
    return value;
  }

  /** Value for `key`, or undefined if absent. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.notPerCpu("lookup");
    return this.lookupRaw(key);
  }

  /** One value per possible CPU, or undefined if absent. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    if (!this.isPerCpu) throw new MapError(`map "${this.name}" is ${this.typeName}, not per-CPU: use lookup()`);
    const raw = this.lookupRaw(key);
    return raw === undefined ? undefined : this.splitPerCpu(raw, 0);
  }

  private splitPerCpu(raw: Uint8Array, base: number): Uint8Array[] {
    const stride = perCpuStride(this.valueSize);
    return Array.from({ length: possibleCpus() }, (_, cpu) =>
      Uint8Array.from(raw.subarray(base + cpu * stride, base + cpu * stride + this.valueSize)),
    );
  }

  /** Insert or replace (flags: UpdateFlags.ANY / NOEXIST / EXIST). */
  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlags.ANY): void {
    this.notPerCpu("update");
    this.checkBytes("value", value, this.valueSize);
    bpf(BpfCmd.MAP_UPDATE_ELEM, this.elemAttr(this.keyBuffer(key), kernelCopy(value), flags), `map "${this.name}"`);
  }

  /**
   * Writes many entries in one BPF_MAP_UPDATE_BATCH call (one update per entry where the
   * kernel or map type has no batch operations, or with NOEXIST/EXIST). Keys and values are
   * concatenated: `keys.length / keySize` entries.
   */
  updateBatch(keys: Uint8Array, values: Uint8Array, flags: number = UpdateFlags.ANY): void {
    this.notPerCpu("updateBatch");
    const count = keys.byteLength / this.keySize;
    if (!Number.isInteger(count) || values.byteLength !== count * this.valueSize) {
      throw new MapError(
        `map "${this.name}": batch of ${keys.byteLength} key bytes and ${values.byteLength} value bytes does not match ${this.keySize}/${this.valueSize}-byte entries`,
      );
    }
    if (count === 0) return;
    // The batch command takes no BPF_NOEXIST/BPF_EXIST (only BPF_F_LOCK): those go one by one.
    if (flags === UpdateFlags.ANY && BATCH_TYPES.has(this.type) && !this.batchUnsupported) {
      const attr = new Attr(56).ptr(16, kernelCopy(keys)).ptr(24, kernelCopy(values)).u32(32, count).u32(36, this.fd);
      try {
        bpf(BpfCmd.MAP_UPDATE_BATCH, attr, `map "${this.name}"`);
        return;
      } catch (e) {
        if (
          !(e instanceof SyscallError) ||
          !(e.errno === EINVAL || e.errno === ENOTSUPP || e.errno === EOPNOTSUPP) ||
          attr.readU32(32) !== 0
        )
          throw e;
        this.batchUnsupported = true;
      }
    }
    for (let i = 0; i < count; i++) {
      this.update(
        keys.subarray(i * this.keySize, (i + 1) * this.keySize),
        values.subarray(i * this.valueSize, (i + 1) * this.valueSize),
        flags,
      );
    }
  }

  /** Per-CPU update: one value per possible CPU, or a single value copied to every CPU. */
  updatePerCpu(key: Uint8Array, values: Uint8Array | Uint8Array[], flags: number = UpdateFlags.ANY): void {
    if (!this.isPerCpu) throw new MapError(`map "${this.name}" is ${this.typeName}, not per-CPU: use update()`);
    const cpus = possibleCpus();
    const list = Array.isArray(values) ? values : Array.from({ length: cpus }, () => values);
    if (list.length !== cpus)
      throw new MapError(`map "${this.name}": ${list.length} per-CPU values given, ${cpus} possible CPUs`);
    const stride = perCpuStride(this.valueSize);
    const buf = kernelBuffer(stride * cpus);
    list.forEach((v, cpu) => {
      if (v.byteLength !== this.valueSize)
        throw new MapError(
          `map "${this.name}": value for CPU ${cpu} is ${v.byteLength} bytes, expected ${this.valueSize}`,
        );
      buf.set(v, cpu * stride);
    });
    bpf(BpfCmd.MAP_UPDATE_ELEM, this.elemAttr(this.keyBuffer(key), buf, flags), `map "${this.name}"`);
  }

  /** Remove `key`; false if it was absent. Arrays cannot delete (EINVAL). */
  delete(key: Uint8Array): boolean {
    try {
      bpf(BpfCmd.MAP_DELETE_ELEM, this.elemAttr(this.keyBuffer(key), null), `map "${this.name}"`);
      return true;
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT) return false;
      throw e;
    }
  }

  /** Key following `key` (the first key for null), or undefined at the end. */
  nextKey(key: Uint8Array | null): Uint8Array | undefined {
    const next = kernelBuffer(this.keySize);
    try {
      bpf(
        BpfCmd.MAP_GET_NEXT_KEY,
        this.elemAttr(key === null ? null : this.keyBuffer(key), next),
        `map "${this.name}"`,
      );
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT) return undefined;
      throw e;
    }
    return next;
  }

  /** All keys, by BPF_MAP_GET_NEXT_KEY. */
  *keys(): Generator<Uint8Array> {
    let key = this.nextKey(null);
    // A hash map restarts from its first key when the current one vanished; bound the walk.
    for (let n = 0; key !== undefined && n <= this.maxEntries * 2 + 16; n++) {
      yield key;
      key = this.nextKey(key);
    }
  }

  /** All [key, value] pairs (not per-CPU maps). Uses BPF_MAP_LOOKUP_BATCH where the kernel supports it. */
  entries(): Array<[Uint8Array, Uint8Array]> {
    this.notPerCpu("entries");
    return this.rawEntries().map(([k, v]) => [k, v]);
  }

  /** All [key, values-per-CPU] pairs of a per-CPU map. */
  entriesPerCpu(): Array<[Uint8Array, Uint8Array[]]> {
    if (!this.isPerCpu) throw new MapError(`map "${this.name}" is ${this.typeName}, not per-CPU: use entries()`);
    return this.rawEntries().map(([k, v]) => [k, this.splitPerCpu(v, 0)]);
  }

  private rawEntries(): Array<[Uint8Array, Uint8Array]> {
    if (BATCH_TYPES.has(this.type) && !this.batchUnsupported) {
      const batch = this.lookupBatch();
      if (batch !== undefined) return batch;
      this.batchUnsupported = true;
    }
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (const key of this.keys()) {
      const value = this.lookupRaw(key);
      if (value !== undefined) out.push([key, value]);
    }
    return out;
  }

  /**
   * BPF_MAP_LOOKUP_BATCH over the whole map; undefined if this kernel/map
   * type does not support batching. Values of per-CPU maps are raw (stride × CPUs).
   */
  lookupBatch(chunk = 256): Array<[Uint8Array, Uint8Array]> | undefined {
    const valueBytes = this.valueBufferSize;
    const count = Math.max(1, Math.min(chunk, this.maxEntries || chunk));
    const keys = kernelBuffer(this.keySize * count);
    const values = kernelBuffer(valueBytes * count);
    // The batch cursor is opaque: a bucket index for hashes, an index for arrays; 8 bytes covers both.
    const cursorSize = Math.max(this.keySize, 8);
    let inBatch: Buffer | null = null;
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (;;) {
      const outBatch = kernelBuffer(cursorSize);
      const attr = new Attr(56)
        .ptr(0, inBatch)
        .ptr(8, outBatch)
        .ptr(16, keys)
        .ptr(24, values)
        .u32(32, count)
        .u32(36, this.fd);
      let done = false;
      try {
        bpf(BpfCmd.MAP_LOOKUP_BATCH, attr, `map "${this.name}"`);
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        if (e.errno === ENOENT) done = true;
        else if (
          (e.errno === EINVAL || e.errno === ENOTSUPP || e.errno === EOPNOTSUPP) &&
          out.length === 0 &&
          inBatch === null
        )
          return undefined;
        // A hash bucket holds more entries than fit in one batch: start over with bigger batches.
        else if (e.errno === ENOSPC && count < (this.maxEntries || 1 << 20)) return this.lookupBatch(count * 4);
        else throw e;
      }
      const got = attr.readU32(32);
      for (let i = 0; i < got; i++) {
        out.push([
          Uint8Array.from(keys.subarray(i * this.keySize, (i + 1) * this.keySize)),
          Uint8Array.from(values.subarray(i * valueBytes, (i + 1) * valueBytes)),
        ]);
      }
      if (done) return out;
      inBatch = outBatch;
    }
  }

  /** Make the map read-only for userspace (BPF_MAP_FREEZE). */
  freeze(): void {
    bpf(BpfCmd.MAP_FREEZE, new Attr(8).u32(0, this.fd), `map "${this.name}"`);
  }

  /** Pin in bpffs at `path`. */
  pin(path: string): void {
    pinObject(this.fd, path);
    this.pinnedPath = path;
  }

  close(): void {
    closeFd(this.fdValue);
    this.fdValue = -1;
  }
}
