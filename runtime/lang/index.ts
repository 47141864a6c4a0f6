// The `tsbpf` module: what XDP programs import. See types.ts for the number and byte-order rules.
export * from "./types.ts";
export * from "./maps.ts";
export * from "./program.ts";
export * from "./helpers.ts";
export * from "./globals.ts";
