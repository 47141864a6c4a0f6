// Nine nested BPF-to-BPF calls: more frames than the verifier allows (8).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define F(n, next) static __attribute__((noinline)) int f##n(int x) { return next(x + 1) + 1; }
static __attribute__((noinline)) int f9(int x) { return x * 3; }
F(8, f9) F(7, f8) F(6, f7) F(5, f6) F(4, f5) F(3, f4) F(2, f3) F(1, f2)

SEC("xdp")
int deep_calls(struct xdp_md *ctx)
{
	return f1(ctx->ingress_ifindex) == 7 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
