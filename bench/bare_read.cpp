// The floor for any reader: a bare pcap_next_ex loop over a file, counting
// packets and bytes. bench/compare.sh reports mqsniff against it.
#include <pcap/pcap.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_bare_read FILE\n");
    return 1;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    std::fprintf(stderr, "bench_bare_read: %s\n", err);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  struct pcap_pkthdr* h;
  const u_char* d;
  unsigned long long pkts = 0, bytes = 0, sum = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++pkts;
    bytes += h->caplen;
    sum += d[h->caplen ? h->caplen - 1 : 0];  // touch the data
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu packets, %llu bytes in %.3f s: %.0f packets/s (checksum %llu)\n", pkts, bytes, s, pkts / s, sum);
  pcap_close(p);
  return 0;
}
