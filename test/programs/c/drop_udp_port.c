// C twin of drop_udp_port.ts (libbpf style), for the code-size comparison (bench/corpus.ts).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define BLOCKED_PORT 9

static __always_inline int is_blocked(void *data, void *data_end, struct iphdr *ip)
{
	if (ip->protocol != IPPROTO_UDP)
		return 0;
	struct udphdr *udp = data + sizeof(struct ethhdr) + (ip->ihl * 4);
	if ((void *)(udp + 1) > data_end)
		return 0;
	return udp->dest == bpf_htons(BLOCKED_PORT);
}

SEC("xdp")
int drop_udp_port(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	return is_blocked(data, data_end, ip) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
