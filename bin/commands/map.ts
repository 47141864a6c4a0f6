// tsbpf map list | dump | get | update | delete: maps by pinned path or id, keys and values as hex or BTF-typed JSON.
import fs from "node:fs";
import { Command, Option } from "commander";
import { BpfMap } from "../../runtime/maps/map.ts";
import { mapTypeName, UpdateFlags } from "../../runtime/maps/types.ts";
import { kernelBtf } from "../../runtime/btf/kernel.ts";
import { decodeBtfValue, formatBtfText, type BtfValue } from "../../runtime/btf/format.ts";
import { encodeBtfValue } from "../../runtime/btf/encode.ts";
import type { Btf } from "../../runtime/btf/parse.ts";
import { allIds, BpfCmd, bpfObjectKind, ENOENT, fdById, SyscallError } from "../../runtime/sys/index.ts";
import { action, CliError, EXIT, hex, parseHex, parseJson, table, toJson } from "./common.ts";

const REF_HELP = "MAP is a pinned path (/sys/fs/bpf/…), `pinned PATH`, or `id N` (ids: tsbpf map list, tsbpf load)";

/** Open the map named by `MAP` words: [path] | ["pinned", path] | ["id", n]. */
export function openMapRef(words: string[]): BpfMap {
  if (words.length === 2 && words[0] === "id") {
    if (!/^\d+$/.test(words[1]!)) throw new CliError(`map id: "${words[1]}" is not a number`);
    try {
      return BpfMap.fromId(Number(words[1]));
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT)
        throw new CliError(`no map with id ${words[1]}`, EXIT.NOT_FOUND);
      throw e;
    }
  }
  const p = words.length === 2 && words[0] === "pinned" ? words[1]! : words.length === 1 ? words[0]! : undefined;
  if (p === undefined) throw new CliError(`bad map reference "${words.join(" ")}": ${REF_HELP}`);
  if (/^\d+$/.test(p) && !fs.existsSync(p))
    throw new CliError(`"${p}" is not a pinned path; for a map id write: id ${p}`);
  if (!fs.existsSync(p)) throw new CliError(`${p}: no such pinned map`, EXIT.NOT_FOUND);
  if (fs.statSync(p).isDirectory()) throw new CliError(`${p} is a directory, not a pinned map`);
  const map = BpfMap.fromPinned(p);
  if (!isMapFd(map.fd)) {
    map.close();
    throw new CliError(`${p} is not a pinned map`);
  }
  return map;
}

/** No /proc (kind unknown): trust the kernel's answer. */
const isMapFd = (fd: number): boolean => (bpfObjectKind(fd) ?? "map") === "map";

/** Decoding and encoding of one map's keys and values through the BTF the kernel holds for it. */
class MapCodec {
  readonly btf?: Btf;

  constructor(
    readonly map: BpfMap,
    useBtf: boolean,
  ) {
    if (useBtf && map.btfId && (map.btfKeyTypeId || map.btfValueTypeId)) {
      try {
        this.btf = kernelBtf(map.btfId);
      } catch {
        this.btf = undefined; // fall back to hex
      }
    }
  }

  private decode(typeId: number, bytes: Uint8Array): BtfValue | undefined {
    if (!this.btf || !typeId) return undefined;
    try {
      return decodeBtfValue(this.btf, typeId, bytes);
    } catch {
      return undefined;
    }
  }

  key(bytes: Uint8Array): BtfValue | undefined {
    return this.decode(this.map.btfKeyTypeId, bytes);
  }

  value(bytes: Uint8Array): BtfValue | undefined {
    return this.decode(this.map.btfValueTypeId, bytes);
  }

  /** Text as `tsbpf trace` prints keys and values too (be16/be32 also in hex); undefined without BTF. */
  text(typeId: number, bytes: Uint8Array): string | undefined {
    if (!this.btf || !typeId) return undefined;
    try {
      return formatBtfText(this.btf, typeId, bytes);
    } catch {
      return undefined;
    }
  }

  private encode(typeId: number, json: string, what: string, option: string): Uint8Array {
    if (!this.btf || !typeId)
      throw new CliError(`map "${this.map.name}" has no BTF type for its ${what}: give ${option} as hex`);
    try {
      return encodeBtfValue(this.btf, typeId, parseJson(json, `${option}-json`));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`${option}-json: ${(e as Error).message} (${what} type: ${this.btf.describe(typeId)})`);
    }
  }

  parseKey(opts: { key?: string; keyJson?: string }): Uint8Array {
    if (!opts.key === !opts.keyJson) throw new CliError("give the key as --key HEX or --key-json JSON (one of them)");
    const bytes = opts.key
      ? parseHex(opts.key, "--key")
      : this.encode(this.map.btfKeyTypeId, opts.keyJson!, "key", "--key");
    if (bytes.length !== this.map.keySize)
      throw new CliError(
        `--key: ${bytes.length} bytes given, map "${this.map.name}" has ${this.map.keySize}-byte keys`,
      );
    return bytes;
  }

  parseValue(opts: { value?: string; valueJson?: string }): Uint8Array {
    if (!opts.value === !opts.valueJson)
      throw new CliError("give the value as --value HEX or --value-json JSON (one of them)");
    const bytes = opts.value
      ? parseHex(opts.value, "--value")
      : this.encode(this.map.btfValueTypeId, opts.valueJson!, "value", "--value");
    if (bytes.length !== this.map.valueSize)
      throw new CliError(
        `--value: ${bytes.length} bytes given, map "${this.map.name}" has ${this.map.valueSize}-byte values`,
      );
    return bytes;
  }
}

interface Entry {
  key: Uint8Array;
  values: Uint8Array[];
}

function entryJson(codec: MapCodec, e: Entry, perCpu: boolean) {
  const k = codec.key(e.key);
  const vs = e.values.map((v) => codec.value(v));
  return {
    key_hex: hex(e.key),
    ...(perCpu ? { values_hex: e.values.map((v) => hex(v)) } : { value_hex: hex(e.values[0]!) }),
    ...(k !== undefined ? { key: k } : {}),
    ...(vs.every((v) => v !== undefined) ? (perCpu ? { values: vs } : { value: vs[0] }) : {}),
  };
}

function entryText(codec: MapCodec, e: Entry, perCpu: boolean, asHex: boolean): string {
  const keyText = (asHex ? undefined : codec.text(codec.map.btfKeyTypeId, e.key)) ?? hex(e.key);
  const valueText = (v: Uint8Array) => (asHex ? undefined : codec.text(codec.map.btfValueTypeId, v)) ?? hex(v);
  if (perCpu) return `key: ${keyText}\n${e.values.map((v, cpu) => `  cpu${cpu}: ${valueText(v)}`).join("\n")}`;
  return `key: ${keyText}  value: ${valueText(e.values[0]!)}`;
}

function readEntries(map: BpfMap): Entry[] {
  if (map.isPerCpu) return map.entriesPerCpu().map(([key, values]) => ({ key, values }));
  return map.entries().map(([key, value]) => ({ key, values: [value] }));
}

function lookup(map: BpfMap, key: Uint8Array): Entry | undefined {
  const values = map.isPerCpu
    ? map.lookupPerCpu(key)
    : (() => {
        const v = map.lookup(key);
        return v === undefined ? undefined : [v];
      })();
  return values === undefined ? undefined : { key, values };
}

function withMap(words: string[], fn: (map: BpfMap) => void): void {
  const map = openMapRef(words);
  try {
    fn(map);
  } finally {
    map.close();
  }
}

function frozenHint(e: unknown, map: BpfMap): never {
  // Writes to a frozen map (.rodata, or bpftool map freeze) fail with EPERM even for root.
  if (e instanceof SyscallError && e.code === "EPERM" && process.getuid?.() === 0) {
    throw new CliError(`map "${map.name}" is read-only from userspace (frozen, as .rodata maps are)`, EXIT.FAILURE);
  }
  throw e;
}

const keyOptions = (c: Command) =>
  c
    .option("--key <hex>", "key as hex bytes")
    .option("--key-json <json>", "key as JSON, encoded with the map's BTF key type");

export function mapCommand(): Command {
  const map = new Command("map")
    .description("read and write maps by pinned path or id (keys/values as hex or BTF-typed JSON)")
    .addHelpText("after", `\n${REF_HELP}.`);

  map
    .command("list")
    .alias("show")
    .description("list maps in the kernel: id, name, type, sizes")
    .option("-j, --json", "machine-readable output")
    .action(
      action((opts: { json?: boolean }) => {
        const rows: Array<Record<string, string | number>> = [];
        for (const id of allIds(BpfCmd.MAP_GET_NEXT_ID)) {
          let fd: number;
          try {
            fd = fdById(BpfCmd.MAP_GET_FD_BY_ID, id);
          } catch (e) {
            if (e instanceof SyscallError && e.errno === ENOENT) continue;
            throw e;
          }
          const m = BpfMap.fromFd(fd);
          rows.push({
            id,
            name: m.name,
            type: mapTypeName(m.type).toLowerCase(),
            key_size: m.keySize,
            value_size: m.valueSize,
            max_entries: m.maxEntries,
            btf_id: m.btfId,
          });
          m.close();
        }
        if (opts.json) return void console.log(toJson(rows, 2));
        console.log(
          table([
            ["id", "name", "type", "key", "value", "max_entries"],
            ...rows.map((r) => [
              String(r.id),
              String(r.name) || "-",
              String(r.type),
              `${r.key_size}B`,
              `${r.value_size}B`,
              String(r.max_entries),
            ]),
          ]),
        );
      }),
    );

  map
    .command("dump")
    .description("print every entry (decoded with the map's BTF when it has one)")
    .argument("<map...>", "pinned path, or: id N")
    .option("--hex", "print keys and values as hex even when BTF can decode them")
    .option("-j, --json", "machine-readable output (hex and, with BTF, decoded)")
    .addHelpText(
      "after",
      "\nExamples:\n  tsbpf map dump /sys/fs/bpf/count/counts\n  tsbpf map dump id 42 --json\n\nExit codes: 0 ok, 2 usage, 5 no privilege, 6 no such map.",
    )
    .action(
      action((words: string[], opts: { hex?: boolean; json?: boolean }) =>
        withMap(words, (m) => {
          const codec = new MapCodec(m, !opts.hex);
          const entries = readEntries(m);
          if (opts.json)
            return void console.log(
              toJson(
                entries.map((e) => entryJson(codec, e, m.isPerCpu)),
                2,
              ),
            );
          for (const e of entries) console.log(entryText(codec, e, m.isPerCpu, !!opts.hex));
          console.log(`(${entries.length} entr${entries.length === 1 ? "y" : "ies"})`);
        }),
      ),
    );

  keyOptions(map.command("get").alias("lookup").description("print the value stored under a key"))
    .argument("<map...>", "pinned path, or: id N")
    .option("--hex", "print the value as hex even when BTF can decode it")
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nExamples:\n  tsbpf map get /sys/fs/bpf/count/counts --key-json 0\n  tsbpf map get id 42 --key 00000000\n\nExit codes: 0 ok, 2 usage (bad hex/JSON, wrong size), 6 no such map or key.",
    )
    .action(
      action((words: string[], opts: { key?: string; keyJson?: string; hex?: boolean; json?: boolean }) =>
        withMap(words, (m) => {
          const codec = new MapCodec(m, true);
          const key = codec.parseKey(opts);
          const e = lookup(m, key);
          if (!e) throw new CliError(`key ${hex(key)} not found in map "${m.name}"`, EXIT.NOT_FOUND);
          if (opts.json) return void console.log(toJson(entryJson(codec, e, m.isPerCpu), 2));
          console.log(entryText(codec, e, m.isPerCpu, !!opts.hex));
        }),
      ),
    );

  keyOptions(map.command("update").description("store a value under a key (per-CPU maps: the same value on every CPU)"))
    .argument("<map...>", "pinned path, or: id N")
    .option("--value <hex>", "value as hex bytes")
    .option(
      "--value-json <json>",
      "value as JSON, encoded with the map's BTF value type (missing struct members are 0)",
    )
    .addOption(
      new Option("--flags <flag>", "any: insert or replace; noexist: insert only; exist: replace only")
        .choices(["any", "noexist", "exist"])
        .default("any"),
    )
    .addHelpText(
      "after",
      '\nExamples:\n  tsbpf map update /sys/fs/bpf/count/counts --key-json 3 --value-json \'{"packets": 0, "bytes": 0}\'\n  tsbpf map update id 42 --key 03000000 --value 00000000000000000000000000000000\n\nExit codes: 0 ok, 1 refused (frozen map, full map), 2 usage, 6 no such map (or key, with --flags exist), 8 key exists (--flags noexist).',
    )
    .action(
      action(
        (
          words: string[],
          opts: {
            key?: string;
            keyJson?: string;
            value?: string;
            valueJson?: string;
            flags: "any" | "noexist" | "exist";
          },
        ) =>
          withMap(words, (m) => {
            const codec = new MapCodec(m, true);
            const key = codec.parseKey(opts);
            const value = codec.parseValue(opts);
            const flags = { any: UpdateFlags.ANY, noexist: UpdateFlags.NOEXIST, exist: UpdateFlags.EXIST }[opts.flags];
            try {
              if (m.isPerCpu) m.updatePerCpu(key, value, flags);
              else m.update(key, value, flags);
            } catch (e) {
              frozenHint(e, m);
            }
            console.log(
              `updated map "${m.name}" (id ${m.id}): ${entryText(codec, { key, values: [value] }, false, false)}`,
            );
          }),
      ),
    );

  keyOptions(map.command("delete").description("remove a key (hash-like maps; array entries cannot be deleted)"))
    .argument("<map...>", "pinned path, or: id N")
    .addHelpText("after", "\nExit codes: 0 ok, 1 refused (arrays), 2 usage, 6 no such map or key.")
    .action(
      action((words: string[], opts: { key?: string; keyJson?: string }) =>
        withMap(words, (m) => {
          const codec = new MapCodec(m, true);
          const key = codec.parseKey(opts);
          let removed: boolean;
          try {
            removed = m.delete(key);
          } catch (e) {
            if (e instanceof SyscallError && e.code === "EINVAL")
              throw new CliError(
                `map "${m.name}" is ${mapTypeName(m.type).toLowerCase()}: its entries cannot be deleted`,
                EXIT.FAILURE,
              );
            frozenHint(e, m);
          }
          if (!removed) throw new CliError(`key ${hex(key)} not found in map "${m.name}"`, EXIT.NOT_FOUND);
          console.log(`deleted key ${hex(key)} from map "${m.name}"`);
        }),
      ),
    );

  return map;
}
