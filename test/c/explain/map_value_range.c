// Reads past the end of a map value (8 bytes) at a constant offset.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int map_value_range(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (!v)
		return XDP_PASS;
	return v[1] ? XDP_PASS : XDP_DROP; /* value is one u64: v[1] is past its end */
}
char LICENSE[] SEC("license") = "GPL";
