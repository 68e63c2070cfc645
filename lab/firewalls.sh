# Host firewall managers run for real inside a lab: ufw, Docker's dockerd, firewalld (with its own D-Bus
# system bus) and a distro-style /etc/nftables.conf. Sourced by lab.sh (uses its helpers and variables).
#
# Every tool is Debian's own package (scripts/install-deps.sh, firewall_pkgs), started inside the lab's
# hypervisor network namespace and libvirtd's private mount namespace (hvx). Each config or state path it
# writes is a lab-owned copy under $L/fw, bind-mounted over the standard path inside that mount namespace
# only; /run there is already the lab's private tmpfs (so /run/dbus, /run/firewalld, /run/docker,
# /run/containerd, /run/xtables.lock are the lab's). Nothing is written on the host. The daemons carry
# VNETAUDIT_LAB=NAME in their environment and live in the lab's namespaces, so `lab.sh down` finds and
# kills them (also after a failed start) and the mounts die with the mount namespace.

FW_TOOLS='ufw docker firewalld nftables'

fw_variants() {
  case "$1" in
    ufw) echo "enable route-allow" ;;
    docker) echo "nft legacy fix" ;;
    firewalld) echo "healthy public no-libvirt-zone reject-policy reject-rich-rule reload" ;;
    nftables) echo "conf reload drop workstation" ;;
    *) return 1 ;;
  esac
}

fw_list() {
  cat <<'EOF'
firewall managers (lab.sh firewall TOOL [VARIANT] --name NAME; the first variant is the default):
  ufw enable              ufw --force enable with Debian's defaults (incoming deny, routed deny)
  ufw route-allow         enable, then: ufw route allow in on virbr0 out on eth-up
  docker nft              dockerd (docker.io) with its docker0 bridge, iptables = iptables-nft; started
                          with the hypervisor's ip_forward off, as at boot, so it sets FORWARD DROP itself
  docker legacy           the same with iptables-legacy first on dockerd's PATH
  docker fix              (after nft or legacy; alone: nft) the DOCKER-USER fix for virbr0:
                          iptables -I DOCKER-USER -i virbr0 -j ACCEPT, -o virbr0 RELATED,ESTABLISHED
  firewalld healthy       dbus-daemon --system + firewalld (nftables backend), libvirtd restarted to use it
  firewalld public        healthy, then virbr0 moved to zone public (firewall-cmd --change-interface)
  firewalld no-libvirt-zone
                          firewalld without libvirt's zones and policies (/usr/lib/firewalld private copy
                          minus zones/libvirt*.xml, policies/libvirt*.xml), libvirtd restarted
  firewalld reject-policy healthy, then a policy (ingress zone libvirt, egress ANY) with target REJECT
  firewalld reject-rich-rule
                          healthy, then rich rules in zone libvirt rejecting DNS and DHCP from 192.168.122.0/24
  firewalld reload        (after any firewalld variant; alone: healthy) firewall-cmd --reload, networks up
  nftables conf           Debian's shipped /etc/nftables.conf (flush ruleset; inet filter, accept
                          policies) loaded with nft -f, libvirtd restarted after it (boot order)
  nftables reload         (after conf/drop/workstation; alone: conf) nft -f /etc/nftables.conf again while
                          the networks are up (its flush ruleset removes libvirt's rules)
  nftables drop           the shipped /etc/nftables.conf with "policy drop;" on input and forward, boot order
  nftables workstation    /usr/share/doc/nftables/examples/workstation.nft as /etc/nftables.conf, boot order
EOF
}

fwlog() { echo "  fw# $*"; }
fwx() { fwlog "$*"; hvx "$@"; }
fw_state() { cat "$L/fw/tool" 2>/dev/null || true; }

fw_env() { # the environment of every daemon started here: the lab tag lab.sh's lab_pids looks for
  echo env -i "VNETAUDIT_LAB=$NAME" "PATH=${1:-$L/bin}:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root LC_ALL=C
}

fw_private() { # fw_private HOST-PATH: a lab-owned copy of HOST-PATH bind-mounted over it in the lab only
  local p=$1 copy
  copy="$L/fw/root$p"
  [ -e "$p" ] || die "firewall: $p does not exist on this host (install the package first: scripts/install-deps.sh)"
  mkdir -p "$(dirname "$copy")"
  cp -a "$p" "$copy"
  fwlog "mount --bind $copy $p  (lab mount namespace only)"
  hvx mount --bind "$copy" "$p"
}

fw_daemon() { # fw_daemon NAME PATHDIR CMD...: a daemon in the lab, detached, no inherited stdio
  local n=$1 pathdir=$2; shift 2
  fwlog "$* &"
  # shellcheck disable=SC2046
  hvx $(fw_env "$pathdir") setsid "$@" </dev/null >>"$L/logs/$n.log" 2>&1 &
  echo $! >"$L/pids/fw-$n.pid"
}

fw_wait_daemon() { # fw_wait_daemon NAME SECONDS DESCRIPTION CMD...: until CMD works; fails at once if NAME died
  local n=$1 limit=$2 what=$3 t0=$SECONDS; shift 3
  until "$@" >/dev/null 2>&1; do
    if ! alive "$(cat "$L/pids/fw-$n.pid")"; then
      echo "lab: $n exited; last lines of $L/logs/$n.log:" >&2; tail -5 "$L/logs/$n.log" >&2; return 1
    fi
    (( SECONDS - t0 >= limit )) && { echo "lab: timed out waiting for $what" >&2; return 1; }
    sleep 0.2
  done
}

fw_boot() { # fw_boot [CMD...]: the boot order (host firewall first, then libvirtd), the lab's guests kept
  # Stops every network and libvirtd, runs CMD (a command or function of this file), starts libvirtd, which autostarts every network as at
  # boot, and re-attaches the guests' ports. A shortcut would not be the same: libvirtd 11.3 restarted
  # with its networks active skips re-adding a network's rules when its table exists already (after a
  # flush only the first networks get their rules back), and a running libvirtd whose tables were
  # flushed cannot start a network at all ("insert rule ip libvirt_network guest_output ...: No such
  # file or directory") until it is restarted.
  local n stop=""
  for n in "${NETWORKS[@]}"; do stop+="net-destroy $n; "; done
  fwlog "virsh net-destroy (every network); stop libvirtd"
  hvx virsh -q "$stop" >/dev/null
  libvirtd_stop
  if [ $# -gt 0 ]; then "$@"; fi
  # libvirt autostarts networks once per boot, remembered in /run/libvirt/network/autostarted
  fwlog "rm /run/libvirt/network/autostarted; start libvirtd (it autostarts every network, as at boot)"
  rm -f "$L/run/network/autostarted"
  libvirtd_start
  if [ "${FW_NETWORKS_MAY_FAIL:-0}" = 1 ]; then
    # libvirt may refuse to start networks here: wait for its autostart to finish, report, go on
    wait_for 5 "dnsmasq of every network" all_dnsmasq_alive 2>/dev/null || true
    local g
    for n in $(hvx virsh -q net-list --inactive --name); do
      fwlog "network $n did not start: $(grep -E "error : .*internal error" "$L/log/libvirtd.log" | tail -1 | sed 's/.*internal error: //')"
    done
    for g in $(guest_names); do
      if ip -n "$HV" link show "$(guest_field "$g" 3)" >/dev/null 2>&1; then attach_guest "$g"; fi
    done
    wait_for 20 "bridge ports in forwarding state" ports_forwarding
  else
    wait_for 20 "dnsmasq of every network" all_dnsmasq_alive
    attach_all_guests
  fi
}

fw_begin() { # fw_begin TOOL: the lab's firewall slot (one tool per lab)
  local cur
  cur=$(fw_state)
  if [ -n "$cur" ] && [ "$cur" != "$1" ]; then
    die "firewall: this lab already runs $cur; one firewall manager per lab (lab.sh down, up)"
  fi
  mkdir -p "$L/fw/root"
  echo "$1" >"$L/fw/tool"
}

# ------------------------------------------------------------------------------------------- ufw
fw_ufw_start() {
  [ -e "$L/fw/ufw-enabled" ] && return 0
  [ -x /usr/sbin/ufw ] || die "firewall: ufw not installed (scripts/install-deps.sh)"
  fw_private /etc/ufw
  fw_private /etc/default/ufw
  # ufw calls /usr/sbin/iptables(-restore): Debian's alternative, iptables-nft
  fwx ufw --force enable
  touch "$L/fw/ufw-enabled"
}

fw_ufw() {
  case "$1" in
    enable) fw_ufw_start ;;
    route-allow)
      fw_ufw_start
      fwx ufw route allow in on virbr0 out on eth-up ;;
    *) die "firewall ufw: unknown variant '$1' (variants: $(fw_variants ufw))" ;;
  esac
}

# ------------------------------------------------------------------------------------------- docker
fw_docker_start() { # fw_docker_start nft|legacy
  local flavour=$1 pathdir="$L/bin"
  if [ -e "$L/fw/docker-flavour" ]; then
    [ "$(cat "$L/fw/docker-flavour")" = "$flavour" ] || die "firewall docker: dockerd already runs with iptables-$(cat "$L/fw/docker-flavour")"
    return 0
  fi
  [ -x /usr/sbin/dockerd ] || die "firewall: docker.io not installed (scripts/install-deps.sh)"
  mkdir -p "$L/fw/docker-data"
  fw_private /etc/docker
  # dockerd refuses to start without the cgroup v1 controllers mounted ("Devices cgroup isn't mounted");
  # the lab's /sys is a fresh sysfs without them. Mount them read-only in the lab's mount namespace:
  # dockerd only reads them when no container runs, and cannot write to the host's hierarchies.
  if ! hvx mountpoint -q /sys/fs/cgroup; then
    fwlog "mount -t tmpfs cgroup /sys/fs/cgroup; mount -t cgroup -o ro,CONTROLLER for each v1 controller"
    hvx sh -ec 'mount -t tmpfs -o mode=755,size=1m vnetaudit-lab-cgroup /sys/fs/cgroup
      awk '"'"'$8 == "cgroup" {print $5, $NF}'"'"' /proc/1/mountinfo | while read -r dir opts; do
        mkdir -p "/sys/fs/cgroup/${dir##*/}"
        mount -t cgroup -o "ro,nosuid,nodev,noexec,${opts#rw,}" cgroup "/sys/fs/cgroup/${dir##*/}"
      done'
  fi
  if [ "$flavour" = legacy ]; then
    # dockerd runs whatever "iptables" is first on its PATH
    pathdir="$L/fw/bin-legacy"
    mkdir -p "$pathdir"
    local t
    for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
      ln -sf "/usr/sbin/${t/tables/tables-legacy}" "$pathdir/$t"
    done
    cp "$L/bin/tc" "$pathdir/tc"
  fi
  echo "$flavour" >"$L/fw/docker-flavour"
  # boot order: docker.service starts before libvirtd starts its networks
  fw_boot fw_docker_launch "$pathdir"
  fwlog "dockerd up ($flavour iptables): $(fw_docker_iptables -S FORWARD | head -1)"
}

fw_docker_launch() { # fw_docker_launch PATHDIR: dockerd as at boot (libvirtd and its networks stopped)
  # At boot ip_forward is 0 when dockerd starts: it turns it on and, because it had to, sets the FORWARD
  # policy to DROP. (libvirt had turned it on in the lab: back to the boot-time value.)
  fwlog "sysctl net.ipv4.ip_forward=0  (the boot-time value)"
  sysctl_ns "$HV" net.ipv4.ip_forward=0
  fw_daemon dockerd "$1" dockerd --data-root "$L/fw/docker-data" --exec-root /run/docker \
    --pidfile /run/docker.pid -H unix:///run/docker.sock --storage-driver vfs --iptables=true
  fw_wait_daemon dockerd 60 "dockerd" hvx docker -H unix:///run/docker.sock version
  wait_for 20 "docker's DOCKER-USER chain" fw_docker_iptables -S DOCKER-USER
}

fw_docker_iptables() { # iptables as dockerd runs it
  if [ "$(cat "$L/fw/docker-flavour" 2>/dev/null)" = legacy ]; then hvx iptables-legacy "$@"; else hvx iptables-nft "$@"; fi
}

fw_docker() {
  case "$1" in
    nft|legacy) fw_docker_start "$1" ;;
    fix)
      [ -e "$L/fw/docker-flavour" ] || fw_docker_start nft
      local ipt=iptables-nft
      [ "$(cat "$L/fw/docker-flavour")" = legacy ] && ipt=iptables-legacy
      fwx "$ipt" -I DOCKER-USER -i virbr0 -j ACCEPT
      fwx "$ipt" -I DOCKER-USER -o virbr0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT ;;
    *) die "firewall docker: unknown variant '$1' (variants: $(fw_variants docker))" ;;
  esac
}

# ------------------------------------------------------------------------------------------- firewalld
fw_firewalld_running() { hvx firewall-cmd --state 2>/dev/null | grep -qx running; }

fw_firewalld_start() { # fw_firewalld_start [no-libvirt-zone]
  if [ -e "$L/fw/firewalld-up" ]; then
    [ -z "${1:-}" ] || die "firewall firewalld: $1 must be the first firewalld variant of a lab"
    return 0
  fi
  [ -x /usr/sbin/firewalld ] || die "firewall: firewalld not installed (scripts/install-deps.sh)"
  command -v dbus-daemon >/dev/null || die "firewall: dbus-daemon not installed"
  fw_private /etc/firewalld
  if [ "${1:-}" = no-libvirt-zone ]; then
    fw_private /usr/lib/firewalld
    fwlog "rm zones/libvirt*.xml policies/libvirt*.xml from the lab's copy of /usr/lib/firewalld"
    rm -f "$L/fw/root/usr/lib/firewalld/zones/libvirt"*.xml "$L/fw/root/usr/lib/firewalld/policies/libvirt"*.xml
  fi
  touch "$L/fw/firewalld-up"
  # libvirtd looks for firewalld on the system bus when it starts, and puts a bridge into a zone when it
  # starts a network: as on Fedora/RHEL at boot, dbus and firewalld first, then libvirtd and its networks
  local before
  before=$(grep -c 'DBus not available' "$L/log/libvirtd.log" || true)
  # without libvirt's zone, libvirt refuses to start its networks (that is the variant's finding)
  FW_NETWORKS_MAY_FAIL=$([ "${1:-}" = no-libvirt-zone ] && echo 1 || echo 0) fw_boot fw_firewalld_launch
  [ "$(grep -c 'DBus not available' "$L/log/libvirtd.log" || true)" = "$before" ] ||
    die "firewall firewalld: libvirtd did not find the lab's system bus (see $L/log/libvirtd.log)"
  fwlog "zones: $(hvx firewall-cmd --get-active-zones | tr '\n' ' ')"
}

fw_firewalld_zones() { # active zones and their interfaces, one "zone if" pair a line, sorted
  hvx firewall-cmd --get-active-zones | awk '/^[^ ]/ {z=$1} /interfaces:/ {for (i=2; i<=NF; i++) print z, $i}' | sort
}
fw_firewalld_zones_are() { [ "$(fw_firewalld_zones)" = "$1" ]; }

fw_firewalld_launch() {
  # a system bus of the lab's own (/run is the lab's tmpfs): libvirtd and firewall-cmd find it at the
  # standard address unix:path=/run/dbus/system_bus_socket. It activates polkitd on demand (in the lab too).
  hvx mkdir -p /run/dbus
  fw_daemon dbus "" dbus-daemon --system --nofork --nopidfile
  fw_wait_daemon dbus 20 "the lab's D-Bus system bus" hvx test -S /run/dbus/system_bus_socket
  fw_daemon firewalld "" firewalld --nofork --nopid --log-target file --log-file "$L/logs/firewalld.file.log"
  fw_wait_daemon firewalld 60 "firewalld" fw_firewalld_running
}

fw_firewalld() {
  case "$1" in
    healthy) fw_firewalld_start ;;
    no-libvirt-zone) fw_firewalld_start no-libvirt-zone ;;
    public)
      fw_firewalld_start
      fwx firewall-cmd --zone=public --change-interface=virbr0 ;;
    reject-policy)
      fw_firewalld_start
      fwx firewall-cmd --permanent --new-policy=lab-reject-guests
      fwx firewall-cmd --permanent --policy=lab-reject-guests --add-ingress-zone=libvirt
      fwx firewall-cmd --permanent --policy=lab-reject-guests --add-egress-zone=ANY
      fwx firewall-cmd --permanent --policy=lab-reject-guests --set-target=REJECT
      fwx firewall-cmd --permanent --policy=lab-reject-guests --set-priority=-100
      # a permanent policy takes effect with a reload (as an admin would do it)
      fwx firewall-cmd --reload ;;
    reject-rich-rule)
      fw_firewalld_start
      fwx firewall-cmd --zone=libvirt --add-rich-rule='rule family="ipv4" source address="192.168.122.0/24" service name="dns" reject'
      fwx firewall-cmd --zone=libvirt --add-rich-rule='rule family="ipv4" source address="192.168.122.0/24" service name="dhcp" reject' ;;
    reload)
      fw_firewalld_start
      local zones
      zones=$(fw_firewalld_zones)
      fwx firewall-cmd --reload
      # libvirtd reacts to firewalld's Reloaded signal: it puts its bridges back into their zones (one
      # at a time, about 1-2 s) and re-creates its rules; judge the state once it has done so
      wait_for 20 "libvirt to put its bridges back into their zones" fw_firewalld_zones_are "$zones" ||
        fwlog "zones after the reload differ: $(fw_firewalld_zones)"
      rules_settled || fwlog "libvirt's rules differ from those recorded at up" ;;
    *) die "firewall firewalld: unknown variant '$1' (variants: $(fw_variants firewalld))" ;;
  esac
}

# ------------------------------------------------------------------------------------------- nftables
fw_nftables_conf() { # the lab's /etc/nftables.conf, made from a real file of Debian's nftables package
  local variant=$1 copy="$L/fw/root/etc/nftables.conf"
  [ -e "$L/fw/nftables-conf" ] && return 0
  fw_private /etc/nftables.conf
  case "$variant" in
    conf) ;;  # as shipped
    drop)
      fwlog "add 'policy drop;' to chains input and forward of the lab's copy of /etc/nftables.conf"
      # written in place: the bind mount holds the copy's inode (sed -i would make a new file)
      local edited
      edited=$(sed -E 's/^([[:space:]]*type filter hook (input|forward) priority filter;)$/\1 policy drop;/' "$copy")
      printf '%s\n' "$edited" >"$copy"
      hvx grep -q 'hook forward priority filter; policy drop;' /etc/nftables.conf || die "firewall nftables: could not edit $copy" ;;
    workstation)
      fwlog "cp /usr/share/doc/nftables/examples/workstation.nft to the lab's /etc/nftables.conf"
      cat /usr/share/doc/nftables/examples/workstation.nft >"$copy" ;;  # in place, as above
  esac
  echo "$variant" >"$L/fw/nftables-conf"
  # boot order: nftables.service loads the file, then libvirtd starts the networks and adds its rules
  fw_boot fwx nft -f /etc/nftables.conf
}

fw_nftables() {
  case "$1" in
    conf|drop|workstation) fw_nftables_conf "$1" ;;
    reload)
      [ -e "$L/fw/nftables-conf" ] || fw_nftables_conf conf
      fwx nft -f /etc/nftables.conf ;;
    *) die "firewall nftables: unknown variant '$1' (variants: $(fw_variants nftables))" ;;
  esac
}

# ------------------------------------------------------------------------------------------- command
cmd_firewall() { # lab.sh firewall TOOL [VARIANT]
  local tool=${1:-} variant=${2:-} t0
  if [ -z "$tool" ] || [ "$tool" = list ]; then fw_list; return 0; fi
  fw_variants "$tool" >/dev/null || die "firewall: unknown tool '$tool' (tools: $FW_TOOLS)"
  [ -n "$variant" ] || variant=$(fw_variants "$tool" | awk '{print $1}')
  t0=$(now)
  fw_begin "$tool"
  echo "$variant" >>"$L/fw/variants"
  "fw_$tool" "$variant"
  log "firewall $tool $variant in $(elapsed "$t0") s"
}

fw_status() {
  local t
  t=$(fw_state)
  [ -n "$t" ] || { echo "firewall manager: none"; return 0; }
  echo "firewall manager: $t ($(xargs <"$L/fw/variants"))"
  local f p
  for f in "$L"/pids/fw-*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f"); echo "  $(basename "$f" .pid | sed 's/^fw-//'): pid $p $(alive "$p" && echo running || echo DEAD)"
  done
}
