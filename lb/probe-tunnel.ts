// The prober's side of health checks through the tunnel (docs/lb-operations.md): loads
// lb/healthcheck.ts's tc program (built by `tsbpf build lb/healthcheck.ts`), attaches it to
// the LB interface's egress through a tcx link held by this process (it goes when the prober
// goes), and keeps its `hc_reals` (IPv4) and `hc_reals6` maps equal to the backends of the
// encapsulation VIPs being probed: backend id → mark HC_MARK_BASE + id → { address, MAC }.
// Its counters (`hc_stats`) are pinned where `tsbpf lb stats` reads them while it runs.
import { existsSync, rmSync } from "node:fs";
import { BpfMap, inNetns, linkInfo, loadObject, TypedMap, type BpfObject, type TcxLink } from "../runtime/index.ts";
import type { Value } from "../runtime/lang/index.ts";
import * as hc from "./healthcheck.ts";
import { ipv4ToU32 } from "./flowhash.ts";
import { family, macBytes } from "./input.ts";
import { ipv6ToWords } from "./ipv6.ts";

/** The first probe mark; backend id N is probed with mark HC_MARK_BASE + N (ids are 0..1023). */
export const HC_MARK_BASE = 0x4c420000;

export const probeMark = (backendId: number): number => HC_MARK_BASE + backendId;

export interface TunnelBackend {
  id: number;
  addr: string;
  mac: string;
}

export class ProbeTunnel {
  private readonly reals: TypedMap<number, Value<typeof hc.HcReal>>;
  private readonly reals6: TypedMap<number, Value<typeof hc.HcReal6>>;
  private readonly stats: TypedMap<number, Value<typeof hc.HcStats>>;
  /** Mark → the address its entry holds (its family says which map). */
  private readonly routed = new Map<number, string>();

  private constructor(
    private readonly object: BpfObject,
    private link: TcxLink | undefined,
    private readonly statsPin: string | undefined,
  ) {
    this.reals = object.typedMap(hc.hc_reals, "hc_reals");
    this.reals6 = object.typedMap(hc.hc_reals6, "hc_reals6");
    this.stats = object.typedMap(hc.hc_stats, "hc_stats");
  }

  /**
   * Loads the program from `objectPath`, sets the outer source addresses `source` and
   * `source6` (the LB's encapsulation sources; a family without one has its probes dropped)
   * and attaches it to `dev`'s egress (in `netns`, if given), first in the hook's chain so no
   * other program passes a probe on bare. `statsPin`: where to pin `hc_stats` (replacing what a
   * prober that died left there) until close().
   */
  static async open(
    objectPath: string,
    options: {
      dev: string;
      netns?: string;
      source?: string | undefined;
      source6?: string | undefined;
      statsPin?: string;
    },
  ): Promise<ProbeTunnel> {
    const object = await loadObject(objectPath);
    try {
      if (options.source) object.typedMap(hc.hc_config, "hc_config").update(0, { saddr: ipv4ToU32(options.source) });
      if (options.source6)
        object.typedMap(hc.hc_config6, "hc_config6").update(0, { saddr: ipv6ToWords(options.source6) });
      const program = object.program("healthcheck");
      if (options.statsPin) {
        rmSync(options.statsPin, { force: true });
        object.map("hc_stats").pin(options.statsPin);
      }
      const link = inNetns(options.netns, () => program.attachTcx(options.dev, "egress", { first: true }));
      return new ProbeTunnel(object, link, options.statsPin);
    } catch (e) {
      if (options.statsPin) rmSync(options.statsPin, { force: true });
      object.close();
      throw e;
    }
  }

  /** Makes `hc_reals` and `hc_reals6` hold exactly these backends (each under its mark). */
  sync(backends: TunnelBackend[]): void {
    const want = new Map(backends.map((b) => [probeMark(b.id), b]));
    for (const [mark, was] of [...this.routed])
      if (was !== want.get(mark)?.addr) {
        // Gone, or now a backend of the other family (an id is reused): out of its old map.
        if (family(was) === 6) this.reals6.delete(mark);
        else this.reals.delete(mark);
        this.routed.delete(mark);
      }
    for (const [mark, b] of want) {
      const mac = macBytes(b.mac);
      if (family(b.addr) === 6) this.reals6.update(mark, { addr: ipv6ToWords(b.addr), mac, pad: 0 });
      else this.reals.update(mark, { addr: ipv4ToU32(b.addr), mac, pad: 0 });
      this.routed.set(mark, b.addr);
    }
  }

  /** The kernel's id of the tcx link (`bpftool link show id N`). */
  get linkId(): number {
    if (!this.link) throw new Error("the probe tunnel is closed");
    return linkInfo(this.link.fd).id;
  }

  /** Probe packets encapsulated and dropped so far, summed over CPUs. */
  counters(): ProbeCounters {
    return sumCounters(this.stats);
  }

  /** Detaches the program, removes the counters' pin and frees it. */
  close(): void {
    if (this.statsPin) rmSync(this.statsPin, { force: true });
    this.link?.detach();
    this.link = undefined;
    this.object.close();
  }
}

export interface ProbeCounters {
  encapsulated: bigint;
  dropped: bigint;
}

function sumCounters(stats: TypedMap<number, Value<typeof hc.HcStats>>): ProbeCounters {
  const perCpu = stats.lookupPerCpu(0) ?? [];
  return {
    encapsulated: perCpu.reduce((a, s) => a + s.encapsulated, 0n),
    dropped: perCpu.reduce((a, s) => a + s.dropped, 0n),
  };
}

/** The counters of the probe tunnel whose `hc_stats` a running prober pinned at `statsPin`, or
 *  undefined if none is pinned there (no prober runs). */
export function pinnedProbeCounters(statsPin: string): ProbeCounters | undefined {
  if (!existsSync(statsPin)) return undefined;
  const map = BpfMap.fromPinned(statsPin);
  try {
    return sumCounters(TypedMap.bind(map, hc.hc_stats));
  } finally {
    map.close();
  }
}
