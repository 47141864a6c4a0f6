// Array of maps with initial values, and a map pinned by name.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} verdict_a SEC(".maps"), verdict_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} verdicts SEC(".maps") = {
	.values = { [0] = &verdict_a, [1] = &verdict_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counter SEC(".maps");

SEC("xdp")
int pick_verdict(struct xdp_md *ctx)
{
	__u32 zero = 0, slot = 1;
	void *data = (void *)(long)ctx->data;
	if (data + 15 <= (void *)(long)ctx->data_end)
		slot = *(unsigned char *)(data + 14) & 1;
	void *inner = bpf_map_lookup_elem(&verdicts, &slot);
	if (!inner)
		return XDP_ABORTED;
	__u32 *v = bpf_map_lookup_elem(inner, &zero);
	__u64 *n = bpf_map_lookup_elem(&shared_counter, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	return v ? *v : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
