/* Writes a generated NAT network's traffic as two pcap files for bench/traffic.sh:
 *   gen-traffic FRAMES DIR   ->  DIR/virbr0.pcap (guest side) and DIR/eth-up.pcap (uplink)
 * The lab's `default` network (192.168.122.0/24 on virbr0, masqueraded to 203.0.113.2 on eth-up): 100
 * guests keep a fixed population of 20,000 flows to 10,000 outside hosts busy (TCP with handshake and
 * data, UDP, ICMP echo), each packet seen on virbr0 and again, translated, on eth-up; DHCP and DNS with
 * the host on virbr0 only. More frames make longer flows, not more of them. A packet every 10 us. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FLOWS = 20000, GUESTS = 100, SERVERS = 10000, DNS_QUERIES = 1000 };

static const uint8_t virbr0_mac[6] = {0x52, 0x54, 0x00, 0x0a, 0x00, 0x01};
static const uint8_t uplink_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x02};
static const uint8_t router_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01};
static const uint32_t host_uplink = 0xcb007102; /* 203.0.113.2 */
static const uint32_t host_bridge = 0xc0a87a01; /* 192.168.122.1 */

static uint64_t clock_ns = 1700000000000000000ull;

static void guest_mac(uint8_t mac[6], int guest) {
    uint8_t m[6] = {0x52, 0x54, 0x00, 0x00, 0x01, (uint8_t)guest};
    memcpy(mac, m, 6);
}
static uint32_t guest_ip(int guest) { return 0xc0a87a64 + (uint32_t)guest; } /* .100 + guest */
static uint32_t server_ip(int server) { return 0xc6120000 + (uint32_t)server + 1; } /* 198.18.0.0/15 */

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static void write_header(FILE *f) {
    uint32_t h[6] = {0xa1b23c4d, 0x00040002, 0, 0, 262144, 1};
    fwrite(h, 4, 6, f);
}

static void write_frame(FILE *f, uint64_t t, const uint8_t *frame, uint32_t len) {
    uint32_t r[4] = {(uint32_t)(t / 1000000000ull), (uint32_t)(t % 1000000000ull), len, len};
    fwrite(r, 4, 4, f);
    fwrite(frame, 1, len, f);
}

/* Ethernet + IPv4 + transport into buf; returns the length. */
static uint32_t build(uint8_t *buf, const uint8_t *src_mac, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
                      uint8_t proto, const uint8_t *l4, uint32_t l4len) {
    memcpy(buf, dst_mac, 6);
    memcpy(buf + 6, src_mac, 6);
    put16(buf + 12, 0x0800);
    uint8_t *ip = buf + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4len));
    ip[6] = 0x40; /* don't fragment */
    ip[8] = 64;
    ip[9] = proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, (uint16_t)~sum);
    memcpy(ip + 20, l4, l4len);
    return 34 + l4len;
}

static uint32_t tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t payload) {
    memset(l4, 0, 20 + payload);
    put16(l4, sport);
    put16(l4 + 2, dport);
    put32(l4 + 4, 1000);
    put32(l4 + 8, (flags & 0x10) ? 2000 : 0);
    l4[12] = 5 << 4;
    l4[13] = flags;
    put16(l4 + 14, 65535);
    return 20 + payload;
}

static uint32_t udp(uint8_t *l4, uint16_t sport, uint16_t dport, const uint8_t *payload, uint32_t len) {
    put16(l4, sport);
    put16(l4 + 2, dport);
    put16(l4 + 4, (uint16_t)(8 + len));
    put16(l4 + 6, 0);
    if (payload) memcpy(l4 + 8, payload, len); else memset(l4 + 8, 0, len);
    return 8 + len;
}

static uint32_t echo(uint8_t *l4, int request, uint16_t id, uint16_t seq) {
    memset(l4, 0, 64);
    l4[0] = request ? 8 : 0;
    put16(l4 + 4, id);
    put16(l4 + 6, seq);
    return 64;
}

static uint32_t dns(uint8_t *msg, uint16_t id, int response) {
    static const uint8_t question[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    memset(msg, 0, 12);
    put16(msg, id);
    put16(msg + 2, response ? 0x8180 : 0x0100);
    put16(msg + 4, 1);
    memcpy(msg + 12, question, sizeof question);
    return 12 + sizeof question;
}

static uint32_t dhcp(uint8_t *msg, int offer, uint32_t xid, const uint8_t *client) {
    memset(msg, 0, 244);
    msg[0] = offer ? 2 : 1;
    msg[1] = 1;
    msg[2] = 6;
    put32(msg + 4, xid);
    memcpy(msg + 28, client, 6);
    put32(msg + 236, 0x63825363);
    msg[240] = 53; msg[241] = 1; msg[242] = offer ? 2 : 1; msg[243] = 255;
    return 244;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s FRAMES DIR\n", argv[0]); return 2; }
    long frames = atol(argv[1]);
    char path[4096];
    snprintf(path, sizeof path, "%s/virbr0.pcap", argv[2]);
    FILE *side = fopen(path, "wb");
    snprintf(path, sizeof path, "%s/eth-up.pcap", argv[2]);
    FILE *up = fopen(path, "wb");
    if (!side || !up) { perror("fopen"); return 1; }
    setvbuf(side, NULL, _IOFBF, 1 << 20);
    setvbuf(up, NULL, _IOFBF, 1 << 20);
    write_header(side);
    write_header(up);
    static uint32_t sent[FLOWS];
    uint8_t l4[512], app[512], frame[600], gmac[6];
    long written = 0;
    for (int g = 0; g < GUESTS && written < frames; g++, clock_ns += 1000) { /* DHCP: discover and offer */
        guest_mac(gmac, g);
        uint32_t n = udp(l4, 68, 67, app, dhcp(app, 0, 0x1000 + g, gmac));
        write_frame(side, clock_ns, frame, build(frame, gmac, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 0, 0xffffffff, 17, l4, n));
        n = udp(l4, 67, 68, app, dhcp(app, 1, 0x1000 + g, gmac));
        write_frame(side, clock_ns + 300000, frame, build(frame, virbr0_mac, gmac, host_bridge, 0xffffffff, 17, l4, n));
        written += 2;
    }
    long dns_every = frames / (2 * DNS_QUERIES) + 1;
    for (long step = 0; written < frames; step++, clock_ns += 10000) {
        if (step % dns_every == 0 && step / dns_every < DNS_QUERIES) { /* a guest asks the host's dnsmasq */
            int g = (int)(step / dns_every) % GUESTS;
            guest_mac(gmac, g);
            uint16_t id = (uint16_t)(step / dns_every), port = (uint16_t)(33000 + id);
            uint32_t n = udp(l4, port, 53, app, dns(app, id, 0));
            write_frame(side, clock_ns, frame, build(frame, gmac, virbr0_mac, guest_ip(g), host_bridge, 17, l4, n));
            n = udp(l4, 53, port, app, dns(app, id, 1));
            write_frame(side, clock_ns + 200000, frame, build(frame, virbr0_mac, gmac, host_bridge, guest_ip(g), 17, l4, n));
            written += 2;
            continue;
        }
        int f = (int)(step % FLOWS), g = f % GUESTS, s = f % SERVERS;
        guest_mac(gmac, g);
        uint32_t k = sent[f]++;
        int outbound = k % 2 == 0;
        uint16_t gport = (uint16_t)(40000 + f / GUESTS), nport = (uint16_t)(20000 + f);
        uint32_t n_side, n_up;
        uint8_t proto;
        uint8_t l4up[512];
        if (f % 20 == 0) { /* ICMP echo, id per flow */
            proto = 1;
            n_side = echo(l4, outbound, gport, (uint16_t)k);
            n_up = echo(l4up, outbound, nport, (uint16_t)k);
        } else if (f % 4 == 1) { /* UDP (QUIC-like) */
            proto = 17;
            n_side = outbound ? udp(l4, gport, 443, NULL, 120) : udp(l4, 443, gport, NULL, 120);
            n_up = outbound ? udp(l4up, nport, 443, NULL, 120) : udp(l4up, 443, nport, NULL, 120);
        } else { /* TCP: SYN, SYN-ACK, then data and acks */
            proto = 6;
            uint8_t flags = k == 0 ? 0x02 : k == 1 ? 0x12 : 0x18;
            uint32_t payload = k < 2 ? 0 : 100;
            uint16_t dport = (uint16_t)(f % 3 == 0 ? 80 : 443);
            n_side = outbound ? tcp(l4, gport, dport, flags, payload) : tcp(l4, dport, gport, flags, payload);
            n_up = outbound ? tcp(l4up, nport, dport, flags, payload) : tcp(l4up, dport, nport, flags, payload);
        }
        if (outbound) {
            write_frame(side, clock_ns, frame, build(frame, gmac, virbr0_mac, guest_ip(g), server_ip(s), proto, l4, n_side));
            write_frame(up, clock_ns + 20000, frame, build(frame, uplink_mac, router_mac, host_uplink, server_ip(s), proto, l4up, n_up));
        } else {
            write_frame(up, clock_ns, frame, build(frame, router_mac, uplink_mac, server_ip(s), host_uplink, proto, l4up, n_up));
            write_frame(side, clock_ns + 20000, frame, build(frame, virbr0_mac, gmac, server_ip(s), guest_ip(g), proto, l4, n_side));
        }
        written += 2;
    }
    if (fclose(side) || fclose(up)) { perror("fclose"); return 1; }
    printf("%ld frames\n", written);
    return 0;
}
