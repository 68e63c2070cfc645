/* The load of bench/capture-drops.sh: UDP datagrams as fast as one core sends them (sendmmsg, 64 at a
 * time) to ADDRESS:PORT for SECONDS, from many source ports so the capture sees many flows.
 *   udp-flood ADDRESS PORT SECONDS   ->  "<datagrams> datagrams in <seconds> s"
 * Build: gcc -O2 -o udp-flood udp-flood.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 64, SOCKETS = 64, PAYLOAD = 64 };

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s ADDRESS PORT SECONDS\n", argv[0]); return 2; }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", argv[1]); return 2; }
    double seconds = atof(argv[3]);
    int fds[SOCKETS];
    for (int i = 0; i < SOCKETS; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&to, sizeof to) != 0) { perror("socket"); return 1; }
    }
    char payload[PAYLOAD];
    memset(payload, 0x5a, sizeof payload);
    struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload};
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) { msgs[i].msg_hdr.msg_iov = &iov; msgs[i].msg_hdr.msg_iovlen = 1; }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned long long sent = 0;
    double elapsed = 0;
    for (unsigned long round = 0; elapsed < seconds; round++) {
        int n = sendmmsg(fds[round % SOCKETS], msgs, BATCH, 0);
        if (n > 0) sent += (unsigned long long)n;
        if (round % 64 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            elapsed = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        }
    }
    printf("%llu datagrams in %.2f s\n", sent, elapsed);
    return 0;
}
