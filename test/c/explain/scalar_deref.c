// Dereferences a number as if it were a pointer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int scalar_deref(struct xdp_md *ctx)
{
	volatile unsigned char *p = (void *)(long)ctx->ingress_ifindex;
	return *p ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
