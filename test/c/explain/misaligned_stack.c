// A 4-byte stack read at an address that is not a multiple of 4.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int misaligned_stack(struct xdp_md *ctx)
{
	int r;
	asm volatile("*(u64 *)(r10 - 8) = %1\n\t"
		     "%0 = *(u32 *)(r10 - 6)" : "=r"(r) : "r"((unsigned long)ctx->ingress_ifindex));
	return r ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
