// Reads a register nothing has written.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int uninit_reg(struct xdp_md *ctx)
{
	long r;
	asm volatile("%0 = r3" : "=r"(r));
	return r ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
