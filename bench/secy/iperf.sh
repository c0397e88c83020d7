#!/usr/bin/env bash
# iperf.sh BENCH_PORTD [SECONDS [ROUNDS]] — end-to-end TCP throughput
# (iperf3) through two userspace MACsec ports on a veth pair, each in its
# own network namespace (root only):
#
#   ns1: iperf3 -c -> TAP -> port -> va ==veth== vb -> port -> TAP -> iperf3 -s :ns2
#
# Rows: the bare veth (no ports, kernel only), the same two ports without
# crypto (--null passthrough: TAP + AF_PACKET cost alone), and the ports
# with each cipher suite. BENCH_PORTD is build-rel/bench/secy/bench_portd.
# Each path is measured ROUNDS times (default 3), the paths taking turns
# within a round so that a burst of other load on the machine hits all of
# them alike. Prints a Markdown table of the medians, with the range and
# each suite's median as a share of the no-crypto median ("vs no crypto").
# "CPU s/GB" is the CPU time the run took (both ports, both iperf3 ends,
# ksoftirqd) per GB received; "vs no crypto, by CPU" is the no-crypto
# path's figure divided by the suite's: the throughput share to expect
# when both vCPUs are busy, and much less moved by other load on the
# machine than the throughput itself.
# Everything it creates is removed on exit.
set -u
portd=${1:?usage: iperf.sh BENCH_PORTD [SECONDS [ROUNDS]]}
secs=${2:-5}
rounds=${3:-3}

[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
for t in ip iperf3 python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

ns1=qsiperf1-$$ ns2=qsiperf2-$$
tmp=$(mktemp -d /tmp/qs_secy_iperf.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$ns1" 2>/dev/null
	ip netns del "$ns2" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns1" && ip netns add "$ns2" || exit 1
ip link add va netns "$ns1" address 02:00:00:00:00:0a type veth \
	peer name vb netns "$ns2" address 02:00:00:00:00:0b || exit 1
for ns in "$ns1" "$ns2"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$ns1" link set va up
ip -n "$ns2" link set vb up

key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# cpu_ticks PID... -> CPU time (user + system, clock ticks) of the
# processes and of the ksoftirqd threads (softirq work they take over)
cpu_ticks() {
	local p t=0
	for p in "$@" $(pgrep -x 'ksoftirqd/[0-9]+'); do
		[[ -r /proc/$p/stat ]] || continue
		# the comm field may hold spaces: count from its closing ')'
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo "$t"
}

# measure IFACE1 IFACE2 [PID...] -> "Gbit/s retransmits CPU-s/GB": the
# CPU time is iperf3's (both ends, as iperf3 reports it) plus that of
# PID... (the ports) and ksoftirqd during the run, per GB received.
measure() {
	local if1=$1 if2=$2 t0 t1
	shift 2
	ip -n "$ns1" addr add 10.78.0.1/24 dev "$if1"
	ip -n "$ns2" addr add 10.78.0.2/24 dev "$if2"
	ip netns exec "$ns2" iperf3 -s -1 -B 10.78.0.2 >/dev/null 2>&1 &
	local s=$!
	sleep 0.5
	ip netns exec "$ns1" ping -c 1 -W 2 -q 10.78.0.2 >/dev/null
	t0=$(cpu_ticks "$@")
	ip netns exec "$ns1" iperf3 -c 10.78.0.2 -t "$secs" -J >"$tmp/out.json" 2>/dev/null
	t1=$(cpu_ticks "$@")
	# The server leaves by itself after one test; not if none came.
	kill "$s" 2>/dev/null
	wait "$s" 2>/dev/null
	python3 - "$tmp/out.json" "$((t1 - t0))" "$(getconf CLK_TCK)" <<'PY'
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    rx = e["sum_received"]
    cpu = e["cpu_utilization_percent"]
    # iperf3's figures are percentages of the run's wall time
    secs = rx["seconds"] * (cpu["host_total"] + cpu["remote_total"]) / 100
    secs += int(sys.argv[2]) / int(sys.argv[3])
    print("%.2f %d %.2f" % (rx["bits_per_second"] / 1e9,
                            e["sum_sent"].get("retransmits", 0),
                            secs / (rx["bytes"] / 1e9)))
except Exception:
    print("failed - -")
PY
	ip -n "$ns1" addr flush dev "$if1"
	ip -n "$ns2" addr flush dev "$if2"
}

# with_ports MODE(128|256|xpn128|xpn256|null)
with_ports() {
	local suite=$1 extra=() n=0 out
	[[ $suite == null ]] && { suite=256; extra=(--null); }
	# Not the last run's "ready": the ports' redirections happen in the
	# background.
	rm -f "$tmp/p1.log" "$tmp/p2.log"
	ip netns exec "$ns1" "$portd" va qtap "$suite" "${key:0:$([[ $suite == *128 ]] && echo 32 || echo 64)}" \
		02:00:00:00:00:0b "${extra[@]}" >"$tmp/p1.log" 2>&1 &
	local p1=$!
	ip netns exec "$ns2" "$portd" vb qtap "$suite" "${key:0:$([[ $suite == *128 ]] && echo 32 || echo 64)}" \
		02:00:00:00:00:0a "${extra[@]}" >"$tmp/p2.log" 2>&1 &
	local p2=$!
	pids=("$p1" "$p2")
	until grep -qs ready "$tmp/p1.log" && grep -qs ready "$tmp/p2.log"; do
		((n++ < 100)) || { echo "ports did not start"; cat "$tmp"/p*.log; exit 1; }
		sleep 0.1
	done
	out=$(measure qtap qtap "$p1" "$p2")
	kill -TERM "$p1" "$p2"
	wait "$p1" "$p2"
	pids=()
	echo "$out"
}

# median of the numbers on stdin ("-" if none)
median() {
	sort -g | awk '{v[NR] = $1} END {
		if (NR == 0) print "-";
		else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# wire_only 1|0: with 1 the veths are only the ports' wire: keep the
# kernel from taking clear frames on them for the TAPs' addresses (weak
# host model), which would double every segment in the passthrough run.
wire_only() {
	local ns arp=$(($1 ? 8 : 0))
	for ns in "$ns1" "$ns2"; do
		ip netns exec "$ns" sysctl -q -w net.ipv4.conf.all.rp_filter="$1" \
			net.ipv4.conf.va.rp_filter="$1" net.ipv4.conf.vb.rp_filter="$1" \
			net.ipv4.conf.va.arp_ignore=$arp \
			net.ipv4.conf.vb.arp_ignore=$arp 2>/dev/null
	done
}

# MODES (environment) picks paths, e.g. MODES="null 128" (default: all).
read -r -a modes <<<"${MODES:-veth null 128 256 xpn128 xpn256}"
declare -A gbit retr cost
for ((i = 1; i <= rounds; i++)); do
	for mode in "${modes[@]}"; do
		if [[ $mode == veth ]]; then
			wire_only 0
			read -r g r c < <(measure va vb)
			wire_only 1
		else
			read -r g r c < <(with_ports "$mode")
		fi
		[[ $g == failed ]] && continue
		gbit[$mode]+="$g "
		retr[$mode]+="$r "
		cost[$mode]+="$c "
	done
done

# pct A B -> "A / B" as a percentage ("" when either is missing)
pct() {
	[[ $1 == - || $2 == - || -z $1 || -z $2 ]] && return
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f %%", 100 * a / b}'
}

echo "| path | TCP Gbit/s (median) | min-max | vs no crypto | CPU s/GB (median) | vs no crypto, by CPU | retransmits (median) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
base=$(tr ' ' '\n' <<<"${gbit[null]:-}" | grep . | median)
cbase=$(tr ' ' '\n' <<<"${cost[null]:-}" | grep . | median)
for mode in "${modes[@]}"; do
	case $mode in
	veth) name="bare veth, kernel only (MTU 1500)" ;;
	null) name="two ports, no crypto (passthrough)" ;;
	128) name="two ports, GCM-AES-128" ;;
	256) name="two ports, GCM-AES-256" ;;
	xpn128) name="two ports, GCM-AES-XPN-128" ;;
	xpn256) name="two ports, GCM-AES-XPN-256" ;;
	esac
	[[ $mode != veth ]] && name+=" (TAP MTU 1468)"
	vals=$(tr ' ' '\n' <<<"${gbit[$mode]:-}" | grep .)
	g=$(median <<<"$vals")
	c=$(tr ' ' '\n' <<<"${cost[$mode]:-}" | grep . | median)
	r=$(tr ' ' '\n' <<<"${retr[$mode]:-}" | grep . | median)
	range=$(sort -g <<<"$vals" | sed -n '1p;$p' | paste -sd-)
	share= cshare=
	if [[ $mode != veth ]]; then
		share=$(pct "$g" "$base")
		# CPU time per GB the other way round: no crypto / this
		cshare=$(pct "$cbase" "$c")
	fi
	echo "| $name | $g | $range | $share | $c | $cshare | ${r%.*} |"
done
