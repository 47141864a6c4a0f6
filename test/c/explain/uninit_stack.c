// Passes a key to bpf_map_lookup_elem() whose bytes were never written.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int uninit_stack(struct xdp_md *ctx)
{
	__u64 key;
	asm volatile("" : "=m"(key)); /* pretend it was written */
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	return v ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
