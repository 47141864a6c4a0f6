export {
  assembleProgram,
  bindReferences,
  listFunctions,
  type AssembledProgram,
  type DataReference,
  type DataResolver,
  type ElfFunction,
  type ProgramReference,
  type FuncInfo,
  type LineInfo,
} from "./assemble.ts";
export { listPrograms, openPinnedProgram, programInfo, programInfoById, type ProgramInfo } from "./info.ts";
export { loadProgram, type LogLevel, type ProgramLoadSpec } from "./load.ts";
export { Program } from "./program.ts";
export { programKindForSection, type SectionProgramKind } from "./section-types.ts";
export {
  failingInstruction,
  formatSourceLocation,
  sourceLocationOf,
  verifierReason,
  type SourceLocation,
} from "./source-map.ts";
export {
  BPF_F_TEST_XDP_LIVE_FRAMES,
  testRun,
  testRunLive,
  type SkbFields,
  type TestRunInput,
  type TestRunResult,
} from "./test-run.ts";
export { AttachType, ProgLoadFlags, ProgType, progTypeName, TcAction, XdpAction } from "./types.ts";
export { VerifierError } from "./verifier-error.ts";
