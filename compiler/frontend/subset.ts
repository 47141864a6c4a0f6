// The subset check: constructs outside tsbpf's TypeScript subset that the syntax alone shows
// (classes, closures, exceptions, while loops, calls in `?.` chains, `**`, floating-point literals, …). Like
// TypeScript's grammar checks before its type checker, it is a pass of its own, run over the
// whole program before lowering, so that every such error of a file is reported at once, not
// only the first of each statement. Lowering then meets a rejected node as already reported.
// What needs names or types (a string outside printk(), a call of what cannot be called, a
// loop bound that is not a constant) is judged while lowering.
import type { FunctionDeclaration, SourceFile, ts as TsTypes } from "ts-morph";
import { Node, SyntaxKind, ts } from "./ts-morph.ts";
import { AlreadyReported, type CompileError, diagnosticAt, internalError, type Diagnostic } from "../diagnostics.ts";

export const FLOAT_LITERAL = "floating-point numbers are not supported (BPF has no floats); use an integer";

/** A numeric literal with a fraction or an exponent (`1.5`, `1e3`; not the hex digit in `0xe`). */
export function isFloatLiteral(text: string): boolean {
  return /[.eE]/.test(text) && !/^0[xX]/.test(text);
}

/** Statements of a function body that lowering handles; every other statement is rejected. */
const STATEMENTS = new Set([
  SyntaxKind.Block,
  SyntaxKind.EmptyStatement,
  SyntaxKind.ExpressionStatement,
  SyntaxKind.VariableStatement,
  SyntaxKind.IfStatement,
  SyntaxKind.ReturnStatement,
  SyntaxKind.ForStatement,
  SyntaxKind.ForOfStatement,
  SyntaxKind.BreakStatement,
  SyntaxKind.ContinueStatement,
  SyntaxKind.SwitchStatement,
]);

/** Expressions that lowering handles (a string among them only as a printk() format, judged there). */
const EXPRESSIONS = new Set([
  SyntaxKind.Identifier,
  SyntaxKind.NumericLiteral,
  SyntaxKind.BigIntLiteral,
  SyntaxKind.TrueKeyword,
  SyntaxKind.FalseKeyword,
  SyntaxKind.NullKeyword,
  SyntaxKind.StringLiteral,
  SyntaxKind.NoSubstitutionTemplateLiteral,
  SyntaxKind.TemplateExpression,
  SyntaxKind.PropertyAccessExpression,
  SyntaxKind.ElementAccessExpression,
  SyntaxKind.CallExpression,
  SyntaxKind.BinaryExpression,
  SyntaxKind.PrefixUnaryExpression,
  SyntaxKind.PostfixUnaryExpression,
  SyntaxKind.ConditionalExpression,
  SyntaxKind.ObjectLiteralExpression,
  SyntaxKind.ArrayLiteralExpression,
  SyntaxKind.ParenthesizedExpression,
  SyntaxKind.AsExpression,
  SyntaxKind.SatisfiesExpression,
  SyntaxKind.NonNullExpression,
  SyntaxKind.TypeAssertionExpression,
  // `import(…)`: the call is rejected as a call of something that is not callable.
  SyntaxKind.ImportKeyword,
]);

/** Binary operators that lowering handles: assignments, comparisons, `&&`/`||`, integer arithmetic. */
const OPERATORS = new Set([
  SyntaxKind.EqualsToken,
  SyntaxKind.PlusEqualsToken,
  SyntaxKind.MinusEqualsToken,
  SyntaxKind.AsteriskEqualsToken,
  SyntaxKind.SlashEqualsToken,
  SyntaxKind.PercentEqualsToken,
  SyntaxKind.LessThanLessThanEqualsToken,
  SyntaxKind.GreaterThanGreaterThanEqualsToken,
  SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
  SyntaxKind.AmpersandEqualsToken,
  SyntaxKind.BarEqualsToken,
  SyntaxKind.CaretEqualsToken,
  SyntaxKind.EqualsEqualsEqualsToken,
  SyntaxKind.EqualsEqualsToken,
  SyntaxKind.ExclamationEqualsEqualsToken,
  SyntaxKind.ExclamationEqualsToken,
  SyntaxKind.LessThanToken,
  SyntaxKind.LessThanEqualsToken,
  SyntaxKind.GreaterThanToken,
  SyntaxKind.GreaterThanEqualsToken,
  SyntaxKind.AmpersandAmpersandToken,
  SyntaxKind.BarBarToken,
  SyntaxKind.QuestionQuestionToken,
  SyntaxKind.PlusToken,
  SyntaxKind.MinusToken,
  SyntaxKind.AsteriskToken,
  SyntaxKind.SlashToken,
  SyntaxKind.PercentToken,
  SyntaxKind.LessThanLessThanToken,
  SyntaxKind.GreaterThanGreaterThanToken,
  SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  SyntaxKind.AmpersandToken,
  SyntaxKind.BarToken,
  SyntaxKind.CaretToken,
]);

/** Statements a program module holds besides variable statements and functions. */
const MODULE_STATEMENTS = new Set([
  SyntaxKind.ImportDeclaration,
  SyntaxKind.ExportDeclaration,
  SyntaxKind.EnumDeclaration,
  SyntaxKind.TypeAliasDeclaration,
  SyntaxKind.InterfaceDeclaration,
  SyntaxKind.EmptyStatement,
]);

function unsupportedOperator(op: SyntaxKind): string {
  if (op === SyntaxKind.QuestionQuestionEqualsToken)
    return "`??=` is not supported: test for null with an if, and assign there";
  if (op === SyntaxKind.CommaToken) return "the comma operator is not supported";
  if (op === SyntaxKind.AsteriskAsteriskToken)
    return "operator '**' is not supported (no exponentiation in BPF); multiply, or shift for powers of two (`1 << n`)";
  const text = ts.tokenToString(op as unknown as TsTypes.SyntaxKind) ?? SyntaxKind[op];
  return `operator '${text}' is not supported in BPF programs; use integer arithmetic, comparisons and bit operations`;
}

/** Why a node of a function body is outside the subset, or undefined if it is not (by its syntax). */
function outsideSubset(node: Node): string | undefined {
  // `a?.f` and `a?.[i]` are lowered with what uses them (lower/optional.ts); a call in a chain is not.
  if (Node.isCallExpression(node) && (node.compilerNode.flags & ts.NodeFlags.OptionalChain) !== 0)
    return "a call in an optional chain (`f?.()`, `x?.m()`) is not supported: test for null with an if (`const v = m.lookup(k); if (v !== null) …`)";
  switch (node.getKind()) {
    case SyntaxKind.WhileStatement:
    case SyntaxKind.DoStatement:
      return "while loops may not terminate, which the verifier rejects; write `for (let i = 0; i < N; i++)` with a constant N";
    case SyntaxKind.ForInStatement:
      return "for-in is not supported; write `for (const x of TABLE)` or `for (let i = 0; i < N; i++)` with a constant N";
    case SyntaxKind.ThrowStatement:
    case SyntaxKind.TryStatement:
      return "exceptions are not supported in BPF programs; return an XdpAction instead";
    case SyntaxKind.FunctionDeclaration:
      return "nested functions are not supported; declare functions at module level";
    case SyntaxKind.LabeledStatement:
      return "labelled statements are not supported; use a flag variable to leave the outer loop, or move the loops into a function and return";
    case SyntaxKind.ClassDeclaration:
      return "classes are not supported in BPF programs; use struct()";
    case SyntaxKind.BreakStatement:
    case SyntaxKind.ContinueStatement:
      return (node.compilerNode as TsTypes.BreakOrContinueStatement).label
        ? "labelled break/continue is not supported"
        : undefined;
    case SyntaxKind.ArrowFunction:
    case SyntaxKind.FunctionExpression:
      return "function expressions (closures) are not supported; declare a function at module level";
    case SyntaxKind.NewExpression:
      return "`new` allocates; BPF programs cannot. Declare maps at module level";
    case SyntaxKind.AwaitExpression:
      return "await is not supported in BPF programs";
    case SyntaxKind.TypeOfExpression:
      return "typeof is not supported in BPF programs";
    case SyntaxKind.NumericLiteral:
      return isFloatLiteral(node.getText()) ? FLOAT_LITERAL : undefined;
    case SyntaxKind.BinaryExpression: {
      const op = (node.compilerNode as TsTypes.BinaryExpression).operatorToken.kind as unknown as SyntaxKind;
      return OPERATORS.has(op) ? undefined : unsupportedOperator(op);
    }
  }
  const kind = node.getKind();
  if (STATEMENT_KINDS.has(kind)) return STATEMENTS.has(kind) ? undefined : notSupported(node);
  if (EXPRESSION_KINDS.has(kind)) return EXPRESSIONS.has(kind) ? undefined : notSupported(node);
  return undefined;
}

/**
 * The kinds ts-morph's Node.isStatement and Node.isExpression accept, asked once. Each is a switch
 * over dozens of kinds whose every case loads a property: asked of every node, that was ~10 % of
 * the CPU time of a fresh `tsbpf build lb.ts` from the startup snapshot (where it runs as bytecode).
 */
const kindsWhere = (is: (node: Node) => boolean) =>
  new Set(
    Object.values(SyntaxKind).filter(
      (kind): kind is SyntaxKind => typeof kind === "number" && is({ getKind: () => kind } as unknown as Node),
    ),
  );
const STATEMENT_KINDS = kindsWhere(Node.isStatement);
const EXPRESSION_KINDS = kindsWhere(Node.isExpression);

const notSupported = (node: Node) => `${node.getKindName()} is not supported in BPF programs`;

/** The result of the subset check: its diagnostics, and the nodes it rejected. */
export class SubsetCheck {
  readonly diagnostics: Diagnostic[] = [];
  private readonly rejected = new Set<TsTypes.Node>();
  private readonly checkedFunctions = new Set<TsTypes.Node>();

  /** Checks a program module: its statements, its functions and the bodies of its programs. */
  checkModule(source: SourceFile): void {
    for (const s of source.getStatements()) {
      if (MODULE_STATEMENTS.has(s.getKind())) continue;
      if (Node.isFunctionDeclaration(s)) this.checkFunction(s);
      else if (Node.isVariableStatement(s)) {
        // `xdp((ctx) => { … })`: the program's body (other initializers are read as declarations).
        for (const d of s.getDeclarations()) {
          if (!Node.isIdentifier(d.getNameNode()))
            this.reject(
              d.getNameNode(),
              "destructuring at module level is not supported; declare one constant at a time",
            );
          const init = d.getInitializer();
          const fn = init && Node.isCallExpression(init) ? init.getArguments()[0] : undefined;
          if (fn && (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn))) this.visit(fn.getBody());
        }
      } else if (Node.isClassDeclaration(s))
        this.reject(
          s,
          "classes are not supported in BPF programs; describe data with struct() and behaviour with functions",
        );
      else
        this.reject(
          s,
          `${s.getKindName()} at module level is not supported: a program module declares constants, maps, functions and programs`,
        );
    }
  }

  /** Checks the body of one of the program's functions, once (lowering asks for those of other files). */
  checkFunction(fd: FunctionDeclaration): void {
    if (this.checkedFunctions.has(fd.compilerNode)) return;
    this.checkedFunctions.add(fd.compilerNode);
    const body = fd.getBody();
    if (!body) this.reject(fd, "a function needs a body");
    else this.visit(body);
  }

  isRejected(node: Node): boolean {
    return this.rejected.has(node.compilerNode);
  }

  /** What lowering throws where it meets a rejected node: an error already reported. A node
   *  this check let through is a bug in tsbpf, reported as one, never a silent success. */
  reported(node: Node): CompileError {
    if (this.isRejected(node)) return new AlreadyReported(node);
    return internalError(node, new Error(`the subset check let a ${node.getKindName()} through`));
  }

  private reject(node: Node, message: string): void {
    this.rejected.add(node.compilerNode);
    this.diagnostics.push(diagnosticAt(node, message));
  }

  /** `const { a, b: c, d: { e } } = x` binds fields; what else a pattern can say has no meaning here. */
  private checkPattern(pattern: Node): void {
    if (!Node.isObjectBindingPattern(pattern))
      return this.reject(
        pattern,
        "array destructuring is not supported; index the array: `const a0 = arr[0], a1 = arr[1]`",
      );
    for (const el of pattern.getElements()) {
      const property = el.getPropertyNameNode();
      if (el.getDotDotDotToken())
        this.reject(el, "a rest element copies the other fields into a new object; name the fields you need");
      else if (el.getInitializer())
        this.reject(
          el.getInitializer()!,
          "a struct field always has a value: a default in destructuring would never be used; remove it",
        );
      else if (property && !Node.isIdentifier(property))
        this.reject(property, "destructuring names a field by its name: `{ saddr: src }`");
      else if (!Node.isIdentifier(el.getNameNode())) this.checkPattern(el.getNameNode());
    }
  }

  /** A rejected construct is reported once: what is inside it is not looked at. */
  private visit(node: Node): void {
    // Types are read where they are used; `f<u32>` without a call is an expression, though.
    if (Node.isExpressionWithTypeArguments(node)) return this.reject(node, notSupported(node));
    if (ts.isTypeNode(node.compilerNode)) return;
    const why = outsideSubset(node);
    if (why) return this.reject(node, why);
    // Object-literal methods and accessors are rejected where the literal is read; a string
    // (a template with `${…}` too) where it is lowered, as a whole.
    if (ts.isFunctionLike(node.compilerNode) || Node.isTemplateExpression(node)) return;
    if (Node.isVariableDeclaration(node) && !Node.isIdentifier(node.getNameNode())) {
      this.checkPattern(node.getNameNode());
      const init = node.getInitializer();
      if (init) this.visit(init);
      return;
    }
    if (Node.isForOfStatement(node)) {
      const list = node.getInitializer();
      const decls = Node.isVariableDeclarationList(list) ? list.getDeclarations() : [];
      if (decls.length !== 1 || !Node.isIdentifier(decls[0]!.getNameNode()))
        this.reject(list, "for…of declares one variable: `for (const x of TABLE)`");
      this.visit(node.getExpression());
      this.visit(node.getStatement());
      return;
    }
    node.forEachChild((child) => this.visit(child));
  }
}
