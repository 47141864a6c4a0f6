#!/bin/bash
# Which peer-side setup lets XDP_TX on a veth deliver frames? (docs/xdp-on-veth.md)
# Runs reflect.o (ICMP echo -> reply by XDP_TX) on b0 and pings it from the
# other end, over a direct veth pair and through a bridge, in private
# namespaces with 192.0.2.0/24 addresses. Prints one line per case.
# Usage: sudo test/c/lab/veth-xdp-tx.sh   (needs clang-14, iproute2, ethtool, bpftool)
set -u
here=$(cd "$(dirname "$0")" && pwd)
obj=$(mktemp -d)
P=tsbpf-exp-$$
A=$P-a B=$P-b BR=$P-br
cleanup() { for n in $A $B $BR; do ip netns del $n 2>/dev/null; done; rm -rf "$obj"; }
trap cleanup EXIT
for f in reflect pass; do
	clang-14 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$here/$f.c" -o "$obj/$f.o" || exit 1
done

# direct: a0 (ns a) <-> b0 (ns b); bridged: a0 <-> pa ~ br0 ~ pb <-> b0 (pa, pb, br0 in ns br)
setup() {
	cleanup_ns
	ip netns add $A; ip netns add $B
	if [ "$1" = direct ]; then
		ip -n $A link add a0 type veth peer name b0 netns $B
	else
		ip netns add $BR
		ip -n $BR link add br0 type bridge; ip -n $BR link set br0 up
		ip -n $BR link add pa type veth peer name a0 netns $A
		ip -n $BR link add pb type veth peer name b0 netns $B
		for p in pa pb; do ip -n $BR link set $p master br0 up; done
	fi
	ip -n $A addr add 192.0.2.1/24 dev a0; ip -n $A link set a0 up
	ip -n $B addr add 192.0.2.2/24 dev b0; ip -n $B link set b0 up
}
cleanup_ns() { for n in $A $B $BR; do ip netns del $n 2>/dev/null; done; }

# ping through the reflector; report replies and the program's own counters
run() {
	local name=$1
	sleep 0.3
	local rx
	rx=$(ip netns exec $A ping -c 3 -i 0.2 -W 1 -q 192.0.2.2 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	local prog map cnt
	prog=$(ip -n $B -j link show b0 | sed -n 's/.*"prog":{"id":\([0-9]*\).*/\1/p')
	map=$(bpftool prog show id "$prog" -j | sed -n 's/.*"map_ids":\[\([0-9]*\).*/\1/p')
	cnt=$(bpftool map dump id "$map" -j | grep -o '"formatted":{"key":[0-9]*,"value":[0-9]*' | sed 's/.*"value"://' | paste -sd,)
	local drops
	drops=$(ip -n $B -s -j link show b0 | sed -n 's/.*"tx":{[^}]*"dropped":\([0-9]*\).*/\1/p')
	printf '%-58s replies %s/3   xdp seen,tx %-6s b0 tx_dropped %s\n' "$name" "$rx" "$cnt" "$drops"
}

setup direct; ip -n $B link set b0 xdpdrv obj $obj/reflect.o sec xdp
run "direct: b0 native, peer a0 bare"
# a veth has no NAPI to thread until something enables it: expect "Operation not supported"
echo 1 | ip netns exec $A tee /sys/class/net/a0/threaded >/dev/null
setup direct; ip -n $B link set b0 xdpdrv obj $obj/reflect.o sec xdp
ip netns exec $A ethtool -K a0 gro on >/dev/null
run "direct: b0 native, peer a0 'ethtool -K gro on'"
echo 1 | ip netns exec $A tee /sys/class/net/a0/threaded >/dev/null
run "direct: b0 native, peer a0 gro on + threaded NAPI"
setup direct; ip -n $B link set b0 xdpdrv obj $obj/reflect.o sec xdp
ip -n $A link set a0 xdpgeneric obj $obj/pass.o sec xdp
run "direct: b0 native, peer a0 generic XDP_PASS prog"
setup direct; ip -n $B link set b0 xdpdrv obj $obj/reflect.o sec xdp
ip -n $A link set a0 xdpdrv obj $obj/pass.o sec xdp
run "direct: b0 native, peer a0 native XDP_PASS prog"
setup direct; ip -n $B link set b0 xdpgeneric obj $obj/reflect.o sec xdp
run "direct: b0 generic, peer a0 bare"

setup bridge; ip -n $B link set b0 xdpdrv obj $obj/reflect.o sec xdp
run "bridge: b0 native, bridge port pb bare"
ip netns exec $BR ethtool -K pb gro on >/dev/null
run "bridge: b0 native, bridge port pb 'gro on'"
setup bridge; ip -n $B link set b0 xdpdrv obj $obj/reflect.o sec xdp
ip -n $BR link set pb xdpdrv obj $obj/pass.o sec xdp
run "bridge: b0 native, bridge port pb native XDP_PASS prog"
setup bridge; ip -n $B link set b0 xdpgeneric obj $obj/reflect.o sec xdp
run "bridge: b0 generic, bridge port pb bare"
