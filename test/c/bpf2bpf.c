// A BPF-to-BPF call: swap the Ethernet addresses in a subprogram, then bounce the frame.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int swap_macs(unsigned char *data, unsigned char *data_end)
{
	if (data + 12 > data_end)
		return -1;
	for (int i = 0; i < 6; i++) {
		unsigned char t = data[i];
		data[i] = data[i + 6];
		data[i + 6] = t;
	}
	return 0;
}

__noinline int frame_len(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

SEC("xdp")
int bounce(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	if (frame_len(ctx) < 60)
		return XDP_DROP;
	if (swap_macs(data, data_end) < 0)
		return XDP_DROP;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
