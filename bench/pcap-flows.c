/* The baseline of bench/traffic.sh: the plainest offline analysis in C. Loops libpcap's pcap_next_ex
 * over each file, decodes Ethernet (802.1Q tags), IPv4/IPv6 and the TCP/UDP ports (ICMP: type), and
 * counts the packets of each 5-tuple in an open-addressing hash table.
 *   pcap-flows FILE...   ->  "<packets> packets <flows> flows <seconds> s"
 * Build: gcc -O2 -o pcap-flows pcap-flows.c -lpcap */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct key { uint8_t src[16], dst[16]; uint16_t sport, dport; uint8_t proto, used; };
struct slot { struct key key; uint64_t packets; };

static struct slot *table;
static size_t capacity = 1 << 16, flows;

static uint64_t hash(const struct key *k) {
    uint64_t h = 1469598103934665603ull;
    const uint8_t *p = (const uint8_t *)k;
    for (size_t i = 0; i < offsetof(struct key, used); i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void grow(void);

static void count(const struct key *k) {
    size_t mask = capacity - 1, i = hash(k) & mask;
    while (table[i].key.used) {
        if (memcmp(&table[i].key, k, offsetof(struct key, used)) == 0) { table[i].packets++; return; }
        i = (i + 1) & mask;
    }
    table[i].key = *k;
    table[i].key.used = 1;
    table[i].packets = 1;
    if (++flows * 2 > capacity) grow();
}

static void grow(void) {
    struct slot *old = table;
    size_t old_capacity = capacity;
    capacity *= 2;
    table = calloc(capacity, sizeof *table);
    for (size_t i = 0; i < old_capacity; i++) {
        if (!old[i].key.used) continue;
        size_t j = hash(&old[i].key) & (capacity - 1);
        while (table[j].key.used) j = (j + 1) & (capacity - 1);
        table[j] = old[i];
    }
    free(old);
}

static void decode(const uint8_t *p, uint32_t len) {
    if (len < 14) return;
    uint16_t type = (uint16_t)(p[12] << 8 | p[13]);
    uint32_t off = 14;
    while ((type == 0x8100 || type == 0x88a8) && len >= off + 4) { type = (uint16_t)(p[off + 2] << 8 | p[off + 3]); off += 4; }
    struct key k;
    memset(&k, 0, sizeof k);
    if (type == 0x0800 && len >= off + 20) {
        uint32_t ihl = (p[off] & 0x0f) * 4u;
        k.proto = p[off + 9];
        memcpy(k.src, p + off + 12, 4);
        memcpy(k.dst, p + off + 16, 4);
        off += ihl;
    } else if (type == 0x86dd && len >= off + 40) {
        k.proto = p[off + 6];
        memcpy(k.src, p + off + 8, 16);
        memcpy(k.dst, p + off + 24, 16);
        off += 40;
    } else {
        return;
    }
    if ((k.proto == 6 || k.proto == 17) && len >= off + 4) {
        k.sport = (uint16_t)(p[off] << 8 | p[off + 1]);
        k.dport = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
    } else if ((k.proto == 1 || k.proto == 58) && len >= off + 1) {
        k.sport = p[off];
    }
    count(&k);
}

int main(int argc, char **argv) {
    char err[PCAP_ERRBUF_SIZE];
    struct timespec a, b;
    uint64_t packets = 0;
    table = calloc(capacity, sizeof *table);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 1; i < argc; i++) {
        pcap_t *pcap = pcap_open_offline(argv[i], err);
        if (!pcap) { fprintf(stderr, "%s: %s\n", argv[i], err); return 1; }
        struct pcap_pkthdr *header;
        const u_char *data;
        while (pcap_next_ex(pcap, &header, &data) == 1) {
            decode(data, header->caplen);
            packets++;
        }
        pcap_close(pcap);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%llu packets %zu flows %.3f s\n", (unsigned long long)packets, flows, seconds);
    return 0;
}
