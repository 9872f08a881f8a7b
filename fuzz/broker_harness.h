#pragma once

// A whole broker for the request fuzzers, as `serve` assembles it (cli::AssembleBroker) over a
// real SQLite file and KEK in a temporary directory that is removed at exit.

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/broker_assembly.h"

namespace kb::fuzzing {

struct BrokerHarness {
  explicit BrokerHarness(int approvals_required) {
    char pattern[] = "/tmp/kb-fuzz.XXXXXX";
    dir = mkdtemp(pattern);
    std::ofstream(dir + "/kek.bin") << std::string(32, 'k');
    ::chmod((dir + "/kek.bin").c_str(), 0600);
    config.data_dir = dir;
    config.database = dir + "/kb.db";
    config.kek_file = dir + "/kek.bin";
    config.approvals_required = approvals_required;
    if (!cli::AssembleBroker(config, now, broker)) std::abort();
  }
  ~BrokerHarness() { std::filesystem::remove_all(dir); }

  std::string dir;
  Time now = Time(std::chrono::milliseconds(1780000000000));  // 2026-05-28T20:26:40Z
  cli::Config config;
  cli::Broker broker;
};

}  // namespace kb::fuzzing
