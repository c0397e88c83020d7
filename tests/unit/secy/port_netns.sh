#!/usr/bin/env bash
# port_netns.sh PORTD — two userspace MACsec ports (secy_portd) on the two
# ends of a veth pair, each in its own network namespace, same static SAK.
#
#   ns1: 10.77.0.1/24 on TAP qtap -> secy_portd -> va ==veth== vb <- secy_portd <- TAP qtap 10.77.0.2/24 :ns2
#
# For each suite (GCM-AES-128, GCM-AES-XPN-256):
#   1. ports up without SAs: ping fails, frames are refused and counted
#      (fail closed);
#   2. SIGUSR1 installs the SAs (and sends one EAPOL-Start each through
#      the uncontrolled port): ping works, each side's control queue got
#      the peer's EAPOL frame;
#   3. tcpdump on va saw only EtherType 88-E5 frames, plus exactly the two
#      EAPOL frames.
# Needs root; exits 77 (skip) otherwise. Everything it creates is removed
# on exit, also on failure.
set -u
portd=${1:?usage: port_netns.sh PORTD}

skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, TAP, AF_PACKET)"
for t in ip tcpdump ping; do
	command -v "$t" >/dev/null || skip "$t is not installed"
done
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"

ns1=qsecy1-$$ ns2=qsecy2-$$
tmp=$(mktemp -d /tmp/qs_secy_netns.XXXXXX)
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
fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "--- $f"; cat "$f"; done; exit 1; }

ip netns add "$ns1" && ip netns add "$ns2" || skip "cannot create network namespaces"
ip link add va netns "$ns1" address 02:00:00:00:00:0a type veth \
	peer name vb netns "$ns2" address 02:00:00:00:00:0b || fail "veth"
for ns in "$ns1" "$ns2"; do
	# No IPv6 and no address on the wire side: the kernel itself must
	# not send anything there in clear.
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || fail "sysctl"
	ip -n "$ns" link set lo up
done
ip -n "$ns1" link set va up
ip -n "$ns2" link set vb up

key128=000102030405060708090a0b0c0d0e0f
key256=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

run_suite() { # suite key
	local suite=$1 key=$2 n=0 eapol macsec other
	local cap=$tmp/$suite.pcap

	ip netns exec "$ns1" tcpdump -i va -U -s 0 -w "$cap" \
		>"$tmp/tcpdump-$suite.log" 2>&1 &
	local tpid=$!
	pids+=("$tpid")
	ip netns exec "$ns1" "$portd" va qtap "$suite" "$key" \
		02:00:00:00:00:0b --sa-on-signal >"$tmp/p1-$suite.log" 2>&1 &
	local p1=$!
	pids+=("$p1")
	ip netns exec "$ns2" "$portd" vb qtap "$suite" "$key" \
		02:00:00:00:00:0a --sa-on-signal >"$tmp/p2-$suite.log" 2>&1 &
	local p2=$!
	pids+=("$p2")
	until grep -qs ready "$tmp/p1-$suite.log" && grep -qs ready "$tmp/p2-$suite.log" &&
		grep -qs listening "$tmp/tcpdump-$suite.log"; do
		((n++ < 100)) || fail "$suite: ports or tcpdump did not start"
		sleep 0.1
	done
	ip -n "$ns1" addr add 10.77.0.1/24 dev qtap
	ip -n "$ns2" addr add 10.77.0.2/24 dev qtap

	# 1. No SA yet: nothing gets through, nothing leaves in clear.
	if ip netns exec "$ns1" ping -c 2 -W 1 -q 10.77.0.2 >/dev/null; then
		fail "$suite: ping worked without SAs"
	fi
	# 2. Install the SAs: traffic flows.
	kill -USR1 "$p1" "$p2"
	# Forget the ARP failures of step 1.
	ip -n "$ns1" neigh flush dev qtap
	ip -n "$ns2" neigh flush dev qtap
	sleep 0.3
	ip netns exec "$ns1" ping -c 3 -i 0.2 -W 2 -q 10.77.0.2 >"$tmp/ping-$suite.log" ||
		fail "$suite: ping through the MACsec ports failed"
	ip netns exec "$ns2" ping -c 2 -i 0.2 -s 1400 -W 2 -q 10.77.0.1 \
		>>"$tmp/ping-$suite.log" || fail "$suite: large ping failed"
	sleep 0.3
	kill -TERM "$p1" "$p2"
	wait "$p1" || fail "$suite: port 1 exited with an error"
	wait "$p2" || fail "$suite: port 2 exited with an error"
	kill -INT "$tpid"
	wait "$tpid"
	pids=()

	grep -Eq 'tx_refused=[1-9]' "$tmp/p1-$suite.log" ||
		fail "$suite: frames sent without SA were not refused and counted"
	grep -Eq 'ctl_frames=1 ' "$tmp/p1-$suite.log" &&
		grep -Eq 'ctl_frames=1 ' "$tmp/p2-$suite.log" ||
		fail "$suite: EAPOL frame not delivered to the control queue"
	grep -Eq 'in_ok=[1-9]' "$tmp/p2-$suite.log" || fail "$suite: no valid frame counted"

	# 3. The wire carried MACsec and the two EAPOL frames, nothing else.
	count() { # pcap-filter; frames only (unknown EtherTypes add hex lines)
		tcpdump -r "$cap" -nn -tt "$1" 2>/dev/null | grep -c '^[0-9]'
	}
	macsec=$(count 'ether proto 0x88e5')
	eapol=$(count 'ether proto 0x888e')
	other=$(count 'not ether proto 0x88e5 and not ether proto 0x888e')
	[[ $other -eq 0 ]] || { tcpdump -r "$cap" -nn -e; fail "$suite: $other non-MACsec frames on the wire"; }
	[[ $eapol -eq 2 ]] || fail "$suite: $eapol EAPOL frames on the wire, want 2"
	[[ $macsec -ge 10 ]] || fail "$suite: only $macsec MACsec frames on the wire"
	ip -n "$ns1" link del qtap 2>/dev/null
	ip -n "$ns2" link del qtap 2>/dev/null
	echo "ok: $suite: $macsec MACsec frames, $eapol EAPOL, 0 other; $(grep stats "$tmp/p1-$suite.log")"
}

run_suite 128 "$key128"
run_suite xpn256 "$key256"
echo "PASS"
