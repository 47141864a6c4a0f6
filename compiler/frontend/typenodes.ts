// TypeScript type annotations read as BPF types: `u16`, `bool`, `Value<typeof VipKey>`,
// an alias of one of those, `T | null` for references that may be null, `XdpContext`.
import type { EnumDeclaration, TypeNode } from "ts-morph";
import { Node, SyntaxKind } from "./ts-morph.ts";
import { CompileError } from "../diagnostics.ts";
import { BOOL, INT_TYPES, type BType, type IntT, type ProgramKind } from "../types.ts";
import { isLangFile, resolveSymbol, type Declarations } from "./declarations.ts";
import { enumStorage } from "../../runtime/lang/layout.ts";

export type AnnotatedType =
  | { kind: "data"; type: BType; nullable: boolean }
  | { kind: "ctx"; program: ProgramKind }
  | { kind: "void" };

/** An enum as a type, in variables and struct fields alike: a u32, or an i32 if a member is
 *  negative (C gives enums an int); the rule is the language's (runtime/lang/layout.ts). */
export function enumType(decl: EnumDeclaration, use: Node = decl): IntT {
  const values = decl.getMembers().map((m) => m.getValue());
  if (values.some((v) => typeof v !== "number"))
    throw new CompileError(use, `enum '${decl.getName()}' has a string member; an enum type holds numbers`);
  const storage = enumStorage(values as number[]);
  if (!storage) throw new CompileError(use, `the members of enum '${decl.getName()}' do not fit in a u32 or an i32`);
  return INT_TYPES[storage]!;
}

export function readTypeNode(decls: Declarations, node: TypeNode): AnnotatedType {
  if (node.getKind() === SyntaxKind.BooleanKeyword) return { kind: "data", type: BOOL, nullable: false };
  if (node.getKind() === SyntaxKind.VoidKeyword) return { kind: "void" };
  if (node.getKind() === SyntaxKind.NumberKeyword || node.getKind() === SyntaxKind.BigIntKeyword) {
    throw new CompileError(node, `'${node.getText()}' has no width here; write an integer type such as u32 or u64`);
  }
  if (Node.isParenthesizedTypeNode(node)) return readTypeNode(decls, node.getTypeNode());
  if (Node.isUnionTypeNode(node)) {
    const parts = node.getTypeNodes();
    const nonNull = parts.filter((p) => !(Node.isLiteralTypeNode(p) && p.getText() === "null"));
    if (nonNull.length === 1 && parts.length === 2) {
      const inner = readTypeNode(decls, nonNull[0]!);
      if (inner.kind === "data") return { ...inner, nullable: true };
    }
    throw new CompileError(node, "union types are not supported, except `T | null` for a reference");
  }
  if (Node.isTypeReference(node)) {
    const nameNode = node.getTypeName();
    const symbol = resolveSymbol(decls.symbolOf(nameNode));
    const decl = symbol?.getDeclarations()[0];
    const name = symbol?.getName() ?? nameNode.getText();
    // An enum (or one of its members, `PacketClass.Web`) is an integer type.
    const enumDecl = decl && Node.isEnumMember(decl) ? decl.getParent() : decl;
    if (enumDecl && Node.isEnumDeclaration(enumDecl))
      return { kind: "data", type: enumType(enumDecl, node), nullable: false };
    if (decl && isLangFile(decl.getSourceFile().getFilePath())) {
      if (INT_TYPES[name]) return { kind: "data", type: INT_TYPES[name]!, nullable: false };
      if (name === "bool") return { kind: "data", type: BOOL, nullable: false };
      if (name === "XdpContext") return { kind: "ctx", program: "xdp" };
      if (name === "TcContext") return { kind: "ctx", program: "tc" };
      if (name === "Value" || name === "StructValue") {
        const arg = node.getTypeArguments()[0];
        if (arg && Node.isTypeQuery(arg)) {
          return { kind: "data", type: decls.typeOf(arg.getExprName()), nullable: false };
        }
      }
    }
    if (decl && Node.isTypeAliasDeclaration(decl)) return readTypeNode(decls, decl.getTypeNodeOrThrow());
  }
  throw new CompileError(
    node,
    `type '${node.getText()}' is not a BPF type; use u8…u64, i8…i64, bool, or Value<typeof SomeStruct>`,
  );
}
