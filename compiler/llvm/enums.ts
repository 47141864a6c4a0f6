// The values of the LLVM C API's enums that tsbpf uses (llvm-c/Core.h, TargetMachine.h,
// Analysis.h, DebugInfo.h), in one place. capi.ts types each enum parameter with these, so a
// predicate cannot be passed where a linkage is expected.

/** LLVMIntPredicate. */
export const IntPredicate = {
  EQ: 32,
  NE: 33,
  UGT: 34,
  UGE: 35,
  ULT: 36,
  ULE: 37,
  SGT: 38,
  SGE: 39,
  SLT: 40,
  SLE: 41,
} as const;

/** LLVMLinkage. */
export const Linkage = { External: 0, Internal: 8 } as const;

/** LLVMOpcode (what stack.ts, lifetimes.ts and verifier-shapes.ts look for). */
export const Opcode = {
  Ret: 1,
  Br: 2,
  Add: 8,
  Sub: 10,
  Mul: 12,
  UDiv: 14,
  SDiv: 15,
  URem: 17,
  SRem: 18,
  Shl: 20,
  LShr: 21,
  AShr: 22,
  And: 23,
  Or: 24,
  Xor: 25,
  Alloca: 26,
  Load: 27,
  Store: 28,
  GetElementPtr: 29,
  Trunc: 30,
  ZExt: 31,
  SExt: 32,
  IntToPtr: 40,
  BitCast: 41,
  ICmp: 42,
  PHI: 44,
  Call: 45,
  Select: 46,
  AtomicCmpXchg: 56,
  AtomicRMW: 57,
  Freeze: 68,
} as const;

/** LLVMTypeKind (only what verifier-shapes.ts looks for). */
export const TypeKind = { Integer: 8, Pointer: 12 } as const;

/** LLVMAtomicRMWBinOp. */
export const AtomicRMWBinOp = { Xchg: 0, Add: 1, And: 3, Or: 5, Xor: 6 } as const;

/** LLVMAtomicOrdering. */
export const AtomicOrdering = { SequentiallyConsistent: 7 } as const;

/** LLVMCodeGenOptLevel. */
export const CodeGenOptLevel = { Default: 2 } as const;

/** LLVMRelocMode. */
export const RelocMode = { Default: 0 } as const;

/** LLVMCodeModel. */
export const CodeModel = { Default: 0 } as const;

/** LLVMCodeGenFileType. */
export const CodeGenFileType = { ObjectFile: 1 } as const;

/** LLVMVerifierFailureAction. */
export const VerifierFailureAction = { ReturnStatus: 2 } as const;

/** LLVMDiagnosticSeverity. */
export const DiagnosticSeverity = { Error: 0, Warning: 1, Remark: 2, Note: 3 } as const;

/** LLVMInlineAsmDialect. */
export const InlineAsmDialect = { ATT: 0 } as const;

/** LLVMModuleFlagBehavior. */
export const ModuleFlagBehavior = { Warning: 1 } as const;

/** LLVMDWARFSourceLanguage. */
export const DWARFSourceLanguage = { C: 1 } as const;

/** LLVMDWARFEmissionKind. */
export const DWARFEmissionKind = { Full: 1 } as const;

/** LLVMDWARFTypeEncoding: the DWARF DW_ATE_* base type encodings. */
export const DWARFTypeEncoding = {
  boolean: 0x02,
  signed: 0x05,
  signed_char: 0x06,
  unsigned: 0x07,
  unsigned_char: 0x08,
} as const;

/** LLVMDIFlags (a bit set). */
export const DIFlags = { Zero: 0, Prototyped: 1 << 8 } as const;

/** The values of one of the enums above. */
export type EnumValue<E> = E[keyof E];
