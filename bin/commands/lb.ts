// `tsbpf lb …`: run the load balancer from the command line. `start` loads lb/lb.ts's object,
// attaches it, programs a config file's VIPs and backends, and pins maps and link under
// --pin-dir so the LB keeps running after the command exits; the other commands reopen the
// pinned maps with the control plane's saved state. Where those live, the lock every command
// holds and how an interrupted start is recovered: lb/persist.ts.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { LoadBalancer, parseVip, vipName, type LbState } from "../../lb/control.ts";
import { runHealthChecks, type CheckedVip } from "../../lb/health.ts";
import { pinnedProbeCounters, ProbeTunnel, probeMark, type TunnelBackend } from "../../lb/probe-tunnel.ts";
import { enterNetns } from "../../runtime/index.ts";
import {
  checkBackend,
  checkConfig,
  checkFleetConfig,
  checkInterfaceName,
  checkIp,
  checkMtu,
  checkMode,
  checkNetnsName,
  checkTimeouts,
  checkWeight,
  family,
  LbInputError,
  MAX_MTU,
  MIN_MTU,
  type LbConfig,
} from "../../lb/input.ts";
import {
  DEFAULT_PIN_DIR,
  crashPoint,
  ensureOwnDirectory,
  hasRemains,
  lbPaths,
  readState,
  removeLb,
  UnsafePathError,
  withLbLock,
  writeState,
  type LbPaths,
} from "../../lb/persist.ts";
import { upgradeLb, UpgradeRefusedError } from "../../lb/upgrade.ts";
import { action, CliError, EXIT } from "./common.ts";

const DEFAULT_OBJECT = join(dirname(new URL(import.meta.url).pathname), "../../bpf-out/lb.o");
const DEFAULT_HC_OBJECT = join(dirname(new URL(import.meta.url).pathname), "../../bpf-out/healthcheck.o");

export type { LbConfig } from "../../lb/input.ts";

interface Where {
  pinDir: string;
}

/** Where `lb run` pins its probe tunnel's counters (hc_stats) while it runs: beside the LB's pin
 *  directory, not in it (every pin in there is a map of the data plane, which `lb upgrade` keeps). */
const probeStatsPin = (paths: LbPaths) => `${paths.pinDir}-hc_stats`;

function notRunning(paths: LbPaths): CliError {
  return new CliError(`no LB running under ${paths.pinDir} (start one with \`tsbpf lb start\`)`, EXIT.NOT_FOUND);
}

/** The running LB's state; throws "no LB running" unless both its state and its link pin are there. */
function runningState(paths: LbPaths): LbState {
  const state = readState(paths);
  if (!state || !existsSync(paths.link)) throw notRunning(paths);
  return state;
}

/** Reopens the LB running under `pinDir` (close it when done), changing nothing: for tests and read-only tools. */
export function openRunningLb(pinDir = DEFAULT_PIN_DIR): LoadBalancer {
  const paths = lbPaths(pinDir);
  return LoadBalancer.fromPinned(paths.pinDir, runningState(paths), { repair: false });
}

/**
 * Under the LB's lock: reopens the running LB (maps repaired to the state; every Maglev slot
 * too if the last command died while changing them), applies `change`, saves the state.
 */
function withRunningLb(o: Where, change: (lb: LoadBalancer) => void, changesMaps = true) {
  const paths = lbPaths(o.pinDir);
  withLbLock(paths, () => {
    const state = runningState(paths);
    const lb = LoadBalancer.fromPinned(paths.pinDir, state, { checkTables: state.changing === true });
    try {
      const before = lb.state();
      if (changesMaps) writeState(paths, { ...before, changing: true });
      else if (state.changing) writeState(paths, before); // repaired: the next command needs no full check
      try {
        change(lb);
      } catch (e) {
        // The control plane checks its input before it writes a map: the maps are as before.
        if (changesMaps && e instanceof LbInputError) writeState(paths, before);
        throw e;
      }
      crashPoint("maps-changed");
      if (changesMaps) writeState(paths, lb.state());
    } finally {
      lb.close();
    }
  });
}

/** Errors of the LB's own layers get their exit codes; the rest as every command does (common.ts). */
function lbAction<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return action(async (...args: A) => {
    if (process.geteuid?.() !== 0)
      throw new CliError(
        "tsbpf lb needs root (it loads BPF programs and keeps its state in /run/tsbpf-lb)",
        EXIT.NO_PERMISSION,
      );
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof LbInputError) throw new CliError(e.message, EXIT.USAGE);
      if (e instanceof UnsafePathError) throw new CliError(e.message, EXIT.BUSY);
      const { code, syscall } = e as NodeJS.ErrnoException; // a file operation (node:fs) refused
      if (syscall && (code === "EACCES" || code === "EPERM"))
        throw new CliError(`${(e as Error).message} (needs root)`, EXIT.NO_PERMISSION);
      throw e;
    }
  });
}

function readConfig(file: string | undefined): LbConfig {
  if (!file) return { vips: [] };
  return readJson(file, checkConfig);
}

function readJson<T>(file: string, check: (json: unknown) => T): T {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`--config: cannot read ${file}: ${(e as Error).message}`, EXIT.USAGE);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--config: ${file} is not valid JSON (${(e as Error).message})`, EXIT.USAGE);
  }
  try {
    return check(json);
  } catch (e) {
    if (e instanceof LbInputError) throw new CliError(`${file}: ${e.message}`, EXIT.USAGE);
    throw e;
  }
}

function printStats(lb: LoadBalancer, paths: LbPaths) {
  const rows = [
    ["vip", "packets", "bytes", "forwarding"],
    ...lb.stats().map((s) => [s.vip, String(s.packets), String(s.bytes), s.forwarding]),
  ];
  printTable(rows);
  console.log("");
  printTable([
    ["icmp", "echo replies", "too big forwarded", "too big sent", "too big dropped"],
    ...lb
      .icmpStats()
      .map((s) => [
        `IPv${s.family}`,
        String(s.echoReplies),
        String(s.tooBigForwarded),
        String(s.tooBigSent),
        String(s.tooBigDropped),
      ]),
  ]);
  const probes = pinnedProbeCounters(probeStatsPin(paths));
  if (probes)
    console.log(`\nprobe tunnel (lb run): ${probes.encapsulated} packets encapsulated, ${probes.dropped} dropped`);
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
        b.down ? "down" : b.drained ? "drained" : "active",
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

interface StartOptions extends Where {
  config?: string;
  dev?: string;
  netns?: string;
  mode?: string;
  object: string;
}

interface RunOptions extends StartOptions {
  /** lb/healthcheck.ts's object: probes of encapsulation VIPs go through the tunnel. */
  hcObject: string;
}

/** `lb start`: everything is checked before the first change; a start that fails leaves nothing. */
async function start(o: StartOptions) {
  await startLb(readConfig(o.config), o);
}

async function startLb(config: LbConfig, o: Omit<StartOptions, "config">) {
  const dev = checkInterfaceName(
    o.dev ?? config.dev ?? missing("--dev", "no interface: give --dev or `dev` in the config"),
    o.dev ? "--dev" : "dev",
  );
  const netnsValue = o.netns ?? config.netns;
  const netns = netnsValue === undefined ? undefined : checkNetnsName(netnsValue, o.netns ? "--netns" : "netns");
  const mode = checkMode(o.mode ?? config.mode ?? "auto", o.mode ? "--mode" : "mode");
  if (!existsSync(o.object))
    throw new CliError(
      `--object: ${o.object} not found: build it with \`tsbpf build lb/lb.ts -o ${o.object}\``,
      EXIT.USAGE,
    );
  const paths = lbPaths(o.pinDir);
  await withLbLock(paths, async () => {
    if (readState(paths) && existsSync(paths.link))
      throw new CliError(`an LB is already running under ${paths.pinDir} (tsbpf lb stop first)`, EXIT.BUSY);
    if (hasRemains(paths)) {
      removeLb(paths);
      console.log(`removed the remains of an LB under ${paths.pinDir} that did not start completely or was detached`);
    }
    const balancer = await LoadBalancer.load(o.object);
    try {
      balancer.attach(dev, { netns, mode });
      crashPoint("attached");
      if (config.timeouts) balancer.setTimeouts(config.timeouts);
      else balancer.setTimeouts({});
      if (config.encapSource) balancer.setEncapSource(config.encapSource);
      if (config.encapSource6) balancer.setEncapSource(config.encapSource6);
      if (config.mtu) balancer.setMtu(config.mtu);
      for (const v of config.vips) {
        balancer.addVip(v.vip, { encap: v.encap, echo: v.echo, pmtu: v.pmtu });
        for (const b of v.backends) balancer.addBackend(v.vip, b);
      }
      // The commit order: maps, then the link, then the state file. A start that dies before
      // the state is written leaves remains the next start or stop removes.
      ensureOwnDirectory(paths.pinDir);
      balancer.pin(paths.pinDir);
      crashPoint("maps-pinned");
      balancer.pinLink(paths.link);
      crashPoint("link-pinned");
      writeState(paths, balancer.state());
    } catch (e) {
      balancer.close();
      removeLb(paths);
      throw e;
    }
    balancer.close();
    console.log(`LB attached to ${dev}${netns ? ` in ${netns}` : ""}; maps and link pinned under ${paths.pinDir}`);
  });
}

/**
 * `lb run`: the LB as a service. Starts it from the config unless one runs under the pin
 * directory, then health-checks the backends of every VIP with a `healthCheck` (lb/health.ts)
 * from the LB's network namespace, taking a failing backend out and putting a recovered one
 * back (each change under the LB's lock, saved in its state, shown by `lb stats`), until
 * SIGTERM or SIGINT. Then it stops probing and exits 0; the LB keeps forwarding.
 */
async function run(o: RunOptions) {
  if (!o.config) throw new CliError("--config: `lb run` needs the config file (its VIPs' healthCheck)", EXIT.USAGE);
  const config = readConfig(o.config);
  const throughTunnel = config.vips.some((v) => v.healthCheck && v.encap);
  if (throughTunnel && !existsSync(o.hcObject))
    throw new CliError(
      `--hc-object: ${o.hcObject} not found: build it with \`tsbpf build lb/healthcheck.ts -o ${o.hcObject}\` (encapsulation VIPs are probed through the tunnel)`,
      EXIT.USAGE,
    );
  const paths = lbPaths(o.pinDir);
  const running = withLbLock(paths, () => readStateOrCorrupt(paths) !== undefined && existsSync(paths.link));
  if (running) console.log(`using the LB running under ${paths.pinDir}`);
  else await start(o);
  const netns = o.netns ?? config.netns;
  if (netns !== undefined) enterNetns(checkNetnsName(netns, o.netns ? "--netns" : "netns"));
  const checked = config.vips.filter((v) => v.healthCheck);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  for (const v of checked) {
    const h = v.healthCheck!;
    log(
      `checking ${vipName(v.vip)}: ${h.type}${h.type === "http" ? ` ${h.path}` : ""} port ${h.port} every ${h.intervalMs} ms (timeout ${h.timeoutMs} ms, rise ${h.rise}, fall ${h.fall})`,
    );
  }
  // Encapsulation VIPs are probed as clients reach them: to VIP:port, through the tunnel to
  // each backend (lb/healthcheck.ts on the interface's egress; docs/lb-operations.md).
  let tunnel: ProbeTunnel | undefined;
  const startedState = readStateOrCorrupt(paths);
  if (throughTunnel && startedState) {
    const { encapSource, encapSource6 } = startedState;
    const dev = o.dev ?? config.dev;
    if (!dev)
      throw new CliError("--dev: the probe tunnel needs the LB's interface (--dev or `dev` in the config)", EXIT.USAGE);
    tunnel = await ProbeTunnel.open(o.hcObject, {
      dev,
      source: encapSource,
      source6: encapSource6,
      statsPin: probeStatsPin(paths),
    });
    const sources = [encapSource, encapSource6].filter(Boolean).join(", ");
    log(
      `probes of encapsulation VIPs go through the tunnel: tc program on ${dev} egress (tcx link ${tunnel.linkId}), outer source ${sources}`,
    );
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the health checks`);
    controller.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  let gone = false;
  try {
    await runHealthChecks({
      signal: controller.signal,
      targets: (): CheckedVip[] => {
        const state = readStateOrCorrupt(paths);
        if (!state) {
          gone = true;
          controller.abort();
          return [];
        }
        const tunneled: TunnelBackend[] = [];
        const targets = checked.map((c) => {
          const running = state.vips.find((v) => vipName(v.spec) === vipName(c.vip));
          const viaTunnel = tunnel !== undefined && running?.encap === true;
          const source = family(c.vip.addr) === 6 ? state.encapSource6 : state.encapSource;
          return {
            vip: c.vip,
            check: c.healthCheck!,
            backends: (running?.backends ?? []).map((b) => {
              if (!viaTunnel) return { addr: b.addr, down: b.down === true };
              tunneled.push({ id: b.id, addr: b.addr, mac: b.mac });
              const probe = { addr: c.vip.addr, mark: probeMark(b.id), source };
              return { addr: b.addr, down: b.down === true, probe };
            }),
          };
        });
        tunnel?.sync(tunneled);
        return targets;
      },
      onChange: (e) => {
        try {
          withRunningLb(o, (lb) => {
            const slots = lb.setHealth(e.vip, e.addr, e.state === "up");
            log(
              `${vipName(e.vip)} backend ${e.addr} ${e.state} after ${e.streak} ${e.state === "up" ? "good" : "failed"} probes (${e.detail}); ${slots} Maglev slots rewritten`,
            );
          });
        } catch (err) {
          log(`${vipName(e.vip)} backend ${e.addr} ${e.state}: not applied: ${(err as Error).message}`);
        }
      },
    });
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    tunnel?.close();
  }
  if (gone) throw new CliError(`the LB under ${paths.pinDir} was stopped: health checks end`, EXIT.NOT_FOUND);
  log(`health checks stopped; the LB keeps running under ${paths.pinDir} (\`tsbpf lb stop\` detaches it)`);
}

/**
 * `lb fleet start`: every instance of the fleet config started (as `lb start`) with the same
 * VIPs and backends, so the same Maglev tables; all or none (a failure stops those started).
 */
async function fleetStart(o: { config: string; object: string }) {
  const instances = readJson(o.config, checkFleetConfig);
  const started: string[] = [];
  try {
    for (const i of instances) {
      process.stdout.write(`${i.name}: `);
      await startLb(i.config, { pinDir: i.pinDir, object: o.object });
      started.push(i.pinDir);
    }
  } catch (e) {
    for (const pinDir of started) withLbLock(lbPaths(pinDir), () => removeLb(lbPaths(pinDir)));
    throw e;
  }
  console.log(`fleet of ${instances.length} started: ${instances.map((i) => i.name).join(", ")}`);
}

function fleetStop(o: { config: string }) {
  for (const i of readJson(o.config, checkFleetConfig)) {
    const paths = lbPaths(i.pinDir);
    withLbLock(paths, () => {
      if (hasRemains(paths)) removeLb(paths);
    });
    console.log(`${i.name}: stopped`);
  }
}

function fleetStats(o: { config: string }) {
  const rows = [["instance", "vip", "packets", "bytes", "flows"]];
  for (const i of readJson(o.config, checkFleetConfig)) {
    const lb = openRunningLb(i.pinDir);
    try {
      const flows = new Map<string, number>();
      for (const b of lb.backends()) flows.set(b.vip, (flows.get(b.vip) ?? 0) + b.flows);
      for (const s of lb.stats())
        rows.push([i.name, s.vip, String(s.packets), String(s.bytes), String(flows.get(s.vip) ?? 0)]);
    } finally {
      lb.close();
    }
  }
  printTable(rows);
}

/** `lb upgrade`: under the LB's lock, the new build takes over the pinned maps and the link (lb/upgrade.ts). */
async function upgrade(o: Where & { object: string }) {
  if (!existsSync(o.object))
    throw new CliError(
      `--object: ${o.object} not found: build it with \`tsbpf build lb/lb.ts -o ${o.object}\``,
      EXIT.USAGE,
    );
  const paths = lbPaths(o.pinDir);
  await withLbLock(paths, async () => {
    const state = runningState(paths);
    let report: Awaited<ReturnType<typeof upgradeLb>>;
    try {
      report = await upgradeLb(paths, o.object);
    } catch (e) {
      if (e instanceof UpgradeRefusedError)
        throw new CliError(`upgrade refused, the running LB is unchanged: ${e.message}`, EXIT.BAD_OBJECT);
      throw e;
    }
    // Maps new in this build start empty: write what the state says belongs in them.
    LoadBalancer.fromPinned(paths.pinDir, state, { repair: true }).close();
    console.log(
      `LB upgraded: program ${report.oldProgId} → ${report.newProgId}; maps kept: ${report.kept.join(", ")}${
        report.created.length ? `; created: ${report.created.join(", ")}` : ""
      }`,
    );
  });
}

function missing(field: string, message: string): never {
  throw new CliError(`${field}: ${message}`, EXIT.USAGE);
}

export function lbCommand(): Command {
  const lb = new Command("lb").description("run the XDP load balancer (lb/lb.ts) and program it");
  const pinOption = (c: Command) =>
    c.option("--pin-dir <dir>", "bpffs directory of the LB's maps and link", DEFAULT_PIN_DIR);

  pinOption(lb.command("start"))
    .description("load the LB, attach it to an interface, apply a config file; it keeps running after exit")
    .option(
      "-c, --config <file>",
      'JSON config: { dev, netns, mode, timeouts: { tcpNew, tcpEstablished, tcpClosing, udp }, encapSource, encapSource6, vips: [{ vip: "10.100.0.1:80/tcp" or "[fd00::1]:80/tcp", encap, backends: [{ addr, mac, weight }], healthCheck }] }',
    )
    .option("--dev <ifname>", "interface (overrides the config's dev)")
    .option("--netns <name>", "network namespace of the interface (ip netns)")
    .option("--mode <mode>", "native, generic or auto")
    .option("--object <file>", "the LB object built by `tsbpf build lb/lb.ts`", DEFAULT_OBJECT)
    .action(lbAction(start));

  pinOption(lb.command("run"))
    .description(
      "run the LB as a service: start it from the config (unless running), health-check its backends until SIGTERM/SIGINT (docs/lb-operations.md)",
    )
    .requiredOption("-c, --config <file>", "JSON config as for `lb start`, with a `healthCheck` per VIP to check")
    .option("--dev <ifname>", "interface (overrides the config's dev)")
    .option("--netns <name>", "network namespace of the interface (ip netns); probes are sent from it")
    .option("--mode <mode>", "native, generic or auto")
    .option("--object <file>", "the LB object built by `tsbpf build lb/lb.ts`", DEFAULT_OBJECT)
    .option(
      "--hc-object <file>",
      "the probe tunnel's object built by `tsbpf build lb/healthcheck.ts` (encapsulation VIPs' probes)",
      DEFAULT_HC_OBJECT,
    )
    .action(lbAction(run));

  const fleet = lb
    .command("fleet")
    .description("LB instances behind ECMP, programmed from one fleet config (docs/lb-operations.md)");
  fleet
    .command("start")
    .description("start every instance of the fleet with the same VIPs and backends")
    .requiredOption(
      "-c, --config <file>",
      "JSON: { mode, timeouts, vips: [...as for lb start], instances: [{ name, dev, netns, encapSource, pinDir }] }",
    )
    .option("--object <file>", "the LB object built by `tsbpf build lb/lb.ts`", DEFAULT_OBJECT)
    .action(lbAction(fleetStart));
  fleet
    .command("stop")
    .description("stop every instance of the fleet")
    .requiredOption("-c, --config <file>", "the fleet config")
    .action(lbAction(fleetStop));
  fleet
    .command("stats")
    .description("per instance and VIP: packets, bytes, tracked flows")
    .requiredOption("-c, --config <file>", "the fleet config")
    .action(lbAction(fleetStats));

  pinOption(lb.command("upgrade"))
    .description(
      "replace the running LB's program by a new build, atomically, keeping its maps and every tracked flow (refused if the maps differ)",
    )
    .option("--object <file>", "the new LB object built by `tsbpf build lb/lb.ts`", DEFAULT_OBJECT)
    .action(lbAction(upgrade));

  pinOption(lb.command("stop"))
    .description("detach the LB and remove its pins and state (also the remains of a start that died)")
    .action(
      lbAction((o: Where) => {
        const paths = lbPaths(o.pinDir);
        withLbLock(paths, () => {
          const complete = readStateOrCorrupt(paths) && existsSync(paths.link);
          if (!hasRemains(paths)) throw notRunning(paths);
          removeLb(paths);
          rmSync(probeStatsPin(paths), { force: true }); // left by an `lb run` that was killed
          console.log(
            complete
              ? "LB stopped"
              : `removed the remains of an LB under ${paths.pinDir} that did not start completely`,
          );
        });
      }),
    );

  const vip = lb.command("vip").description("add or remove VIPs");
  pinOption(
    vip
      .command("add")
      .argument("<vip>", "ADDR:PORT/tcp|udp, [IPV6]:PORT/tcp|udp")
      .option(
        "--encap",
        "serve it by encapsulation, IP-in-IP or IPv6-in-IPv6 (direct server return; needs `lb encap-source`)",
      )
      .option("--echo", "the LB answers pings (ICMP echo requests) to the VIP's address")
      .option(
        "--pmtu",
        'ICMP "too big" errors about its flows go to their backends; with --encap and `lb mtu`, packets too big for the backends\' link are answered',
      ),
  ).action(
    lbAction((text: string, o: Where & { encap?: boolean; echo?: boolean; pmtu?: boolean }) => {
      const spec = parseVip(text);
      const flags = { encap: o.encap === true, echo: o.echo === true, pmtu: o.pmtu === true };
      withRunningLb(o, (b) => console.log(`VIP ${text} has index ${b.addVip(spec, flags)}`));
    }),
  );
  pinOption(vip.command("remove").argument("<vip>")).action(
    lbAction((text: string, o: Where) => {
      const spec = parseVip(text);
      withRunningLb(o, (b) => b.removeVip(spec));
    }),
  );

  const backend = lb.command("backend").description("add, remove, weight or drain a VIP's backends");
  pinOption(
    backend
      .command("add")
      .argument("<vip>")
      .argument("<addr>")
      .requiredOption("--mac <mac>", "the backend's MAC")
      .option("--weight <n>", "relative weight, a whole number (0: no new flows)", "1"),
  ).action(
    lbAction((v: string, addr: string, o: Where & { mac: string; weight: string }) => {
      const spec = parseVip(v);
      checkBackend({ addr, mac: o.mac }, spec, "backend");
      const weight = checkWeight(o.weight, "--weight", true);
      withRunningLb(o, (b) =>
        console.log(`backend ${addr} has id ${b.addBackend(spec, { addr, mac: o.mac, weight })}`),
      );
    }),
  );
  pinOption(backend.command("remove").argument("<vip>").argument("<addr>"))
    .description("no new flows; its tracked flows move")
    .action(
      lbAction((v: string, addr: string, o: Where) => {
        const spec = parseVip(v);
        withRunningLb(o, (b) => b.removeBackend(spec, checkIp(addr, "<addr>")));
      }),
    );
  pinOption(backend.command("weight").argument("<vip>").argument("<addr>").argument("<weight>")).action(
    lbAction((v: string, addr: string, w: string, o: Where) => {
      const spec = parseVip(v);
      const weight = checkWeight(w, "<weight>", true);
      withRunningLb(o, (b) => b.setWeight(spec, checkIp(addr, "<addr>"), weight));
    }),
  );
  pinOption(backend.command("drain").argument("<vip>").argument("<addr>"))
    .description("no new flows; tracked flows stay")
    .action(
      lbAction((v: string, addr: string, o: Where) => {
        const spec = parseVip(v);
        withRunningLb(o, (b) => b.drain(spec, checkIp(addr, "<addr>")));
      }),
    );

  pinOption(lb.command("timeouts"))
    .description("show or set the idle timeouts of tracked flows, in whole seconds (docs/lb-state.md)")
    .option("--tcp-new <s>", "TCP flow not yet answered by its backend")
    .option("--tcp-established <s>", "TCP connection in use")
    .option("--tcp-closing <s>", "grace period after a FIN or RST")
    .option("--udp <s>", "UDP flow")
    .action(
      lbAction((o: Where & { tcpNew?: string; tcpEstablished?: string; tcpClosing?: string; udp?: string }) => {
        const given: Record<string, unknown> = {};
        for (const k of ["tcpNew", "tcpEstablished", "tcpClosing", "udp"] as const)
          if (o[k] !== undefined) given[k] = /^\d+$/.test(o[k]!) ? Number(o[k]) : o[k];
        const t = checkTimeouts(given, "timeouts");
        withRunningLb(o, (b) => {
          b.setTimeouts(t);
          const now = b.timeouts();
          console.log(
            Object.entries(now)
              .map(([k, v]) => `${k} ${v} s`)
              .join(", "),
          );
        });
      }),
    );

  pinOption(lb.command("encap-source").argument("[addr]", "IPv4 address (IPv4 VIPs) or IPv6 address (IPv6 VIPs)"))
    .description("show or set the outer source address of encapsulated packets (docs/lb-abi.md)")
    .action(
      lbAction((addr: string | undefined, o: Where) => {
        const checked = addr === undefined ? undefined : checkIp(addr, "<addr>");
        withRunningLb(
          o,
          (b) => {
            if (checked !== undefined) b.setEncapSource(checked);
            console.log(b.encapSource(4) ?? "not set");
            const six = b.encapSource(6);
            if (six) console.log(six);
          },
          checked !== undefined,
        );
      }),
    );

  pinOption(lb.command("mtu").argument("[bytes]", `${MIN_MTU}..${MAX_MTU}`))
    .description('show or set the MTU of the link to the backends, for "too big" answers (docs/lb-abi.md, "ICMP")')
    .action(
      lbAction((bytes: string | undefined, o: Where) => {
        const mtu = bytes === undefined ? undefined : checkMtu(bytes, "<bytes>", true);
        withRunningLb(
          o,
          (b) => {
            if (mtu !== undefined) b.setMtu(mtu);
            console.log(b.mtu() ?? "not set");
          },
          mtu !== undefined,
        );
      }),
    );

  pinOption(lb.command("stats"))
    .description(
      "per-VIP packets and bytes; ICMP counters; the probe tunnel's (while `lb run` runs); per-backend Maglev slots and tracked flows",
    )
    .action(lbAction((o: Where) => withRunningLb(o, (lb) => printStats(lb, lbPaths(o.pinDir)), false)));
  return lb;
}

/** The state, or undefined if it is missing or unreadable (stop removes either). */
function readStateOrCorrupt(paths: LbPaths): LbState | undefined {
  try {
    return readState(paths);
  } catch {
    return undefined;
  }
}
