// `tsbpf lb …`: run the load balancer from the command line. `start` loads lb/lb.ts's object,
// attaches it, programs a config file's VIPs and backends, and pins maps and link under
// --pin-dir so the LB keeps running after the command exits; the other commands reopen the
// pinned maps with the control plane's saved state (/run/tsbpf-lb/<name>.json).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Command } from "commander";
import { LoadBalancer, parseVip, type LbState } from "../../lb/control.ts";
import { XdpLink, type XdpMode } from "../../runtime/index.ts";

const DEFAULT_PIN_DIR = "/sys/fs/bpf/tsbpf-lb";
const DEFAULT_OBJECT = join(dirname(new URL(import.meta.url).pathname), "../../bpf-out/lb.o");

/** The config file of `tsbpf lb start --config FILE`. */
export interface LbConfig {
  dev?: string;
  netns?: string;
  mode?: XdpMode;
  vips: { vip: string; backends: { addr: string; mac: string; weight?: number }[] }[];
}

interface Where {
  pinDir: string;
}
const statePath = (o: Where) => join("/run/tsbpf-lb", `${basename(o.pinDir)}.json`);

function readState(o: Where): LbState {
  if (!existsSync(statePath(o))) throw new Error(`no LB running under ${o.pinDir} (start one with \`tsbpf lb start\`)`);
  return JSON.parse(readFileSync(statePath(o), "utf8")) as LbState;
}

function saveState(o: Where, lb: LoadBalancer) {
  mkdirSync(dirname(statePath(o)), { recursive: true });
  writeFileSync(statePath(o), JSON.stringify(lb.state(), null, 2));
}

/** Reopens the LB running under `pinDir` (close it when done). */
export function openRunningLb(pinDir = DEFAULT_PIN_DIR): LoadBalancer {
  return LoadBalancer.fromPinned(pinDir, readState({ pinDir }));
}

/** Reopens the running LB, applies `change`, saves the state. */
function withRunningLb(o: Where, change: (lb: LoadBalancer) => void) {
  const lb = openRunningLb(o.pinDir);
  try {
    change(lb);
    saveState(o, lb);
  } finally {
    lb.close();
  }
}

function printStats(lb: LoadBalancer) {
  const rows = [["vip", "packets", "bytes"], ...lb.stats().map((s) => [s.vip, String(s.packets), String(s.bytes)])];
  printTable(rows);
  console.log("");
  printTable([
    ["vip", "backend", "id", "weight", "state", "slots", "flows"],
    ...lb
      .backends()
      .map((b) => [
        b.vip,
        b.addr,
        String(b.id),
        String(b.weight),
        b.drained ? "drained" : "active",
        String(b.slots),
        String(b.flows),
      ]),
  ]);
}

function printTable(rows: string[][]) {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
}

export function lbCommand(): Command {
  const lb = new Command("lb").description("run the XDP load balancer (lb/lb.ts) and program it");
  const pinOption = (c: Command) =>
    c.option("--pin-dir <dir>", "bpffs directory of the LB's maps and link", DEFAULT_PIN_DIR);

  pinOption(lb.command("start"))
    .description("load the LB, attach it to an interface, apply a config file; it keeps running after exit")
    .option(
      "-c, --config <file>",
      'JSON config: { dev, netns, mode, vips: [{ vip: "10.100.0.1:80/tcp", backends: [{ addr, mac, weight }] }] }',
    )
    .option("--dev <ifname>", "interface (overrides the config's dev)")
    .option("--netns <name>", "network namespace of the interface (ip netns)")
    .option("--mode <mode>", "native, generic or auto")
    .option("--object <file>", "the LB object built by `tsbpf build lb/lb.ts`", DEFAULT_OBJECT)
    .action(async (o: Where & { config?: string; dev?: string; netns?: string; mode?: XdpMode; object: string }) => {
      const config: LbConfig = o.config ? (JSON.parse(readFileSync(o.config, "utf8")) as LbConfig) : { vips: [] };
      const dev = o.dev ?? config.dev;
      if (!dev) throw new Error("no interface: give --dev or `dev` in the config");
      if (existsSync(join(o.pinDir, "link")))
        throw new Error(`an LB is already running under ${o.pinDir} (tsbpf lb stop first)`);
      if (!existsSync(o.object))
        throw new Error(`${o.object} not found: build it with \`tsbpf build lb/lb.ts -o ${o.object}\``);
      const balancer = await LoadBalancer.load(o.object);
      try {
        balancer.attach(dev, { netns: o.netns ?? config.netns, mode: o.mode ?? config.mode ?? "auto" });
        for (const v of config.vips) {
          const vip = parseVip(v.vip);
          balancer.addVip(vip);
          for (const b of v.backends) balancer.addBackend(vip, b);
        }
        balancer.pin(o.pinDir);
        saveState(o, balancer);
        console.log(
          `LB attached to ${dev}${(o.netns ?? config.netns) ? ` in ${o.netns ?? config.netns}` : ""}; maps and link pinned under ${o.pinDir}`,
        );
      } finally {
        balancer.close();
      }
    });

  pinOption(lb.command("stop"))
    .description("detach the LB and remove its pins and state")
    .action((o: Where) => {
      const link = join(o.pinDir, "link");
      if (!existsSync(link)) throw new Error(`no LB running under ${o.pinDir}`);
      XdpLink.fromPinned(link).detach();
      rmSync(o.pinDir, { recursive: true, force: true });
      rmSync(statePath(o), { force: true });
      console.log("LB stopped");
    });

  const vip = lb.command("vip").description("add or remove VIPs");
  pinOption(vip.command("add").argument("<vip>", "ADDR:PORT/tcp|udp")).action((text: string, o: Where) =>
    withRunningLb(o, (b) => console.log(`VIP ${text} has index ${b.addVip(parseVip(text))}`)),
  );
  pinOption(vip.command("remove").argument("<vip>")).action((text: string, o: Where) =>
    withRunningLb(o, (b) => b.removeVip(parseVip(text))),
  );

  const backend = lb.command("backend").description("add, remove, weight or drain a VIP's backends");
  pinOption(
    backend
      .command("add")
      .argument("<vip>")
      .argument("<addr>")
      .requiredOption("--mac <mac>", "the backend's MAC")
      .option("--weight <n>", "relative weight", "1"),
  ).action((v: string, addr: string, o: Where & { mac: string; weight: string }) =>
    withRunningLb(o, (b) =>
      console.log(
        `backend ${addr} has id ${b.addBackend(parseVip(v), { addr, mac: o.mac, weight: Number(o.weight) })}`,
      ),
    ),
  );
  pinOption(backend.command("remove").argument("<vip>").argument("<addr>"))
    .description("no new flows; its tracked flows move")
    .action((v: string, addr: string, o: Where) => withRunningLb(o, (b) => b.removeBackend(parseVip(v), addr)));
  pinOption(backend.command("weight").argument("<vip>").argument("<addr>").argument("<weight>")).action(
    (v: string, addr: string, w: string, o: Where) =>
      withRunningLb(o, (b) => b.setWeight(parseVip(v), addr, Number(w))),
  );
  pinOption(backend.command("drain").argument("<vip>").argument("<addr>"))
    .description("no new flows; tracked flows stay")
    .action((v: string, addr: string, o: Where) => withRunningLb(o, (b) => b.drain(parseVip(v), addr)));

  pinOption(lb.command("stats"))
    .description("per-VIP packets and bytes; per-backend Maglev slots and tracked flows")
    .action((o: Where) => withRunningLb(o, printStats));
  return lb;
}
