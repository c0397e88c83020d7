# shellcheck shell=bash
# Shared by the host-side scripts of the VM harness (build-initramfs, run-vm,
# the tests). Sourced, never run. Everything here is about the host: the
# guest side lives in guest/.
#
# Environment (all optional):
#   QMACSEC_VM_CACHE    where built initramfs images and probe results go
#                       (default: $XDG_CACHE_HOME/qmacsec/vm)
#   QMACSEC_VM_KERNEL   kernel version to boot (default: the newest one in
#                       /lib/modules that ships macsec.ko and has a
#                       /boot/vmlinuz-<version>)
#   QMACSEC_VM_ACCEL    kvm | tcg | auto (default auto: KVM if a probe boot
#                       under KVM works, else TCG software emulation)

# Exit code meaning "cannot run here", understood by meson as SKIP.
readonly VM_EXIT_SKIP=77

# The harness directory, used by the scripts that source this file.
vm_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034
readonly vm_lib_dir

# modprobe, depmod and ip live in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

vm_log() { echo "${vm_prog:-vm}: $*" >&2; }
vm_die() {
	vm_log "error: $*"
	exit 1
}
vm_skip() {
	vm_log "SKIP: $*"
	exit "$VM_EXIT_SKIP"
}

vm_cache_dir() {
	local d=${QMACSEC_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qmacsec/vm}
	mkdir -p "$d"
	(cd "$d" && pwd)
}

# Prints the version of the kernel the VM boots, or nothing if there is none
# (package linux-image-amd64 not installed, or no macsec module).
vm_kernel_version() {
	if [[ -n ${QMACSEC_VM_KERNEL:-} ]]; then
		echo "$QMACSEC_VM_KERNEL"
		return
	fi
	local d v best=
	for d in /lib/modules/*/kernel/drivers/net/macsec.ko*; do
		[[ -e $d ]] || continue
		v=${d#/lib/modules/}
		v=${v%%/*}
		[[ -r /boot/vmlinuz-$v ]] || continue
		if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -1) == "$v" ]]; then
			best=$v
		fi
	done
	echo "$best"
}

# Exits with SKIP when the VM cannot run on this machine at all: no qemu, no
# kernel package, no tun device, not root. Prints nothing when all is there.
vm_require_runnable() {
	command -v qemu-system-x86_64 >/dev/null ||
		vm_skip "qemu-system-x86_64 is not installed (scripts/install-deps --vm)"
	local kver
	kver=$(vm_kernel_version)
	[[ -n $kver ]] ||
		vm_skip "no Debian kernel with macsec.ko in /lib/modules and /boot (scripts/install-deps --vm installs linux-image-amd64)"
	[[ -r /boot/vmlinuz-$kver && -d /lib/modules/$kver ]] ||
		vm_die "QMACSEC_VM_KERNEL=$kver: no /boot/vmlinuz-$kver or /lib/modules/$kver"
	[[ $(id -u) -eq 0 ]] ||
		vm_skip "needs root (network namespace and tap device)"
	[[ -c /dev/net/tun ]] ||
		vm_skip "/dev/net/tun is missing: cannot create the tap link to the VM"
	command -v ip >/dev/null || vm_skip "ip (iproute2) is not installed"
}

# The qemu accelerator arguments. KVM only when a probe boot of the real
# kernel under KVM reached the probe marker; the result is cached per kernel
# and qemu version, since a hypervisor that cannot boot the kernel hangs
# until the probe's timeout.
#   $1: kernel image, $2: initramfs built by build-initramfs
vm_accel_args() {
	local kernel=$1 initrd=$2 want=${QMACSEC_VM_ACCEL:-auto}
	case $want in
	tcg) echo "-accel tcg"; return ;;
	kvm) echo "-accel kvm -cpu host"; return ;;
	auto) ;;
	*) vm_die "QMACSEC_VM_ACCEL must be kvm, tcg or auto, not '$want'" ;;
	esac
	if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		echo "-accel tcg"
		return
	fi
	local qv key file
	qv=$(qemu-system-x86_64 --version | head -1 | tr -c 'A-Za-z0-9.\n' _)
	key=$(printf '%s|%s' "$kernel" "$qv" | sha256sum | cut -c1-16)
	file=$(vm_cache_dir)/accel-$key
	if [[ ! -s $file ]]; then
		vm_log "probing whether KVM boots $kernel (once; cached in $file)"
		if vm_probe_kvm "$kernel" "$initrd"; then
			echo kvm >"$file"
		else
			echo tcg >"$file"
		fi
		vm_log "accelerator: $(cat "$file")"
	fi
	if [[ $(cat "$file") == kvm ]]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg"
	fi
}

# Boots the kernel under KVM with qmacsec.probe=1 (the guest /init prints a
# marker and powers off at once). Succeeds if the marker appears within 12 s
# (a working KVM gets there in about a second; the hypervisor of our CI
# machines hangs before the kernel prints anything).
vm_probe_kvm() {
	local kernel=$1 initrd=$2 log pid i ok=1
	log=$(mktemp "${TMPDIR:-/tmp}/qmacsec-kvmprobe.XXXXXX")
	qemu-system-x86_64 -accel kvm -cpu host -m 256M -nodefaults \
		-no-user-config -display none -monitor none -no-reboot \
		-serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet qmacsec.probe=1" \
		>/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 30; i++)); do
		if grep -q 'QMACSEC-PROBE up' "$log" 2>/dev/null; then
			ok=0
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.4
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$log"
	return "$ok"
}

# For host commands started by run-vm (source "$QMACSEC_VM_LIB"): waits
# until the live console log has a line matching extended regex $1, for at
# most $2 seconds (default 60). Returns 1 on timeout or when the VM has
# already ended without such a line.
vm_wait_console() {
	local pattern=$1 deadline=$((SECONDS + ${2:-60}))
	local log=${QMACSEC_VM_CONSOLE:?not started by run-vm}
	while ((SECONDS < deadline)); do
		tr -d '\r' <"$log" | grep -Eq -- "$pattern" && return 0
		grep -q '^QMACSEC-END' "$log" && return 1
		sleep 0.2
	done
	return 1
}
