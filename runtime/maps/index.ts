export { createMap, kernelObjectName, OBJ_NAME_LEN, type MapCreateSpec } from "./create.ts";
export { createGlobalDataMap, globalDataKind, type GlobalDataKind, type GlobalDataSpec } from "./global-data.ts";
export { BpfMap, MapError, type MapProperties } from "./map.ts";
export { countCpuList, perCpuStride, possibleCpus } from "./possible-cpus.ts";
export { isPerCpuMapType, MapFlags, MapType, mapTypeName, UpdateFlags } from "./types.ts";
export { formatCidr, parseCidr, type Cidr } from "./cidr.ts";
export { LpmTrieMap, TypedMap, type Codec, type LpmTrieDescriptor, type MapDescriptor } from "./typed.ts";
export {
  bindKeyless,
  TypedBloomFilter,
  TypedQueue,
  type BloomFilterDescriptor,
  type KeylessMapDescriptor,
  type QueueDescriptor,
} from "./keyless.ts";
export { RingBufReader, type RingBufDescriptor } from "./ringbuf.ts";
export { PerfEventReader, type PerfEventArrayDescriptor } from "./perf.ts";
