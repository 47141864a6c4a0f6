// Bindings to the LLVM 14 C API in libLLVM-14.so.1 (Debian's llvm-14), called through koffi.
// The prototypes are copied from llvm-c/*.h; `_Out_` marks pointers LLVM writes through.
// `C` is typed from the same prototypes (see `Api` below): each handle kind is a distinct
// type, so passing a type where a value is expected, or a builder where a module is, fails
// to type-check instead of crashing inside LLVM.
import koffi from "koffi";
import type * as E from "./enums.ts";

const LIBRARY = "libLLVM-14.so.1";

const OPAQUE_REFS = [
  "LLVMContextRef",
  "LLVMModuleRef",
  "LLVMTypeRef",
  "LLVMValueRef",
  "LLVMBasicBlockRef",
  "LLVMMetadataRef",
  "LLVMBuilderRef",
  "LLVMDIBuilderRef",
  "LLVMAttributeRef",
  "LLVMUseRef",
  "LLVMTargetRef",
  "LLVMTargetMachineRef",
  "LLVMTargetDataRef",
  "LLVMMemoryBufferRef",
  "LLVMPassBuilderOptionsRef",
  "LLVMErrorRef",
  "LLVMDiagnosticInfoRef",
] as const;

/** Enum types of the C API, each typed as the values enums.ts names. */
interface Enums {
  LLVMIntPredicate: E.EnumValue<typeof E.IntPredicate>;
  LLVMLinkage: E.EnumValue<typeof E.Linkage>;
  LLVMAtomicRMWBinOp: E.EnumValue<typeof E.AtomicRMWBinOp>;
  LLVMAtomicOrdering: E.EnumValue<typeof E.AtomicOrdering>;
  LLVMCodeGenOptLevel: E.EnumValue<typeof E.CodeGenOptLevel>;
  LLVMRelocMode: E.EnumValue<typeof E.RelocMode>;
  LLVMCodeModel: E.EnumValue<typeof E.CodeModel>;
  LLVMCodeGenFileType: E.EnumValue<typeof E.CodeGenFileType>;
  LLVMVerifierFailureAction: E.EnumValue<typeof E.VerifierFailureAction>;
  LLVMModuleFlagBehavior: E.EnumValue<typeof E.ModuleFlagBehavior>;
  LLVMInlineAsmDialect: E.EnumValue<typeof E.InlineAsmDialect>;
  LLVMTypeKind: number;
  LLVMDWARFSourceLanguage: E.EnumValue<typeof E.DWARFSourceLanguage>;
  LLVMDWARFEmissionKind: E.EnumValue<typeof E.DWARFEmissionKind>;
  LLVMDWARFTypeEncoding: E.EnumValue<typeof E.DWARFTypeEncoding>;
  LLVMDIFlags: number;
  LLVMBool: 0 | 1;
}
const INT_ALIASES: (keyof Enums)[] = [
  "LLVMBool",
  "LLVMDIFlags",
  "LLVMDWARFTypeEncoding",
  "LLVMDWARFSourceLanguage",
  "LLVMDWARFEmissionKind",
  "LLVMIntPredicate",
  "LLVMLinkage",
  "LLVMAtomicOrdering",
  "LLVMAtomicRMWBinOp",
  "LLVMCodeGenFileType",
  "LLVMCodeGenOptLevel",
  "LLVMCodeModel",
  "LLVMRelocMode",
  "LLVMModuleFlagBehavior",
  "LLVMVerifierFailureAction",
  "LLVMInlineAsmDialect",
  "LLVMTypeKind",
];
const UNSIGNED_ALIASES = ["LLVMAttributeIndex"];

const PROTOTYPES = [
  "void LLVMAddAttributeAtIndex(LLVMValueRef F, LLVMAttributeIndex Idx, LLVMAttributeRef A)",
  "void LLVMAddCallSiteAttribute(LLVMValueRef C, LLVMAttributeIndex Idx, LLVMAttributeRef A)",
  "void LLVMAddCase(LLVMValueRef Switch, LLVMValueRef OnVal, LLVMBasicBlockRef Dest)",
  "LLVMValueRef LLVMAddFunction(LLVMModuleRef M, const char *Name, LLVMTypeRef FunctionTy)",
  "LLVMValueRef LLVMAddGlobal(LLVMModuleRef M, LLVMTypeRef Ty, const char *Name)",
  "void LLVMAddIncoming(LLVMValueRef PhiNode, LLVMValueRef *IncomingValues, LLVMBasicBlockRef *IncomingBlocks, unsigned int Count)",
  "void LLVMAddModuleFlag(LLVMModuleRef M, LLVMModuleFlagBehavior Behavior, const char *Key, size_t KeyLen, LLVMMetadataRef Val)",
  "LLVMBasicBlockRef LLVMAppendBasicBlockInContext(LLVMContextRef C, LLVMValueRef Fn, const char *Name)",
  "LLVMTypeRef LLVMArrayType(LLVMTypeRef ElementType, unsigned int ElementCount)",
  "LLVMValueRef LLVMBasicBlockAsValue(LLVMBasicBlockRef BB)",
  "LLVMValueRef LLVMBuildAShr(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildAdd(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildAlloca(LLVMBuilderRef, LLVMTypeRef Ty, const char *Name)",
  "LLVMValueRef LLVMBuildAnd(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildAtomicCmpXchg(LLVMBuilderRef B, LLVMValueRef Ptr, LLVMValueRef Cmp, LLVMValueRef New, LLVMAtomicOrdering SuccessOrdering, LLVMAtomicOrdering FailureOrdering, LLVMBool SingleThread)",
  "LLVMValueRef LLVMBuildAtomicRMW(LLVMBuilderRef B, LLVMAtomicRMWBinOp op, LLVMValueRef PTR, LLVMValueRef Val, LLVMAtomicOrdering ordering, LLVMBool singleThread)",
  "LLVMValueRef LLVMBuildBitCast(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildBr(LLVMBuilderRef, LLVMBasicBlockRef Dest)",
  "LLVMValueRef LLVMBuildCall2(LLVMBuilderRef, LLVMTypeRef, LLVMValueRef Fn, LLVMValueRef *Args, unsigned int NumArgs, const char *Name)",
  "LLVMValueRef LLVMBuildCondBr(LLVMBuilderRef, LLVMValueRef If, LLVMBasicBlockRef Then, LLVMBasicBlockRef Else)",
  "LLVMValueRef LLVMBuildExtractValue(LLVMBuilderRef, LLVMValueRef AggVal, unsigned int Index, const char *Name)",
  "LLVMValueRef LLVMBuildGEP2(LLVMBuilderRef B, LLVMTypeRef Ty, LLVMValueRef Pointer, LLVMValueRef *Indices, unsigned int NumIndices, const char *Name)",
  "LLVMValueRef LLVMBuildICmp(LLVMBuilderRef, LLVMIntPredicate Op, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildInBoundsGEP2(LLVMBuilderRef B, LLVMTypeRef Ty, LLVMValueRef Pointer, LLVMValueRef *Indices, unsigned int NumIndices, const char *Name)",
  "LLVMValueRef LLVMBuildIntToPtr(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildLShr(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildLoad2(LLVMBuilderRef, LLVMTypeRef Ty, LLVMValueRef PointerVal, const char *Name)",
  "LLVMValueRef LLVMBuildMemCpy(LLVMBuilderRef B, LLVMValueRef Dst, unsigned int DstAlign, LLVMValueRef Src, unsigned int SrcAlign, LLVMValueRef Size)",
  "LLVMValueRef LLVMBuildMemSet(LLVMBuilderRef B, LLVMValueRef Ptr, LLVMValueRef Val, LLVMValueRef Len, unsigned int Align)",
  "LLVMValueRef LLVMBuildMul(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildNeg(LLVMBuilderRef, LLVMValueRef V, const char *Name)",
  "LLVMValueRef LLVMBuildNot(LLVMBuilderRef, LLVMValueRef V, const char *Name)",
  "LLVMValueRef LLVMBuildOr(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildPhi(LLVMBuilderRef, LLVMTypeRef Ty, const char *Name)",
  "LLVMValueRef LLVMBuildPtrToInt(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildRet(LLVMBuilderRef, LLVMValueRef V)",
  "LLVMValueRef LLVMBuildRetVoid(LLVMBuilderRef)",
  "LLVMValueRef LLVMBuildSExt(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildSelect(LLVMBuilderRef, LLVMValueRef If, LLVMValueRef Then, LLVMValueRef Else, const char *Name)",
  "LLVMValueRef LLVMBuildShl(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildStore(LLVMBuilderRef, LLVMValueRef Val, LLVMValueRef Ptr)",
  "LLVMValueRef LLVMBuildSub(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildSwitch(LLVMBuilderRef, LLVMValueRef V, LLVMBasicBlockRef Else, unsigned int NumCases)",
  "LLVMValueRef LLVMBuildTrunc(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildUDiv(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildURem(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildUnreachable(LLVMBuilderRef)",
  "LLVMValueRef LLVMBuildXor(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildZExt(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMConstInt(LLVMTypeRef IntTy, uint64_t N, LLVMBool SignExtend)",
  "uint64_t LLVMConstIntGetZExtValue(LLVMValueRef ConstantVal)",
  "int64_t LLVMConstIntGetSExtValue(LLVMValueRef ConstantVal)",
  "LLVMValueRef LLVMConstIntToPtr(LLVMValueRef ConstantVal, LLVMTypeRef ToType)",
  "LLVMValueRef LLVMConstNull(LLVMTypeRef Ty)",
  "LLVMValueRef LLVMConstPointerNull(LLVMTypeRef Ty)",
  "LLVMValueRef LLVMConstStringInContext(LLVMContextRef C, const char *Str, unsigned int Length, LLVMBool DontNullTerminate)",
  "LLVMContextRef LLVMContextCreate(void)",
  "void LLVMContextDispose(LLVMContextRef C)",
  "void *LLVMCopyStringRepOfTargetData(LLVMTargetDataRef TD)",
  "unsigned int LLVMCountIncoming(LLVMValueRef PhiNode)",
  "LLVMBuilderRef LLVMCreateBuilderInContext(LLVMContextRef C)",
  "LLVMDIBuilderRef LLVMCreateDIBuilder(LLVMModuleRef M)",
  "LLVMAttributeRef LLVMCreateEnumAttribute(LLVMContextRef C, unsigned int KindID, uint64_t Val)",
  "LLVMPassBuilderOptionsRef LLVMCreatePassBuilderOptions(void)",
  "LLVMTargetDataRef LLVMCreateTargetDataLayout(LLVMTargetMachineRef T)",
  "LLVMTargetMachineRef LLVMCreateTargetMachine(LLVMTargetRef T, const char *Triple, const char *CPU, const char *Features, LLVMCodeGenOptLevel Level, LLVMRelocMode Reloc, LLVMCodeModel CodeModel)",
  "LLVMMetadataRef LLVMDIBuilderCreateArrayType(LLVMDIBuilderRef Builder, uint64_t Size, uint32_t AlignInBits, LLVMMetadataRef Ty, LLVMMetadataRef *Subscripts, unsigned int NumSubscripts)",
  "LLVMMetadataRef LLVMDIBuilderCreateBasicType(LLVMDIBuilderRef Builder, const char *Name, size_t NameLen, uint64_t SizeInBits, LLVMDWARFTypeEncoding Encoding, LLVMDIFlags Flags)",
  "LLVMMetadataRef LLVMDIBuilderCreateCompileUnit(LLVMDIBuilderRef Builder, LLVMDWARFSourceLanguage Lang, LLVMMetadataRef FileRef, const char *Producer, size_t ProducerLen, LLVMBool isOptimized, const char *Flags, size_t FlagsLen, unsigned int RuntimeVer, const char *SplitName, size_t SplitNameLen, LLVMDWARFEmissionKind Kind, unsigned int DWOId, LLVMBool SplitDebugInlining, LLVMBool DebugInfoForProfiling, const char *SysRoot, size_t SysRootLen, const char *SDK, size_t SDKLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateDebugLocation(LLVMContextRef Ctx, unsigned int Line, unsigned int Column, LLVMMetadataRef Scope, LLVMMetadataRef InlinedAt)",
  "LLVMMetadataRef LLVMDIBuilderCreateExpression(LLVMDIBuilderRef Builder, uint64_t *Addr, size_t Length)",
  "LLVMMetadataRef LLVMDIBuilderCreateFile(LLVMDIBuilderRef Builder, const char *Filename, size_t FilenameLen, const char *Directory, size_t DirectoryLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateFunction(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, const char *LinkageName, size_t LinkageNameLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool IsLocalToUnit, LLVMBool IsDefinition, unsigned int ScopeLine, LLVMDIFlags Flags, LLVMBool IsOptimized)",
  "LLVMMetadataRef LLVMDIBuilderCreateGlobalVariableExpression(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, const char *Linkage, size_t LinkLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool LocalToUnit, LLVMMetadataRef Expr, LLVMMetadataRef Decl, uint32_t AlignInBits)",
  "LLVMMetadataRef LLVMDIBuilderCreateLexicalBlockFile(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, LLVMMetadataRef File, unsigned int Discriminator)",
  "LLVMMetadataRef LLVMDIBuilderCreateMemberType(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNo, uint64_t SizeInBits, uint32_t AlignInBits, uint64_t OffsetInBits, LLVMDIFlags Flags, LLVMMetadataRef Ty)",
  "LLVMMetadataRef LLVMDIBuilderCreateParameterVariable(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, unsigned int ArgNo, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool AlwaysPreserve, LLVMDIFlags Flags)",
  "LLVMMetadataRef LLVMDIBuilderCreatePointerType(LLVMDIBuilderRef Builder, LLVMMetadataRef PointeeTy, uint64_t SizeInBits, uint32_t AlignInBits, unsigned int AddressSpace, const char *Name, size_t NameLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateQualifiedType(LLVMDIBuilderRef Builder, unsigned int Tag, LLVMMetadataRef Type)",
  "LLVMMetadataRef LLVMDIBuilderCreateStructType(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNumber, uint64_t SizeInBits, uint32_t AlignInBits, LLVMDIFlags Flags, LLVMMetadataRef DerivedFrom, LLVMMetadataRef *Elements, unsigned int NumElements, unsigned int RunTimeLang, LLVMMetadataRef VTableHolder, const char *UniqueId, size_t UniqueIdLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateSubroutineType(LLVMDIBuilderRef Builder, LLVMMetadataRef File, LLVMMetadataRef *ParameterTypes, unsigned int NumParameterTypes, LLVMDIFlags Flags)",
  "LLVMMetadataRef LLVMDIBuilderCreateTypedef(LLVMDIBuilderRef Builder, LLVMMetadataRef Type, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Scope, uint32_t AlignInBits)",
  "void LLVMDIBuilderFinalize(LLVMDIBuilderRef Builder)",
  "LLVMMetadataRef LLVMDIBuilderGetOrCreateSubrange(LLVMDIBuilderRef Builder, int64_t LowerBound, int64_t Count)",
  "void LLVMDisposeBuilder(LLVMBuilderRef Builder)",
  "void LLVMDisposeDIBuilder(LLVMDIBuilderRef Builder)",
  "void LLVMDisposeMemoryBuffer(LLVMMemoryBufferRef MemBuf)",
  "void LLVMDisposeMessage(char *Message)",
  "void LLVMDisposeModule(LLVMModuleRef M)",
  "void LLVMDisposePassBuilderOptions(LLVMPassBuilderOptionsRef Options)",
  "LLVMTypeRef LLVMFunctionType(LLVMTypeRef ReturnType, LLVMTypeRef *ParamTypes, unsigned int ParamCount, LLVMBool IsVarArg)",
  "LLVMTypeRef LLVMGetAllocatedType(LLVMValueRef Alloca)",
  "LLVMValueRef LLVMGetBasicBlockTerminator(LLVMBasicBlockRef BB)",
  "size_t LLVMGetBufferSize(LLVMMemoryBufferRef MemBuf)",
  "const void *LLVMGetBufferStart(LLVMMemoryBufferRef MemBuf)",
  "LLVMValueRef LLVMGetCalledValue(LLVMValueRef Instr)",
  "unsigned int LLVMGetEnumAttributeKindForName(const char *Name, size_t SLen)",
  "LLVMIntPredicate LLVMGetICmpPredicate(LLVMValueRef Inst)",
  "LLVMBasicBlockRef LLVMGetIncomingBlock(LLVMValueRef PhiNode, unsigned int Index)",
  "LLVMValueRef LLVMGetInlineAsm(LLVMTypeRef Ty, const char *AsmString, size_t AsmStringSize, const char *Constraints, size_t ConstraintsSize, LLVMBool HasSideEffects, LLVMBool IsAlignStack, LLVMInlineAsmDialect Dialect, LLVMBool CanThrow)",
  "void *LLVMGetErrorMessage(LLVMErrorRef Err)",
  "void *LLVMGetDiagInfoDescription(LLVMDiagnosticInfoRef DI)",
  "int LLVMGetDiagInfoSeverity(LLVMDiagnosticInfoRef DI)",
  "LLVMBasicBlockRef LLVMGetFirstBasicBlock(LLVMValueRef Fn)",
  "LLVMBasicBlockRef LLVMGetLastBasicBlock(LLVMValueRef Fn)",
  "LLVMValueRef LLVMGetFirstFunction(LLVMModuleRef M)",
  "LLVMValueRef LLVMGetFirstInstruction(LLVMBasicBlockRef BB)",
  "LLVMUseRef LLVMGetFirstUse(LLVMValueRef Val)",
  "LLVMUseRef LLVMGetNextUse(LLVMUseRef U)",
  "int LLVMGetNumOperands(LLVMValueRef Val)",
  "unsigned int LLVMGetNumSuccessors(LLVMValueRef Term)",
  "LLVMValueRef LLVMGetOperand(LLVMValueRef Val, unsigned int Index)",
  "LLVMBasicBlockRef LLVMGetSuccessor(LLVMValueRef Term, unsigned int i)",
  "LLVMTypeKind LLVMGetTypeKind(LLVMTypeRef Ty)",
  "LLVMValueRef LLVMGetUser(LLVMUseRef U)",
  "LLVMBasicBlockRef LLVMGetInstructionParent(LLVMValueRef Inst)",
  "LLVMValueRef LLVMGetBasicBlockParent(LLVMBasicBlockRef BB)",
  "LLVMBasicBlockRef LLVMGetInsertBlock(LLVMBuilderRef Builder)",
  "int LLVMGetInstructionOpcode(LLVMValueRef Inst)",
  "unsigned int LLVMGetIntTypeWidth(LLVMTypeRef IntegerTy)",
  "LLVMValueRef LLVMGetIntrinsicDeclaration(LLVMModuleRef Mod, unsigned int ID, LLVMTypeRef *ParamTypes, size_t ParamCount)",
  "unsigned int LLVMGetMDKindIDInContext(LLVMContextRef C, const char *Name, unsigned int SLen)",
  "LLVMBasicBlockRef LLVMGetNextBasicBlock(LLVMBasicBlockRef BB)",
  "LLVMValueRef LLVMGetNextFunction(LLVMValueRef Fn)",
  "LLVMValueRef LLVMGetNextInstruction(LLVMValueRef Inst)",
  "LLVMValueRef LLVMGetParam(LLVMValueRef Fn, unsigned int Index)",
  "LLVMBool LLVMGetTargetFromTriple(const char* Triple, _Out_ LLVMTargetRef *T, _Out_ void **ErrorMessage)",
  "const char * LLVMGetValueName2(LLVMValueRef Val, _Out_ size_t *Length)",
  "void LLVMGlobalSetMetadata(LLVMValueRef Global, unsigned int Kind, LLVMMetadataRef MD)",
  "void LLVMInitializeBPFAsmParser(void)",
  "void LLVMInitializeBPFAsmPrinter(void)",
  "void LLVMInitializeBPFTarget(void)",
  "void LLVMInitializeBPFTargetInfo(void)",
  "void LLVMInitializeBPFTargetMC(void)",
  "LLVMValueRef LLVMInstructionClone(LLVMValueRef Inst)",
  "void LLVMInsertIntoBuilder(LLVMBuilderRef Builder, LLVMValueRef Instr)",
  "LLVMBool LLVMIsNull(LLVMValueRef Val)",
  "LLVMMetadataRef LLVMInstructionGetDebugLoc(LLVMValueRef Inst)",
  "LLVMTypeRef LLVMInt1TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt32TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt64TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt8TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMIntTypeInContext(LLVMContextRef C, unsigned int NumBits)",
  "void LLVMInstructionEraseFromParent(LLVMValueRef Inst)",
  "LLVMValueRef LLVMIsAConstantInt(LLVMValueRef Val)",
  "LLVMValueRef LLVMIsAFunction(LLVMValueRef Val)",
  "LLVMValueRef LLVMIsAInlineAsm(LLVMValueRef Val)",
  "LLVMBool LLVMIsConditional(LLVMValueRef Branch)",
  "LLVMBool LLVMIsConstant(LLVMValueRef Val)",
  "unsigned int LLVMLookupIntrinsicID(const char *Name, size_t NameLen)",
  "LLVMMetadataRef LLVMMDNodeInContext2(LLVMContextRef C, LLVMMetadataRef *MDs, size_t Count)",
  "LLVMMetadataRef LLVMMDStringInContext2(LLVMContextRef C, const char *Str, size_t SLen)",
  "LLVMValueRef LLVMMetadataAsValue(LLVMContextRef C, LLVMMetadataRef MD)",
  "LLVMModuleRef LLVMModuleCreateWithNameInContext(const char *ModuleID, LLVMContextRef C)",
  "void LLVMParseCommandLineOptions(int argc, const char **argv, const char *Overview)",
  "LLVMTypeRef LLVMPointerType(LLVMTypeRef ElementType, unsigned int AddressSpace)",
  "void LLVMMoveBasicBlockAfter(LLVMBasicBlockRef BB, LLVMBasicBlockRef MovePos)",
  "void LLVMPositionBuilderAtEnd(LLVMBuilderRef Builder, LLVMBasicBlockRef Block)",
  "void LLVMPositionBuilderBefore(LLVMBuilderRef Builder, LLVMValueRef Instr)",
  "void LLVMReplaceAllUsesWith(LLVMValueRef OldVal, LLVMValueRef NewVal)",
  "void *LLVMPrintModuleToString(LLVMModuleRef M)",
  "LLVMErrorRef LLVMRunPasses(LLVMModuleRef M, const char *Passes, LLVMTargetMachineRef TM, LLVMPassBuilderOptionsRef Options)",
  "void LLVMSetAlignment(LLVMValueRef V, unsigned int Bytes)",
  "void LLVMSetCurrentDebugLocation2(LLVMBuilderRef Builder, LLVMMetadataRef Loc)",
  "void LLVMSetDataLayout(LLVMModuleRef M, const char *DataLayoutStr)",
  "void LLVMSetInitializer(LLVMValueRef GlobalVar, LLVMValueRef ConstantVal)",
  "void LLVMSetLinkage(LLVMValueRef Global, LLVMLinkage Linkage)",
  "void LLVMSetMetadata(LLVMValueRef Val, unsigned KindID, LLVMValueRef Node)",
  "void LLVMSetOperand(LLVMValueRef User, unsigned int Index, LLVMValueRef Val)",
  "void LLVMSetSection(LLVMValueRef Global, const char *Section)",
  "void LLVMSetSubprogram(LLVMValueRef Func, LLVMMetadataRef SP)",
  "void LLVMSetTarget(LLVMModuleRef M, const char *Triple)",
  "unsigned long long LLVMStoreSizeOfType(LLVMTargetDataRef TD, LLVMTypeRef Ty)",
  "LLVMTypeRef LLVMStructTypeInContext(LLVMContextRef C, LLVMTypeRef *ElementTypes, unsigned int ElementCount, LLVMBool Packed)",
  "LLVMBool LLVMTargetMachineEmitToMemoryBuffer(LLVMTargetMachineRef T, LLVMModuleRef M, LLVMCodeGenFileType codegen, _Out_ void **ErrorMessage, _Out_ LLVMMemoryBufferRef *OutMemBuf)",
  "LLVMTypeRef LLVMTypeOf(LLVMValueRef Val)",
  "LLVMMetadataRef LLVMValueAsMetadata(LLVMValueRef Val)",
  "LLVMBool LLVMVerifyModule(LLVMModuleRef M, LLVMVerifierFailureAction Action, _Out_ void **OutMessage)",
  "LLVMTypeRef LLVMVoidTypeInContext(LLVMContextRef C)",
] as const;

// ---- types of the bindings, read from the prototypes ------------------------------------

declare const kind: unique symbol;
/** An opaque LLVM handle; `Kind` keeps the kinds apart (a ValueRef is not a TypeRef). */
type Handle<Kind extends string> = { readonly [kind]: Kind };
type HandleName = (typeof OPAQUE_REFS)[number];
type HandleOf<N extends HandleName> = N extends `LLVM${infer K}` ? Handle<K> : never;

export type ContextRef = HandleOf<"LLVMContextRef">;
export type ModuleRef = HandleOf<"LLVMModuleRef">;
export type TypeRef = HandleOf<"LLVMTypeRef">;
export type ValueRef = HandleOf<"LLVMValueRef">;
export type BasicBlockRef = HandleOf<"LLVMBasicBlockRef">;
export type MetadataRef = HandleOf<"LLVMMetadataRef">;
export type BuilderRef = HandleOf<"LLVMBuilderRef">;
export type DIBuilderRef = HandleOf<"LLVMDIBuilderRef">;
export type AttributeRef = HandleOf<"LLVMAttributeRef">;
export type TargetMachineRef = HandleOf<"LLVMTargetMachineRef">;
export type TargetDataRef = HandleOf<"LLVMTargetDataRef">;
export type TargetRef = HandleOf<"LLVMTargetRef">;
export type MemoryBufferRef = HandleOf<"LLVMMemoryBufferRef">;
export type DiagnosticInfoRef = HandleOf<"LLVMDiagnosticInfoRef">;
/** A `void *` or `char *` LLVM returns (a message to dispose, a buffer's start). */
export type CPointer = Handle<"void *">;

/** Functions that return NULL for "none" (end of a list, no error). */
type NullableResult =
  | "LLVMGetFirstFunction"
  | "LLVMGetNextFunction"
  | "LLVMGetFirstBasicBlock"
  | "LLVMGetNextBasicBlock"
  | "LLVMGetFirstInstruction"
  | "LLVMGetNextInstruction"
  | "LLVMGetBasicBlockTerminator"
  | "LLVMGetFirstUse"
  | "LLVMGetNextUse"
  | "LLVMIsAConstantInt"
  | "LLVMIsAFunction"
  | "LLVMIsAInlineAsm"
  | "LLVMInstructionGetDebugLoc"
  | "LLVMRunPasses";

type Integer = "int" | "unsigned int" | "unsigned" | "uint32_t" | "size_t" | "LLVMAttributeIndex";
type Wide = "uint64_t" | "int64_t" | "unsigned long long";

/** A C scalar type (no pointer) as TypeScript sees it through koffi. */
type Scalar<T extends string> = T extends HandleName
  ? HandleOf<T>
  : T extends keyof Enums
    ? Enums[T]
    : T extends Integer
      ? number
      : T extends Wide
        ? number | bigint
        : never;

/** One parameter, `type name` (the name may be missing): handles may be NULL, arrays are JS arrays. */
type Param<P extends string> = P extends `_Out_ ${infer T} *${string}`
  ? [(T extends "void" | "void *" ? CPointer : Scalar<T>) | null]
  : P extends `const char **${string}`
    ? string[]
    : P extends `const char *${string}` | `const char* ${string}`
      ? string | Uint8Array | null
      : P extends `${"char" | "void" | "const void"} *${string}`
        ? CPointer
        : P extends `${infer T} *${string}`
          ? (Scalar<T> | null)[] | null
          : P extends `unsigned ${string}`
            ? number
            : P extends `${infer T} ${string}`
              ? T extends HandleName
                ? Scalar<T> | null
                : Scalar<T>
              : P extends HandleName
                ? Scalar<P> | null
                : Scalar<P>;

type Params<S extends string> = S extends "void" | ""
  ? []
  : S extends `${infer H}, ${infer R}`
    ? [Param<H>, ...Params<R>]
    : [Param<S>];

type Result<R extends string, Name extends string> = R extends "void"
  ? undefined
  : R extends "void *" | "const void *" | "void"
    ? CPointer
    : R extends "const char *"
      ? string
      : R extends HandleName
        ? Name extends NullableResult
          ? HandleOf<R> | null
          : HandleOf<R>
        : Scalar<R>;

type Binding<P extends string> = P extends `${infer R} *LLVM${infer N}(${infer A})`
  ? { name: `LLVM${N}`; fn: (...args: Params<A>) => R extends "void" | "const void" ? CPointer : never }
  : P extends `${infer R} LLVM${infer N}(${infer A})`
    ? { name: `LLVM${N}`; fn: (...args: Params<A>) => Result<R, `LLVM${N}`> }
    : never;

/** The C API, one typed function per prototype. */
export type Api = {
  [P in (typeof PROTOTYPES)[number] as Binding<P>["name"]]: Binding<P>["fn"];
};

type Library = ReturnType<typeof koffi.load>;
let library: Library | undefined;

function openLibrary(): Library {
  if (library) return library;
  try {
    library = koffi.load(LIBRARY);
  } catch (e) {
    throw new Error(
      `cannot load ${LIBRARY}: ${(e as Error).message}\n` +
        "tsbpf needs LLVM 14's shared library: on Debian, `apt-get install llvm-14`.",
    );
  }
  for (const name of OPAQUE_REFS) koffi.pointer(name, koffi.opaque());
  for (const name of INT_ALIASES) koffi.alias(name, "int");
  for (const name of UNSIGNED_ALIASES) koffi.alias(name, "unsigned int");
  return library;
}

const prototypeByName = new Map<string, string>(PROTOTYPES.map((proto) => [/(LLVM\w+)\(/.exec(proto)![1]!, proto]));
const bound = new Map<string, (...args: any[]) => any>();

/** The C API. Functions are bound on first use, so importing the compiler costs nothing. */
export const C: Api = new Proxy({} as Api, {
  get(_target, name: string) {
    const fn = bound.get(name);
    if (fn) return fn;
    const proto = prototypeByName.get(name);
    if (!proto) throw new Error(`LLVM C API function ${name} is not bound in compiler/llvm/capi.ts`);
    // koffi wants `unsigned int` where C allows a bare `unsigned`.
    const created = openLibrary().func(proto.replace(/\bunsigned\b(?!\s+(int|long|char))/g, "unsigned int")) as (
      ...args: any[]
    ) => any;
    bound.set(name, created);
    return created;
  },
});

/** Reads an LLVM-owned C string and frees it with LLVMDisposeMessage. */
export function takeMessage(ptr: CPointer | null): string {
  if (!ptr) return "";
  const text = koffi.decode(ptr, "char", -1) as string;
  C.LLVMDisposeMessage(ptr);
  return text;
}

/** Copies `size` bytes from a C pointer. */
export function readBytes(ptr: CPointer, size: number): Uint8Array {
  return new Uint8Array(koffi.decode(ptr, koffi.array("uint8_t", size, "Typed")) as Uint8Array);
}

/**
 * The address behind a handle: two handles to the same LLVM object are different JavaScript
 * objects, so they are compared (or kept in a Set) by this.
 */
export function addressOf(ref: Handle<string>): bigint {
  return BigInt(koffi.address(ref));
}

/** A diagnostic LLVM reported: its LLVMDiagnosticSeverity and its text. */
export interface LlvmDiagnostic {
  severity: E.EnumValue<typeof E.DiagnosticSeverity>;
  description: string;
}

/**
 * Hands every diagnostic LLVM reports in `ctx` to `handle` until the returned function is called.
 * Without a handler, LLVM prints an error (such as the BPF backend's "stack limit of 512 bytes is
 * exceeded") and calls exit(1): the whole process ends, not just the build. With one, LLVM goes on
 * and the caller turns the error into a diagnostic.
 */
export function onLlvmDiagnostics(ctx: ContextRef, handle: (d: LlvmDiagnostic) => void): () => void {
  const lib = openLibrary();
  diagnosticHandlerType ??= koffi.pointer(
    koffi.proto("void LLVMDiagnosticHandler(LLVMDiagnosticInfoRef DI, void *Context)"),
  );
  // The handler's parameter is a function pointer, which the prototype table above does not type.
  setDiagnosticHandler ??= lib.func(
    "void LLVMContextSetDiagnosticHandler(LLVMContextRef C, LLVMDiagnosticHandler *Handler, void *Context)",
  ) as (ctx: ContextRef, handler: unknown, context: null) => void;
  const callback = koffi.register((info: DiagnosticInfoRef) => {
    const severity = C.LLVMGetDiagInfoSeverity(info) as LlvmDiagnostic["severity"];
    handle({ severity, description: takeMessage(C.LLVMGetDiagInfoDescription(info)).trim() });
  }, diagnosticHandlerType);
  setDiagnosticHandler(ctx, callback, null);
  return () => {
    setDiagnosticHandler!(ctx, null, null);
    koffi.unregister(callback);
  };
}
let diagnosticHandlerType: ReturnType<typeof koffi.pointer> | undefined;
let setDiagnosticHandler: ((ctx: ContextRef, handler: unknown, context: null) => void) | undefined;
