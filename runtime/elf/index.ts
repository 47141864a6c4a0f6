export { ElfError, type ElfLocation } from "./errors.ts";
export { parseElf } from "./parse.ts";
export { ByteReader } from "./reader.ts";
export * from "./types.ts";
