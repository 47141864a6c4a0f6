/** Packet decoding for people: every field of every header, with offsets, values and verdicts. */
export { ISSUES, type IssueCode, type IssueKind } from "./issues.ts";
export { decodePacket, flowOf, type DecodeOptions } from "./packet.ts";
export { fieldLine, formatPacket, issueCatalog, protocolStack } from "./format.ts";
export { formatSummary, summarize, type CaptureSummary, type FlowStats } from "./summary.ts";
export { internetChecksum, pseudoHeaderSum } from "./checksum.ts";
export type { DecodedPacket, DecodeIssue, Field, Flow, Layer, Severity, Verdict } from "./types.ts";
