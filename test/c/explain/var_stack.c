// Indexes a stack array with a number the verifier knows no bound for.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int var_stack(struct xdp_md *ctx)
{
	volatile unsigned char table[16] = {1, 2, 3};
	unsigned long i = ctx->ingress_ifindex;
	return table[i] ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
