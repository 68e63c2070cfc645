#!/bin/sh
# Regenerates the nft JSON fixtures: loads each rule set into a fresh network namespace (with the
# bridges libvirt's `iif`/`oif` rules name) and saves `nft -j list ruleset`. Run as root from here.
# The .netlink fixtures are NftablesReader.read().raw of the same namespaces (NftablesRead.raw.contents).
set -eu
capture() { # name loader file
    ns="nftfix-$$-$1"
    ip netns add "$ns"
    trap 'ip netns del "$ns"' EXIT
    for dev in virbr0 virbr1 virbr2 uplink0 eth0; do ip -n "$ns" link add "$dev" type bridge; done
    ip netns exec "$ns" $2 < "$3"
    ip netns exec "$ns" nft -j list ruleset 2>/dev/null | python3 -m json.tool --indent 1 > "$1.json"
    ip netns del "$ns"
    trap - EXIT
}
capture libvirt-nftables "nft -f -" libvirt-nftables.nft
capture iptables-nft iptables-nft-restore iptables-nft.rules
capture inet-firewall "nft -f -" inet-firewall.nft
capture edge-cases "nft -f -" edge-cases.nft
capture matches "nft -f -" matches.nft
# iptables-nft-matches.netlink: NftablesReader.read().raw of a namespace after iptables-nft-restore of
# iptables-nft-matches.rules and ip6tables-nft-restore of ip6tables-nft-matches.rules.
