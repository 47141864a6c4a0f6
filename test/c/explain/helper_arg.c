// Passes a number where bpf_map_lookup_elem() wants a pointer to the key.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int helper_arg(struct xdp_md *ctx)
{
	void *key = (void *)(long)ctx->ingress_ifindex;
	__u64 *v = bpf_map_lookup_elem(&counters, key);
	return v ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
