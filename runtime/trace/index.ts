/** Tracing: a program run on a packet in an interpreter of its BPF code, told at the source-line level. */
export type { SourcePosition, TraceEvent, TraceOutcome } from "./events.ts";
export { type MapShape, type MapSource, TraceMap } from "./maps.ts";
export {
  type MapState,
  type MapStateEntry,
  type SessionOptions,
  TraceError,
  type TraceRun,
  TraceSession,
} from "./session.ts";
export type { MachineOptions } from "./machine.ts";
export { type FibAnswer, KernelFibLookup } from "./fib-lookup.ts";
export { actionName, formatEvents, formatTrace, packetDiff, type TraceFormat } from "./format.ts";
export { mapSource, type PerCpuView, pinnedProgramMaps, sumWords } from "./live.ts";
