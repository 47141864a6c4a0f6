/** tsbpf runtime: load BPF ELF objects into the kernel from Node.js. */
export {
  BpfObject,
  loadObject,
  loadObjectSync,
  parseObject,
  type DataSectionSpec,
  type LoadOptions,
  type MapSpec,
  type ObjectSpec,
  type ProgramSpec,
} from "./object/index.ts";
export { ObjectError, TsbpfError } from "./errors.ts";
export { ElfError, parseElf } from "./elf/index.ts";
export {
  Btf,
  BtfError,
  BtfLoadError,
  decodeBtfValue,
  encodeBtfValue,
  formatBtfValue,
  kernelBtf,
  parseBtf,
  parseBtfExt,
  type BtfValue,
  type MapDefinition,
} from "./btf/index.ts";
export {
  BpfMap,
  formatCidr,
  LpmTrieMap,
  MapError,
  MapFlags,
  parseCidr,
  MapType,
  mapTypeName,
  possibleCpus,
  TypedMap,
  UpdateFlags,
  type Cidr,
  type Codec,
  type LpmTrieDescriptor,
  type MapDescriptor,
} from "./maps/index.ts";
export {
  formatSourceLocation,
  listPrograms,
  openPinnedProgram,
  Program,
  programInfo,
  programInfoById,
  type ProgramInfo,
  ProgType,
  progTypeName,
  VerifierError,
  XdpAction,
  type LogLevel,
  type SourceLocation,
  type TestRunInput,
  type TestRunResult,
} from "./program/index.ts";
export {
  ifNameToIndex,
  inNetns,
  InterfaceError,
  lockFile,
  openFdCount,
  SyscallError,
  type FileLock,
} from "./sys/index.ts";
export {
  attachXdp,
  LinkError,
  linkInfo,
  listXdpLinks,
  unpinLink,
  XdpLink,
  type AttachXdpOptions,
  type LinkInfo,
  type XdpMode,
} from "./link/index.ts";
export {
  decodePacket,
  type DecodedPacket,
  type DecodeIssue,
  type DecodeOptions,
  type Field as DecodedField,
  type Flow,
  formatPacket,
  formatSummary,
  ISSUES as DECODE_ISSUES,
  issueCatalog,
  type Layer as DecodedLayer,
  summarize,
  type CaptureSummary,
} from "./decode/index.ts";
export {
  annotateIr,
  disassemble,
  formatInstruction,
  formatListing,
  helperName,
  type Listing,
  type ListingLine,
  type ProgramCode,
  programCodeOf,
  readInstruction,
  xlatedCode,
} from "./disasm/index.ts";
export { ETHERNET_SPEEDS, lineRatePps, lineRateShares, type LineRateShare, wireBytes } from "./bench/line-rate.ts";
export {
  explainRejection,
  type Explanation,
  formatExplanation,
  REJECTIONS as VERIFIER_REJECTIONS,
  type CatalogEntry as RejectionCatalogEntry,
} from "./explain/index.ts";
export { BPF_F_TEST_XDP_LIVE_FRAMES, testRunLive } from "./program/index.ts";
