#!/usr/bin/env bash
# qkd-eve-link.sh LINK_TEST QKD_EVE — the simulated QKD link with the
# eavesdropper on the fibre, over loopback:
#
#   alice --quantum--> qkd-eve --quantum--> bob
#   alice --service--------------------------> bob
#
# 1. keys flow and both ends hold the same blocks;
# 2. `qkd-eve ctl SOCK set intercept 0.5`: the QBER passes 11 %, the link
#    aborts and no key is made;
# 3. `qkd-eve ctl SOCK off`: the link recovers;
# 4. Eve dies (fibre cut): blocks abort with no detections; Eve comes
#    back: alice reconnects and keys flow again;
# 5. both link ends stop cleanly (exit 0, which under ASan means no leak).
# Bounded (< 30 s); every process is killed and the temp dir removed on
# any exit.
set -euo pipefail

link=$1
eve=$2
dir=$(mktemp -d /tmp/qkd-eve-link.XXXXXX)
declare -A pid=()

cleanup() {
	for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$dir"/*.out "$dir"/*.err; do
		echo "---- ${f##*/}"
		tail -25 "$f"
	done
	exit 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until TIMEOUT_S DESCRIPTION COMMAND...: poll every 0.1 s.
wait_until() {
	local t=$1 what=$2
	shift 2
	for ((i = 0; i < t * 10; i++)); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	fail "timed out after ${t}s waiting for: $what"
}

count() { grep -c "$2" "$dir/$1.out" || true; }
at_least() { [[ $(count "$1" "$2") -ge $3 ]]; }

# same_keys: every block bob emitted, alice emitted with the same length
# and digest, and alice is at most one block ahead (its CONFIRM in flight).
same_keys() {
	local a b
	a=$(grep '^key' "$dir/alice.out" | sort || true)
	b=$(grep '^key' "$dir/bob.out" | sort || true)
	[[ -n $b ]] || fail "bob has no key"
	if [[ -n $(comm -13 <(echo "$a") <(echo "$b")) ]]; then
		fail "bob holds a block alice does not have the same way"
	fi
	(($(echo "$a" | wc -l) - $(echo "$b" | wc -l) <= 1)) ||
		fail "alice holds blocks bob never got"
}

qport=$(free_port)
sport=$(free_port)
eport=$(free_port)
sock=$dir/eve.sock
common="period_s = 0.25
f_rep = 4e8
fibre_km = 25"
printf '[qkd]\nrole = bob\nquantum = 127.0.0.1:%s\nservice = 127.0.0.1:%s\n%s\n' \
	"$qport" "$sport" "$common" >"$dir/bob.ini"
printf '[qkd]\nrole = alice\nquantum = 127.0.0.1:%s\nservice = 127.0.0.1:%s\n%s\n' \
	"$eport" "$sport" "$common" >"$dir/alice.ini"

start_eve() {
	"$eve" --listen "127.0.0.1:$eport" --bob "127.0.0.1:$qport" \
		--control "$sock" 2>>"$dir/eve.err" &
	pid[eve]=$!
	wait_until 5 "eve's control socket" test -S "$sock"
}
ctl() { "$eve" ctl "$sock" "$@"; }

"$link" "$dir/bob.ini" 40 >"$dir/bob.out" 2>"$dir/bob.err" &
pid[bob]=$!
start_eve
"$link" "$dir/alice.ini" 40 >"$dir/alice.out" 2>"$dir/alice.err" &
pid[alice]=$!

echo "1. keys flow through a transparent eve"
wait_until 10 "3 key blocks at bob" at_least bob '^key' 3
same_keys
[[ $(count alice '^state aborted') -eq 0 ]] || fail "aborted without eve"

echo "2. intercept-resend half the light: abort"
[[ $(ctl set intercept 0.5) == ok ]] || fail "ctl set intercept"
ctl status | grep -q '"intercept":0.5' || fail "status does not show it"
wait_until 5 "abort on QBER at alice" at_least alice '^state aborted qber' 1
wait_until 5 "abort on QBER at bob" at_least bob '^state aborted qber' 1
qber=$(grep '^state aborted qber' "$dir/alice.out" | tail -1 | cut -d' ' -f4)
awk -v q="$qber" 'BEGIN { exit !(q > 11 && q < 16) }' ||
	fail "QBER under attack is $qber %, expected ~13 %"
keys=$(count alice '^key')
sleep 1
[[ $(count alice '^key') -eq $keys ]] || fail "key made while aborted"
ctl set colour 3 >/dev/null && fail "ctl accepted an unknown knob"

echo "3. eve off: recovery"
runs=$(count alice '^state running')
[[ $(ctl off) == ok ]] || fail "ctl off"
wait_until 5 "running again" at_least alice '^state running' $((runs + 1))
wait_until 5 "new keys" at_least bob '^key' $((keys + 2))
same_keys

echo "4. the fibre is cut (eve dies), then mended"
kill "${pid[eve]}"
wait "${pid[eve]}" || fail "eve did not stop cleanly"
unset 'pid[eve]'
wait_until 5 "abort for no detections" \
	at_least alice '^state aborted no-detections' 1
runs=$(count alice '^state running')
keys=$(count bob '^key')
start_eve
wait_until 10 "running after the fibre is back" \
	at_least alice '^state running' $((runs + 1))
wait_until 5 "keys after the fibre is back" at_least bob '^key' $((keys + 2))
same_keys

echo "5. clean stop"
kill "${pid[alice]}" "${pid[bob]}"
wait "${pid[alice]}" || fail "alice exited with an error"
wait "${pid[bob]}" || fail "bob exited with an error"
pid=([eve]=${pid[eve]})
same_keys
echo "ok: $(count bob '^key') identical key blocks at both ends"
