// tsbpf decode: every field of a packet (hex or a capture), with offsets, verdicts and named problems.
import { Command } from "commander";
import {
  type DecodedPacket,
  decodePacket,
  formatPacket,
  formatSummary,
  issueCatalog,
  summarize,
} from "../../runtime/decode/index.ts";
import { action, CliError, parseHex, toJson } from "./common.ts";
import { readPcap } from "../../runtime/pcap/index.ts";

export function decodeCommand(): Command {
  return new Command("decode")
    .description("decode packets field by field: offsets, raw and decoded values, checksums verified, problems named")
    .argument("[hex...]", 'packet(s) as hex ("02 00 00 …", "020000…", "0x0200…"); one argument per packet')
    .option("--pcap <file>", "decode the packets of a capture (pcap or pcapng, Ethernet)")
    .option("--summary", "per-protocol counts, flows and problems over all the packets instead of each packet")
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      `\nEach field: byte offset, length (/mask for bit fields), name, raw bits, value, meaning, and a verdict\n(✓ checked and correct, ✗ wrong with the correct value, ⚠ suspicious). Problems by code:\n${issueCatalog()}\n\nExamples:\n  tsbpf decode 020000000002020000000001080045000014000100004011f9e40a0000010a000002\n  tsbpf decode --pcap trace.pcap --summary\n\nExit codes: 0 decoded (even if the packets are malformed), 2 usage (bad hex, unreadable capture).`,
    )
    .action(
      action((hexArgs: string[], opts: { pcap?: string; summary?: boolean; json?: boolean }) => {
        if (hexArgs.length > 0 === (opts.pcap !== undefined))
          throw new CliError("give the packets as HEX arguments or --pcap FILE (one of them)");
        const inputs = opts.pcap
          ? readPcap(opts.pcap).map((p) => ({ index: p.index, data: p.data, wire: p.originalLength }))
          : hexArgs.map((h, i) => ({
              index: i + 1,
              data: parseHex(h, hexArgs.length > 1 ? `packet #${i + 1}` : "packet"),
              wire: undefined,
            }));
        const decoded: Array<{ index: number; packet: DecodedPacket }> = inputs.map((p) => ({
          index: p.index,
          packet: decodePacket(p.data, { wireLength: p.wire }),
        }));
        if (opts.summary) {
          const s = summarize(decoded.map((d) => d.packet));
          console.log(opts.json ? toJson(s, 2) : formatSummary(s));
          return;
        }
        if (opts.json) {
          console.log(
            toJson(
              decoded.map((d) => ({ packet: d.index, ...d.packet })),
              2,
            ),
          );
          return;
        }
        console.log(decoded.map((d) => formatPacket(d.packet, `packet ${d.index}`)).join("\n\n"));
      }),
    );
}
