// tsbpf load | run | prog list: loading objects, test runs, and what programs the kernel holds.
import fs from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import type { BpfObject } from "../../runtime/object/index.ts";
import type { BpfMap } from "../../runtime/maps/map.ts";
import { listPrograms, programInfo, type ProgramInfo } from "../../runtime/program/info.ts";
import { testRun, type TestRunResult } from "../../runtime/program/test-run.ts";
import { ProgType, progTypeName, XdpAction } from "../../runtime/program/types.ts";
import { listXdpLinks } from "../../runtime/link/list.ts";
import { closeFd, getPinnedObject } from "../../runtime/sys/index.ts";
import { mapTypeName } from "../../runtime/maps/types.ts";
import { action, CliError, EXIT, hex, loadObjectFile, parseHex, parsePositiveInt, table, toJson } from "./common.ts";
import { readPcap, writePcap } from "../../runtime/pcap/index.ts";
import { locateXdp, xdpDevices, type XdpMode } from "./xdp-devices.ts";

// ---------------------------------------------------------------- bpffs helpers

/** Mount points of bpffs, longest first. */
export function bpffsMounts(): string[] {
  try {
    return fs
      .readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f[2] === "bpf")
      .map((f) => f[1]!)
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

export function isOnBpffs(p: string): boolean {
  const abs = path.resolve(p);
  return bpffsMounts().some((m) => abs === m || abs.startsWith(m.endsWith("/") ? m : `${m}/`));
}

/** Make sure `dir` can hold pins: on a bpffs mount, created if needed. */
export function ensurePinDir(dir: string): void {
  if (!isOnBpffs(dir)) {
    const mounts = bpffsMounts();
    throw new CliError(
      `${dir} is not on a BPF filesystem; pins must live under ${mounts.length ? mounts.join(" or ") : "a bpffs mount (mount -t bpf bpf /sys/fs/bpf)"}`,
      EXIT.USAGE,
    );
  }
  fs.mkdirSync(dir, { recursive: true });
}

// ---------------------------------------------------------------- load

interface Pinned {
  path: string;
  kind: "program" | "map";
}

function pinFileName(mapName: string, taken: Set<string>): string {
  // Global data maps are named after their section (".rodata"): pin them without the dot unless a map has that name.
  const plain = mapName.replace(/^\./, "");
  return taken.has(plain) ? mapName : plain;
}

/** Pin every program and map of `obj` under `dir`; on failure remove what was pinned and rethrow. */
export function pinObjectTo(obj: BpfObject, dir: string): Map<string, string> {
  ensurePinDir(dir);
  const done: Pinned[] = [];
  const where = new Map<string, string>();
  const taken = new Set([...obj.programs.keys(), ...[...obj.maps.keys()].filter((n) => !n.startsWith("."))]);
  try {
    for (const [name, prog] of obj.programs) {
      const p = path.join(dir, name);
      prog.pin(p);
      done.push({ path: p, kind: "program" });
      where.set(`prog:${name}`, p);
    }
    for (const [name, map] of obj.maps) {
      const p = path.join(dir, pinFileName(name, taken));
      map.pin(p);
      done.push({ path: p, kind: "map" });
      where.set(`map:${name}`, p);
    }
  } catch (e) {
    for (const d of done) fs.rmSync(d.path, { force: true });
    throw e;
  }
  return where;
}

function mapRow(name: string, m: BpfMap, pin?: string): Record<string, unknown> {
  return {
    id: m.id,
    name,
    type: mapTypeName(m.type).toLowerCase(),
    key_size: m.keySize,
    value_size: m.valueSize,
    max_entries: m.maxEntries,
    ...(pin ? { pinned: pin } : {}),
  };
}

export function describeObject(obj: BpfObject, pins = new Map<string, string>()) {
  const programs = [...obj.programs].map(([name, p]) => {
    const info = p.info();
    return {
      id: info.id,
      name,
      type: progTypeName(p.type).toLowerCase(),
      section: p.section,
      insns: p.insnCount,
      xlated_insns: info.insnCount,
      tag: info.tag,
      map_ids: info.mapIds,
      ...(pins.get(`prog:${name}`) ? { pinned: pins.get(`prog:${name}`) } : {}),
    };
  });
  const maps = [...obj.maps].map(([name, m]) => mapRow(name, m, pins.get(`map:${name}`)));
  return { programs, maps, ...(obj.btfLoadError ? { btf_load_error: obj.btfLoadError.message } : {}) };
}

function printObject(file: string, d: ReturnType<typeof describeObject>, pinned: boolean): void {
  console.log(
    `loaded ${file}: ${d.programs.length} program${d.programs.length === 1 ? "" : "s"}, ${d.maps.length} map${d.maps.length === 1 ? "" : "s"}`,
  );
  if (d.btf_load_error)
    console.log(`note: the kernel refused the object's BTF, loaded without it: ${d.btf_load_error}`);
  if (d.programs.length) {
    console.log("programs:");
    console.log(
      table([
        ["  id", "name", "type", "insns", "tag", "maps", ...(pinned ? ["pinned"] : [])],
        ...d.programs.map((p) => [
          `  ${p.id}`,
          p.name,
          p.type,
          String(p.insns),
          p.tag,
          p.map_ids.join(",") || "-",
          ...(pinned ? [p.pinned ?? ""] : []),
        ]),
      ]),
    );
  }
  if (d.maps.length) {
    console.log("maps:");
    console.log(
      table([
        ["  id", "name", "type", "key", "value", "max_entries", ...(pinned ? ["pinned"] : [])],
        ...d.maps.map((m) => [
          `  ${m.id}`,
          String(m.name),
          String(m.type),
          `${m.key_size}B`,
          `${m.value_size}B`,
          String(m.max_entries),
          ...(pinned ? [String(m.pinned ?? "")] : []),
        ]),
      ]),
    );
  }
  if (!pinned)
    console.log("(not pinned: the programs and maps are unloaded when tsbpf exits; use --pin DIR to keep them)");
}

export function loadCommand(): Command {
  return new Command("load")
    .description("load a BPF ELF object into the kernel (verifier included); print its programs and maps")
    .argument("<object>", "BPF ELF object (.o), e.g. from tsbpf build")
    .option("--pin <dir>", "pin every program and map under this bpffs directory so they outlive tsbpf")
    .option("--prog <name...>", "load only these programs (default: all)")
    .addOption(
      new Option("--log-level <n>", "verifier log level; with 1 or 2 the log is printed")
        .choices(["0", "1", "2"])
        .default("0"),
    )
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nExamples:\n  tsbpf load bpf-out/count.o\n  tsbpf load bpf-out/count.o --pin /sys/fs/bpf/count\n\nExit codes: 0 ok, 2 usage, 4 verifier rejected, 5 no privilege, 7 malformed object, 8 pin exists.",
    )
    .action(
      action(async (file: string, opts: { pin?: string; prog?: string[]; logLevel: string; json?: boolean }) => {
        if (opts.pin) ensurePinDir(opts.pin);
        const obj = await loadObjectFile(file, { logLevel: Number(opts.logLevel) as 0 | 1 | 2, programs: opts.prog });
        try {
          const pins = opts.pin ? pinObjectTo(obj, opts.pin) : undefined;
          const d = describeObject(obj, pins);
          if (opts.json) console.log(toJson({ object: file, ...d }, 2));
          else printObject(file, d, pins !== undefined);
          if (Number(opts.logLevel) > 0 && !opts.json) {
            for (const [name, p] of obj.programs) console.log(`\nverifier log of ${name}:\n${p.verifierLog.trimEnd()}`);
          }
        } finally {
          obj.close();
        }
      }),
    );
}

// ---------------------------------------------------------------- run

const TC_ACTIONS: Record<number, string> = {
  [-1]: "TC_ACT_UNSPEC",
  0: "TC_ACT_OK",
  1: "TC_ACT_RECLASSIFY",
  2: "TC_ACT_SHOT",
  3: "TC_ACT_PIPE",
  4: "TC_ACT_STOLEN",
  5: "TC_ACT_QUEUED",
  6: "TC_ACT_REPEAT",
  7: "TC_ACT_REDIRECT",
};

/** The name of a program's return value: XDP_PASS, TC_ACT_SHOT, … */
export function actionName(progType: number, retval: number): string {
  if (progType === ProgType.XDP) {
    const name = Object.entries(XdpAction).find(([, v]) => v === retval)?.[0];
    return name ? `XDP_${name}` : `unknown XDP action ${retval}`;
  }
  if (progType === ProgType.SCHED_CLS || progType === ProgType.SCHED_ACT)
    return TC_ACTIONS[retval | 0] ?? `retval ${retval}`;
  return `retval ${retval}`;
}

const ETH_HLEN = 14;

interface RunTarget {
  fd: number;
  name: string;
  type: number;
  close(): void;
}

/** The packets of `run` and `bench`: one of --packet HEX (repeatable) or --pcap FILE, at least one. */
export function readInputPackets(opts: { packet?: string[]; pcap?: string }): { index: number; data: Uint8Array }[] {
  if (!opts.packet === !opts.pcap) throw new CliError("give the input as --packet HEX or --pcap FILE (one of them)");
  const packets = opts.packet
    ? opts.packet.map((h, i) => ({
        index: i + 1,
        data: parseHex(h, opts.packet!.length > 1 ? `--packet #${i + 1}` : "--packet"),
      }))
    : readPcap(opts.pcap!);
  if (packets.length === 0) throw new CliError(`${opts.pcap}: no packets`);
  return packets;
}

export async function openRunTarget(file: string, progName: string | undefined): Promise<RunTarget> {
  if (isOnBpffs(file)) {
    if (progName) throw new CliError(`--prog is for object files; ${file} is a pinned program`);
    const fd = getPinnedObject(file);
    try {
      const info = programInfo(fd);
      return { fd, name: info.name, type: info.type, close: () => closeFd(fd) };
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }
  const obj = await loadObjectFile(file, progName ? { programs: [progName] } : {});
  const names = [...obj.programs.keys()];
  if (!progName && names.length !== 1) {
    obj.close();
    throw new CliError(
      `${file} has ${names.length} programs (${names.join(", ") || "none"}): choose one with --prog NAME`,
    );
  }
  const prog = obj.program(progName ?? names[0]!);
  return { fd: prog.fd, name: prog.name, type: prog.type, close: () => obj.close() };
}

export function runCommand(): Command {
  return new Command("run")
    .description("run a program on packets with BPF_PROG_TEST_RUN; print the action and the output packet (hex)")
    .argument("<object>", "BPF ELF object (.o), or a program pinned in bpffs (then its maps are the live ones)")
    .option("--prog <name>", "program to run (needed when the object has several)")
    .option("--packet <hex...>", 'input packet(s) as hex ("02 00 00 …", "020000…" or "0x0200…"); repeatable')
    .option("--pcap <file>", "input packets from a capture file (pcap or pcapng, Ethernet link type)")
    .option(
      "--out <file>",
      "write the packets the program lets out (every action but DROP/ABORTED/SHOT) to a pcap file",
    )
    .option("--repeat <n>", "run each packet n times (the duration printed is the average)", "1")
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nOutput: per packet a line `ACTION (retval)  N bytes  T ns`, then the output packet as hex\n(the same format --packet accepts).\n\nExamples:\n  tsbpf run bpf-out/count.o --packet 020000000002020000000001080045000014000000004011000000000000000000000000\n  tsbpf run bpf-out/count.o --pcap trace.pcap --repeat 1000\n\nExit codes: 0 ok, 2 usage (bad hex, short packet), 4 verifier rejected, 5 no privilege, 7 malformed object.",
    )
    .action(
      action(
        async (
          file: string,
          opts: { prog?: string; packet?: string[]; pcap?: string; out?: string; repeat: string; json?: boolean },
        ) => {
          const packets = readInputPackets(opts);
          const repeat = parsePositiveInt(opts.repeat, "--repeat");
          const target = await openRunTarget(file, opts.prog);
          try {
            if (target.type === ProgType.XDP) {
              const short = packets.find((p) => p.data.length < ETH_HLEN);
              if (short)
                throw new CliError(
                  `packet ${short.index} is ${short.data.length} bytes; an XDP test run needs at least ${ETH_HLEN} (an Ethernet header)`,
                );
            }
            const results: Array<{ index: number; r: TestRunResult; inLength: number }> = [];
            for (const p of packets)
              results.push({
                index: p.index,
                inLength: p.data.length,
                r: testRun(target.fd, { data: p.data, repeat }, `test run of "${target.name}" on packet ${p.index}`),
              });
            const written = opts.out
              ? writeOutput(
                  opts.out,
                  target.type,
                  results.map((x) => x.r),
                )
              : undefined;
            if (opts.json) {
              console.log(
                toJson(
                  results.map(({ index, r, inLength }) => ({
                    packet: index,
                    retval: r.retval,
                    action: actionName(target.type, r.retval),
                    in_bytes: inLength,
                    out_bytes: r.data.length,
                    duration_ns: r.duration,
                    data: hex(r.data, ""),
                  })),
                  2,
                ),
              );
              return;
            }
            const many = results.length > 1;
            for (const { index, r } of results) {
              console.log(
                `${many ? `#${index} ` : ""}${actionName(target.type, r.retval)} (${r.retval})  ${r.data.length} bytes  ${r.duration} ns${repeat > 1 ? ` (average of ${repeat} runs)` : ""}`,
              );
              console.log(hex(r.data, ""));
            }
            if (written) console.log(written);
          } finally {
            target.close();
          }
        },
      ),
    );
}

/** Whether a return value lets the packet out (anything but a drop), for `run --out`. */
function isDrop(progType: number, retval: number): boolean {
  if (progType === ProgType.XDP) return retval === XdpAction.DROP || retval === XdpAction.ABORTED;
  if (progType === ProgType.SCHED_CLS || progType === ProgType.SCHED_ACT) return retval === 2; // TC_ACT_SHOT
  return false;
}

/** Write the output packets of a run to a pcap file; the sentence saying what was written. */
function writeOutput(file: string, progType: number, results: TestRunResult[]): string {
  const kept = results.filter((r) => !isDrop(progType, r.retval));
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, writePcap(kept.map((r) => r.data)));
  fs.renameSync(tmp, file); // never a half-written capture
  const dropped = results.length - kept.length;
  return `wrote ${file}: ${kept.length} packet${kept.length === 1 ? "" : "s"}${dropped ? ` (${dropped} dropped, not written)` : ""}`;
}

// ---------------------------------------------------------------- prog list

export interface XdpAttachment {
  ifindex: number;
  /** The interface's name in its network namespace (`ifindex N` when that namespace has no name). */
  ifname: string;
  /** Absent: this network namespace; "?" for one `ip netns` does not name. */
  netns?: string;
  mode: XdpMode;
  link_id?: number;
}

/**
 * XDP attachments: BPF links (bpf syscall), wherever their interface is (xdp-devices.ts), plus
 * the mode and the netlink attachments of this network namespace from `ip -j link`.
 */
export function xdpAttachments(): Map<number, XdpAttachment[]> {
  const here = xdpDevices();
  const out = new Map<number, XdpAttachment[]>();
  const add = (progId: number, a: XdpAttachment) => {
    const list = out.get(progId) ?? [];
    const same = list.find((x) => x.ifindex === a.ifindex && x.netns === a.netns);
    if (same) {
      if (same.mode === "unknown") same.mode = a.mode;
      same.link_id ??= a.link_id;
    } else list.push(a);
    out.set(progId, list);
  };
  for (const l of listXdpLinks()) {
    const where = locateXdp(l.progId, l.ifindex, here);
    add(l.progId, {
      ifindex: l.ifindex,
      ifname: where?.ifname ?? `ifindex ${l.ifindex}`,
      ...(where ? (where.netns ? { netns: where.netns } : {}) : { netns: "?" }),
      mode: where?.mode ?? "unknown",
      link_id: l.id,
    });
  }
  for (const dev of here)
    for (const p of dev.progs) add(p.id, { ifindex: dev.ifindex, ifname: dev.ifname, mode: p.mode });
  return out;
}

export function formatAttachment(a: XdpAttachment): string {
  const where =
    a.netns === undefined
      ? a.ifname
      : a.netns === "?"
        ? `${a.ifname} in another network namespace`
        : `${a.ifname} in ${a.netns}`;
  return `xdp ${where}${a.mode !== "unknown" ? ` ${a.mode}` : ""}${a.link_id !== undefined ? ` (link ${a.link_id})` : ""}`;
}

export function progCommand(): Command {
  const prog = new Command("prog").description("programs loaded in the kernel");
  prog
    .command("list")
    .alias("show")
    .description(
      "list loaded programs: ids, names, types, instruction counts (after the verifier's rewrites), maps, where attached",
    )
    .option("--type <type>", "only programs of this type (xdp, sched_cls, socket_filter, …)")
    .option("--attached", "only programs attached to an interface (XDP)")
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nAttachments are XDP ones: through BPF links (with link id; an interface in another network\nnamespace is named with it) or through netlink in this namespace (ip link set … xdp).\nExit codes: 0 ok, 5 no privilege.",
    )
    .action(
      action((opts: { type?: string; attached?: boolean; json?: boolean }) => {
        const attached = xdpAttachments();
        let progs: ProgramInfo[] = listPrograms();
        if (opts.type)
          progs = progs.filter(
            (p) => progTypeName(p.type).toLowerCase() === opts.type!.toLowerCase() || String(p.type) === opts.type,
          );
        if (opts.attached) progs = progs.filter((p) => attached.has(p.id));
        const rows = progs.map((p) => ({
          id: p.id,
          name: p.name,
          type: progTypeName(p.type)
            .toLowerCase()
            .replace(/^prog type /, "type "),
          tag: p.tag,
          xlated_insns: p.insnCount,
          map_ids: p.mapIds,
          attached: attached.get(p.id) ?? [],
        }));
        if (opts.json) return void console.log(toJson(rows, 2));
        if (rows.length === 0) return void console.log("no programs");
        console.log(
          table([
            ["id", "name", "type", "xlated", "tag", "maps", "attached"],
            ...rows.map((r) => [
              String(r.id),
              r.name || "-",
              r.type,
              String(r.xlated_insns),
              r.tag,
              r.map_ids.join(",") || "-",
              r.attached.map(formatAttachment).join(", ") || "-",
            ]),
          ]),
        );
      }),
    );
  return prog;
}

export function progCommands(): Command[] {
  return [loadCommand(), runCommand(), progCommand()];
}
