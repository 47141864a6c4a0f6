// Calls a helper XDP programs may not use (bpf_skb_load_bytes is for socket buffers).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int wrong_helper(struct xdp_md *ctx)
{
	char buf[4];
	if (bpf_skb_load_bytes(ctx, 0, buf, 4))
		return XDP_DROP;
	return buf[0] ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
