// tsbpf trace: one packet's path through a program at the TypeScript level, from an interpreter of
// the object's BPF code (runtime/trace), with the object's maps (empty, from a saved state, or the
// live maps of a pinned program, read through and never written).
import fs from "node:fs";
import { Command } from "commander";
import { parseObject } from "../../runtime/object/parse.ts";
import { readPcap } from "../../runtime/pcap/index.ts";
import {
  formatTrace,
  type MapSource,
  type MapState,
  mapSource,
  pinnedProgramMaps,
  TraceSession,
} from "../../runtime/trace/index.ts";
import { action, CliError, EXIT, parseHex, parseJson, toJson } from "./common.ts";
import { compileOrReport } from "./compile.ts";

interface TraceOptions {
  packet?: string[];
  pcap?: string;
  prog?: string;
  pinned?: string;
  maps?: string;
  cpu?: string;
  reads?: boolean;
  json?: boolean;
}

export function traceCommand(): Command {
  return new Command("trace")
    .description(
      "run a program on packets in an interpreter of its BPF code and show, per source line, branches, packet bytes, map operations and helper calls; then the action and the fields that changed",
    )
    .argument("<input>", "BPF ELF object (.o) or TypeScript program (.ts, compiled first)")
    .option("--packet <hex...>", "packet(s) as hex; one argument per packet")
    .option("--pcap <file>", "the packets of a capture (pcap or pcapng, Ethernet), in order")
    .option("--prog <name>", "the program to run (default: the object's first)")
    .option(
      "--maps <state.json>",
      "map contents to start from: { map: [{ key_hex, value_hex } | { key, value }] } (map dump --json rows)",
    )
    .option("--pinned <pin>", "read the maps of this pinned program (live, read-only: changes stay in the trace)")
    .option("--cpu <n>", "the CPU the program runs as (per-CPU maps, bpf_get_smp_processor_id)", "0")
    .option("--reads", "list every packet read with its bytes (default: the ranges read per line)")
    .option("-j, --json", "the events, action and packets as JSON")
    .addHelpText(
      "after",
      `\nMaps start empty (global data at its initial values) unless --maps or --pinned says otherwise; the
packets of a capture run in order, each seeing the map changes of the ones before.
Modelled: every instruction (ALU32/64, signed division, atomics, byte swaps, BPF-to-BPF calls), map
lookup/update/delete (hash, LRU, array, per-CPU, LPM trie, map-in-map, queue/stack), tail calls,
bpf_loop, xdp_adjust_head/tail/meta, xdp_load/store_bytes, csum_diff, redirect, redirect_map,
ringbuf/perf output, trace_printk, check_mtu, timer_*. bpf_fib_lookup is asked of the kernel (the
real helper, run by BPF_PROG_TEST_RUN in this network namespace: use \`ip netns exec NS\` for another).
ktime is the tracer's CLOCK_MONOTONIC, prandom a fixed-seed generator. Not modelled (the trace stops
there and says so): other helpers, kfuncs.

Examples:
  tsbpf trace examples/count.ts --packet 020000000002020000000001080045000014000100004011f9e40a0000010a000002
  tsbpf trace bpf-out/lb.o --pcap flows.pcapng --maps lb-state.json
  tsbpf trace bpf-out/lb.o --pinned /sys/fs/bpf/tsbpf-lb/prog --packet …

Exit codes: 0 traced (whatever the action), 2 usage (bad hex, capture or map state), 3 compile error,
6 no such program, 7 malformed object, 1 the trace stopped (fault, not modelled, instruction limit).`,
    )
    .action(
      action(async (input: string, opts: TraceOptions) => {
        if (!!opts.packet?.length === (opts.pcap !== undefined))
          throw new CliError("give the packets as --packet HEX… or --pcap FILE (one of them)");
        if (opts.maps !== undefined && opts.pinned !== undefined)
          throw new CliError("--maps and --pinned both give the maps' contents: use one");
        const cpu = Number(opts.cpu);
        if (!Number.isInteger(cpu) || cpu < 0) throw new CliError(`--cpu: "${opts.cpu}" is not a CPU number`);
        if (!fs.existsSync(input)) throw new CliError(`${input}: no such file`);
        let object: Uint8Array;
        if (/\.[cm]?ts$/.test(input)) {
          const result = await compileOrReport(input);
          if (!result) return;
          object = result.object;
        } else object = fs.readFileSync(input);
        const spec = parseObject(object);
        if (opts.prog !== undefined && !spec.programs.some((p) => p.name === opts.prog))
          throw new CliError(
            `no program "${opts.prog}" in ${input} (it has: ${spec.programs.map((p) => p.name).join(", ") || "none"})`,
            EXIT.NOT_FOUND,
          );
        const packets = opts.pcap
          ? readPcap(opts.pcap).map((p) => ({ index: p.index, data: p.data }))
          : opts.packet!.map((h, i) => ({
              index: i + 1,
              data: parseHex(h, opts.packet!.length > 1 ? `packet #${i + 1}` : "packet"),
            }));
        let state: MapState | undefined;
        if (opts.maps !== undefined) {
          if (!fs.existsSync(opts.maps)) throw new CliError(`${opts.maps}: no such file`);
          state = parseJson(fs.readFileSync(opts.maps, "utf8"), "--maps") as MapState;
          if (typeof state !== "object" || state === null || Array.isArray(state))
            throw new CliError("--maps: expected an object of map names to lists of entries");
        }
        const names = [...spec.maps.map((m) => m.name), ...spec.globalData.map((g) => g.name)];
        const opened = opts.pinned !== undefined ? pinnedProgramMaps(opts.pinned, names) : new Map();
        let session: TraceSession | undefined;
        try {
          const live = new Map<string, MapSource>([...opened].map(([n, m]) => [n, mapSource(m, cpu)]));
          session = new TraceSession(spec, { program: opts.prog, state, live, cpu });
          const runs = packets.map((p) => ({ index: p.index, run: session!.run(p.data) }));
          if (opts.json) {
            console.log(
              toJson(
                runs.map(({ index, run }) => ({
                  packet: index,
                  ...run,
                  before: Buffer.from(run.before).toString("hex"),
                  after: Buffer.from(run.after).toString("hex"),
                })),
                2,
              ),
            );
          } else
            console.log(
              runs
                .map(({ index, run }) =>
                  formatTrace(run, `packet ${index}`, { base: process.cwd(), reads: opts.reads }),
                )
                .join("\n\n"),
            );
          if (runs.some(({ run }) => run.outcome !== "exit")) process.exitCode = EXIT.FAILURE;
        } finally {
          session?.close();
          for (const m of opened.values()) m.close();
        }
      }),
    );
}
