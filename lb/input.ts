// What the LB accepts from its users (config file, command line, control-plane calls), checked
// before anything changes. Each check names the field it rejects, so a user sees where the
// mistake is: `vips[0].backends[2].mac: "02:00:00:00:00:zz" is not a MAC address …`.
import * as abi from "./lb.ts";
import { formatIpv6, ipv6ToWords } from "./ipv6.ts";

/** Bad input to the LB; `field` names it (a config path like `vips[1].backends[0].addr`, or an argument). */
export class LbInputError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "LbInputError";
  }
}

export type Proto = "tcp" | "udp";
export interface VipSpec {
  addr: string;
  port: number;
  proto: Proto;
}
export interface BackendSpec {
  addr: string;
  mac: string;
  weight?: number;
}
/** Idle timeouts in seconds (docs/lb-state.md). */
export interface Timeouts {
  tcpNew: number;
  tcpEstablished: number;
  tcpClosing: number;
  udp: number;
}
export const DEFAULT_TIMEOUTS: Timeouts = {
  tcpNew: abi.DEFAULT_TCP_NEW_S,
  tcpEstablished: abi.DEFAULT_TCP_ESTABLISHED_S,
  tcpClosing: abi.DEFAULT_TCP_CLOSING_S,
  udp: abi.DEFAULT_UDP_S,
};
export const MAX_TIMEOUT_S = 10_000_000;
/** Weights are whole numbers; beyond this the 65537 slots cannot show the ratio anyway. */
export const MAX_WEIGHT = 65536;
export const XDP_MODES = ["native", "generic", "auto"] as const;

/** How `tsbpf lb run` checks a VIP's backends (lb/health.ts); every field has a default but `type`. */
export interface HealthCheck {
  /** tcp: a connect; udp: a datagram (`payload`) that must be answered; http: a GET of `path` answered with `expectStatus`. */
  type: "tcp" | "udp" | "http";
  /** Port probed on the backend's address (default: the VIP's port). */
  port: number;
  path: string;
  expectStatus: number;
  payload: string;
  /** Time between two probes of a backend, and the time a probe may take (≤ interval). */
  intervalMs: number;
  timeoutMs: number;
  /** Good probes in a row that bring a down backend back, failed ones that take an up backend out. */
  rise: number;
  fall: number;
}
export const HEALTH_CHECK_DEFAULTS = {
  path: "/",
  expectStatus: 200,
  payload: "health",
  intervalMs: 2000,
  timeoutMs: 1000,
  rise: 2,
  fall: 3,
} as const;

/** The config file of `tsbpf lb start --config FILE`, after checking. */
export interface LbConfig {
  dev?: string;
  netns?: string;
  mode?: (typeof XDP_MODES)[number];
  timeouts?: Partial<Timeouts>;
  /** Outer source address of encapsulated packets (docs/lb-abi.md, "Encapsulation mode"). */
  encapSource?: string;
  /** The same for IPv6 VIPs (IPv6-in-IPv6, docs/lb-abi.md "IPv6"). */
  encapSource6?: string;
  /** The MTU of the link to the backends, for "too big" answers (docs/lb-abi.md, "ICMP"). */
  mtu?: number;
  /** `encap`: served by IP-in-IP encapsulation (direct server return) instead of DNAT; `echo`:
   *  pings to its address answered; `pmtu`: "too big" errors about its flows handled (ICMP). */
  vips: {
    vip: VipSpec;
    encap: boolean;
    echo?: boolean;
    pmtu?: boolean;
    backends: Required<BackendSpec>[];
    healthCheck?: HealthCheck;
  }[];
}

const show = (v: unknown) => (typeof v === "string" ? `"${v}"` : (JSON.stringify(v) ?? String(v)));

/**
 * A unicast IPv4 address a host can have, in canonical dotted decimal ("10.0.0.11"; "10.0.0.011"
 * is refused, not read as a second spelling). Not 0.0.0.0/8, loopback, multicast or 240/4.
 */
export function checkIpv4(value: unknown, field: string): string {
  if (typeof value !== "string") throw new LbInputError(field, `expected an IPv4 address string, got ${show(value)}`);
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(value);
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((o) => o > 255))
    throw new LbInputError(field, `${show(value)} is not an IPv4 address (dotted decimal, no leading zeros)`);
  const first = octets[0]!;
  if (first === 0 || first === 127 || first >= 224)
    throw new LbInputError(
      field,
      `${value} is not a unicast host address (0.0.0.0/8, 127.0.0.0/8, multicast and 240.0.0.0/4 are refused)`,
    );
  return value;
}

/**
 * A unicast IPv6 address a host can have, returned in canonical form (RFC 5952: "fd00::1"), so
 * that two spellings of one address are one VIP. Not ::, ::1, multicast (ff00::/8), link-local
 * (fe80::/10: it needs an interface) or IPv4-mapped (::ffff:0:0/96: the LB keeps the families apart).
 */
export function checkIpv6(value: unknown, field: string): string {
  if (typeof value !== "string") throw new LbInputError(field, `expected an IPv6 address string, got ${show(value)}`);
  let w: ReturnType<typeof ipv6ToWords>;
  try {
    w = ipv6ToWords(value);
  } catch {
    throw new LbInputError(field, `${show(value)} is not an IPv6 address`);
  }
  const canonical = formatIpv6(w);
  if (canonical === "::" || canonical === "::1" || w.w0 >>> 24 === 0xff || w.w0 >>> 22 === 0x3fa)
    throw new LbInputError(
      field,
      `${value} is not a unicast host address (::, ::1, multicast ff00::/8 and link-local fe80::/10 are refused)`,
    );
  if (w.w0 === 0 && w.w1 === 0 && w.w2 === 0xffff)
    throw new LbInputError(field, `${value} is an IPv4-mapped address: write the IPv4 address`);
  return canonical;
}

/** An IPv4 or IPv6 unicast address (by its form: IPv6 has ":"). */
export function checkIp(value: unknown, field: string): string {
  return typeof value === "string" && value.includes(":") ? checkIpv6(value, field) : checkIpv4(value, field);
}

/** 6 for an IPv6 address (as checkIp returns it), 4 else. */
export function family(addr: string): 4 | 6 {
  return addr.includes(":") ? 6 : 4;
}

/** "10.100.0.1:80/tcp", "[fd00::1]:80/tcp". */
export function vipName(v: VipSpec): string {
  return family(v.addr) === 6 ? `[${v.addr}]:${v.port}/${v.proto}` : `${v.addr}:${v.port}/${v.proto}`;
}

/** A unicast Ethernet address, six two-digit hex bytes separated by ":", lower-cased. */
export function checkMac(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value))
    throw new LbInputError(field, `${show(value)} is not a MAC address (write six hex bytes: 02:00:0a:00:00:0b)`);
  const mac = value.toLowerCase();
  if (parseInt(mac.slice(0, 2), 16) & 1)
    throw new LbInputError(field, `${mac} is a group (multicast or broadcast) address, not a host's`);
  if (mac === "00:00:00:00:00:00") throw new LbInputError(field, "00:00:00:00:00:00 is not a host's MAC address");
  return mac;
}

export function macBytes(mac: string): number[] {
  return mac.split(":").map((h) => parseInt(h, 16));
}

/** A weight: a whole number 0..MAX_WEIGHT (0: no new flows). Strings only from the command line. */
export function checkWeight(value: unknown, field: string, fromCommandLine = false): number {
  const n = fromCommandLine && typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_WEIGHT)
    throw new LbInputError(field, `expected a whole number 0..${MAX_WEIGHT}, got ${show(value)}`);
  return n;
}

/** The backends' link MTU bounds: IPv6-in-IPv6 of a minimum-MTU (1280) IPv6 packet must fit. */
export const MIN_MTU = 1320;
export const MAX_MTU = 65535;

/** The MTU of the link to the backends, MIN_MTU..MAX_MTU (a JSON number, or digits on the command line). */
export function checkMtu(value: unknown, field: string, fromCommandLine = false): number {
  const n = fromCommandLine && typeof value === "string" && /^[1-9]\d*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < MIN_MTU || n > MAX_MTU)
    throw new LbInputError(field, `expected a whole number ${MIN_MTU}..${MAX_MTU} (bytes), got ${show(value)}`);
  return n;
}

/** A port number 1..65535 (a JSON number, or digits without leading zeros on the command line). */
export function checkPort(value: unknown, field: string): number {
  const n = typeof value === "string" && /^[1-9]\d*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535)
    throw new LbInputError(field, `expected a port 1..65535, got ${show(value)}`);
  return n;
}

/** "10.100.0.1:80/tcp", or "[fd00::1]:80/tcp" for an IPv6 VIP. */
export function parseVip(value: unknown, field = "vip"): VipSpec {
  const m = typeof value === "string" ? /^(?:\[([^\]]*)\]|([^:[\]]*)):([^/]*)\/(.*)$/.exec(value) : null;
  if (!m)
    throw new LbInputError(
      field,
      `${show(value)} is not a VIP: write ADDR:PORT/tcp or ADDR:PORT/udp ([IPV6]:PORT/… for IPv6)`,
    );
  if (m[4] !== "tcp" && m[4] !== "udp")
    throw new LbInputError(field, `protocol ${show(m[4])} in ${show(value)}: expected tcp or udp`);
  const addr = m[1] !== undefined ? checkIpv6(m[1], `${field} address`) : checkIpv4(m[2], `${field} address`);
  return { addr, port: checkPort(m[3], `${field} port`), proto: m[4] };
}

/** A backend of `vip`: a unicast address that is not the VIP's own, a unicast MAC, a weight. */
export function checkBackend(value: unknown, vip: VipSpec, field: string): Required<BackendSpec> {
  const b = checkObject(value, field, ["addr", "mac", "weight"]);
  const addr = checkIp(b.addr, `${field}.addr`);
  if (family(addr) !== family(vip.addr))
    throw new LbInputError(
      `${field}.addr`,
      `${addr} is an IPv${family(addr)} address and the VIP an IPv${family(vip.addr)} one: the LB does not translate between them`,
    );
  if (addr === vip.addr) throw new LbInputError(`${field}.addr`, `${addr} is the VIP itself, not a backend`);
  return {
    addr,
    mac: checkMac(b.mac, `${field}.mac`),
    weight: b.weight === undefined ? 1 : checkWeight(b.weight, `${field}.weight`),
  };
}

/** An interface name as the kernel accepts it (dev_valid_name): 1..15 bytes, no "/", ":" or space. */
export function checkInterfaceName(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^[^/:\s]{1,15}$/.test(value) || value === "." || value === "..")
    throw new LbInputError(field, `${show(value)} is not an interface name (1..15 characters, no "/", ":" or spaces)`);
  return value;
}

/** A network namespace name as `ip netns` makes them (a file name in /run/netns). */
export function checkNetnsName(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(value) || value === "." || value === "..")
    throw new LbInputError(field, `${show(value)} is not a network namespace name (letters, digits, "_", "-", ".")`);
  return value;
}

export function checkMode(value: unknown, field: string): LbConfig["mode"] {
  if (!XDP_MODES.includes(value as never))
    throw new LbInputError(field, `${show(value)} is not an XDP mode: expected ${XDP_MODES.join(", ")}`);
  return value as LbConfig["mode"];
}

/** Idle timeouts in whole seconds, 1..MAX_TIMEOUT_S each; absent ones keep their value. */
export function checkTimeouts(value: unknown, field: string): Partial<Timeouts> {
  const t = checkObject(value, field, Object.keys(DEFAULT_TIMEOUTS));
  const out: Partial<Timeouts> = {};
  for (const name of Object.keys(DEFAULT_TIMEOUTS) as (keyof Timeouts)[]) {
    const v = t[name];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_TIMEOUT_S)
      throw new LbInputError(`${field}.${name}`, `expected whole seconds 1..${MAX_TIMEOUT_S}, got ${show(v)}`);
    out[name] = v;
  }
  return out;
}

/** The whole config file, checked: every field, duplicates, and the ABI's limits. */
export function checkConfig(value: unknown): LbConfig {
  const c = checkObject(value, "config", [
    "dev",
    "netns",
    "mode",
    "timeouts",
    "encapSource",
    "encapSource6",
    "mtu",
    "vips",
  ]);
  const config: LbConfig = { vips: [] };
  if (c.dev !== undefined) config.dev = checkInterfaceName(c.dev, "dev");
  if (c.netns !== undefined) config.netns = checkNetnsName(c.netns, "netns");
  if (c.mode !== undefined) config.mode = checkMode(c.mode, "mode");
  if (c.timeouts !== undefined) config.timeouts = checkTimeouts(c.timeouts, "timeouts");
  if (c.encapSource !== undefined) config.encapSource = checkIpv4(c.encapSource, "encapSource");
  if (c.encapSource6 !== undefined) config.encapSource6 = checkIpv6(c.encapSource6, "encapSource6");
  if (c.mtu !== undefined) config.mtu = checkMtu(c.mtu, "mtu");
  if (c.vips === undefined) return config;
  if (!Array.isArray(c.vips)) throw new LbInputError("vips", `expected a list of VIPs, got ${show(c.vips)}`);
  if (c.vips.length > abi.MAX_VIPS)
    throw new LbInputError("vips", `at most ${abi.MAX_VIPS} VIPs, got ${c.vips.length}`);
  const seenVips = new Set<string>();
  let members = 0;
  c.vips.forEach((entry: unknown, i: number) => {
    const field = `vips[${i}]`;
    const v = checkObject(entry, field, ["vip", "encap", "echo", "pmtu", "backends", "healthCheck"]);
    for (const flag of ["encap", "echo", "pmtu"] as const)
      if (v[flag] !== undefined && typeof v[flag] !== "boolean")
        throw new LbInputError(`${field}.${flag}`, `expected true or false, got ${show(v[flag])}`);
    const encap = v.encap === true;
    const vip = parseVip(v.vip, `${field}.vip`);
    const source = family(vip.addr) === 6 ? "encapSource6" : "encapSource";
    if (encap && config[source] === undefined)
      throw new LbInputError(`${field}.encap`, `an encapsulation VIP needs ${source} (the outer source address)`);
    const name = vipName(vip);
    if (seenVips.has(name)) throw new LbInputError(`${field}.vip`, `${name} is listed twice`);
    seenVips.add(name);
    const list = v.backends ?? [];
    if (!Array.isArray(list)) throw new LbInputError(`${field}.backends`, `expected a list, got ${show(list)}`);
    const backends = list.map((b: unknown, j: number) => checkBackend(b, vip, `${field}.backends[${j}]`));
    const addrs = new Set<string>();
    backends.forEach((b, j) => {
      if (addrs.has(b.addr)) throw new LbInputError(`${field}.backends[${j}].addr`, `${b.addr} is listed twice`);
      addrs.add(b.addr);
    });
    members += backends.length;
    if (members > abi.MAX_BACKENDS)
      throw new LbInputError(`${field}.backends`, `at most ${abi.MAX_BACKENDS} backends over all VIPs`);
    const healthCheck =
      v.healthCheck === undefined ? undefined : checkHealthCheck(v.healthCheck, vip, `${field}.healthCheck`);
    config.vips.push({
      vip,
      encap,
      ...(v.echo === true ? { echo: true } : {}),
      ...(v.pmtu === true ? { pmtu: true } : {}),
      backends,
      ...(healthCheck ? { healthCheck } : {}),
    });
  });
  return config;
}

/** One LB instance of a fleet, and its config: the fleet's VIPs and settings with its own interface. */
export interface FleetInstance {
  name: string;
  pinDir: string;
  config: LbConfig;
}

/**
 * The config file of `tsbpf lb fleet start`: the settings and VIPs every instance gets (as in
 * `lb start`'s config, without `dev`/`netns`/`encapSource`), and `instances`, each with its
 * `name`, interface (`dev`, `netns`), `encapSource` (its own address on the backends'
 * network) and `pinDir` (default /sys/fs/bpf/tsbpf-lb-NAME). Every instance gets the same
 * VIPs and backends in the same order, so the same backend ids and Maglev tables: any
 * instance picks the same backend for a flow.
 */
export function checkFleetConfig(value: unknown): FleetInstance[] {
  const { instances, ...shared } = checkObject(value, "fleet", ["mode", "timeouts", "vips", "instances"]);
  if (!Array.isArray(instances) || instances.length < 1 || instances.length > 64)
    throw new LbInputError("instances", `expected a list of 1..64 LB instances, got ${show(instances)}`);
  const names = new Set<string>();
  const pins = new Set<string>();
  return instances.map((entry: unknown, i: number) => {
    const field = `instances[${i}]`;
    const { name, pinDir, ...own } = checkObject(entry, field, ["name", "dev", "netns", "encapSource", "pinDir"]);
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,32}$/.test(name))
      throw new LbInputError(
        `${field}.name`,
        `${show(name)} is not an instance name (1..32 letters, digits, "_", "-")`,
      );
    if (names.has(name)) throw new LbInputError(`${field}.name`, `${name} is listed twice`);
    names.add(name);
    const pin = pinDir ?? `/sys/fs/bpf/tsbpf-lb-${name}`;
    if (typeof pin !== "string" || !pin.startsWith("/"))
      throw new LbInputError(`${field}.pinDir`, `expected an absolute path, got ${show(pinDir)}`);
    if (pins.has(pin)) throw new LbInputError(`${field}.pinDir`, `${pin} is used by another instance`);
    pins.add(pin);
    let config: LbConfig;
    try {
      config = checkConfig({ ...shared, ...own });
    } catch (e) {
      if (e instanceof LbInputError && /^(dev|netns|encapSource)\b/.test(e.field))
        throw new LbInputError(`${field}.${e.field}`, e.message.slice(e.field.length + 2));
      throw e;
    }
    if (!config.dev) throw new LbInputError(`${field}.dev`, "every instance needs its interface");
    return { name, pinDir: pin, config };
  });
}

/** A VIP's health check (see HealthCheck), defaults filled in. */
export function checkHealthCheck(value: unknown, vip: VipSpec, field: string): HealthCheck {
  const h = checkObject(value, field, [
    "type",
    "port",
    "path",
    "expectStatus",
    "payload",
    "intervalMs",
    "timeoutMs",
    "rise",
    "fall",
  ]);
  if (h.type !== "tcp" && h.type !== "udp" && h.type !== "http")
    throw new LbInputError(`${field}.type`, `expected "tcp", "udp" or "http", got ${show(h.type)}`);
  if (h.type === "udp" && vip.proto !== "udp")
    throw new LbInputError(`${field}.type`, `a UDP check for the TCP VIP ${vip.addr}:${vip.port}/tcp`);
  if (h.type !== "udp" && vip.proto === "udp")
    throw new LbInputError(
      `${field}.type`,
      `a ${h.type.toUpperCase()} check for the UDP VIP ${vip.addr}:${vip.port}/udp`,
    );
  const d = HEALTH_CHECK_DEFAULTS;
  const int = (name: string, min: number, max: number, dflt: number): number => {
    const n = h[name] ?? dflt;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max)
      throw new LbInputError(`${field}.${name}`, `expected a whole number ${min}..${max}, got ${show(h[name])}`);
    return n;
  };
  const str = (name: string, dflt: string, re: RegExp, what: string): string => {
    const s = h[name] ?? dflt;
    if (typeof s !== "string" || !re.test(s))
      throw new LbInputError(`${field}.${name}`, `${show(h[name])} is not ${what}`);
    return s;
  };
  const intervalMs = int("intervalMs", 100, 3_600_000, d.intervalMs);
  const check: HealthCheck = {
    type: h.type,
    port: h.port === undefined ? vip.port : checkPort(h.port, `${field}.port`),
    path: str("path", d.path, /^\/[\x21-\x7e]*$/, "an HTTP path (starting with /, no spaces)"),
    expectStatus: int("expectStatus", 100, 599, d.expectStatus),
    payload: str("payload", d.payload, /^[\s\S]{1,512}$/, "a payload of 1..512 characters"),
    intervalMs,
    timeoutMs: int("timeoutMs", 10, intervalMs, Math.min(d.timeoutMs, intervalMs)),
    rise: int("rise", 1, 100, d.rise),
    fall: int("fall", 1, 100, d.fall),
  };
  return check;
}

function checkObject(value: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new LbInputError(field, `expected an object, got ${show(value)}`);
  for (const k of Object.keys(value))
    if (!keys.includes(k)) throw new LbInputError(`${field}.${k}`, `unknown field (expected ${keys.join(", ")})`);
  return value as Record<string, unknown>;
}
