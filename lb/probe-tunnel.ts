// The prober's side of health checks through the tunnel (docs/lb-operations.md): loads
// lb/healthcheck.ts's tc program (built by `tsbpf build lb/healthcheck.ts`), attaches it to
// the LB interface's egress through a tcx link held by this process (it goes when the prober
// goes), and keeps its `hc_reals` map equal to the backends of the encapsulation VIPs being
// probed: backend id → mark HC_MARK_BASE + id → { address, MAC }.
import { inNetns, linkInfo, loadObject, type BpfObject, type TcxLink, type TypedMap } from "../runtime/index.ts";
import type { Value } from "../runtime/lang/index.ts";
import * as hc from "./healthcheck.ts";
import { ipv4ToU32 } from "./flowhash.ts";
import { macBytes } from "./input.ts";

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
  private readonly stats: TypedMap<number, Value<typeof hc.HcStats>>;
  private routed = new Map<number, string>();

  private constructor(
    private readonly object: BpfObject,
    private link: TcxLink | undefined,
  ) {
    this.reals = object.typedMap(hc.hc_reals, "hc_reals");
    this.stats = object.typedMap(hc.hc_stats, "hc_stats");
  }

  /**
   * Loads the program from `objectPath`, sets the outer source address `source` (the LB's
   * encapsulation source) and attaches it to `dev`'s egress (in `netns`, if given), first in
   * the hook's chain so no other program passes a probe on bare.
   */
  static async open(
    objectPath: string,
    options: { dev: string; netns?: string; source: string },
  ): Promise<ProbeTunnel> {
    const object = await loadObject(objectPath);
    try {
      object.typedMap(hc.hc_config, "hc_config").update(0, { saddr: ipv4ToU32(options.source) });
      const program = object.program("healthcheck");
      const link = inNetns(options.netns, () => program.attachTcx(options.dev, "egress", { first: true }));
      return new ProbeTunnel(object, link);
    } catch (e) {
      object.close();
      throw e;
    }
  }

  /** Makes `hc_reals` hold exactly these backends (each under its mark). */
  sync(backends: TunnelBackend[]): void {
    const want = new Map(backends.map((b) => [probeMark(b.id), b]));
    for (const mark of [...this.routed.keys()])
      if (!want.has(mark)) {
        this.reals.delete(mark);
        this.routed.delete(mark);
      }
    for (const [mark, b] of want) {
      const key = `${b.addr} ${b.mac}`;
      if (this.routed.get(mark) === key) continue;
      this.reals.update(mark, { addr: ipv4ToU32(b.addr), mac: macBytes(b.mac), pad: 0 });
      this.routed.set(mark, key);
    }
  }

  /** The kernel's id of the tcx link (`bpftool link show id N`). */
  get linkId(): number {
    if (!this.link) throw new Error("the probe tunnel is closed");
    return linkInfo(this.link.fd).id;
  }

  /** Probe packets encapsulated and dropped so far, summed over CPUs. */
  counters(): { encapsulated: bigint; dropped: bigint } {
    const perCpu = this.stats.lookupPerCpu(0) ?? [];
    return {
      encapsulated: perCpu.reduce((a, s) => a + s.encapsulated, 0n),
      dropped: perCpu.reduce((a, s) => a + s.dropped, 0n),
    };
  }

  /** Detaches the program and frees it. */
  close(): void {
    this.link?.detach();
    this.link = undefined;
    this.object.close();
  }
}
