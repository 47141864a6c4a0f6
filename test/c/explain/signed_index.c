// Indexes a map value with a signed number whose lower bound is negative.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct table { __u8 slots[64]; };
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table);
} tables SEC(".maps");

SEC("xdp")
int signed_index(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct table *t = bpf_map_lookup_elem(&tables, &key);
	if (!t)
		return XDP_PASS;
	int i = (int)ctx->ingress_ifindex;
	if (i > 63)
		return XDP_PASS;
	return t->slots[i] ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
