// The struct type of an unannotated object literal, from where the variable holding it is used,
// as TypeScript would infer it: `const key = { addr, port, proto }; vips.lookup(key)` makes `key`
// a VipKey. Uses that say a type: a map's key or value, a program function's parameter.
import type { VariableDeclaration } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
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
    if (use === d.getNameNode() || use.getSymbol()?.getValueDeclaration()?.compilerNode !== key) continue;
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

/** The struct type an argument position expects: map key/value, function parameter. */
function typeAtUse(decls: Declarations, use: Node): BType | undefined {
  const call = use.getParent();
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
  const typeNode = fn.decl.getParameters()[index]?.getTypeNode();
  if (!typeNode) return undefined;
  try {
    const t = readTypeNode(decls, typeNode);
    return t.kind === "data" && (t.type.kind === "struct" || t.type.kind === "array") ? t.type : undefined;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return undefined; // the parameter's own error is reported with the function
  }
}
