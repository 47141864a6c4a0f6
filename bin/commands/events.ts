// tsbpf ringbuf MAP / tsbpf perf MAP: print the records of a ring buffer or a perf event array
// as JSON lines while they come. With --decl FILE:NAME the records are decoded by the
// program's own RingBuf or PerfEventArray declaration; without, each line is {"size":N,"hex":"…"}.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import type { BpfMap } from "../../runtime/maps/map.ts";
import { PerfEventReader } from "../../runtime/maps/perf.ts";
import { RingBufReader } from "../../runtime/maps/ringbuf.ts";
import { MapType, mapTypeName } from "../../runtime/maps/types.ts";
import { action, CliError, EXIT, hex, parsePositiveInt, toJson } from "./common.ts";
import { openMapRef } from "./map.ts";

type Codec = { size: number; decode(b: Uint8Array): unknown };

/** A kind of map whose records userspace reads as they come. */
interface EventMap {
  command: string;
  type: MapType;
  /** The declaration class, for messages. */
  declaration: string;
  /** What the map is, in messages ("a ring buffer"). */
  what: string;
  description: string;
  open(map: BpfMap, codec?: Codec): AsyncIterable<unknown> & { close(): void };
  /** Said on stderr once the reader is ready (a perf event array drops what is written before). */
  ready?(map: BpfMap, reader: unknown): string;
}

const RINGBUF: EventMap = {
  command: "ringbuf",
  type: MapType.RINGBUF,
  declaration: "RingBuf",
  what: "a ring buffer",
  description: "print a ring buffer's records as JSON lines as they come (MAP: pinned path or `id N`)",
  open: (map, codec) => new RingBufReader(map, codec),
};

const PERF: EventMap = {
  command: "perf",
  type: MapType.PERF_EVENT_ARRAY,
  declaration: "PerfEventArray",
  what: "a perf event array",
  description:
    "print a perf event array's samples as JSON lines as they come, opening a ring per CPU (MAP: pinned path or `id N`)",
  open: (map, codec) => new PerfEventReader(map, codec),
  ready: (map, reader) =>
    `reading perf event array "${map.name}" on ${(reader as PerfEventReader).cpus} CPUs (samples written before now are not kept)`,
};

/** The declaration `name` exported by the TypeScript module `file`: its event type. */
async function declaration(kind: EventMap, spec: string): Promise<Codec> {
  const colon = spec.lastIndexOf(":");
  if (colon <= 0) throw new CliError(`--decl ${spec}: expected FILE:NAME, e.g. prog.ts:events`, EXIT.USAGE);
  const [file, name] = [spec.slice(0, colon), spec.slice(colon + 1)];
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  const decl = module[name] as { type?: number; eventType?: Codec };
  if (decl?.type !== kind.type || !decl.eventType)
    throw new CliError(`--decl ${spec}: ${file} exports no ${kind.declaration} named "${name}"`, EXIT.USAGE);
  return decl.eventType;
}

function eventCommand(kind: EventMap): Command {
  return new Command(kind.command)
    .description(kind.description)
    .argument("<map...>", `${kind.what}: a pinned path, \`pinned PATH\`, or \`id N\``)
    .option(
      "--decl <file:name>",
      `decode records with the ${kind.declaration} declaration \`name\` exported by a TypeScript module`,
    )
    .option("-c, --count <n>", "exit after n records")
    .option("-t, --timeout <seconds>", "exit after this many seconds")
    .action(
      action(async (words: string[], opts: { decl?: string; count?: string; timeout?: string }) => {
        const count = opts.count === undefined ? Number.POSITIVE_INFINITY : parsePositiveInt(opts.count, "--count");
        const seconds = opts.timeout === undefined ? undefined : parsePositiveInt(opts.timeout, "--timeout");
        const codec = opts.decl ? await declaration(kind, opts.decl) : undefined;
        const map = openMapRef(words);
        if (map.type !== kind.type) {
          map.close();
          throw new CliError(`map "${map.name}" is ${mapTypeName(map.type)}, not ${kind.what}`);
        }
        let reader: ReturnType<EventMap["open"]>;
        try {
          reader = kind.open(map, codec);
        } catch (e) {
          map.close();
          throw e;
        }
        const stop = () => reader.close();
        const timer = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
        process.once("SIGINT", stop);
        if (kind.ready) process.stderr.write(`tsbpf: ${kind.ready(map, reader)}\n`);
        let printed = 0;
        try {
          for await (const record of reader) {
            const line = codec
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

export const ringbufCommand = () => eventCommand(RINGBUF);
export const perfCommand = () => eventCommand(PERF);
