#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: installs what the tests need (real dockerd,
# Prometheus, Alertmanager, Chromium, openssl), builds, lints, type-checks and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need dockerd docker.io
need busybox busybox-static
need promtool prometheus
need prometheus-alertmanager prometheus-alertmanager
need amtool prometheus-alertmanager
need iptables iptables
need openssl openssl
need ip iproute2
need nsenter util-linux
need chromium chromium
# The rootless test (test/integration/rootless.test.ts): dockerd-rootless.sh ships in docker.io's contrib folder.
need rootlesskit rootlesskit
need newuidmap uidmap
need slirp4netns slirp4netns
if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The deployment tests unpack (never install) haproxy and Compose v2 with `apt-get download` + `dpkg -x`
# (test/support/debianTools.ts). Compose v2 comes from trixie's docker-compose (bookworm has 1.29): add that
# suite from the mirror bookworm already uses, pinned so that nothing is ever installed from it.
if ! grep -rqs '^Suites:.*trixie' /etc/apt/sources.list.d/ && [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources | head -1)
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >/etc/apt/sources.list.d/dockersec-trixie.sources
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 1\n' >/etc/apt/preferences.d/dockersec-trixie
  apt-get update -qq
fi
# dockerd 26.1 (trixie) and 28.5 (sid) for the release matrix, unpacked beside bookworm's 20.10 (idempotent).
bash scripts/dockerd-releases.sh 26.1 28.5

npm ci --no-audit --no-fund --loglevel=error
npm run build
npx biome check .
npx tsc -p tsconfig.json --noEmit

# Integration tests start real daemons and servers; two files at a time suits the 2-core machines.
mapfile -t files < <(find test -name '*.test.ts' | sort)
node --import tsx --test --test-concurrency=2 --test-timeout=900000 "${files[@]}"

# The release matrix (issue 13): the real-daemon tests of daemon configuration, TLS, exposure, drift and
# containers again against dockerd 26.1 and 28.5 (the run above used bookworm's 20.10).
# rootless.test.ts: where the user cannot open /dev/net/tun, 26.1 and 28.5 cannot run rootless (their
# dockerd-rootless.sh refuses rootlesskit --net=host and their dockerd panics under it), so it says why and
# checks the captured report instead (about 10 s).
matrix=(test/integration/daemonConfigs.test.ts test/integration/exposure.test.ts test/integration/drift.test.ts
  test/integration/containers.test.ts test/integration/containersLive.test.ts test/integration/rootless.test.ts)
for release in ${DOCKERD_RELEASES:-26.1 28.5}; do
  echo "== dockerd $release"
  DOCKERD_RELEASE=$release node --import tsx --test --test-concurrency=2 --test-timeout=900000 "${matrix[@]}"
done
