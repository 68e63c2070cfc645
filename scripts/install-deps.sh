#!/usr/bin/env bash
# Installs everything vnetaudit needs on Debian 12 (bookworm), as root: the C libraries it links,
# the tools the lab and the tests use, and libvirt 11 from bookworm-backports (both firewall backends).
# Idempotent: a second run installs nothing new.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (apt-get install)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive

backports=/etc/apt/sources.list.d/vnetaudit-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat >"$backports" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# Keep package scripts from starting daemons on the host: the lab starts its own, inside namespaces.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

build_pkgs=(pkg-config libpcap-dev libnl-3-dev libnl-route-3-dev libiptc-dev libnftables-dev libxml2-dev)
tool_pkgs=(iproute2 iptables nftables tcpdump kmod procps psmisc util-linux dnsmasq-base iputils-ping python3 python3-jsonschema conntrack
           zsh fish mandoc man-db make           # checking the generated completions and man page (make install)
           ansible-core                          # the example fleet playbook (deploy/ansible), run in the tests
           libxml2-utils prometheus cmark-gfm    # validating JUnit (xmllint), Prometheus (promtool), Markdown output
           chromium fonts-dejavu-core)           # rendering the HTML report headless in tests
libvirt_pkgs=(libvirt-daemon libvirt-daemon-driver-network libvirt-clients)
firewall_pkgs=(ufw firewalld docker.io dbus-daemon)  # host firewall managers run inside the lab (lab/firewalls.sh); never started on the host

missing=()
for p in "${build_pkgs[@]}" "${tool_pkgs[@]}" "${firewall_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
need_libvirt=1
if dpkg-query -W -f='${Status}' libvirt-daemon-driver-network 2>/dev/null | grep -q 'install ok installed'; then
  # libvirt >= 10.4 has the nftables firewall backend; bookworm itself ships 9.0.
  ver=$(dpkg-query -W -f='${Version}' libvirt-daemon 2>/dev/null || true)
  case "$ver" in 1[0-9].*) need_libvirt=0 ;; esac
fi

if [ ${#missing[@]} -gt 0 ] || [ "$need_libvirt" = 1 ]; then
  apt-get update -qq || apt-get update -qq -o APT::Update::Error-Mode=any || true
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  if [ "$need_libvirt" = 1 ]; then
    apt-get install -y -qq --no-install-recommends -t bookworm-backports "${libvirt_pkgs[@]}"
  fi
fi
echo "install-deps: ok"
