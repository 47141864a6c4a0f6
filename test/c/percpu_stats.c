// Per-CPU packet and byte counters.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

SEC("xdp")
int count_stats(struct xdp_md *ctx)
{
	__u32 key = 1;
	struct stats *s = bpf_map_lookup_elem(&stats, &key);
	if (!s)
		return XDP_ABORTED;
	s->packets++;
	s->bytes += ctx->data_end - ctx->data;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
