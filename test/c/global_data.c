// Configuration in .rodata, counters in .data and .bss.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 verdict = XDP_PASS;
const volatile __u8 mark_byte = 0xab;
__u64 hits = 5;           /* .data */
__u64 bytes_seen;         /* .bss */
static __u32 last_len;    /* .bss, static */

SEC("xdp")
int configured(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *data_end = (void *)(long)ctx->data_end;
	hits++;
	bytes_seen += data_end - data;
	last_len = data_end - data;
	if (data + 1 > data_end)
		return XDP_ABORTED;
	data[0] = mark_byte;
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
