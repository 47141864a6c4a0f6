// The smallest XDP program: lets every frame through. Attached to the peer
// of a veth that XDP_TXes, it makes the kernel create the peer's NAPI rx
// queue that XDP_TX frames are handed to (see docs/xdp-on-veth.md).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
