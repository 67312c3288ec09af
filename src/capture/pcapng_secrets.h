// Decryption Secrets Blocks of a pcapng file (pcapng draft §4.7, block type
// 0x0000000A), as `editcap --inject-secrets tls,keys.txt` writes them: the
// TLS key logs (secrets type 0x544c534b, "TLSK") they carry, wherever they
// stand in the file (each Section Header Block gives the byte order of its
// section). libpcap skips these blocks, so the file is walked here, block
// header by block header, before it is read.
#pragma once
#include <string>
#include <vector>

namespace mqsniff::capture {

// The key log texts, in file order; empty for a classic pcap, stdin, or a
// file without such blocks. A secrets block larger than 16 MiB is skipped.
std::vector<std::string> read_pcapng_tls_secrets(const std::string& path);

}  // namespace mqsniff::capture
