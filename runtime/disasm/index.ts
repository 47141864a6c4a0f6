/** Disassembly at the source level: BPF instructions under the TypeScript (or C) lines they come from. */
export { helperName } from "./helpers.ts";
export { formatInstruction, type Instruction, readInstruction } from "./instruction.ts";
export {
  disassemble,
  formatListing,
  type Listing,
  type ListingFormat,
  type ListingLine,
  listingStats,
  type LoadReference,
  type ProgramCode,
  type SourceLine,
} from "./listing.ts";
export { programCodeOf } from "./object.ts";
export { annotateIr, type SourceText } from "./ir.ts";
export { xlatedCode } from "./xlated.ts";
