// bpf_check_mtu through checkMtu(): the frame as it is, grown by `probe.lenDiff` bytes, and an
// IP length of `probe.l3Length` against the MTU of the device the frame came in on (loopback
// under BPF_PROG_TEST_RUN), and an interface that does not exist. Each MtuCheck (status and
// MTU) goes to `checks`; the verdict says whether the grown frame fits.
import { xdp, XdpAction, ArrayMap, MtuCheck, MtuStatus, checkMtu, struct, i32, u32 } from "tsbpf";

export const Probe = struct({ lenDiff: i32, l3Length: u32, badIfindex: u32 });
export const probe = new ArrayMap(Probe, { maxEntries: 1 });
export const checks = new ArrayMap(MtuCheck, { maxEntries: 4 });

export const check_mtu = xdp((ctx) => {
  const p = probe.lookup(0);
  if (p === null) return XdpAction.ABORTED;
  const asIs = checkMtu(ctx, 0);
  const grown = checkMtu(ctx, 0, p.lenDiff);
  checks.update(0, asIs);
  checks.update(1, grown);
  checks.update(2, checkMtu(ctx, 0, 0, p.l3Length));
  checks.update(3, checkMtu(ctx, p.badIfindex));
  if (asIs.status !== MtuStatus.FITS) return XdpAction.ABORTED;
  return grown.status === MtuStatus.FITS ? XdpAction.PASS : XdpAction.DROP;
});
