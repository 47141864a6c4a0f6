// Two functions whose frames add up to more than the 512 bytes of stack a program has.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int inner(struct xdp_md *ctx)
{
	volatile char buf[400];
	buf[ctx->ingress_ifindex & 255] = 1;
	return buf[3];
}

static __attribute__((noinline)) int outer(struct xdp_md *ctx)
{
	volatile char buf[300];
	buf[ctx->ingress_ifindex & 127] = 2;
	return inner(ctx) + buf[5];
}

SEC("xdp")
int stack_too_big(struct xdp_md *ctx)
{
	return outer(ctx) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
