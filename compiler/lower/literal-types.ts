// The struct type of an unannotated object literal, from where the variable holding it is used,
// as TypeScript would infer it: `const key = { addr, port, proto }; vips.lookup(key)` makes `key`
// a VipKey. Uses that say a type: a map's key or value, a program function's parameter, the
// right side of an assignment to something of a known type (an annotated variable, a field of a
// struct), an annotated variable's initializer, and `return` in a function declared to return a
// struct.
import type { TypeNode, VariableDeclaration } from "ts-morph";
import { Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { CompileError } from "../diagnostics.ts";
import { readTypeNode } from "../frontend/typenodes.ts";
import { typeName, type BType } from "../types.ts";
import type { Declarations } from "../frontend/declarations.ts";

/** The type the uses of `d` give it, undefined if none says; an error if they disagree. */
export function typeFromUses(decls: Declarations, d: VariableDeclaration): BType | undefined {
  const scope = d.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) ?? d.getSourceFile();
  const key = d.compilerNode;
  let found: { type: BType; at: Node } | undefined;
  for (const use of scope.getDescendantsOfKind(d.getNameNode().getKind())) {
    if (use === d.getNameNode() || decls.symbolOf(use)?.getValueDeclaration()?.compilerNode !== key) continue;
    const type = typeAtUse(decls, use);
    if (!type) continue;
    if (found && (found.type.kind !== type.kind || typeName(found.type) !== typeName(type))) {
      throw new CompileError(
        use,
        `'${d.getName()}' is used as a ${typeName(found.type)} (line ${found.at.getStartLineNumber()}) and as a ${typeName(type)}; annotate it`,
      );
    }
    found ??= { type, at: use };
  }
  return found?.type;
}

/** The struct type a use of the variable expects: see the head of this file. */
function typeAtUse(decls: Declarations, use: Node): BType | undefined {
  const parent = use.getParent();
  if (Node.isReturnStatement(parent)) {
    const fn = parent.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a));
    return fn && Node.isFunctionDeclaration(fn) ? dataType(decls, fn.getReturnTypeNode()) : undefined;
  }
  if (Node.isBinaryExpression(parent) && parent.getRight() === use) {
    if (parent.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) return undefined;
    const target = staticType(decls, parent.getLeft());
    return target?.kind === "struct" || target?.kind === "array" ? target : undefined;
  }
  if (Node.isVariableDeclaration(parent) && parent.getInitializer() === use)
    return dataType(decls, parent.getTypeNode());
  const call = parent;
  if (!call || !Node.isCallExpression(call)) return undefined;
  const index = call.getArguments().indexOf(use);
  if (index < 0) return undefined;
  const callee = call.getExpression();
  if (Node.isPropertyAccessExpression(callee)) {
    const owner = decls.entityOf(callee.getExpression());
    if (owner?.kind !== "map" || owner.map.inner) return undefined;
    const map = owner.map;
    const method = callee.getName();
    if ((method === "lookup" || method === "delete" || method === "update") && index === 0) return map.key;
    if (method === "update" && index === 1) return map.value;
    if (method === "output" && index === 0) return map.event;
    return undefined;
  }
  const fn = decls.entityOf(callee);
  if (fn?.kind !== "function" || !Node.isFunctionDeclaration(fn.decl)) return undefined;
  return dataType(decls, fn.decl.getParameters()[index]?.getTypeNode());
}

/** The struct or array type an annotation names (`Value<typeof S>`, `… | null`), if it names one. */
function dataType(decls: Declarations, typeNode: TypeNode | undefined): BType | undefined {
  if (!typeNode) return undefined;
  try {
    const t = readTypeNode(decls, typeNode);
    return t.kind === "data" && (t.type.kind === "struct" || t.type.kind === "array") ? t.type : undefined;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return undefined; // the annotation's own error is reported where it is read
  }
}

/**
 * The type of an assignment's target, where the source says it without lowering: a variable or
 * parameter with an annotation, one bound to a map's lookup(), a ctx.header() or zero(), a
 * global, and fields and elements of those (`pair.a`, `keys[1]`).
 */
function staticType(decls: Declarations, expr: Node): BType | undefined {
  if (Node.isParenthesizedExpression(expr) || Node.isNonNullExpression(expr))
    return staticType(decls, expr.getExpression());
  if (Node.isPropertyAccessExpression(expr)) {
    const owner = staticType(decls, expr.getExpression());
    return owner?.kind === "struct" ? owner.fields.find((f) => f.name === expr.getName())?.type : undefined;
  }
  if (Node.isElementAccessExpression(expr)) {
    const owner = staticType(decls, expr.getExpression());
    return owner?.kind === "array" ? owner.element : undefined;
  }
  if (!Node.isIdentifier(expr)) return undefined;
  const entity = decls.entityOf(expr);
  if (entity?.kind === "global") return entity.global.type;
  const decl = decls.symbolOf(expr)?.getValueDeclaration();
  if (Node.isParameterDeclaration(decl)) return dataType(decls, decl.getTypeNode());
  if (!Node.isVariableDeclaration(decl)) return undefined;
  const annotated = decl.getTypeNode();
  if (annotated) return dataType(decls, annotated);
  const init = decl.getInitializer();
  if (!init || !Node.isCallExpression(init)) return undefined;
  const callee = init.getExpression();
  const args = init.getArguments();
  try {
    if (Node.isPropertyAccessExpression(callee)) {
      const owner = decls.entityOf(callee.getExpression());
      if (owner?.kind === "map" && !owner.map.inner && callee.getName() === "lookup") return owner.map.value;
      if (callee.getName() === "header" && args[0]) return decls.typeOf(args[0]);
      if (callee.getName() === "zero") return decls.typeOf(callee.getExpression());
      return undefined;
    }
    const fn = decls.entityOf(callee);
    if (fn?.kind === "lang" && fn.name === "zero" && args[0]) return decls.typeOf(args[0]);
    if (fn?.kind === "function" && Node.isFunctionDeclaration(fn.decl))
      return dataType(decls, fn.decl.getReturnTypeNode());
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
  }
  return undefined;
}
