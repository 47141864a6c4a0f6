// The LB's control plane: VIPs, backends (add, remove, weight, drain), Maglev tables
// (only changed slots are rewritten), stats. It programs the data plane's maps through
// the runtime, typed by the same declarations (lb/maps.ts) lb/lb.ts compiles from.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  BpfMap,
  loadObject,
  inNetns,
  TypedMap,
  type BpfObject,
  type MapDescriptor,
  type XdpLink,
  type XdpMode,
} from "../runtime/index.ts";
import * as abi from "./maps.ts";
import { VIP_F_ECHO, VIP_F_PMTU } from "./icmp.ts";
import { buildTable, diffTables, M, NO_BACKEND, type MaglevBackend } from "./maglev.ts";
import { ipv4ToU32 } from "./flowhash.ts";
import { formatIpv6, ipv6ToWords, type Addr6Words } from "./ipv6.ts";
import {
  checkBackend,
  checkIp,
  checkIpv4,
  checkMtu,
  family,
  vipName,
  checkPort,
  checkTimeouts,
  checkWeight,
  DEFAULT_TIMEOUTS,
  LbInputError,
  macBytes,
  type BackendSpec,
  type Proto,
  type Timeouts,
  type VipSpec,
} from "./input.ts";
import type { Value } from "../runtime/lang/index.ts";

export { LbInputError, parseVip, vipName, type BackendSpec, type Proto, type Timeouts, type VipSpec } from "./input.ts";

const PROTO_NUMBER: Record<Proto, number> = { tcp: 6, udp: 17 };

export interface BackendState {
  id: number;
  addr: string;
  mac: string;
  weight: number;
  drained: boolean;
  /** Failed its health checks (lb/health.ts): its slots go to the others until it recovers. */
  down?: boolean;
}
interface VipState {
  spec: VipSpec;
  index: number;
  /** Served by IP-in-IP encapsulation (direct server return) instead of DNAT. */
  encap: boolean;
  /** Echo requests to its address answered by the LB (docs/lb-abi.md, "ICMP"). */
  echo: boolean;
  /** "Too big" errors about its flows forwarded to their backends; encapsulation VIPs answer
   *  packets too big for the backends' link MTU (`mtu`). */
  pmtu: boolean;
  backends: Map<string, BackendState>;
  table: Uint32Array | null;
}

function u32ToIpv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join(".");
}

export interface VipStatsReport {
  vip: string;
  index: number;
  /** How the VIP's packets reach its backends. */
  forwarding: "dnat" | "encap";
  packets: bigint;
  bytes: bigint;
}
/** What the data plane's ICMP paths did with one family's packets (docs/lb-abi.md, "ICMP",
 *  `icmpStats`), summed over CPUs. */
export interface IcmpStatsReport {
  family: 4 | 6;
  /** Echo requests to a VIP answered. */
  echoReplies: bigint;
  /** "Too big" errors about a flow sent on to its backend. */
  tooBigForwarded: bigint;
  /** "Too big" answers to packets too large for the backends' link once encapsulated. */
  tooBigSent: bigint;
  /** Such packets dropped instead (IPv4 without DF, or no room for the answer). */
  tooBigDropped: bigint;
}
export interface BackendReport {
  vip: string;
  addr: string;
  id: number;
  weight: number;
  drained: boolean;
  /** Taken out by its health checks. */
  down: boolean;
  slots: number;
  flows: number;
}

/** The data plane's maps, typed by lb/maps.ts's declarations. */
export interface LbMaps {
  vips: TypedMap<Value<typeof abi.VipKey>, Value<typeof abi.VipInfo>>;
  backends: TypedMap<number, Value<typeof abi.Backend>>;
  maglev: TypedMap<number, number>;
  stats: TypedMap<number, Value<typeof abi.VipStats>>;
  conntrack: TypedMap<Value<typeof abi.CtKey>, Value<typeof abi.CtValue>>;
  rnat: TypedMap<Value<typeof abi.RnatKey>, Value<typeof abi.RnatValue>>;
  config: TypedMap<number, Value<typeof abi.Timeouts>>;
  encap: TypedMap<number, Value<typeof abi.EncapConfig>>;
  vips6: TypedMap<Value<typeof abi.Vip6Key>, Value<typeof abi.VipInfo>>;
  backends6: TypedMap<number, Value<typeof abi.Backend6>>;
  conntrack6: TypedMap<Value<typeof abi.Ct6Key>, Value<typeof abi.Ct6Value>>;
  rnat6: TypedMap<Value<typeof abi.Rnat6Key>, Value<typeof abi.Rnat6Value>>;
  encap6: TypedMap<number, Value<typeof abi.Encap6Config>>;
  pmtu: TypedMap<number, Value<typeof abi.PmtuConfig>>;
  icmpStats: TypedMap<number, Value<typeof abi.IcmpStats>>;
}

const NO_ADDR6: Addr6Words = { w0: 0, w1: 0, w2: 0, w3: 0 };
const NO_MAC = [0, 0, 0, 0, 0, 0];
const sameWords = (a: Addr6Words, b: Addr6Words) => a.w0 === b.w0 && a.w1 === b.w1 && a.w2 === b.w2 && a.w3 === b.w3;

/** What the control plane knows beyond the maps: enough to rebuild every map it writes. */
export interface LbState {
  /** `encap`: the VIP is served by encapsulation (absent: DNAT). */
  vips: { spec: VipSpec; index: number; encap?: boolean; echo?: boolean; pmtu?: boolean; backends: BackendState[] }[];
  /** The MTU of the link to the backends, for "too big" answers (absent: not configured). */
  mtu?: number;
  /** The outer source address of encapsulated packets (absent: not configured). */
  encapSource?: string;
  /** The same for IPv6 VIPs' IPv6-in-IPv6 packets. */
  encapSource6?: string;
  /** Idle timeouts in seconds (absent in states written before they existed: the defaults). */
  timeouts?: Timeouts;
  /** Written before a command changes maps, cleared by the state it saves after: if a
   *  command died between the two, the next one rewrites every map entry from this state. */
  changing?: boolean;
}

export class LoadBalancer {
  private readonly vipStates = new Map<string, VipState>();
  /** Each (VIP, backend) pair has its own slot in `backends`, so that removing a backend from
   *  one VIP empties just that slot: the data plane then re-hashes that VIP's flows only. */
  private readonly idByMember = new Map<string, number>();
  private link?: XdpLink;
  private timeoutsS: Timeouts = { ...DEFAULT_TIMEOUTS };
  private encapSrc?: string;
  private encapSrc6?: string;
  private mtuBytes?: number;

  private constructor(
    readonly maps: LbMaps,
    private readonly owned: { close(): void }[],
  ) {}

  /** Loads the data plane object (built by `tsbpf build lb/lb.ts`) into the kernel. */
  static async load(objectPath: string): Promise<LoadBalancer> {
    const object = await loadObject(objectPath);
    try {
      return new LoadBalancer(
        bindMaps((name, decl) => object.typedMap(decl, name)),
        [object],
      );
    } catch (e) {
      object.close();
      throw e;
    }
  }

  /**
   * Reopens a running LB from its pinned maps (see pin()) and its saved state. The state is
   * the truth: with `repair`, the entries of vips, backends and config that differ from it are
   * rewritten, and with `checkTables` also the VIPs' Maglev slots (a full read of the maglev
   * map: slow, for after a command that died half-way), so a command starts from maps and
   * state that agree.
   */
  static fromPinned(
    dir: string,
    state: LbState,
    options: { repair?: boolean; checkTables?: boolean } = {},
  ): LoadBalancer {
    const opened: BpfMap[] = [];
    try {
      const maps = bindMaps((name, decl) => {
        // An LB started by an older build lacks the maps added since; the upgrade pins them.
        if (!existsSync(join(dir, name)))
          throw new Error(
            `${dir} has no pinned map "${name}": the LB there was started by an older build; \`tsbpf lb upgrade\` adds it`,
          );
        const map = BpfMap.fromPinned(join(dir, name));
        opened.push(map);
        return TypedMap.bind(map, decl);
      });
      const lb = new LoadBalancer(maps, opened);
      lb.restore(state);
      if (options.repair ?? true) lb.reconcile(options.checkTables ?? false);
      return lb;
    } catch (e) {
      for (const m of opened) m.close();
      throw e;
    }
  }

  /** Pins the maps (and the XDP link, if attached) under `dir` (which must exist), so the LB outlives this process. */
  pin(dir: string): void {
    this.loadedObject().pinMaps(dir);
  }

  /** Pins the XDP link: the LB now runs without this process. */
  pinLink(path: string): void {
    if (!this.link) throw new Error("the LB is not attached");
    this.link.pin(path);
  }

  private loadedObject(): BpfObject {
    const object = this.owned[0] as BpfObject | undefined;
    if (!object || !("programs" in object))
      throw new Error("this needs the LB loaded from its object (LoadBalancer.load)");
    return object;
  }

  /** Attaches to `dev` (inside network namespace `netns`, if given). */
  attach(dev: string, options: { netns?: string; mode?: XdpMode } = {}): void {
    const program = this.loadedObject().program("lb");
    this.link = inNetns(options.netns, () => program.attachXdp(dev, { mode: options.mode ?? "auto" }));
  }

  state(): LbState {
    return {
      vips: [...this.vipStates.values()].map((v) => ({
        spec: v.spec,
        index: v.index,
        ...(v.encap ? { encap: true } : {}),
        ...(v.echo ? { echo: true } : {}),
        ...(v.pmtu ? { pmtu: true } : {}),
        backends: [...v.backends.values()],
      })),
      timeouts: { ...this.timeoutsS },
      ...(this.mtuBytes ? { mtu: this.mtuBytes } : {}),
      ...(this.encapSrc ? { encapSource: this.encapSrc } : {}),
      ...(this.encapSrc6 ? { encapSource6: this.encapSrc6 } : {}),
    };
  }

  /** Takes over the state of an LB whose maps already hold it (tables are deterministic). */
  private restore(state: LbState): void {
    this.timeoutsS = { ...DEFAULT_TIMEOUTS, ...state.timeouts };
    this.encapSrc = state.encapSource;
    this.encapSrc6 = state.encapSource6;
    this.mtuBytes = state.mtu;
    for (const v of state.vips) {
      const backends = new Map(v.backends.map((b) => [b.addr, { ...b }]));
      for (const b of v.backends) this.idByMember.set(memberKey(v.spec, b.addr), b.id);
      this.vipStates.set(vipName(v.spec), {
        spec: v.spec,
        index: v.index,
        encap: v.encap === true,
        echo: v.echo === true,
        pmtu: v.pmtu === true,
        backends,
        table: tableFor(backends),
      });
    }
  }

  /** Rewrites every entry of vips, backends, config (and the VIPs' Maglev tables) that differs from the state. */
  private reconcile(checkTables: boolean): number {
    let fixed = 0;
    const all = [...this.vipStates.values()];
    fixed += reconcileVips(this.maps.vips, [
      ...all.filter((v) => family(v.spec.addr) === 4).map((v) => [this.vipKey(v.spec), vipInfo(v)] as const),
      ...this.echoEntries(4).map(([addr, info]) => [this.echoKey(addr), info] as const),
    ]);
    fixed += reconcileVips(this.maps.vips6, [
      ...all.filter((v) => family(v.spec.addr) === 6).map((v) => [this.vip6Key(v.spec), vipInfo(v)] as const),
      ...this.echoEntries(6).map(([addr, info]) => [this.echoKey6(addr), info] as const),
    ]);
    const mtuWant = this.mtuBytes ?? 0;
    if (this.maps.pmtu.lookup(0)?.mtu !== mtuWant) {
      this.maps.pmtu.update(0, { mtu: mtuWant });
      fixed++;
    }
    const encapWant = this.encapSrc ? ipv4ToU32(this.encapSrc) : 0;
    if (this.maps.encap.lookup(0)?.saddr !== encapWant) {
      this.maps.encap.update(0, { saddr: encapWant });
      fixed++;
    }
    const encap6Want = this.encapSrc6 ? ipv6ToWords(this.encapSrc6) : NO_ADDR6;
    const encap6 = this.maps.encap6.lookup(0);
    if (!encap6 || !sameWords(encap6.saddr, encap6Want)) {
      this.maps.encap6.update(0, { saddr: encap6Want });
      fixed++;
    }
    const wantBackends = new Map<number, BackendState>();
    for (const v of this.vipStates.values()) for (const b of v.backends.values()) wantBackends.set(b.id, b);
    for (const [id, be] of this.maps.backends.entries()) {
      const want = wantBackends.get(id);
      const live = want && family(want.addr) === 4;
      const addr = live ? ipv4ToU32(want.addr) : 0;
      const mac = live ? macBytes(want.mac) : NO_MAC;
      if (be.addr !== addr || be.mac.some((x, i) => x !== mac[i]) || be.pad !== 0) {
        this.maps.backends.update(id, { addr, mac, pad: 0 });
        fixed++;
      }
    }
    for (const [id, be] of this.maps.backends6.entries()) {
      const want = wantBackends.get(id);
      const live = want && family(want.addr) === 6;
      const addr = live ? ipv6ToWords(want.addr) : NO_ADDR6;
      const mac = live ? macBytes(want.mac) : NO_MAC;
      if (!sameWords(be.addr, addr) || be.mac.some((x, i) => x !== mac[i]) || be.pad !== 0) {
        this.maps.backends6.update(id, { addr, mac, pad: 0 });
        fixed++;
      }
    }
    if (checkTables) {
      const inMap = new Uint32Array(M * abi.MAX_VIPS).fill(NO_BACKEND);
      for (const [k, v] of this.maps.maglev.map.lookupBatch(M) ?? []) {
        const key = new DataView(k.buffer, k.byteOffset).getUint32(0, true);
        inMap[key] = new DataView(v.buffer, v.byteOffset).getUint32(0, true);
      }
      for (const v of this.vipStates.values()) {
        v.table = inMap.slice(v.index * M, (v.index + 1) * M);
        fixed += this.publishTable(v);
      }
    }
    const config = this.maps.config.lookup(0);
    const want = this.configValue();
    if (!config || Object.keys(want).some((k) => config[k as keyof typeof want] !== want[k as keyof typeof want])) {
      this.maps.config.update(0, want);
      fixed++;
    }
    return fixed;
  }

  /** The idle timeouts, in seconds. */
  timeouts(): Timeouts {
    return { ...this.timeoutsS };
  }

  /** Sets idle timeouts (whole seconds ≥ 1); the data plane uses them from its next packet. */
  setTimeouts(t: Partial<Timeouts>): void {
    this.timeoutsS = { ...this.timeoutsS, ...checkTimeouts(t, "timeouts") };
    this.maps.config.update(0, this.configValue());
  }

  private configValue(): Value<typeof abi.Timeouts> {
    const ns = (s: number) => BigInt(s) * 1_000_000_000n;
    const t = this.timeoutsS;
    return { tcpNew: ns(t.tcpNew), tcpEstablished: ns(t.tcpEstablished), tcpClosing: ns(t.tcpClosing), udp: ns(t.udp) };
  }

  /** The outer source address of encapsulated packets, if configured: IPv4's, or IPv6's. */
  encapSource(ipFamily: 4 | 6 = 4): string | undefined {
    return ipFamily === 6 ? this.encapSrc6 : this.encapSrc;
  }

  /** Sets the outer source address of encapsulated packets (docs/lb-abi.md, "Encapsulation
   *  mode"): the LB's address on the backends' network. An IPv4 address serves the IPv4 VIPs,
   *  an IPv6 address (IPv6-in-IPv6) the IPv6 VIPs. */
  setEncapSource(addr: string): void {
    const checked = checkIp(addr, "encap source");
    if (family(checked) === 6) {
      this.encapSrc6 = checked;
      this.maps.encap6.update(0, { saddr: ipv6ToWords(checked) });
    } else {
      this.encapSrc = checkIpv4(checked, "encap source");
      this.maps.encap.update(0, { saddr: ipv4ToU32(this.encapSrc) });
    }
  }

  /** The MTU of the link to the backends, if configured ("too big" answers, docs/lb-abi.md "ICMP"). */
  mtu(): number | undefined {
    return this.mtuBytes;
  }

  /** Sets the MTU of the link to the backends (the largest IP packet it carries, 1320..65535):
   *  an encapsulation VIP with `pmtu` answers a client's packet that would exceed it once
   *  encapsulated with "fragmentation needed" / "packet too big". */
  setMtu(mtu: number): void {
    this.mtuBytes = checkMtu(mtu, "mtu");
    this.maps.pmtu.update(0, { mtu: this.mtuBytes });
  }

  /**
   * Adds a VIP; `encap`: served by IP-in-IP encapsulation (direct server return), which needs
   * the encapsulation source set first. A VIP's mode is fixed while it exists. `echo`: the LB
   * answers pings to its address; `pmtu`: "too big" errors about its flows reach their backends
   * (and, with `encap` and an MTU set, too big packets are answered). docs/lb-abi.md, "ICMP".
   */
  addVip(spec: VipSpec, options: { encap?: boolean; echo?: boolean; pmtu?: boolean } = {}): number {
    spec = checkVip(spec);
    const name = vipName(spec);
    if (this.vipStates.has(name)) throw new LbInputError("vip", `VIP ${name} exists`);
    const encap = options.encap === true;
    const v6 = family(spec.addr) === 6;
    if (encap && !(v6 ? this.encapSrc6 : this.encapSrc))
      throw new LbInputError(
        "encap",
        `VIP ${name}: set the ${v6 ? "IPv6 " : ""}encapsulation source address first (${v6 ? "encapSource6" : "encapSource"})`,
      );
    const index = lowestFree(
      [...this.vipStates.values()].map((v) => v.index),
      abi.MAX_VIPS,
      "VIPs",
    );
    const state: VipState = {
      spec,
      index,
      encap,
      echo: options.echo === true,
      pmtu: options.pmtu === true,
      backends: new Map(),
      table: null,
    };
    this.publishTable(state);
    this.vipStates.set(name, state);
    if (v6) this.maps.vips6.update(this.vip6Key(spec), vipInfo(state));
    else this.maps.vips.update(this.vipKey(spec), vipInfo(state));
    this.publishEcho(spec.addr);
    return index;
  }

  removeVip(spec: VipSpec): void {
    const state = this.vip(spec);
    if (family(state.spec.addr) === 6) this.maps.vips6.delete(this.vip6Key(state.spec));
    else this.maps.vips.delete(this.vipKey(state.spec));
    this.vipStates.delete(vipName(spec));
    this.publishEcho(state.spec.addr);
    for (const addr of [...state.backends.keys()]) this.releaseBackend(spec, addr);
  }

  /** The ICMP entries (docs/lb-abi.md, "ICMP") of one family: each address with a VIP that
   *  answers pings, with the lowest index among its VIPs. */
  private echoEntries(ipFamily: 4 | 6): [string, Value<typeof abi.VipInfo>][] {
    const byAddr = new Map<string, number>();
    for (const v of this.vipStates.values())
      if (v.echo && family(v.spec.addr) === ipFamily)
        byAddr.set(v.spec.addr, Math.min(v.index, byAddr.get(v.spec.addr) ?? v.index));
    return [...byAddr].map(([addr, index]) => [addr, { index, flags: VIP_F_ECHO }]);
  }

  /** Writes or deletes the ICMP entry of `addr` after its VIPs changed. */
  private publishEcho(addr: string): void {
    const v6 = family(addr) === 6;
    const entry = this.echoEntries(v6 ? 6 : 4).find(([a]) => a === addr);
    if (v6) {
      if (entry) this.maps.vips6.update(this.echoKey6(addr), entry[1]);
      else this.maps.vips6.delete(this.echoKey6(addr));
    } else if (entry) this.maps.vips.update(this.echoKey(addr), entry[1]);
    else this.maps.vips.delete(this.echoKey(addr));
  }

  private echoKey(addr: string): Value<typeof abi.VipKey> {
    return { addr: ipv4ToU32(addr), port: 0, proto: IPPROTO_ICMP, pad: 0 };
  }

  private echoKey6(addr: string): Value<typeof abi.Vip6Key> {
    return { addr: ipv6ToWords(addr), port: 0, proto: IPPROTO_ICMPV6, pad: 0 };
  }

  addBackend(vip: VipSpec, spec: BackendSpec): number {
    const state = this.vip(vip);
    const backend = checkBackend(spec, state.spec, "backend");
    if (state.backends.has(backend.addr))
      throw new LbInputError("backend.addr", `${backend.addr} already serves ${vipName(vip)}`);
    const id = lowestFree(this.idByMember.values(), abi.MAX_BACKENDS, "backends over all VIPs");
    // A reused id must not inherit flows tracked for its previous owner (another VIP's, maybe).
    this.forgetFlows(id);
    if (family(backend.addr) === 6)
      this.maps.backends6.update(id, { addr: ipv6ToWords(backend.addr), mac: macBytes(backend.mac), pad: 0 });
    else this.maps.backends.update(id, { addr: ipv4ToU32(backend.addr), mac: macBytes(backend.mac), pad: 0 });
    this.idByMember.set(memberKey(state.spec, backend.addr), id);
    state.backends.set(backend.addr, {
      id,
      addr: backend.addr,
      mac: backend.mac,
      weight: backend.weight,
      drained: false,
    });
    this.publishTable(state);
    return id;
  }

  /** Removes a backend: it gets no new flows, and its tracked flows move (they are re-hashed). */
  removeBackend(vip: VipSpec, addr: string): void {
    const state = this.vip(vip);
    if (!state.backends.delete(addr)) throw new LbInputError("backend", `${addr} does not serve ${vipName(vip)}`);
    this.publishTable(state);
    this.releaseBackend(vip, addr);
  }

  setWeight(vip: VipSpec, addr: string, weight: number): void {
    this.backend(vip, addr).weight = checkWeight(weight, "weight");
    this.publishTable(this.vip(vip));
  }

  /** Drains a backend: no new flows, but flows it already has stay with it. */
  drain(vip: VipSpec, addr: string): void {
    this.backend(vip, addr).drained = true;
    this.publishTable(this.vip(vip));
  }

  /**
   * Marks a backend up or down by its health checks: a backend going down gives its Maglev
   * slots to the others and no other slot changes; coming back up, it gets exactly those
   * slots back (tableFor). Its tracked flows stay, as for a drain. Returns the slots rewritten.
   */
  setHealth(vip: VipSpec, addr: string, up: boolean): number {
    const b = this.backend(vip, addr);
    if (up) delete b.down;
    else b.down = true;
    return this.publishTable(this.vip(vip));
  }

  /** Per-VIP packets and bytes, summed over CPUs. */
  stats(): VipStatsReport[] {
    return [...this.vipStates.values()].map((v) => {
      const perCpu = this.maps.stats.lookupPerCpu(v.index) ?? [];
      return {
        vip: vipName(v.spec),
        index: v.index,
        forwarding: v.encap ? "encap" : "dnat",
        packets: perCpu.reduce((a, s) => a + s.packets, 0n),
        bytes: perCpu.reduce((a, s) => a + s.bytes, 0n),
      };
    });
  }

  /** The ICMP paths' counters, IPv4 then IPv6, summed over CPUs. */
  icmpStats(): IcmpStatsReport[] {
    return ([4, 6] as const).map((family) => {
      const perCpu = this.maps.icmpStats.lookupPerCpu(family === 4 ? abi.ICMP_STATS_V4 : abi.ICMP_STATS_V6) ?? [];
      const sum = (field: keyof Value<typeof abi.IcmpStats>) => perCpu.reduce((a, s) => a + s[field], 0n);
      return {
        family,
        echoReplies: sum("echoReplies"),
        tooBigForwarded: sum("tooBigForwarded"),
        tooBigSent: sum("tooBigSent"),
        tooBigDropped: sum("tooBigDropped"),
      };
    });
  }

  /** Per backend: its Maglev slots and the flows the connection table tracks for it. */
  backends(): BackendReport[] {
    const flows = new Map<string, number>();
    const count = (k: string) => flows.set(k, (flows.get(k) ?? 0) + 1);
    for (const [key, value] of this.maps.conntrack.entries())
      count(`${u32ToIpv4(key.daddr)}:${key.dport}/${key.proto}#${value.backend}`);
    for (const [key, value] of this.maps.conntrack6.entries())
      count(`${formatIpv6(key.daddr)}:${key.dport}/${key.proto}#${value.backend}`);
    const out: BackendReport[] = [];
    for (const v of this.vipStates.values()) {
      const slots = new Map<number, number>();
      for (const id of v.table ?? []) slots.set(id, (slots.get(id) ?? 0) + 1);
      for (const b of v.backends.values()) {
        const flowKey = `${v.spec.addr}:${v.spec.port}/${PROTO_NUMBER[v.spec.proto]}#${b.id}`;
        out.push({
          vip: vipName(v.spec),
          addr: b.addr,
          id: b.id,
          weight: b.weight,
          drained: b.drained,
          down: b.down === true,
          slots: slots.get(b.id) ?? 0,
          flows: flows.get(flowKey) ?? 0,
        });
      }
    }
    return out;
  }

  close(): void {
    this.link?.close();
    this.link = undefined;
    for (const o of this.owned) o.close();
  }

  private vip(spec: VipSpec): VipState {
    const state = this.vipStates.get(vipName(spec));
    if (!state) throw new LbInputError("vip", `no VIP ${vipName(spec)}`);
    return state;
  }

  private backend(vip: VipSpec, addr: string): BackendState {
    const b = this.vip(vip).backends.get(addr);
    if (!b) throw new LbInputError("backend", `${addr} does not serve ${vipName(vip)}`);
    return b;
  }

  private vipKey(spec: VipSpec): Value<typeof abi.VipKey> {
    return { addr: ipv4ToU32(spec.addr), port: spec.port, proto: PROTO_NUMBER[spec.proto], pad: 0 };
  }

  private vip6Key(spec: VipSpec): Value<typeof abi.Vip6Key> {
    return { addr: ipv6ToWords(spec.addr), port: spec.port, proto: PROTO_NUMBER[spec.proto], pad: 0 };
  }

  /** Empties the backend's slot: the data plane re-hashes the flows it tracked for it. */
  private releaseBackend(vip: VipSpec, addr: string): void {
    const key = memberKey(vip, addr);
    const id = this.idByMember.get(key);
    if (id === undefined) return;
    if (family(addr) === 6) this.maps.backends6.update(id, { addr: NO_ADDR6, mac: NO_MAC, pad: 0 });
    else this.maps.backends.update(id, { addr: 0, mac: NO_MAC, pad: 0 });
    this.idByMember.delete(key);
    this.forgetFlows(id);
  }

  /** Deletes the flows (both entries) tracked for backend `id`. The data plane records an id
   *  only while a Maglev slot names it and its backend is live, so after the id is emptied
   *  and unpublished no new flow can name it. */
  private forgetFlows(id: number): number {
    let n = 0;
    for (const [key, value] of this.maps.conntrack.entries())
      if (value.backend === id && this.maps.conntrack.delete(key)) n++;
    for (const [key, value] of this.maps.rnat.entries()) if (value.backend === id) this.maps.rnat.delete(key);
    for (const [key, value] of this.maps.conntrack6.entries())
      if (value.backend === id && this.maps.conntrack6.delete(key)) n++;
    for (const [key, value] of this.maps.rnat6.entries()) if (value.backend === id) this.maps.rnat6.delete(key);
    return n;
  }

  /** Rebuilds a VIP's Maglev table and writes the slots that changed; returns how many. */
  private publishTable(state: VipState): number {
    const table = tableFor(state.backends);
    const base = state.index * M;
    const changed = [...(state.table ? diffTables(state.table, table) : table.keys())];
    if (changed.length)
      this.maps.maglev.updateBatch(changed.map((slot): [number, number] => [base + slot, table[slot] ?? NO_BACKEND]));
    state.table = table;
    return changed.length;
  }
}

/** The smallest number in 0..limit-1 not in `used` (VIP indexes, backend ids). */
function lowestFree(used: Iterable<number>, limit: number, what: string): number {
  const taken = new Set(used);
  let n = 0;
  while (taken.has(n)) n++;
  if (n >= limit) throw new LbInputError(what, `at most ${limit}`);
  return n;
}

function memberKey(vip: VipSpec, addr: string): string {
  return `${vipName(vip)}|${addr}`;
}

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

/** A TCP/UDP VIP's `vips`/`vips6` value: its index and mode flags. */
function vipInfo(v: { index: number; encap: boolean; pmtu: boolean }): Value<typeof abi.VipInfo> {
  return { index: v.index, flags: (v.encap ? abi.VIP_F_ENCAP : 0) | (v.pmtu ? VIP_F_PMTU : 0) };
}

/**
 * A VIP's Maglev table: its backends by weight (drained: 0). The slots of backends that are
 * down (health checks) take their owner in the table built without them, and every other
 * slot stays as it is — so a backend going down or coming back moves only its own slots. If
 * every backend with weight is down, none is taken out: failing open keeps serving whichever
 * is alive rather than dropping every new flow.
 */
function tableFor(backends: Map<string, BackendState>): Uint32Array {
  const all = buildTable(maglevMembers(backends));
  const down = new Set([...backends.values()].filter((b) => b.down).map((b) => b.id));
  if (down.size === 0) return all;
  const up = buildTable(maglevMembers(new Map([...backends].filter(([, b]) => !b.down))));
  if (up.every((id) => id === NO_BACKEND)) return all;
  return all.map((id, slot) => (down.has(id) ? up[slot]! : id));
}

function maglevMembers(backends: Map<string, BackendState>): MaglevBackend[] {
  return [...backends.values()].map((b) => ({ id: b.id, key: b.addr, weight: b.drained ? 0 : b.weight }));
}

function bindMaps(bind: <K, V>(name: string, decl: MapDescriptor<K, V>) => TypedMap<K, V>): LbMaps {
  return {
    vips: bind("vips", abi.vips),
    backends: bind("backends", abi.backends),
    maglev: bind("maglev", abi.maglev),
    stats: bind("stats", abi.stats),
    conntrack: bind("conntrack", abi.conntrack),
    rnat: bind("rnat", abi.rnat),
    config: bind("config", abi.config),
    encap: bind("encap", abi.encap),
    vips6: bind("vips6", abi.vips6),
    backends6: bind("backends6", abi.backends6),
    conntrack6: bind("conntrack6", abi.conntrack6),
    rnat6: bind("rnat6", abi.rnat6),
    encap6: bind("encap6", abi.encap6),
    pmtu: bind("pmtu", abi.pmtu),
    icmpStats: bind("icmpStats", abi.icmpStats),
  };
}

function checkVip(spec: VipSpec): VipSpec {
  if (spec.proto !== "tcp" && spec.proto !== "udp")
    throw new LbInputError("vip protocol", `expected tcp or udp, got ${JSON.stringify(spec.proto)}`);
  return { addr: checkIp(spec.addr, "vip address"), port: checkPort(spec.port, "vip port"), proto: spec.proto };
}

/** Rewrites the entries of a VIP map (vips or vips6) that differ from `want`; returns how many. */
function reconcileVips<K>(
  map: TypedMap<K, Value<typeof abi.VipInfo>>,
  want: readonly (readonly [K, Value<typeof abi.VipInfo>])[],
): number {
  let fixed = 0;
  const byKey = new Map(want.map(([k, v]) => [JSON.stringify(k), v]));
  for (const [key, info] of map.entries()) {
    const w = byKey.get(JSON.stringify(key));
    if (!w) {
      map.delete(key);
      fixed++;
    } else if (info.index !== w.index || info.flags !== w.flags) {
      map.update(key, w);
      fixed++;
    }
    byKey.delete(JSON.stringify(key));
  }
  for (const [k, v] of want)
    if (byKey.has(JSON.stringify(k))) {
      map.update(k, v);
      fixed++;
    }
  return fixed;
}
