// Reads through a packet pointer taken before bpf_xdp_adjust_head(): the verifier forgets it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int view_after_adjust(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	if (data + 14 > data_end)
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, 4))
		return XDP_DROP;
	return data[12] == 8 ? XDP_PASS : XDP_DROP; /* data is stale */
}
char LICENSE[] SEC("license") = "GPL";
