#!/usr/bin/env bash
# The Registry1 cache's own EBS volume on the host (host.cacheVolumeGiB, issue 19).
#   cache-volume.sh mount <volume-id> <device-name> <mount-point> [<size-GiB>]
#   cache-volume.sh unmount <mount-point>
# (the size is not used: it is in the command so that a new size runs it again,
# which grows the file system).
#
# mount: finds the attached volume's block device, formats it only when it is
# blank, mounts it at <mount-point> through an /etc/fstab line (by UUID, nofail,
# before docker.service), and makes <mount-point>/data, the folder the cache's
# Docker volume binds. That folder exists only on the volume's file system: when
# the volume is missing at a boot, the bind fails and the cache stays down (the
# nodes fall back to Registry1) instead of filling the root disk.
# unmount: unmounts and drops the fstab line; nothing to do is success.
#
# Finding the device: on Nitro instances EBS volumes are NVMe devices whose serial
# is the volume ID without its dash, which udev links as
# /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<serial> (EC2 User Guide,
# "Amazon EBS and NVMe": "the EBS volume ID is the serial number"); the device
# name given to AttachVolume is only a hint there. On Xen instances the block
# device is the given name with sd -> xvd.
#
# Idempotent and retry-safe: an existing file system is never formatted again,
# and one that is not ext4 is refused rather than overwritten.
#
# Environment (optional; tests use them):
#   SUDO                 runs the privileged steps, with -n (default sudo; empty: none)
#   CACHE_VOLUME_FSTAB   the fstab file (default /etc/fstab)
#   CACHE_VOLUME_BY_ID   the by-id folder (default /dev/disk/by-id)
#   CACHE_VOLUME_DEV     the folder of Xen device names (default /dev)
#   CACHE_VOLUME_WAIT    tries, 2 s apart, for the device to appear (default 60)
set -euo pipefail

sudo_program="${SUDO-sudo}"
fstab="${CACHE_VOLUME_FSTAB:-/etc/fstab}"
by_id="${CACHE_VOLUME_BY_ID:-/dev/disk/by-id}"
dev_dir="${CACHE_VOLUME_DEV:-/dev}"
tries="${CACHE_VOLUME_WAIT:-60}"
label="bbod-r1cache"

die() {
  echo "cache-volume: $*" >&2
  exit 1
}

as_root() {
  if [ -n "$sudo_program" ]; then "$sudo_program" -n "$@"; else "$@"; fi
}

# Rewrites fstab without any line for <mount-point>, then appends <line> when given.
write_fstab() {
  local mount_point=$1 line=${2:-} tmp
  tmp=$(mktemp)
  awk -v mp="$mount_point" '$2 != mp' "$fstab" >"$tmp"
  if [ -n "$line" ]; then printf '%s\n' "$line" >>"$tmp"; fi
  if ! cmp -s "$tmp" "$fstab"; then
    as_root cp "$tmp" "$fstab"
  fi
  rm -f "$tmp"
}

action=${1:-}
case "$action" in
  mount)
    volume_id=${2:?volume id}
    device_name=${3:?device name}
    mount_point=${4:?mount point}
    [[ "$volume_id" =~ ^vol-[0-9a-f]+$ ]] || die "not an EBS volume ID: $volume_id"
    [[ "$mount_point" =~ ^/[A-Za-z0-9/._-]+$ ]] || die "not an absolute path: $mount_point"
    nvme="${by_id}/nvme-Amazon_Elastic_Block_Store_${volume_id/-/}"
    xen="${dev_dir}/${device_name#/dev/}"
    xen="${xen/\/sd/\/xvd}"
    device=""
    for ((i = 1; i <= tries; i++)); do
      if [ -e "$nvme" ]; then
        device=$(readlink -f "$nvme")
        break
      elif [ -b "$xen" ] || [ -e "$xen" ]; then
        device=$xen
        break
      fi
      sleep 2
    done
    [ -n "$device" ] || die "${volume_id} is not attached: neither ${nvme} nor ${xen} appeared within $((tries * 2)) s"

    fs_type=$(as_root blkid -p -s TYPE -o value "$device" 2>/dev/null) || fs_type=""
    if [ -z "$fs_type" ]; then
      echo "cache-volume: ${volume_id} (${device}) is blank: formatting it ext4"
      as_root mkfs.ext4 -q -L "$label" "$device"
    elif [ "$fs_type" != ext4 ]; then
      die "${volume_id} (${device}) holds a ${fs_type} file system, not the cache's ext4: refusing to format it"
    fi
    uuid=$(as_root blkid -s UUID -o value "$device")
    [ -n "$uuid" ] || die "${device} has no file system UUID"

    # nofail: a boot without the volume still comes up (and the cache stays down);
    # x-systemd.before: Docker starts the cache only after the mount was tried.
    write_fstab "$mount_point" "UUID=${uuid} ${mount_point} ext4 defaults,nofail,x-systemd.device-timeout=30s,x-systemd.before=docker.service 0 2"
    # systemd reads fstab through its generator: reload, so the next boot's units and
    # `mount` agree (systemd-fstab-generator, x-systemd.before since systemd 233).
    if command -v systemctl >/dev/null 2>&1; then as_root systemctl daemon-reload || true; fi
    as_root mkdir -p "$mount_point"
    if ! mountpoint -q "$mount_point"; then
      as_root mount "$mount_point"
    fi
    # A larger host.cacheVolumeGiB grows the volume in place (ModifyVolume); ext4 grows online
    # to fill it, and resize2fs does nothing when it already does.
    as_root resize2fs "$device" >/dev/null 2>&1 || echo "cache-volume: resize2fs ${device} failed; the file system keeps its size" >&2
    as_root mkdir -p "${mount_point}/data"
    echo "cache-volume: ${volume_id} mounted at ${mount_point}"
    ;;
  unmount)
    mount_point=${2:?mount point}
    if mountpoint -q "$mount_point"; then
      as_root umount "$mount_point"
    fi
    if [ -f "$fstab" ]; then write_fstab "$mount_point"; fi
    echo "cache-volume: ${mount_point} unmounted"
    ;;
  *) die "usage: cache-volume.sh mount <volume-id> <device-name> <mount-point> | unmount <mount-point>" ;;
esac
