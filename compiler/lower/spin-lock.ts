// The kernel's rules for bpf_spin_lock, checked at the source so that a program breaking one
// fails at its TypeScript line instead of in the verifier's log: the lock is released by a
// spinUnlock() of the same lock later in the same block (so on every path), and between the
// two there is no helper call (the helpers the compiler lowers to instructions are fine), no
// call of a function that makes one, no return, no break or continue out of the section, and
// no second lock. Written this way, the section is straight-line code the verifier accepts.
import type { CallExpression, FunctionDeclaration, Statement } from "ts-morph";
import { Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { stripParens } from "../frontend/declarations.ts";
import { CompileError } from "../diagnostics.ts";
import type { FunctionLowerer } from "./function.ts";

/** Functions of the language that compile to instructions, never to a helper call. */
const NOT_HELPERS = new Set([
  "htons",
  "ntohs",
  "htonl",
  "ntohl",
  "csumReplace4",
  "csumReplace2",
  "zero",
  "atomicAdd",
  "atomicFetchAdd",
  "atomicFetchAnd",
  "atomicFetchOr",
  "atomicFetchXor",
  "atomicExchange",
  "atomicCompareExchange",
]);
/** Methods of the context that are not helper calls: views, a bounds check on the data pointers. */
const CONTEXT_ACCESSORS = new Set(["header", "meta"]);

/** Which language function a call calls, if any. */
function langCallee(f: FunctionLowerer, call: CallExpression): string | undefined {
  const callee = stripParens(call.getExpression());
  if (Node.isPropertyAccessExpression(callee)) return undefined;
  const entity = f.m.decls.entityOf(callee);
  return entity?.kind === "lang" ? entity.name : undefined;
}

function lockedLine(lock: CallExpression): string {
  return `'${lock.getArguments()[0]?.getText()}' is held (spinLock() on line ${lock.getStartLineNumber()})`;
}

/** At `spinLock(x)`: finds its spinUnlock(x) and checks the statements between them. */
export function checkCriticalSection(f: FunctionLowerer, lock: CallExpression): void {
  const statement = lock.getParent();
  const block = statement?.getParent();
  const lockText = lock.getArguments()[0]?.getText() ?? "";
  if (
    !statement ||
    !Node.isExpressionStatement(statement) ||
    stripParens(statement.getExpression()) !== lock ||
    !block ||
    !(Node.isBlock(block) || Node.isCaseClause(block) || Node.isDefaultClause(block))
  )
    throw new CompileError(
      lock,
      `spinLock() is a statement of its own, followed by spinUnlock(${lockText}) in the same block`,
    );
  const statements = block.getStatements();
  const start = statements.indexOf(statement as Statement);
  const calls = (s: Statement, name: string) => {
    const e = Node.isExpressionStatement(s) ? stripParens(s.getExpression()) : undefined;
    return e !== undefined && Node.isCallExpression(e) && langCallee(f, e) === name;
  };
  // The first spinUnlock() after it in the block, unless another spinLock() comes first.
  let end = -1;
  for (let i = start + 1; i < statements.length && !calls(statements[i]!, "spinLock"); i++) {
    if (calls(statements[i]!, "spinUnlock")) {
      end = i;
      break;
    }
  }
  if (end < 0)
    throw new CompileError(
      lock,
      `'${lockText}' is not released on every path: call spinUnlock(${lockText}) later in the same block (the verifier rejects a program that can leave the block holding a lock)`,
    );
  const unlock = stripParens(
    (statements[end] as Statement & { getExpression(): Node }).getExpression(),
  ) as CallExpression;
  const unlockText = unlock.getArguments()[0]?.getText() ?? "";
  if (unlockText.replace(/\s/g, "") !== lockText.replace(/\s/g, ""))
    throw new CompileError(
      unlock,
      `spinUnlock(${unlockText}) releases another lock than spinLock(${lockText}) on line ${lock.getStartLineNumber()} took; one lock is held at a time`,
    );
  const section = statements.slice(start + 1, end);
  for (const s of section) checkHeld(f, lock, s, new Set(section), new Set());
}

/**
 * Reports what `node` does that the verifier forbids while `lock` is held. `section` holds the
 * statements between lock and unlock (a break or continue must stay inside them); `visited`
 * the functions already looked into.
 */
function checkHeld(f: FunctionLowerer, lock: CallExpression, node: Node, section: Set<Node>, visited: Set<Node>) {
  const report = (at: Node, what: string) => f.m.report(new CompileError(at, `${what} while ${lockedLine(lock)}`));
  const visit = (n: Node) => {
    if (Node.isReturnStatement(n)) {
      report(n, "return");
      return;
    }
    if (Node.isBreakStatement(n) || Node.isContinueStatement(n)) {
      if (!staysInside(n, section))
        report(n, `${n.getKind() === SyntaxKind.BreakStatement ? "break" : "continue"} out of the locked section`);
      return;
    }
    if (Node.isCallExpression(n)) {
      const helper = helperCalled(f, n, visited);
      if (helper) report(n, helper);
    }
    n.forEachChild(visit);
  };
  visit(node);
}

/** Whether a break or continue jumps to a loop or switch inside the section. */
function staysInside(jump: Node, section: Set<Node>): boolean {
  const isBreak = Node.isBreakStatement(jump);
  for (let n = jump.getParent(); n; n = n.getParent()) {
    if (section.has(n)) {
      // The section statement itself may be the loop or switch.
      return isTarget(n, isBreak);
    }
    if (isTarget(n, isBreak)) return true;
  }
  return false;
}

function isTarget(n: Node, isBreak: boolean): boolean {
  return (
    Node.isForStatement(n) ||
    Node.isForOfStatement(n) ||
    Node.isForInStatement(n) ||
    Node.isWhileStatement(n) ||
    Node.isDoStatement(n) ||
    (isBreak && Node.isSwitchStatement(n))
  );
}

/** What makes `call` a helper call (in words), directly or in a function it calls; undefined if it is none. */
function helperCalled(f: FunctionLowerer, call: CallExpression, visited: Set<Node>): string | undefined {
  const callee = stripParens(call.getExpression());
  if (Node.isPropertyAccessExpression(callee)) {
    const receiver = f.m.decls.entityOf(callee.getExpression());
    const method = callee.getName();
    if (receiver?.kind === "builtin" || receiver?.kind === "type") return undefined; // Math.imul, S.zero()
    if (receiver?.kind === "map") return `a map operation (${receiver.map.name}.${method}(), a helper call)`;
    const typeName = callee.getExpression().getType().getSymbol()?.getName() ?? "";
    if (typeName.endsWith("Context") && CONTEXT_ACCESSORS.has(method)) return undefined;
    return `a helper call (${callee.getText()}())`;
  }
  const entity = f.m.decls.entityOf(callee);
  if (entity?.kind === "type") return undefined; // u16(x)
  if (entity?.kind === "lang") {
    if (entity.name === "spinLock") return "a second spinLock() (the verifier allows one lock at a time)";
    if (entity.name === "spinUnlock")
      return "spinUnlock() in a nested block (release the lock in the block that took it)";
    if (NOT_HELPERS.has(entity.name)) return undefined;
    return `a helper call (${entity.name}())`;
  }
  if (entity?.kind === "function") {
    const fd = entity.decl as FunctionDeclaration;
    if (visited.has(fd)) return undefined;
    visited.add(fd);
    let found: string | undefined;
    const visit = (n: Node) => {
      if (found) return;
      if (Node.isCallExpression(n)) {
        const inner = helperCalled(f, n, visited);
        if (inner) {
          found = `a call of '${fd.getName()}', which makes ${inner} on line ${n.getStartLineNumber()},`;
          return;
        }
      }
      n.forEachChild(visit);
    };
    fd.getBody()?.forEachChild(visit);
    return found;
  }
  return undefined;
}

/** At `spinUnlock(x)`: a spinLock() must precede it in the same block (checkCriticalSection checks the rest). */
export function checkUnlock(f: FunctionLowerer, unlock: CallExpression): void {
  const statement = unlock.getParent();
  const block = statement?.getParent();
  const locked =
    statement &&
    block &&
    (Node.isBlock(block) || Node.isCaseClause(block) || Node.isDefaultClause(block)) &&
    block
      .getStatements()
      .slice(0, block.getStatements().indexOf(statement as Statement))
      .some((s) => {
        const e = Node.isExpressionStatement(s) ? stripParens(s.getExpression()) : undefined;
        return e && Node.isCallExpression(e) && langCallee(f, e) === "spinLock";
      });
  if (!locked)
    throw new CompileError(
      unlock,
      "spinUnlock() releases the lock a spinLock() took earlier in the same block; there is none here",
    );
}
