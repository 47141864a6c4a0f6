export { BtfError } from "./errors.ts";
export { parseBtfExt, type BtfExt, type FuncInfoRecord, type LineInfoRecord } from "./ext.ts";
export { fixupBtfForKernel } from "./fixup.ts";
export { decodeBtfValue, formatBtfValue, type BtfValue } from "./format.ts";
export { BtfLoadError, loadBtf } from "./load.ts";
export { findMapDefinitions, LIBBPF_PIN_BY_NAME, LIBBPF_PIN_NONE, type MapDefinition } from "./map-defs.ts";
export { Btf, parseBtf, type BtfHeader } from "./parse.ts";
export * from "./types.ts";
