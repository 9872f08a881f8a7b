// kb_memscan: searches another process's whole readable memory for given secrets, to prove
// that key material does not linger in the broker (issue 20), and can hold a secret itself so a
// test can show that the scan does find one.
//
//   kb_memscan PID HEX [HEX...]   exit 0: no hit, 1: some hit, 2: usage or I/O error
//   kb_memscan --hold HEX         keeps HEX's bytes in a heap buffer, prints "ready", waits for EOF
//
// Each secret is searched raw, as lowercase hex and as uppercase hex. The result is one JSON
// object on stdout; skipped ranges are logged on stderr. Needs CAP_SYS_PTRACE (run as root).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr size_t kMinSecretBytes = 16;  // shorter patterns match by chance in a large process
constexpr size_t kChunkBytes = 1 << 20;
constexpr uint64_t kPageBytes = 4096;
constexpr size_t kMaxListedHits = 1000;  // bounds the output; the exit status still says "hit"

struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  std::string perms;
  std::string name;  // the path, [heap], [stack]..., or "anon"
};

struct Pattern {
  size_t secret = 0;
  const char* form = "";
  std::vector<uint8_t> bytes;
};

struct Hit {
  size_t secret = 0;
  const char* form = "";
  uint64_t address = 0;
  std::string mapping;
};

struct ScanResult {
  uint64_t scanned_bytes = 0;
  uint64_t regions = 0;
  uint64_t skipped_regions = 0;
  uint64_t total_hits = 0;
  std::vector<Hit> hits;
};

std::optional<std::vector<uint8_t>> ParseHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::vector<uint8_t> ToHex(const std::vector<uint8_t>& bytes, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::vector<uint8_t> out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(static_cast<uint8_t>(digits[b >> 4]));
    out.push_back(static_cast<uint8_t>(digits[b & 0xf]));
  }
  return out;
}

std::optional<std::vector<uint8_t>> ParseSecret(std::string_view hex) {
  auto bytes = ParseHex(hex);
  if (!bytes) {
    fprintf(stderr,
            "kb_memscan: '%.*s' is not an even-length hex string; pass each secret as hex\n",
            static_cast<int>(hex.size()), hex.data());
    return std::nullopt;
  }
  if (bytes->size() < kMinSecretBytes) {
    fprintf(stderr,
            "kb_memscan: a secret of %zu bytes is too short (it would match by chance); pass at "
            "least %zu bytes\n",
            bytes->size(), kMinSecretBytes);
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::vector<Mapping>> ReadMaps(const std::string& pid) {
  std::ifstream maps("/proc/" + pid + "/maps");
  if (!maps) return std::nullopt;
  std::vector<Mapping> out;
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, offset, device, inode;
    Mapping m;
    fields >> range >> m.perms >> offset >> device >> inode;
    std::getline(fields >> std::ws, m.name);
    if (m.name.empty()) m.name = "anon";
    if (sscanf(range.c_str(), "%" SCNx64 "-%" SCNx64, &m.start, &m.end) != 2) return std::nullopt;
    out.push_back(std::move(m));
  }
  return out;
}

// ASan reserves ~15 TiB of shadow memory as one rw mapping; it holds only addressability bytes
// (never copies of data) and cannot be read in bounded time. An ASan process is recognised by
// its shadow gap, a PROT_NONE mapping at the fixed x86_64 addresses.
constexpr uint64_t kAsanShadowGapStart = 0x00008fff7000;
constexpr uint64_t kAsanShadowGapEnd = 0x02008fff7000;
constexpr uint64_t kAsanLowShadowStart = 0x00007fff0000;  // mapped from a page below 0x7fff8000
constexpr uint64_t kAsanHighShadowEnd = 0x10007fff8000;

bool HasAsanShadow(const std::vector<Mapping>& maps) {
  for (const auto& m : maps) {
    if (m.start == kAsanShadowGapStart && m.end == kAsanShadowGapEnd && m.perms[0] == '-') {
      return true;
    }
  }
  return false;
}

bool IsAsanShadow(const Mapping& m) {
  bool low = m.start >= kAsanLowShadowStart && m.end <= kAsanShadowGapStart;
  bool high = m.start >= kAsanShadowGapEnd && m.end <= kAsanHighShadowEnd;
  return low || high;
}

std::string HexAddress(uint64_t address) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%" PRIx64, address);
  return buf;
}

// Searches `window` (which starts at `base` and whose first `carry` bytes were already
// searched as the tail of the previous chunk) and records only matches not found before.
void SearchWindow(const std::vector<uint8_t>& window, size_t len, size_t carry, uint64_t base,
                  const Mapping& m, const std::vector<Pattern>& patterns, ScanResult& result) {
  for (const auto& p : patterns) {
    const uint8_t* begin = window.data();
    size_t remaining = len;
    while (remaining >= p.bytes.size()) {
      auto* found =
          static_cast<const uint8_t*>(memmem(begin, remaining, p.bytes.data(), p.bytes.size()));
      if (found == nullptr) break;
      size_t offset = static_cast<size_t>(found - window.data());
      if (offset + p.bytes.size() > carry) {
        ++result.total_hits;
        if (result.hits.size() < kMaxListedHits) {
          result.hits.push_back({p.secret, p.form, base + offset, m.name});
        }
      }
      remaining = len - offset - 1;
      begin = found + 1;
    }
  }
}

// Reads one mapping chunk by chunk, keeping the last (longest pattern - 1) bytes so a secret
// that straddles two chunks is still found. Returns false when part of it could not be read.
bool ScanMapping(int mem_fd, const Mapping& m, const std::vector<Pattern>& patterns, size_t overlap,
                 std::vector<uint8_t>& window, ScanResult& result) {
  bool complete = true;
  size_t carry = 0;
  uint64_t pos = m.start;
  while (pos < m.end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, m.end - pos));
    ssize_t got = pread(mem_fd, window.data() + carry, want, static_cast<off_t>(pos));
    if (got <= 0) {
      // An unreadable page (a device or guard mapping): step over it and keep going.
      complete = false;
      carry = 0;
      pos = (pos / kPageBytes + 1) * kPageBytes;
      continue;
    }
    size_t len = carry + static_cast<size_t>(got);
    SearchWindow(window, len, carry, pos - carry, m, patterns, result);
    result.scanned_bytes += static_cast<uint64_t>(got);
    pos += static_cast<uint64_t>(got);
    carry = std::min(overlap, len);
    memmove(window.data(), window.data() + len - carry, carry);
  }
  return complete;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void PrintResult(const ScanResult& r) {
  printf("{\"scanned_bytes\":%" PRIu64 ",\"regions\":%" PRIu64 ",\"skipped_regions\":%" PRIu64
         ",\"hits\":[",
         r.scanned_bytes, r.regions, r.skipped_regions);
  for (size_t i = 0; i < r.hits.size(); ++i) {
    const Hit& h = r.hits[i];
    printf("%s{\"secret\":%zu,\"form\":\"%s\",\"address\":\"%s\",\"mapping\":%s}", i ? "," : "",
           h.secret, h.form, HexAddress(h.address).c_str(), JsonString(h.mapping).c_str());
  }
  printf("]}\n");
}

int Scan(const std::string& pid, const std::vector<std::vector<uint8_t>>& secrets) {
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) {
    fprintf(stderr, "kb_memscan: '%s' is not a process id\n", pid.c_str());
    return 2;
  }
  if (pid == std::to_string(getpid())) {
    fprintf(stderr,
            "kb_memscan: refusing to scan itself (it holds the patterns); pass another PID\n");
    return 2;
  }
  std::vector<Pattern> patterns;
  size_t longest = 0;
  for (size_t i = 0; i < secrets.size(); ++i) {
    patterns.push_back({i, "raw", secrets[i]});
    patterns.push_back({i, "hex", ToHex(secrets[i], false)});
    patterns.push_back({i, "HEX", ToHex(secrets[i], true)});
    longest = std::max(longest, secrets[i].size() * 2);
  }
  auto maps = ReadMaps(pid);
  if (!maps) {
    fprintf(stderr, "kb_memscan: cannot read /proc/%s/maps: is the process running?\n",
            pid.c_str());
    return 2;
  }
  std::string mem_path = "/proc/" + pid + "/mem";
  int fd = open(mem_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "kb_memscan: cannot open %s: %s (run as root, or with CAP_SYS_PTRACE)\n",
            mem_path.c_str(), strerror(errno));
    return 2;
  }
  bool asan = HasAsanShadow(*maps);
  std::vector<uint8_t> window(kChunkBytes + longest);
  ScanResult result;
  for (const auto& m : *maps) {
    if (m.perms[0] != 'r') continue;
    if (m.name == "[vvar]" || m.name == "[vvar_vclock]" || m.name == "[vsyscall]" ||
        (asan && IsAsanShadow(m))) {
      fprintf(stderr, "kb_memscan: skipped %s %s-%s (not process data)\n",
              asan && IsAsanShadow(m) ? "ASan shadow" : m.name.c_str(), HexAddress(m.start).c_str(),
              HexAddress(m.end).c_str());
      ++result.skipped_regions;
      continue;
    }
    ++result.regions;
    if (!ScanMapping(fd, m, patterns, longest - 1, window, result)) {
      fprintf(stderr, "kb_memscan: skipped unreadable pages of %s %s-%s\n", m.name.c_str(),
              HexAddress(m.start).c_str(), HexAddress(m.end).c_str());
      ++result.skipped_regions;
    }
  }
  close(fd);
  fprintf(stderr,
          "kb_memscan: %" PRIu64 " regions scanned, %" PRIu64 " skipped, %" PRIu64 " hits\n",
          result.regions, result.skipped_regions, result.total_hits);
  if (result.total_hits > result.hits.size()) {
    fprintf(stderr, "kb_memscan: only the first %zu hits are listed\n", result.hits.size());
  }
  PrintResult(result);
  return result.total_hits > 0 ? 1 : 0;
}

// Keeps the secret on the heap until stdin closes, so a test can prove that a scan finds it.
int Hold(const std::vector<uint8_t>& decoded) {
  auto held = std::make_unique<uint8_t[]>(decoded.size());
  memcpy(held.get(), decoded.data(), decoded.size());
  // The buffer escapes to an opaque asm, so the compiler cannot drop the allocation.
  asm volatile("" : : "r"(held.get()) : "memory");
  printf("ready\n");
  fflush(stdout);
  char sink[256];
  while (true) {
    ssize_t n = read(STDIN_FILENO, sink, sizeof sink);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "kb_memscan --hold: reading stdin failed: %s\n", strerror(errno));
      return 2;
    }
  }
  asm volatile("" : : "r"(held.get()) : "memory");
  return 0;
}

int Usage() {
  fprintf(stderr,
          "usage: kb_memscan PID HEX [HEX...]   scan process PID's memory for each secret\n"
          "       kb_memscan --hold HEX         hold the secret until stdin reaches EOF\n"
          "each HEX is a secret of at least %zu bytes\n",
          kMinSecretBytes);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::vector<std::vector<uint8_t>> secrets;
  for (int i = 2; i < argc; ++i) {
    auto secret = ParseSecret(argv[i]);
    if (!secret) return 2;
    secrets.push_back(std::move(*secret));
  }
  if (std::string_view(argv[1]) == "--hold") {
    if (argc != 3) return Usage();
    return Hold(secrets[0]);
  }
  return Scan(argv[1], secrets);
}
