// Bindings to the LLVM 14 C API in libLLVM-14.so.1 (Debian's llvm-14), called through koffi.
// The prototypes are copied from llvm-c/*.h; `_Out_` marks pointers LLVM writes through.
import koffi from "koffi";

const LIBRARY = "libLLVM-14.so.1";

/** An opaque LLVM handle (module, type, value, metadata, …). */
export type Ref = unknown;

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
];
const INT_ALIASES = [
  "LLVMBool",
  "LLVMDIFlags",
  "LLVMDWARFTypeEncoding",
  "LLVMDWARFSourceLanguage",
  "LLVMDWARFEmissionKind",
  "LLVMIntPredicate",
  "LLVMLinkage",
  "LLVMVisibility",
  "LLVMAtomicOrdering",
  "LLVMAtomicRMWBinOp",
  "LLVMCodeGenFileType",
  "LLVMCodeGenOptLevel",
  "LLVMCodeModel",
  "LLVMRelocMode",
  "LLVMModuleFlagBehavior",
  "LLVMTypeKind",
  "LLVMVerifierFailureAction",
];
const UNSIGNED_ALIASES = ["LLVMAttributeIndex"];

const PROTOTYPES = [
  "uint64_t LLVMABISizeOfType(LLVMTargetDataRef TD, LLVMTypeRef Ty)",
  "void LLVMAddAttributeAtIndex(LLVMValueRef F, LLVMAttributeIndex Idx, LLVMAttributeRef A)",
  "void LLVMAddCase(LLVMValueRef Switch, LLVMValueRef OnVal, LLVMBasicBlockRef Dest)",
  "LLVMValueRef LLVMAddFunction(LLVMModuleRef M, const char *Name, LLVMTypeRef FunctionTy)",
  "LLVMValueRef LLVMAddGlobal(LLVMModuleRef M, LLVMTypeRef Ty, const char *Name)",
  "void LLVMAddIncoming(LLVMValueRef PhiNode, LLVMValueRef *IncomingValues, LLVMBasicBlockRef *IncomingBlocks, unsigned int Count)",
  "void LLVMAddModuleFlag(LLVMModuleRef M, LLVMModuleFlagBehavior Behavior, const char *Key, size_t KeyLen, LLVMMetadataRef Val)",
  "LLVMBasicBlockRef LLVMAppendBasicBlockInContext(LLVMContextRef C, LLVMValueRef Fn, const char *Name)",
  "LLVMTypeRef LLVMArrayType(LLVMTypeRef ElementType, unsigned int ElementCount)",
  "LLVMValueRef LLVMBuildAShr(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBasicBlockAsValue(LLVMBasicBlockRef BB)",
  "LLVMMetadataRef LLVMMDNodeInContext2(LLVMContextRef C, LLVMMetadataRef *MDs, size_t Count)",
  "LLVMMetadataRef LLVMMDStringInContext2(LLVMContextRef C, const char *Str, size_t SLen)",
  "LLVMValueRef LLVMMetadataAsValue(LLVMContextRef C, LLVMMetadataRef MD)",
  "void LLVMSetMetadata(LLVMValueRef Val, unsigned KindID, LLVMValueRef Node)",
  "LLVMValueRef LLVMBuildAdd(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildAlloca(LLVMBuilderRef, LLVMTypeRef Ty, const char *Name)",
  "LLVMValueRef LLVMBuildAnd(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildAtomicRMW(LLVMBuilderRef B, LLVMAtomicRMWBinOp op, LLVMValueRef PTR, LLVMValueRef Val, LLVMAtomicOrdering ordering, LLVMBool singleThread)",
  "LLVMValueRef LLVMBuildBitCast(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildBr(LLVMBuilderRef, LLVMBasicBlockRef Dest)",
  "LLVMValueRef LLVMBuildCall2(LLVMBuilderRef, LLVMTypeRef, LLVMValueRef Fn, LLVMValueRef *Args, unsigned int NumArgs, const char *Name)",
  "LLVMValueRef LLVMBuildCondBr(LLVMBuilderRef, LLVMValueRef If, LLVMBasicBlockRef Then, LLVMBasicBlockRef Else)",
  "LLVMValueRef LLVMBuildExtractValue(LLVMBuilderRef, LLVMValueRef AggVal, unsigned int Index, const char *Name)",
  "LLVMValueRef LLVMBuildFreeze(LLVMBuilderRef, LLVMValueRef Val, const char *Name)",
  "LLVMValueRef LLVMBuildGEP2(LLVMBuilderRef B, LLVMTypeRef Ty, LLVMValueRef Pointer, LLVMValueRef *Indices, unsigned int NumIndices, const char *Name)",
  "LLVMValueRef LLVMBuildICmp(LLVMBuilderRef, LLVMIntPredicate Op, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildInBoundsGEP2(LLVMBuilderRef B, LLVMTypeRef Ty, LLVMValueRef Pointer, LLVMValueRef *Indices, unsigned int NumIndices, const char *Name)",
  "LLVMValueRef LLVMBuildIntCast2(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, LLVMBool IsSigned, const char *Name)",
  "LLVMValueRef LLVMBuildIntToPtr(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildIsNotNull(LLVMBuilderRef, LLVMValueRef Val, const char *Name)",
  "LLVMValueRef LLVMBuildIsNull(LLVMBuilderRef, LLVMValueRef Val, const char *Name)",
  "LLVMValueRef LLVMBuildLShr(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildLoad2(LLVMBuilderRef, LLVMTypeRef Ty, LLVMValueRef PointerVal, const char *Name)",
  "LLVMValueRef LLVMBuildMemCpy(LLVMBuilderRef B, LLVMValueRef Dst, unsigned int DstAlign, LLVMValueRef Src, unsigned int SrcAlign, LLVMValueRef Size)",
  "LLVMValueRef LLVMBuildMemSet(LLVMBuilderRef B, LLVMValueRef Ptr, LLVMValueRef Val, LLVMValueRef Len, unsigned int Align)",
  "LLVMValueRef LLVMBuildMul(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildNeg(LLVMBuilderRef, LLVMValueRef V, const char *Name)",
  "LLVMValueRef LLVMBuildNot(LLVMBuilderRef, LLVMValueRef V, const char *Name)",
  "LLVMValueRef LLVMBuildOr(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildPhi(LLVMBuilderRef, LLVMTypeRef Ty, const char *Name)",
  "LLVMValueRef LLVMBuildPointerCast(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildPtrToInt(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildRet(LLVMBuilderRef, LLVMValueRef V)",
  "LLVMValueRef LLVMBuildRetVoid(LLVMBuilderRef)",
  "LLVMValueRef LLVMBuildSDiv(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildSExt(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildSRem(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildSelect(LLVMBuilderRef, LLVMValueRef If, LLVMValueRef Then, LLVMValueRef Else, const char *Name)",
  "LLVMValueRef LLVMBuildShl(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildStore(LLVMBuilderRef, LLVMValueRef Val, LLVMValueRef Ptr)",
  "LLVMValueRef LLVMBuildStructGEP2(LLVMBuilderRef B, LLVMTypeRef Ty, LLVMValueRef Pointer, unsigned int Idx, const char *Name)",
  "LLVMValueRef LLVMBuildSub(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildSwitch(LLVMBuilderRef, LLVMValueRef V, LLVMBasicBlockRef Else, unsigned int NumCases)",
  "LLVMValueRef LLVMBuildTrunc(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMBuildUDiv(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildURem(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildUnreachable(LLVMBuilderRef)",
  "LLVMValueRef LLVMBuildXor(LLVMBuilderRef, LLVMValueRef LHS, LLVMValueRef RHS, const char *Name)",
  "LLVMValueRef LLVMBuildZExt(LLVMBuilderRef, LLVMValueRef Val, LLVMTypeRef DestTy, const char *Name)",
  "LLVMValueRef LLVMConstArray(LLVMTypeRef ElementTy, LLVMValueRef *ConstantVals, unsigned int Length)",
  "LLVMValueRef LLVMConstBitCast(LLVMValueRef ConstantVal, LLVMTypeRef ToType)",
  "LLVMValueRef LLVMConstInt(LLVMTypeRef IntTy, uint64_t N, LLVMBool SignExtend)",
  "uint64_t LLVMConstIntGetZExtValue(LLVMValueRef ConstantVal)",
  "LLVMValueRef LLVMConstIntToPtr(LLVMValueRef ConstantVal, LLVMTypeRef ToType)",
  "LLVMValueRef LLVMConstNamedStruct(LLVMTypeRef StructTy, LLVMValueRef *ConstantVals, unsigned int Count)",
  "LLVMValueRef LLVMConstNull(LLVMTypeRef Ty)",
  "LLVMValueRef LLVMConstPointerNull(LLVMTypeRef Ty)",
  "LLVMValueRef LLVMConstStringInContext(LLVMContextRef C, const char *Str, unsigned int Length, LLVMBool DontNullTerminate)",
  "LLVMValueRef LLVMConstStructInContext(LLVMContextRef C, LLVMValueRef *ConstantVals, unsigned int Count, LLVMBool Packed)",
  "LLVMContextRef LLVMContextCreate(void)",
  "void LLVMContextDispose(LLVMContextRef C)",
  "void *LLVMCopyStringRepOfTargetData(LLVMTargetDataRef TD)",
  "unsigned int LLVMCountParams(LLVMValueRef Fn)",
  "LLVMBuilderRef LLVMCreateBuilderInContext(LLVMContextRef C)",
  "LLVMDIBuilderRef LLVMCreateDIBuilder(LLVMModuleRef M)",
  "LLVMAttributeRef LLVMCreateEnumAttribute(LLVMContextRef C, unsigned int KindID, uint64_t Val)",
  "LLVMPassBuilderOptionsRef LLVMCreatePassBuilderOptions(void)",
  "LLVMAttributeRef LLVMCreateStringAttribute(LLVMContextRef C, const char *K, unsigned int KLength, const char *V, unsigned int VLength)",
  "LLVMTargetDataRef LLVMCreateTargetDataLayout(LLVMTargetMachineRef T)",
  "LLVMTargetMachineRef LLVMCreateTargetMachine(LLVMTargetRef T, const char *Triple, const char *CPU, const char *Features, LLVMCodeGenOptLevel Level, LLVMRelocMode Reloc, LLVMCodeModel CodeModel)",
  "LLVMMetadataRef LLVMDIBuilderCreateArrayType(LLVMDIBuilderRef Builder, uint64_t Size, uint32_t AlignInBits, LLVMMetadataRef Ty, LLVMMetadataRef *Subscripts, unsigned int NumSubscripts)",
  "LLVMMetadataRef LLVMDIBuilderCreateAutoVariable(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool AlwaysPreserve, LLVMDIFlags Flags, uint32_t AlignInBits)",
  "LLVMMetadataRef LLVMDIBuilderCreateBasicType(LLVMDIBuilderRef Builder, const char *Name, size_t NameLen, uint64_t SizeInBits, LLVMDWARFTypeEncoding Encoding, LLVMDIFlags Flags)",
  "LLVMMetadataRef LLVMDIBuilderCreateCompileUnit(LLVMDIBuilderRef Builder, LLVMDWARFSourceLanguage Lang, LLVMMetadataRef FileRef, const char *Producer, size_t ProducerLen, LLVMBool isOptimized, const char *Flags, size_t FlagsLen, unsigned int RuntimeVer, const char *SplitName, size_t SplitNameLen, LLVMDWARFEmissionKind Kind, unsigned int DWOId, LLVMBool SplitDebugInlining, LLVMBool DebugInfoForProfiling, const char *SysRoot, size_t SysRootLen, const char *SDK, size_t SDKLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateDebugLocation(LLVMContextRef Ctx, unsigned int Line, unsigned int Column, LLVMMetadataRef Scope, LLVMMetadataRef InlinedAt)",
  "LLVMMetadataRef LLVMDIBuilderCreateEnumerationType(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNumber, uint64_t SizeInBits, uint32_t AlignInBits, LLVMMetadataRef *Elements, unsigned int NumElements, LLVMMetadataRef ClassTy)",
  "LLVMMetadataRef LLVMDIBuilderCreateEnumerator(LLVMDIBuilderRef Builder, const char *Name, size_t NameLen, int64_t Value, LLVMBool IsUnsigned)",
  "LLVMMetadataRef LLVMDIBuilderCreateExpression(LLVMDIBuilderRef Builder, uint64_t *Addr, size_t Length)",
  "LLVMMetadataRef LLVMDIBuilderCreateFile(LLVMDIBuilderRef Builder, const char *Filename, size_t FilenameLen, const char *Directory, size_t DirectoryLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateFunction(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, const char *LinkageName, size_t LinkageNameLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool IsLocalToUnit, LLVMBool IsDefinition, unsigned int ScopeLine, LLVMDIFlags Flags, LLVMBool IsOptimized)",
  "LLVMMetadataRef LLVMDIBuilderCreateGlobalVariableExpression(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, const char *Linkage, size_t LinkLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool LocalToUnit, LLVMMetadataRef Expr, LLVMMetadataRef Decl, uint32_t AlignInBits)",
  "LLVMMetadataRef LLVMDIBuilderCreateLexicalBlock(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, LLVMMetadataRef File, unsigned int Line, unsigned int Column)",
  "LLVMMetadataRef LLVMDIBuilderCreateMemberType(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNo, uint64_t SizeInBits, uint32_t AlignInBits, uint64_t OffsetInBits, LLVMDIFlags Flags, LLVMMetadataRef Ty)",
  "LLVMMetadataRef LLVMDIBuilderCreateParameterVariable(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, unsigned int ArgNo, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Ty, LLVMBool AlwaysPreserve, LLVMDIFlags Flags)",
  "LLVMMetadataRef LLVMDIBuilderCreatePointerType(LLVMDIBuilderRef Builder, LLVMMetadataRef PointeeTy, uint64_t SizeInBits, uint32_t AlignInBits, unsigned int AddressSpace, const char *Name, size_t NameLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateQualifiedType(LLVMDIBuilderRef Builder, unsigned int Tag, LLVMMetadataRef Type)",
  "LLVMMetadataRef LLVMDIBuilderCreateStructType(LLVMDIBuilderRef Builder, LLVMMetadataRef Scope, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNumber, uint64_t SizeInBits, uint32_t AlignInBits, LLVMDIFlags Flags, LLVMMetadataRef DerivedFrom, LLVMMetadataRef *Elements, unsigned int NumElements, unsigned int RunTimeLang, LLVMMetadataRef VTableHolder, const char *UniqueId, size_t UniqueIdLen)",
  "LLVMMetadataRef LLVMDIBuilderCreateSubroutineType(LLVMDIBuilderRef Builder, LLVMMetadataRef File, LLVMMetadataRef *ParameterTypes, unsigned int NumParameterTypes, LLVMDIFlags Flags)",
  "LLVMMetadataRef LLVMDIBuilderCreateTypedef(LLVMDIBuilderRef Builder, LLVMMetadataRef Type, const char *Name, size_t NameLen, LLVMMetadataRef File, unsigned int LineNo, LLVMMetadataRef Scope, uint32_t AlignInBits)",
  "void LLVMDIBuilderFinalize(LLVMDIBuilderRef Builder)",
  "LLVMMetadataRef LLVMDIBuilderGetOrCreateArray(LLVMDIBuilderRef Builder, LLVMMetadataRef *Data, size_t NumElements)",
  "LLVMMetadataRef LLVMDIBuilderGetOrCreateSubrange(LLVMDIBuilderRef Builder, int64_t LowerBound, int64_t Count)",
  "LLVMValueRef LLVMDIBuilderInsertDbgValueAtEnd(LLVMDIBuilderRef Builder, LLVMValueRef Val, LLVMMetadataRef VarInfo, LLVMMetadataRef Expr, LLVMMetadataRef DebugLoc, LLVMBasicBlockRef Block)",
  "LLVMValueRef LLVMDIBuilderInsertDeclareAtEnd(LLVMDIBuilderRef Builder, LLVMValueRef Storage, LLVMMetadataRef VarInfo, LLVMMetadataRef Expr, LLVMMetadataRef DebugLoc, LLVMBasicBlockRef Block)",
  "void LLVMDeleteBasicBlock(LLVMBasicBlockRef BB)",
  "void LLVMDisposeBuilder(LLVMBuilderRef Builder)",
  "void LLVMDisposeDIBuilder(LLVMDIBuilderRef Builder)",
  "void LLVMDisposeErrorMessage(char *ErrMsg)",
  "void LLVMDisposeMemoryBuffer(LLVMMemoryBufferRef MemBuf)",
  "void LLVMDisposeMessage(char *Message)",
  "void LLVMDisposeModule(LLVMModuleRef M)",
  "void LLVMDisposePassBuilderOptions(LLVMPassBuilderOptionsRef Options)",
  "void LLVMDisposeTargetMachine(LLVMTargetMachineRef T)",
  "LLVMTypeRef LLVMFunctionType(LLVMTypeRef ReturnType, LLVMTypeRef *ParamTypes, unsigned int ParamCount, LLVMBool IsVarArg)",
  "unsigned int LLVMGetAlignment(LLVMValueRef V)",
  "LLVMValueRef LLVMGetBasicBlockParent(LLVMBasicBlockRef BB)",
  "LLVMValueRef LLVMGetBasicBlockTerminator(LLVMBasicBlockRef BB)",
  "size_t LLVMGetBufferSize(LLVMMemoryBufferRef MemBuf)",
  "const void *LLVMGetBufferStart(LLVMMemoryBufferRef MemBuf)",
  "LLVMTypeRef LLVMGetElementType(LLVMTypeRef Ty)",
  "LLVMBasicBlockRef LLVMGetEntryBasicBlock(LLVMValueRef Fn)",
  "unsigned int LLVMGetEnumAttributeKindForName(const char *Name, size_t SLen)",
  "void *LLVMGetErrorMessage(LLVMErrorRef Err)",
  "LLVMValueRef LLVMGetFirstInstruction(LLVMBasicBlockRef BB)",
  "LLVMUseRef LLVMGetFirstUse(LLVMValueRef Val)",
  "LLVMUseRef LLVMGetNextUse(LLVMUseRef U)",
  "LLVMValueRef LLVMGetUser(LLVMUseRef U)",
  "LLVMBasicBlockRef LLVMGetInstructionParent(LLVMValueRef Inst)",
  "LLVMBasicBlockRef LLVMGetInsertBlock(LLVMBuilderRef Builder)",
  "LLVMBasicBlockRef LLVMGetInsertBlock(LLVMBuilderRef Builder)",
  "unsigned int LLVMGetIntTypeWidth(LLVMTypeRef IntegerTy)",
  "LLVMValueRef LLVMGetIntrinsicDeclaration(LLVMModuleRef Mod, unsigned int ID, LLVMTypeRef *ParamTypes, size_t ParamCount)",
  "LLVMBasicBlockRef LLVMGetLastBasicBlock(LLVMValueRef Fn)",
  "LLVMValueRef LLVMGetLastInstruction(LLVMBasicBlockRef BB)",
  "unsigned int LLVMGetMDKindIDInContext(LLVMContextRef C, const char *Name, unsigned int SLen)",
  "LLVMValueRef LLVMGetNamedFunction(LLVMModuleRef M, const char *Name)",
  "LLVMValueRef LLVMGetParam(LLVMValueRef Fn, unsigned int Index)",
  "LLVMBool LLVMGetTargetFromTriple(const char* Triple, _Out_ LLVMTargetRef *T, _Out_ void **ErrorMessage)",
  "LLVMTypeKind LLVMGetTypeKind(LLVMTypeRef Ty)",
  "LLVMValueRef LLVMGetUndef(LLVMTypeRef Ty)",
  "const char * LLVMGetValueName2(LLVMValueRef Val, _Out_ size_t *Length)",
  "void LLVMGlobalSetMetadata(LLVMValueRef Global, unsigned int Kind, LLVMMetadataRef MD)",
  "void LLVMInitializeBPFAsmPrinter(void)",
  "void LLVMInitializeBPFTarget(void)",
  "void LLVMInitializeBPFTargetInfo(void)",
  "void LLVMInitializeBPFTargetMC(void)",
  "void LLVMInstructionEraseFromParent(LLVMValueRef Inst)",
  "LLVMTypeRef LLVMInt16TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt1TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt32TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt64TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMInt8TypeInContext(LLVMContextRef C)",
  "LLVMTypeRef LLVMIntTypeInContext(LLVMContextRef C, unsigned int NumBits)",
  "LLVMValueRef LLVMIsATerminatorInst(LLVMValueRef Inst)",
  "LLVMBool LLVMIsConstant(LLVMValueRef Val)",
  "LLVMBool LLVMIsConstant(LLVMValueRef Val)",
  "unsigned int LLVMLookupIntrinsicID(const char *Name, size_t NameLen)",
  "LLVMModuleRef LLVMModuleCreateWithNameInContext(const char *ModuleID, LLVMContextRef C)",
  "void LLVMMoveBasicBlockAfter(LLVMBasicBlockRef BB, LLVMBasicBlockRef MovePos)",
  "uint64_t LLVMOffsetOfElement(LLVMTargetDataRef TD, LLVMTypeRef StructTy, unsigned int Element)",
  "LLVMTypeRef LLVMPointerType(LLVMTypeRef ElementType, unsigned int AddressSpace)",
  "void LLVMPositionBuilder(LLVMBuilderRef Builder, LLVMBasicBlockRef Block, LLVMValueRef Instr)",
  "void LLVMPositionBuilderAtEnd(LLVMBuilderRef Builder, LLVMBasicBlockRef Block)",
  "void LLVMPositionBuilderBefore(LLVMBuilderRef Builder, LLVMValueRef Instr)",
  "void *LLVMPrintModuleToString(LLVMModuleRef M)",
  "void *LLVMPrintTypeToString(LLVMTypeRef Val)",
  "void *LLVMPrintValueToString(LLVMValueRef Val)",
  "void LLVMReplaceAllUsesWith(LLVMValueRef OldVal, LLVMValueRef NewVal)",
  "LLVMErrorRef LLVMRunPasses(LLVMModuleRef M, const char *Passes, LLVMTargetMachineRef TM, LLVMPassBuilderOptionsRef Options)",
  "void LLVMSetAlignment(LLVMValueRef V, unsigned int Bytes)",
  "void LLVMSetCurrentDebugLocation2(LLVMBuilderRef Builder, LLVMMetadataRef Loc)",
  "void LLVMSetDataLayout(LLVMModuleRef M, const char *DataLayoutStr)",
  "void LLVMSetGlobalConstant(LLVMValueRef GlobalVar, LLVMBool IsConstant)",
  "void LLVMSetInitializer(LLVMValueRef GlobalVar, LLVMValueRef ConstantVal)",
  "void LLVMSetLinkage(LLVMValueRef Global, LLVMLinkage Linkage)",
  "void LLVMSetSection(LLVMValueRef Global, const char *Section)",
  "void LLVMSetSubprogram(LLVMValueRef Func, LLVMMetadataRef SP)",
  "void LLVMSetTailCall(LLVMValueRef CallInst, LLVMBool IsTailCall)",
  "void LLVMSetTarget(LLVMModuleRef M, const char *Triple)",
  "void LLVMSetValueName2(LLVMValueRef Val, const char *Name, size_t NameLen)",
  "void LLVMSetVisibility(LLVMValueRef Global, LLVMVisibility Viz)",
  "void LLVMSetVolatile(LLVMValueRef MemoryAccessInst, LLVMBool IsVolatile)",
  "uint64_t LLVMSizeOfTypeInBits(LLVMTargetDataRef TD, LLVMTypeRef Ty)",
  "LLVMTypeRef LLVMStructCreateNamed(LLVMContextRef C, const char *Name)",
  "void LLVMStructSetBody(LLVMTypeRef StructTy, LLVMTypeRef *ElementTypes, unsigned int ElementCount, LLVMBool Packed)",
  "LLVMTypeRef LLVMStructTypeInContext(LLVMContextRef C, LLVMTypeRef *ElementTypes, unsigned int ElementCount, LLVMBool Packed)",
  "LLVMBool LLVMTargetMachineEmitToMemoryBuffer(LLVMTargetMachineRef T, LLVMModuleRef M, LLVMCodeGenFileType codegen, _Out_ void **ErrorMessage, _Out_ LLVMMemoryBufferRef *OutMemBuf)",
  "LLVMTypeRef LLVMTypeOf(LLVMValueRef Val)",
  "void LLVMParseCommandLineOptions(int argc, const char **argv, const char *Overview)",
  "LLVMValueRef LLVMGetFirstFunction(LLVMModuleRef M)",
  "LLVMValueRef LLVMGetNextFunction(LLVMValueRef Fn)",
  "LLVMBasicBlockRef LLVMGetFirstBasicBlock(LLVMValueRef Fn)",
  "LLVMBasicBlockRef LLVMGetNextBasicBlock(LLVMBasicBlockRef BB)",
  "LLVMValueRef LLVMGetNextInstruction(LLVMValueRef Inst)",
  "int LLVMGetInstructionOpcode(LLVMValueRef Inst)",
  "LLVMTypeRef LLVMGetAllocatedType(LLVMValueRef Alloca)",
  "unsigned long long LLVMStoreSizeOfType(LLVMTargetDataRef TD, LLVMTypeRef Ty)",
  "LLVMMetadataRef LLVMValueAsMetadata(LLVMValueRef Val)",
  "LLVMBool LLVMVerifyModule(LLVMModuleRef M, LLVMVerifierFailureAction Action, _Out_ void **OutMessage)",
  "LLVMTypeRef LLVMVoidTypeInContext(LLVMContextRef C)",
  "int LLVMWriteBitcodeToFile(LLVMModuleRef M, const char *Path)",
];

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

const prototypeByName = new Map(PROTOTYPES.map((proto) => [/(LLVM\w+)\(/.exec(proto)![1]!, proto]));
const bound = new Map<string, (...args: any[]) => any>();

/** The C API. Functions are bound on first use, so importing the compiler costs nothing. */
export const C: Record<string, (...args: any[]) => any> = new Proxy({} as Record<string, (...args: any[]) => any>, {
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
export function takeMessage(ptr: unknown): string {
  if (!ptr) return "";
  const text = koffi.decode(ptr, "char", -1) as string;
  C.LLVMDisposeMessage(ptr);
  return text;
}

/** Copies `size` bytes from a C pointer. */
export function readBytes(ptr: unknown, size: number): Uint8Array {
  return new Uint8Array(koffi.decode(ptr, koffi.array("uint8_t", size, "Typed")) as Uint8Array);
}
