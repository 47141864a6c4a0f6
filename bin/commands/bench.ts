// tsbpf bench: a program's cost per packet (BPF_PROG_TEST_RUN) in the terms of the wire — packets per
// second per core and the share of 1/10/25/40/100 GbE line rate at the packets' sizes.
import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { lineRateShares, wireBytes } from "../../runtime/bench/line-rate.ts";
import { testRun, testRunLive } from "../../runtime/program/test-run.ts";
import { ProgType } from "../../runtime/program/types.ts";
import { inNetns } from "../../runtime/sys/index.ts";
import { action, CliError, EXIT, parsePositiveInt, table, toJson } from "./common.ts";
import { actionName, openRunTarget, readInputPackets } from "./prog.ts";

interface PacketResult {
  packet: number;
  bytes: number;
  wire_bytes: number;
  action: string;
  ns_per_packet: number;
}

/** Run `fn` inside a network namespace made for it and removed after (live frames must not reach the host's stack). */
function inPrivateNetns<T>(fn: () => T): T {
  const name = `tsbpf-bench-${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  if (add.status !== 0) throw new CliError(`ip netns add ${name}: ${add.stderr.trim() || "failed"}`, EXIT.FAILURE);
  try {
    return inNetns(name, fn);
  } finally {
    spawnSync("ip", ["netns", "del", name]);
  }
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "∞");

export function benchCommand(): Command {
  return new Command("bench")
    .description(
      "time a program per packet (BPF_PROG_TEST_RUN) and compare with Ethernet line rate at the packets' sizes",
    )
    .argument("<object>", "BPF ELF object (.o), or a program pinned in bpffs")
    .option("--prog <name>", "program to run (needed when the object has several)")
    .option("--packet <hex...>", "packet(s) as hex; repeatable")
    .option("--pcap <file>", "packets from a capture (pcap or pcapng)")
    .option("--repeat <n>", "runs per packet (the kernel times them together)", "100000")
    .option(
      "--live",
      "live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES): frames really go where the action sends them, in a private network namespace",
    )
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nOn the wire a frame also takes its FCS (4 bytes), padding to 64 bytes, the preamble and the\ninter-frame gap (20 bytes): a 60-byte test frame is 84 bytes, 14.88 Mpps at 10 GbE.\nTimes are one core's, on a machine others may share: compare programs in one run.\n\nExamples:\n  tsbpf bench bpf-out/count.o --packet 020000000002020000000001080045…\n  tsbpf bench bpf-out/lb.o --pcap traffic.pcap --repeat 1000000 --live\n\nExit codes: 0 ok, 2 usage, 4 verifier rejected, 5 no privilege, 9 live frames unsupported.",
    )
    .action(
      action(
        async (
          file: string,
          opts: { prog?: string; packet?: string[]; pcap?: string; repeat: string; live?: boolean; json?: boolean },
        ) => {
          const packets = readInputPackets(opts);
          const repeat = parsePositiveInt(opts.repeat, "--repeat");
          const short = packets.find((p) => p.data.length < 14);
          if (short)
            throw new CliError(`packet ${short.index} is ${short.data.length} bytes; a test run needs at least 14`);
          const target = await openRunTarget(file, opts.prog);
          try {
            if (opts.live && target.type !== ProgType.XDP) throw new CliError("--live is for XDP programs", EXIT.USAGE);
            const results: PacketResult[] = [];
            const run = () => {
              for (const p of packets) {
                // The action from one ordinary run; the time from the timed runs.
                const once = testRun(target.fd, { data: p.data }, `test run of "${target.name}" on packet ${p.index}`);
                const timed = opts.live
                  ? testRunLive(
                      target.fd,
                      { data: p.data, repeat },
                      `live test run of "${target.name}" on packet ${p.index}`,
                    )
                  : testRun(target.fd, { data: p.data, repeat }, `test run of "${target.name}" on packet ${p.index}`);
                results.push({
                  packet: p.index,
                  bytes: p.data.length,
                  wire_bytes: wireBytes(p.data.length),
                  action: actionName(target.type, once.retval),
                  ns_per_packet: timed.duration,
                });
              }
            };
            if (opts.live) inPrivateNetns(run);
            else run();
            const ns = results.reduce((s, r) => s + r.ns_per_packet, 0) / results.length;
            const pps = ns > 0 ? 1e9 / ns : Number.POSITIVE_INFINITY;
            const shares = lineRateShares(
              ns,
              results.map((r) => r.bytes),
            );
            const summary = {
              program: target.name,
              mode: opts.live ? "live frames" : "test run",
              runs_per_packet: repeat,
              packets: results,
              ns_per_packet: ns,
              pps_per_core: pps,
              mean_wire_bytes: results.reduce((s, r) => s + r.wire_bytes, 0) / results.length,
              line_rate: shares.map((s) => ({
                speed: s.speed,
                line_pps: s.linePps,
                fraction_of_line_rate: s.fraction,
                cores_for_line_rate: s.cores,
              })),
            };
            if (opts.json) return void console.log(toJson(summary, 2));
            console.log(
              `${target.name}: ${results.length} packet${results.length === 1 ? "" : "s"} × ${repeat} runs (${summary.mode})`,
            );
            if (results.length <= 20)
              console.log(
                table([
                  ["  packet", "bytes", "wire", "action", "ns/packet"],
                  ...results.map((r) => [
                    `  #${r.packet}`,
                    String(r.bytes),
                    String(r.wire_bytes),
                    r.action,
                    String(r.ns_per_packet),
                  ]),
                ]),
              );
            console.log(
              `\n${fmt(ns, 1)} ns/packet (mean over packets) = ${fmt(pps / 1e6)} Mpps per core; frames average ${fmt(summary.mean_wire_bytes, 1)} bytes on the wire`,
            );
            console.log(
              table([
                ["  link", "line rate", "one core", "cores for line rate"],
                ...shares.map((s) => [
                  `  ${s.speed}`,
                  `${fmt(s.linePps / 1e6)} Mpps`,
                  `${fmt(100 * s.fraction, 1)}%`,
                  String(s.cores),
                ]),
              ]),
            );
          } finally {
            target.close();
          }
        },
      ),
    );
}
