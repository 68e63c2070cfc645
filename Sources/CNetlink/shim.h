#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/macvtap.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/route/nexthop.h>
#include <linux/if_link.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

/* setns(2) is behind _GNU_SOURCE in glibc's <sched.h>; declare it here so Swift can enter a
   network namespace (CLONE_NEWNET = 0x40000000). */
extern int setns(int fd, int nstype);
static inline int vnetaudit_enter_netns(int fd) { return setns(fd, 0x40000000); }
/* unshare(2), same reason: the probe port's private network namespace is made by a thread that unshares. */
extern int unshare(int flags);
static inline int vnetaudit_new_netns(void) { return unshare(0x40000000); }

/* AF_PACKET sockets (the probe's ARP probe). */
#include <netpacket/packet.h>
#include <net/ethernet.h>

/* sock_diag requests (bound device of DNS/DHCP sockets). */
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

/* tc: qdisc handles, classifier attributes (clsact and cls_bpf filters of a link). */
#include <linux/pkt_sched.h>
#include <linux/pkt_cls.h>
