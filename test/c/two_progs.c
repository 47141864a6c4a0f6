// Two programs sharing one array map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&calls, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	bump(0);
	return XDP_PASS;
}

SEC("xdp")
int drop_all(struct xdp_md *ctx)
{
	bump(1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
