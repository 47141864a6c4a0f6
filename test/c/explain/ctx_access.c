// Reads past the end of struct xdp_md.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int ctx_access(struct xdp_md *ctx)
{
	volatile __u32 *words = (volatile __u32 *)ctx;
	return words[8] ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
