#!/usr/bin/env bash
# bench/kme/run.sh — the KME benchmark from start to finish: a kme-pair lab
# with a fast link in a temporary directory, kme-bench for 1, 8 and 64
# concurrent SAE clients, and the lab torn down on every exit path.
#
#	bench/kme/run.sh [BUILD_DIR] [kme-bench options...]
#
# BUILD_DIR defaults to build-rel (meson setup build-rel -Dbuildtype=release
# && ninja -C build-rel). Options after it go to kme-bench and override the
# defaults below (e.g. --seconds 10, --form post, --clients 1,8). The
# figures go to stdout, and as JSON to the file $KME_BENCH_JSON if set.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-rel
if [[ $# -gt 0 && $1 != -* ]]; then
	build=$(cd "$1" && pwd)
	shift
fi
qmacsec=$build/cmd/qmacsec/qmacsec
bench=$build/bench/kme/kme-bench
for f in "$qmacsec" "$bench" "$build/cmd/qkd-kme/qkd-kme"; do
	if [[ ! -x $f ]]; then
		echo "run.sh: $f is missing; build first:" >&2
		echo "  meson setup build-rel -Dbuildtype=release && ninja -C build-rel" >&2
		exit 2
	fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/qs-kme-bench.XXXXXX")
cleanup() {
	if [[ -f $dir/lab/pids ]]; then
		"$qmacsec" lab down "$dir/lab" >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "run.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) cores, $(uname -r)"
"$qmacsec" lab up kme-pair "$dir/lab" --fast-link
# --min-pool: before each key measurement wait until KME_A can serve
# 30000 keys (the fast link makes ~4600 of its own keys per second), more
# than a 6 s measurement draws beyond that, so the pool never runs dry.
json=()
if [[ -n ${KME_BENCH_JSON:-} ]]; then
	json=(--json "$KME_BENCH_JSON")
fi
"$bench" --lab "$dir/lab" --clients 1,8,64 --seconds 5 --warmup 1 \
	--min-pool 30000 "${json[@]}" "$@"
