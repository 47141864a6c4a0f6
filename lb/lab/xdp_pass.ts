// The smallest XDP program: lets every frame through. Attached to the peer of a veth that
// XDP_TXes, it makes the kernel create the peer's NAPI rx queue that XDP_TX frames are
// handed to (see docs/xdp-on-veth.md). Built by tsbpf, loaded by iproute2 (libbpf).
import { xdp, XdpAction } from "tsbpf";

export const pass = xdp(() => XdpAction.PASS);
