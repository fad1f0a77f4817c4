#!/usr/bin/env bash
# Newer dockerd releases for the real-daemon tests (issue 13), unpacked next to bookworm's own 20.10:
#   26.1 = Debian trixie's docker.io + containerd, 28.5 = Debian sid's.
# As root on Debian bookworm: adds trixie and sid to apt's sources pinned at priority -10 (nothing is ever
# installed or upgraded from them), downloads docker.io and containerd of each suite with `apt-get download`
# and unpacks them with `dpkg -x` into $DOCKERSEC_RELEASES_DIR/<release> (default /var/cache/dockersec-releases).
# bookworm's runc stays the one used: the newer runc needs glibc 2.38.
# Idempotent: a release whose folder is complete is left alone. Usage: dockerd-releases.sh [26.1] [28.5]
set -euo pipefail

root="${DOCKERSEC_RELEASES_DIR:-/var/cache/dockersec-releases}"
declare -A suite=([26.1]=trixie [28.5]=sid)
releases=("$@")
((${#releases[@]} > 0)) || releases=(26.1 28.5)

# The binaries test/support/dockerd.ts puts first on PATH for a release.
bins=(dockerd docker-proxy containerd containerd-shim-runc-v2)

complete() {
  local dir="$root/$1/bin" b
  for b in "${bins[@]}"; do [[ -x "$dir/$b" ]] || return 1; done
  [[ -f "$root/$1/VERSION" ]]
}

todo=()
for r in "${releases[@]}"; do
  [[ -n "${suite[$r]:-}" ]] || { echo "unknown release $r (known: ${!suite[*]})" >&2; exit 2; }
  complete "$r" || todo+=("$r")
done
((${#todo[@]} == 0)) && exit 0
[[ $(id -u) == 0 ]] || { echo "dockerd-releases.sh: needs root (apt sources, /var/cache)" >&2; exit 1; }

changed=0
for r in "${todo[@]}"; do
  s="${suite[$r]}"
  src="/etc/apt/sources.list.d/dockersec-$s.sources"
  pin="/etc/apt/preferences.d/dockersec-$s"
  want_src=$'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: '"$s"$'\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg'
  want_pin=$'Package: *\nPin: release n='"$s"$'\nPin-Priority: -10'
  if [[ ! -f "$src" ]]; then printf '%s\n' "$want_src" >"$src"; changed=1; fi
  # A negative priority: packages of this suite are never candidates, only `apt-get download pkg/suite` reaches them.
  if [[ "$(cat "$pin" 2>/dev/null)" != "$want_pin" ]]; then printf '%s\n' "$want_pin" >"$pin"; changed=1; fi
done
if ((changed)) || ! apt-cache show "docker.io/${suite[${todo[0]}]}" >/dev/null 2>&1; then
  apt-get update -qq
fi

for r in "${todo[@]}"; do
  s="${suite[$r]}"
  dest="$root/$r"
  work="$(mktemp -d "$root.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$root")"; mktemp -d "$root.XXXXXX"; })"
  chmod 755 "$work" # apt-get download fetches as _apt
  (
    cd "$work"
    apt-get download -qq "docker.io/$s" "containerd/$s" >/dev/null
    for deb in ./*.deb; do dpkg -x "$deb" unpacked; done
    mkdir -p release/bin
    for b in "${bins[@]}"; do
      f="$(find unpacked/usr -type f -name "$b" -perm -u+x | head -n1)"
      [[ -n "$f" ]] || { echo "dockerd-releases.sh: $b missing from the $s packages" >&2; exit 1; }
      cp -p "$f" "release/bin/$b"
    done
    # Rootless helpers and the contrib scripts of that release, for the rootless test.
    [[ -d unpacked/usr/share/docker.io/contrib ]] && cp -rp unpacked/usr/share/docker.io/contrib release/contrib
    {
      echo "suite=$s"
      for deb in ./*.deb; do echo "$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"; done
      echo "dockerd=$(release/bin/dockerd --version)"
    } >release/VERSION
  )
  rm -rf "$dest"
  mkdir -p "$root"
  mv "$work/release" "$dest"
  rm -rf "$work"
  echo "dockerd $r: $(grep '^dockerd=' "$dest/VERSION" | cut -d= -f2-) in $dest"
done
