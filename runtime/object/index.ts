export { loadObject, loadObjectSync, type LoadOptions } from "./load.ts";
export { BpfObject } from "./object.ts";
export { parseObject } from "./parse.ts";
export type { DataSectionSpec, MapSpec, ObjectSpec, ProgramSpec } from "./spec.ts";
