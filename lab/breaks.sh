# Breakages of the lab's real state, and their repairs. Sourced by lab.sh (uses its helpers and variables).
# Each break changes real state of the hypervisor (firewall, sysctls, links, processes) or the LAN router;
# lab.sh repair CAUSE undoes it, lab.sh repair all rebuilds the healthy state.
# Rules the lab adds carry the comment "vnetaudit-lab:CAUSE" so that repair removes exactly them.

# cause|field-notes cause number|what it does|what real situation it imitates|selftest checks it makes fail
# (';'-separated substrings of check names; empty: no selftest check covers it, see proof_CAUSE)
BREAKS='
masquerade-removed|11|delete the masquerade rules of network default (192.168.122.0/24) from libvirt'"'"'s nat chain|a rule removed by hand or a missing NAT module: guest private addresses appear on the uplink|nat1 -> LAN tcp, masqueraded
exposed-accept|-|insert an accept for new connections to 192.168.122.0/24 out of virbr0 ahead of libvirt'"'"'s reject|a port-forwarding how-to applied too broadly: the LAN can open connections to nat guests|LAN -> nat1 new tcp
isolation-broken|-|insert accepts for everything in and out of virbr3 (network isolated) ahead of libvirt'"'"'s rejects|a hand-made "let it out" rule: the isolated network forwards to and from the LAN|isolated -> LAN tcp blocked;LAN -> isolated tcp blocked
forward-drop-legacy|1,12|iptables-legacy -P FORWARD DROP beside libvirt'"'"'s rules|a container engine using legacy iptables sets FORWARD to DROP; iptables (nft) shows only a warning|nat1 -> LAN tcp, masqueraded;routed -> LAN tcp with own
forward-drop-ip6|2|ip6tables -P FORWARD DROP (iptables-nft table ip6 filter)|a container engine'"'"'s ip6tables FORWARD DROP breaks IPv6 through unrelated bridges|open -> LAN tcp6
ip-forward-off|8|sysctl net.ipv4.ip_forward=0 in the hypervisor|hardening or a sysctl reload turned forwarding off|nat1 -> LAN tcp, masqueraded;routed -> LAN tcp with own
stale-other-backend|19|load the rule set of the other libvirt firewall backend (lab/stale/) beside the live one|leftovers of the previous backend after an upgrade or a firewall_backend switch|
chains-flushed|5|nft flush ruleset in the hypervisor while the networks stay active|a firewall reload (nftables.service, firewalld, iptables-restore) wiped libvirt'"'"'s rules|nat1 -> LAN tcp, masqueraded;LAN -> nat1 new tcp;isolated -> LAN tcp blocked
dnsmasq-killed|10|kill the dnsmasq of network default|dnsmasq of a network crashed or was killed: no DHCP, no DNS|nat1 DNS;nat1 DHCP
port53-taken|10|kill libvirt'"'"'s dnsmasq of default and start another dnsmasq bound to 192.168.122.1:53 (no DHCP); libvirt cannot restart its own|another resolver or a host dnsmasq holding port 53 on the bridge address|nat1 DNS;nat1 DHCP
dhcp-dns-blocked|7|host firewall input rules rejecting udp 53/67 and tcp 53 from virbr0 (nft table inet filter, or iptables INPUT in iptables labs)|a host firewall (ufw, nftables.conf) that does not allow DHCP/DNS from the bridge|nat1 DNS;nat1 DHCP
br-netfilter|3|net.bridge.bridge-nf-call-iptables/ip6tables=1 plus a host firewall forward chain (inet filter) with policy drop that accepts only virbr* traffic|br_netfilter makes bridged frames on br0 traverse FORWARD, where the host firewall drops them|bridged -> LAN tcp with own;LAN -> bridged tcp
rp-filter-strict|13|sysctl net.ipv4.conf.all.rp_filter=1 in the hypervisor|strict reverse-path filtering drops asymmetric traffic (LAN 198.51.100.1 -> open guest arrives on eth-up, returns via br0)|asymmetric return
mtu-mismatch|15|ip link set vnet0 mtu 1400 (nat1'"'"'s port; the bridge follows) while the guest keeps 1500|bridge/tap MTU lowered for an overlay while the guest still uses 1500: full-size frames vanish, TCP stalls|nat1 -> LAN bulk upload
forward-dev-down|20|ip link set eth-up down (the forward dev of network routed, and the default route)|the uplink named by <forward dev=...> is down, renamed or missing|routed -> LAN tcp with own;nat1 -> LAN tcp, masqueraded
no-lan-route|16|delete the LAN router'"'"'s routes to 192.168.130.0/24 and 2001:db8:130::/64 (network routed)|a routed network without a static route on the LAN router: requests leave, replies never come back|routed -> LAN tcp with own;LAN -> routed tcp
subnet-overlap|9|add 192.168.122.50/24 to eth-up and 192.168.122.254/24 to the LAN (the uplink now overlaps network default)|nested virtualization: the host itself sits on an outer 192.168.122.0/24|
'

break_causes() { awk -F'|' 'NF {print $1}' <<<"$BREAKS"; }

break_field() { awk -F'|' -v c="$1" -v f="$2" '$1 == c {print $f}' <<<"$BREAKS"; }

break_list() {
  local c n what why checks
  echo "causes (field-notes cause number): what the break changes -- what it imitates"
  while IFS='|' read -r c n what why checks; do
    [ -n "$c" ] || continue
    printf '  %-20s (%s) %s\n  %-20s      -- %s\n' "$c" "$n" "$what" "" "$why"
  done <<<"$BREAKS"
  echo "repair one with: lab.sh repair CAUSE; everything with: lab.sh repair all"
}

say() { echo "  hv# $*"; }
hvrun() { say "$*"; hvx "$@"; }
lanrun() { echo "  lan# $*"; ip netns exec "$LAN" "$@"; }

valid_cause() { break_causes | grep -qx -- "$1" || die "unknown cause '$1' (lab.sh break --list)"; }

# ---------------------------------------------------------------------------- firewall helpers
nft_has_table() { hvx nft list table "$1" "$2" >/dev/null 2>&1; }

delete_tagged() { # remove every rule carrying the comment vnetaudit-lab:CAUSE (iptables-nft and native nft)
  local tag="$TAG:$1" tool fam t line
  for tool in iptables ip6tables; do
    fam=ip; [ "$tool" = ip6tables ] && fam=ip6
    for t in filter nat mangle; do
      nft_has_table "$fam" "$t" || continue
      hvx "$tool" -t "$t" -S 2>/dev/null | grep -F -- "$tag" | grep '^-A ' | sed 's/^-A /-D /' |
        while read -r line; do eval "hvrun $tool -t $t $line"; done || true
    done
  done
  hvx nft -a list ruleset 2>/dev/null | awk -v tag="comment \"$tag\"" '
    /^table / {fam=$2; tbl=$3}
    /^\tchain / {ch=$2}
    index($0, tag) && /# handle / {print fam, tbl, ch, $NF}' |
    while read -r fam t ch h; do hvrun nft delete rule "$fam" "$t" "$ch" handle "$h"; done || true
}

xt_table_empty() { # an iptables-nft table with no rules and only accept policies
  hvx nft -j list table "$1" "$2" 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["nftables"]
rules = [x for x in d if "rule" in x]
pol = [x["chain"].get("policy") for x in d if "chain" in x]
sys.exit(0 if not rules and all(p in (None, "accept") for p in pol) else 1)'
}

drop_empty_xt_tables() { # nftables labs: remove iptables-nft tables a break created, once empty
  [ "$(backend)" = nftables ] || return 0
  local fam t
  for fam in ip ip6; do
    for t in filter nat mangle; do
      if nft_has_table "$fam" "$t" && xt_table_empty "$fam" "$t"; then hvrun nft delete table "$fam" "$t"; fi
    done
  done
}

hostfw_chain() { # hostfw_chain CHAIN HOOK POLICY: a chain of the host firewall table inet filter
  hvrun nft add table inet filter
  hvrun nft add chain inet filter "$1" "{ type filter hook $2 priority filter; policy $3; }"
}

hostfw_drop_chain() {
  if hvx nft list chain inet filter "$1" >/dev/null 2>&1; then
    hvrun nft flush chain inet filter "$1"
    hvrun nft delete chain inet filter "$1"
  fi
  if nft_has_table inet filter && [ -z "$(hvx nft list table inet filter | grep -E '^[[:space:]]chain ')" ]; then
    hvrun nft delete table inet filter
  fi
}

NEED_RELOAD=0

# libvirt re-creates its firewall rules for active networks when the daemon starts, and restarts a dead
# dnsmasq on SIGHUP. Bridges stay, so guests stay attached (re-checked anyway).
libvirt_reload_full() {
  echo "  reloading libvirt: restart libvirtd (re-creates its rules), SIGHUP (restarts a dead dnsmasq)"
  libvirtd_stop
  libvirtd_start
  kill -HUP "$(libvirtd_pid)"
  wait_for 10 "dnsmasq of every network" all_dnsmasq_alive
  # the iptables backend re-creates its rules one command at a time for a few seconds after start
  rules_settled || echo "  warning: libvirt's rules differ from the healthy set recorded at up" >&2
  attach_all_guests
}

all_dnsmasq_alive() {
  local n p
  for n in default nat6 routed isolated open; do
    p=$(cat "$L/run/network/$n.pid" 2>/dev/null) || return 1
    alive "$p" && [ "$(cat /proc/"$p"/comm)" = dnsmasq ] || return 1
  done
}

dnsmasq_pid_of() { # live pid of libvirt's dnsmasq for network $1
  local p
  p=$(cat "$L/run/network/$1.pid" 2>/dev/null) || return 1
  alive "$p" && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = dnsmasq ] && echo "$p"
}

# ---------------------------------------------------------------------------- breaks and repairs
break_masquerade_removed() {
  local n=0 h line
  if [ "$(backend)" = nftables ]; then
    for h in $(hvx nft -a list chain ip libvirt_network guest_nat |
               awk '/ip saddr 192\.168\.122\.0\/24/ && /masquerade/ {print $NF}'); do
      hvrun nft delete rule ip libvirt_network guest_nat handle "$h"; n=$((n + 1))
    done
  else
    while read -r line; do
      eval "hvrun iptables -t nat $line"; n=$((n + 1))
    done < <(hvx iptables -t nat -S LIBVIRT_PRT | grep -- '-s 192.168.122.0/24' | grep MASQUERADE | sed 's/^-A /-D /')
  fi
  [ "$n" -gt 0 ] || die "no masquerade rule for 192.168.122.0/24 found"
}
repair_masquerade_removed() { NEED_RELOAD=1; }

break_exposed_accept() {
  if [ "$(backend)" = nftables ]; then
    # an accept in any other table cannot undo libvirt's reject: it has to go into libvirt's own chain
    hvrun nft insert rule ip libvirt_network guest_input oif virbr0 ip daddr 192.168.122.0/24 counter accept \
      comment "\"$TAG:exposed-accept\""
  else
    hvrun iptables -I FORWARD 1 -o virbr0 -d 192.168.122.0/24 -m comment --comment "$TAG:exposed-accept" -j ACCEPT
  fi
}
repair_exposed_accept() { delete_tagged exposed-accept; }

break_isolation_broken() {
  local fam
  if [ "$(backend)" = nftables ]; then
    for fam in ip ip6; do
      hvrun nft insert rule "$fam" libvirt_network guest_output iif virbr3 counter accept comment "\"$TAG:isolation-broken\""
      hvrun nft insert rule "$fam" libvirt_network guest_input oif virbr3 counter accept comment "\"$TAG:isolation-broken\""
    done
  else
    for fam in iptables ip6tables; do
      hvrun "$fam" -I FORWARD 1 -i virbr3 -m comment --comment "$TAG:isolation-broken" -j ACCEPT
      hvrun "$fam" -I FORWARD 1 -o virbr3 -m comment --comment "$TAG:isolation-broken" -j ACCEPT
    done
  fi
}
repair_isolation_broken() { delete_tagged isolation-broken; }

break_forward_drop_legacy() { hvrun iptables-legacy -P FORWARD DROP; }
repair_forward_drop_legacy() {
  # x_tables tables cannot be unregistered in a live namespace: an empty legacy filter table stays
  if hvx iptables-legacy -S FORWARD >/dev/null 2>&1; then hvrun iptables-legacy -P FORWARD ACCEPT; fi
}

break_forward_drop_ip6() { hvrun ip6tables -P FORWARD DROP; }
repair_forward_drop_ip6() {
  if nft_has_table ip6 filter; then hvrun ip6tables -P FORWARD ACCEPT; fi
  drop_empty_xt_tables
}

break_ip_forward_off() { hvrun sysctl -w net.ipv4.ip_forward=0; }
repair_ip_forward_off() { hvrun sysctl -w net.ipv4.ip_forward=1; }

break_stale_other_backend() {
  if [ "$(backend)" = nftables ]; then
    say "iptables-restore --noflush < lab/stale/iptables-backend.v4"
    hvx iptables-restore --noflush <"$LAB_DIR/stale/iptables-backend.v4"
    say "ip6tables-restore --noflush < lab/stale/iptables-backend.v6"
    hvx ip6tables-restore --noflush <"$LAB_DIR/stale/iptables-backend.v6"
  else
    say "nft -f lab/stale/nftables-backend.nft"
    hvx nft -f - <"$LAB_DIR/stale/nftables-backend.nft"
  fi
}
repair_stale_other_backend() {
  local tool fam t line c
  if [ "$(backend)" = nftables ]; then
    for tool in iptables ip6tables; do
      fam=ip; [ "$tool" = ip6tables ] && fam=ip6
      for t in filter nat mangle; do
        nft_has_table "$fam" "$t" || continue
        hvx "$tool" -t "$t" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j LIBVIRT_' | sed 's/^-A /-D /' |
          while read -r line; do eval "hvrun $tool -t $t $line"; done || true
        for c in $(hvx "$tool" -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^LIBVIRT_/ {print $2}'); do
          hvrun "$tool" -t "$t" -F "$c"
          hvrun "$tool" -t "$t" -X "$c"
        done
      done
    done
    drop_empty_xt_tables
  else
    for fam in ip ip6; do
      if nft_has_table "$fam" libvirt_network; then hvrun nft delete table "$fam" libvirt_network; fi
    done
  fi
}

break_chains_flushed() { hvrun nft flush ruleset; }
repair_chains_flushed() { NEED_RELOAD=1; }

break_dnsmasq_killed() {
  local p
  p=$(dnsmasq_pid_of default) || die "dnsmasq of network default is not running"
  say "kill $p   (dnsmasq of network default)"
  kill "$p"
}
repair_dnsmasq_killed() { NEED_RELOAD=1; }

break_port53_taken() {
  local p
  if p=$(dnsmasq_pid_of default); then say "kill $p   (libvirt's dnsmasq of network default)"; kill "$p"; fi
  wait_for 5 "port 53 on 192.168.122.1 to be free" port53_free
  say "dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=192.168.122.1 --port=53 --user=nobody --group=nogroup --pid-file=.../pids/port53.pid"
  hvx dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=192.168.122.1 \
    --port=53 --user=nobody --group=nogroup --pid-file="$L/pids/port53.pid" </dev/null >>"$L/logs/port53.log" 2>&1
  # libvirt tries to restart its dnsmasq (SIGHUP) and fails: the port belongs to the other one
  say "kill -HUP libvirtd   (libvirt tries to restart its dnsmasq and fails)"
  kill -HUP "$(libvirtd_pid)"
  sleep 0.5
}
port53_free() { ! hvx ss -Hltn 'sport = :53' | grep -q '192\.168\.122\.1:53'; }
repair_port53_taken() {
  local p
  if p=$(cat "$L/pids/port53.pid" 2>/dev/null) && alive "$p"; then
    say "kill $p   (the other dnsmasq)"
    kill "$p"
    wait_for 5 "the other dnsmasq to exit" dead "$p"
  fi
  rm -f "$L/pids/port53.pid"
  NEED_RELOAD=1
}

break_dhcp_dns_blocked() {
  if [ "$(backend)" = nftables ]; then
    hostfw_chain input input accept
    hvrun nft add rule inet filter input iifname virbr0 udp dport "{ 53, 67 }" counter reject comment "\"$TAG:dhcp-dns-blocked\""
    hvrun nft add rule inet filter input iifname virbr0 tcp dport 53 counter reject with tcp reset comment "\"$TAG:dhcp-dns-blocked\""
  else
    # ahead of libvirt's INPUT jump to LIBVIRT_INP, which accepts 53/67 from virbr0
    hvrun iptables -I INPUT 1 -i virbr0 -p udp -m multiport --dports 53,67 -m comment --comment "$TAG:dhcp-dns-blocked" -j REJECT
    hvrun iptables -I INPUT 2 -i virbr0 -p tcp --dport 53 -m comment --comment "$TAG:dhcp-dns-blocked" -j REJECT --reject-with tcp-reset
  fi
}
repair_dhcp_dns_blocked() { delete_tagged dhcp-dns-blocked; hostfw_drop_chain input; }

break_br_netfilter() {
  hvrun sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  hostfw_chain forward forward drop
  hvrun nft add rule inet filter forward ct state established,related counter accept comment "\"$TAG:br-netfilter\""
  hvrun nft add rule inet filter forward iifname "virbr*" counter accept comment "\"$TAG:br-netfilter\""
  hvrun nft add rule inet filter forward oifname "virbr*" counter accept comment "\"$TAG:br-netfilter\""
}
repair_br_netfilter() {
  hvrun sysctl -w net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0
  hostfw_drop_chain forward
}

break_rp_filter_strict() { hvrun sysctl -w net.ipv4.conf.all.rp_filter=1; }
repair_rp_filter_strict() { hvrun sysctl -w net.ipv4.conf.all.rp_filter=0; }

break_mtu_mismatch() {
  hvrun ip link set vnet0 mtu 1400
  # forget path MTUs the LAN may have learned earlier (ICMP frag-needed would lower its MSS)
  lanrun ip route flush cache
}
repair_mtu_mismatch() {
  hvrun ip link set vnet0 mtu 1500
  if ! ip -n "$HV" -o link show virbr0 | grep -q ' mtu 1500 '; then
    hvrun ip link set virbr0 mtu 1500
  fi
}

break_forward_dev_down() { hvrun ip link set eth-up down; }
repair_forward_dev_down() {
  say "ip link set eth-up up; addresses and default routes restored"
  hv_uplink_config
}

break_no_lan_route() {
  lanrun ip route del 192.168.130.0/24 via "$HV_UP4"
  lanrun ip -6 route del 2001:db8:130::/64 via "$HV_UP6"
}
repair_no_lan_route() {
  echo "  lan# ip route replace 192.168.130.0/24 via $HV_UP4; ip -6 route replace 2001:db8:130::/64 via $HV_UP6"
  lan_routes_config
}

# Proofs for breaks that no selftest check covers: exit 0 when the broken state is observable.
proof_stale_other_backend() {
  if [ "$(backend)" = nftables ]; then
    hvx iptables -S FORWARD 2>/dev/null | grep -q -- '-j LIBVIRT_FWX'
  else
    hvx nft list table ip libvirt_network >/dev/null 2>&1
  fi
}
proof_subnet_overlap() {
  # the hv cannot reach its uplink neighbour 192.168.122.254: the route via virbr0 wins
  ! hvx "$PY" "$PROBE" tcp 192.168.122.254 "$PORT" --timeout 1.5 >/dev/null 2>&1 &&
    [ "$(ip -n "$HV" route show 192.168.122.0/24 | wc -l)" = 2 ]
}

break_subnet_overlap() {
  hvrun ip addr add 192.168.122.50/24 dev eth-up
  lanrun ip addr add 192.168.122.254/24 dev eth-lan
}
repair_subnet_overlap() {
  if ip -n "$HV" addr show dev eth-up | grep -q '192\.168\.122\.50/'; then hvrun ip addr del 192.168.122.50/24 dev eth-up; fi
  if ip -n "$LAN" addr show dev eth-lan | grep -q '192\.168\.122\.254/'; then lanrun ip addr del 192.168.122.254/24 dev eth-lan; fi
}

do_break() {
  local c=$1
  valid_cause "$c"
  [ -e "$L/breaks/$c" ] && die "'$c' is already broken (lab.sh repair $c --name $NAME)"
  echo "breaking '$c' in lab $NAME ($(backend) backend):"
  date -u +%FT%TZ >"$L/breaks/$c"
  "break_${c//-/_}"
  echo "broken: $c (undo: lab.sh repair $c --name $NAME)"
}

do_repair() {
  local c=$1
  NEED_RELOAD=0
  if [ "$c" = all ]; then
    echo "repairing everything in lab $NAME ($(backend) backend):"
    # order: links and addresses first, then processes, then firewall, then a libvirt reload
    for c in forward-dev-down subnet-overlap no-lan-route mtu-mismatch ip-forward-off rp-filter-strict \
             port53-taken dnsmasq-killed br-netfilter dhcp-dns-blocked exposed-accept isolation-broken \
             forward-drop-legacy forward-drop-ip6 stale-other-backend masquerade-removed chains-flushed; do
      "repair_${c//-/_}"
      rm -f "$L/breaks/$c"
    done
    hv_sysctls_healthy
    NEED_RELOAD=1
  else
    valid_cause "$c"
    [ -e "$L/breaks/$c" ] || echo "note: '$c' is not marked broken; repairing anyway"
    echo "repairing '$c' in lab $NAME ($(backend) backend):"
    "repair_${c//-/_}"
    rm -f "$L/breaks/$c"
  fi
  if [ "$NEED_RELOAD" = 1 ]; then libvirt_reload_full; fi
  echo "repaired: $1"
}
