// tsbpf ringbuf MAP: prints a ring buffer's records as JSON lines while they come. With
// --decl FILE:NAME the records are decoded by the program's own RingBuf declaration; without,
// each line is {"size":N,"hex":"…"}.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { RingBufReader } from "../../runtime/maps/ringbuf.ts";
import { MapType, mapTypeName } from "../../runtime/maps/types.ts";
import { action, CliError, EXIT, hex, parsePositiveInt, toJson } from "./common.ts";
import { openMapRef } from "./map.ts";

/** The RingBuf declaration `name` exported by the TypeScript module `file`. */
async function declaration(spec: string): Promise<{ eventType: { size: number; decode(b: Uint8Array): unknown } }> {
  const colon = spec.lastIndexOf(":");
  if (colon <= 0) throw new CliError(`--decl ${spec}: expected FILE:NAME, e.g. prog.ts:events`, EXIT.USAGE);
  const [file, name] = [spec.slice(0, colon), spec.slice(colon + 1)];
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  const decl = module[name] as { type?: number; eventType?: { size: number; decode(b: Uint8Array): unknown } };
  if (decl?.type !== MapType.RINGBUF || !decl.eventType)
    throw new CliError(`--decl ${spec}: ${file} exports no RingBuf named "${name}"`, EXIT.USAGE);
  return { eventType: decl.eventType };
}

export function ringbufCommand(): Command {
  return new Command("ringbuf")
    .description("print a ring buffer's records as JSON lines as they come (MAP: pinned path or `id N`)")
    .argument("<map...>", "the ring buffer: a pinned path, `pinned PATH`, or `id N`")
    .option("--decl <file:name>", "decode records with the RingBuf declaration `name` exported by a TypeScript module")
    .option("-c, --count <n>", "exit after n records")
    .option("-t, --timeout <seconds>", "exit after this many seconds")
    .action(
      action(async (words: string[], opts: { decl?: string; count?: string; timeout?: string }) => {
        const count = opts.count === undefined ? Number.POSITIVE_INFINITY : parsePositiveInt(opts.count, "--count");
        const seconds = opts.timeout === undefined ? undefined : parsePositiveInt(opts.timeout, "--timeout");
        const decl = opts.decl ? await declaration(opts.decl) : undefined;
        const map = openMapRef(words);
        if (map.type !== MapType.RINGBUF) {
          map.close();
          throw new CliError(`map "${map.name}" is ${mapTypeName(map.type)}, not a ring buffer`);
        }
        const reader = new RingBufReader(map, decl?.eventType);
        const stop = () => reader.close();
        const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
        process.once("SIGINT", stop);
        let printed = 0;
        try {
          for await (const record of reader) {
            const line = decl
              ? toJson(record)
              : toJson({ size: (record as Uint8Array).length, hex: hex(record as Uint8Array, "") });
            process.stdout.write(`${line}\n`);
            if (++printed >= count) break;
          }
        } finally {
          clearTimeout(timer);
          process.removeListener("SIGINT", stop);
          reader.close();
          map.close();
        }
      }),
    );
}
