// Shared by the runtime commands: exit codes, turning errors into messages and codes, hex/JSON arguments.
import fs from "node:fs";
import type { Command } from "commander";
import path from "node:path";
import { BtfError } from "../../runtime/btf/errors.ts";
import { ElfError } from "../../runtime/elf/errors.ts";
import { TsbpfError } from "../../runtime/errors.ts";
import { loadObject, type BpfObject, type LoadOptions } from "../../runtime/object/index.ts";
import { MapError } from "../../runtime/maps/map.ts";
import { LinkError } from "../../runtime/link/link.ts";
import { CaptureError } from "../../runtime/pcap/index.ts";
import { TraceError } from "../../runtime/trace/index.ts";
import { formatExplanation } from "../../runtime/explain/index.ts";
import { VerifierError } from "../../runtime/program/verifier-error.ts";
import type { SourceLocation } from "../../runtime/program/source-map.ts";
import { InterfaceError, SyscallError } from "../../runtime/sys/index.ts";
import { ObjectError } from "../../runtime/errors.ts";
import { EXIT } from "./exit-codes.ts";

/** The exit codes (bin/commands/exit-codes.ts), for the commands that import them from here. */
export { EXIT };

/** A user-facing error with its own exit code (bad argument, nothing attached, …). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
  }
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof VerifierError) return EXIT.VERIFIER_REJECTED;
  if (e instanceof InterfaceError) return EXIT.NOT_FOUND;
  if (e instanceof ObjectError && /^no (program|map)/.test(e.message)) return EXIT.NOT_FOUND;
  if (e instanceof ElfError || e instanceof BtfError || e instanceof ObjectError) return EXIT.BAD_OBJECT;
  if (e instanceof MapError || e instanceof LinkError || e instanceof CaptureError || e instanceof TraceError)
    return EXIT.USAGE;
  if (e instanceof SyscallError) {
    switch (e.code) {
      case "EPERM":
        return EXIT.NO_PERMISSION;
      case "EACCES":
        return EXIT.NO_PERMISSION;
      case "ENOENT":
        return EXIT.NOT_FOUND;
      case "ENODEV":
        return EXIT.NOT_FOUND;
      case "EBUSY":
      case "EEXIST":
        return EXIT.BUSY;
      case "EOPNOTSUPP":
      case "ENOTSUPP":
        return EXIT.UNSUPPORTED;
      default:
        return e.op.startsWith("BPF_BTF_LOAD") ? EXIT.BAD_OBJECT : EXIT.FAILURE;
    }
  }
  return EXIT.FAILURE;
}

const LOG_TAIL = 20;

/** The message for an error, without a stack trace (except for bugs, with TSBPF_DEBUG=1). */
export function formatError(e: unknown): string {
  if (e instanceof VerifierError) return formatVerifierError(e);
  if (e instanceof SyscallError && e.code === "EPERM" && !e.message.includes("CAP_BPF")) {
    return `tsbpf: ${e.message}\n  (needs root, or CAP_BPF and CAP_NET_ADMIN)`;
  }
  if (e instanceof CliError || e instanceof TsbpfError) return `tsbpf: ${e.message}`;
  const err = e as Error;
  const detail = process.env.TSBPF_DEBUG ? `\n${err?.stack ?? ""}` : " (set TSBPF_DEBUG=1 for a stack trace)";
  return `tsbpf: internal error: ${err?.message ?? String(e)}${detail}`;
}

/**
 * Verifier rejection: the verifier's words, the source line with a caret, the catalog's
 * explanation (value, bound, fix) when it knows the message, and the end of the log.
 */
export function formatVerifierError(e: VerifierError): string {
  const out = [`tsbpf: the verifier rejected program "${e.program}" (${e.code})`];
  for (const l of (e.reason || "(empty log)").split("\n")) out.push(`  ${l}`);
  if (e.source) out.push("", ...sourceExcerpt(e.source));
  if (e.explanation) out.push("", formatExplanation(e.explanation));
  const log = e.log.trimEnd().split("\n");
  if (log.length > 0 && e.log.trim() !== "") {
    out.push("", `verifier log (last ${Math.min(LOG_TAIL, log.length)} of ${log.length} lines):`);
    for (const l of log.slice(-LOG_TAIL)) out.push(`  ${l}`);
  }
  return out.join("\n");
}

/** `--> file:line:col`, the line, and a caret under the column (rustc/tsc style). */
export function sourceExcerpt(loc: SourceLocation): string[] {
  const text = sourceLine(loc) ?? loc.text;
  const gutter = String(loc.line).length;
  const lines = [`  --> ${loc.file}:${loc.line}${loc.col ? `:${loc.col}` : ""} (instruction ${loc.insn})`];
  lines.push(`${" ".repeat(gutter + 1)} |`);
  lines.push(` ${loc.line} | ${text.replace(/\t/g, "    ")}`);
  if (loc.col > 0) {
    const prefix = text.slice(0, loc.col - 1).replace(/\t/g, "    ");
    lines.push(`${" ".repeat(gutter + 1)} | ${" ".repeat(prefix.length)}^`);
  }
  return lines;
}

/** The source line from the file itself when it can be found (line info may carry a trimmed copy). */
function sourceLine(loc: SourceLocation): string | undefined {
  for (const candidate of [loc.file, path.resolve(loc.file)]) {
    try {
      const line = fs.readFileSync(candidate, "utf8").split("\n")[loc.line - 1];
      if (line !== undefined && line.trim() === loc.text.trim()) return line.trimEnd();
    } catch {
      // not on disk here: fall back to the copy in BTF
    }
  }
  return undefined;
}

/** Wrap a command action: errors become a message on stderr and an exit code (no stack traces). */
export function action<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      console.error(formatError(e));
      process.exitCode = exitCodeOf(e);
    }
  };
}

/** Parse hex bytes: "0a0b0c", "0x0a0b", "0a 0b 0c", "0a:0b:0c". */
export function parseHex(text: string, what = "hex"): Uint8Array {
  const s = text
    .trim()
    .replace(/^0x/i, "")
    .replace(/[\s:_-]+/g, "");
  if (s.length === 0) throw new CliError(`${what}: empty (expected hex bytes like "0a 0b 0c" or "0a0b0c")`);
  const bad = /[^0-9a-fA-F]/.exec(s);
  if (bad)
    throw new CliError(
      `${what}: "${bad[0]}" is not a hex digit (in "${text.length > 60 ? `${text.slice(0, 60)}…` : text}")`,
    );
  if (s.length % 2) throw new CliError(`${what}: odd number of hex digits (${s.length}); each byte is two digits`);
  return Uint8Array.from(Buffer.from(s, "hex"));
}

/** Bytes as space-separated hex pairs (bpftool style). */
export function hex(bytes: Uint8Array, sep = " "): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(sep);
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what}: not valid JSON (${(e as Error).message})`);
  }
}

export function parsePositiveInt(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text)))
    throw new CliError(`${what}: expected a positive integer, got "${text}"`);
  return Number(text);
}

/** Load an object file given on the command line (missing file → usage error, not a stack trace). */
export async function loadObjectFile(file: string, options: LoadOptions = {}): Promise<BpfObject> {
  if (!fs.existsSync(file)) throw new CliError(`${file}: no such file`, EXIT.USAGE);
  if (fs.statSync(file).isDirectory())
    throw new CliError(`${file}: is a directory, expected a BPF ELF object (.o)`, EXIT.USAGE);
  return loadObject(file, options);
}

/** JSON with bigints as numbers (or decimal strings beyond 2^53). */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === "bigint"
        ? v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(v)
          : v.toString()
        : v,
    indent,
  );
}

/** Table with left-aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The exit-code table, for `tsbpf --help`. */
export function exitCodesHelp(): string {
  const doc: Record<keyof typeof EXIT, string> = {
    OK: "success",
    FAILURE: "other failure (the message says what the kernel or runtime refused)",
    USAGE: "bad arguments: unknown option, bad hex/JSON, wrong key size, missing input file",
    COMPILE_ERROR: "the TypeScript program is outside the subset or does not type-check",
    VERIFIER_REJECTED: "the kernel verifier rejected a program",
    NO_PERMISSION: "not privileged: run as root, or grant CAP_BPF + CAP_NET_ADMIN",
    NOT_FOUND: "no such interface, pinned path, id, map key, or program in the object",
    BAD_OBJECT: "malformed object file (ELF, BTF) or one that cannot be loaded as written",
    BUSY: "already there: an XDP program on the interface, or a pin at the path",
    UNSUPPORTED: "the kernel or driver lacks the feature (e.g. native XDP)",
  };
  return `\nExit codes:\n${Object.entries(EXIT)
    .map(([name, code]) => `  ${String(code).padStart(2)}  ${doc[name as keyof typeof EXIT]}`)
    .join("\n")}`;
}

/**
 * Make usage errors (unknown option, missing argument) of `command` and its subcommands throw a
 * CommanderError to main(), which exits with EXIT.USAGE, instead of commander calling process.exit(1).
 */
export function usageErrorsToMain(command: Command): Command {
  command.exitOverride().showHelpAfterError("(run with --help for usage)");
  for (const sub of command.commands) usageErrorsToMain(sub);
  return command;
}
