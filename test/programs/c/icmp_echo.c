// C twin of icmp_echo.ts (xdp-tutorial packet03 style).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#define ICMP_ECHO 8
#define ICMP_ECHOREPLY 0
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct icmp_echo { __u8 type; __u8 code; __u16 check; __u16 id; __u16 seq; };

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int icmp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	struct icmp_echo *icmp = data + sizeof(*eth) + ip->ihl * 4;
	if ((void *)(icmp + 1) > data_end || icmp->type != ICMP_ECHO)
		return XDP_PASS;

	unsigned char mac[ETH_ALEN];
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	__be32 saddr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = saddr;

	__u16 old_check = icmp->check;
	icmp->check = 0;
	struct icmp_echo old = *icmp;
	icmp->type = ICMP_ECHOREPLY;
	icmp->check = csum_fold(bpf_csum_diff((__be32 *)&old, sizeof(old), (__be32 *)icmp, sizeof(*icmp), ~old_check & 0xffff));
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
