// Adds a number without a lower bound to a packet pointer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int unbounded_pkt(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	long off;
	asm volatile("%0 = *(u64 *)(r10 - 8)" : "=r"(off));
	if (data + 14 > data_end)
		return XDP_DROP;
	unsigned char *p = data + off;
	if (p + 1 > data_end)
		return XDP_DROP;
	return *p ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
