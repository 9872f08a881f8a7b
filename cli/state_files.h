#pragma once

// The broker's state on disk: the data directory, the database (with its -wal and -shm files)
// and the KEK. Whoever can write them controls the keys: a replaced database brings its own
// references, policies and principals, a replaced KEK makes every key created afterwards
// readable by whoever chose it. `keybroker serve` therefore refuses to start when group or
// others can write any of them, or the directories that hold them (they could swap the files).
// The KEK's own mode is checked where it is read (kek_file.h): owner-only, stricter still.

#include <string>
#include <vector>

#include "cli/config.h"
#include "common/result.h"

namespace kb::cli {

// Creates `dir` when it is missing (and its missing parents, with the umask's mode): the
// directory itself is made 0700 whatever the umask. An existing directory is left as it is.
Status MakeStateDirectory(const std::string& dir);

// kInternal naming the path, its mode and the fix when group or others can write the database,
// its -wal or -shm, or the data directory or the directories holding the database and the KEK.
// Missing files pass (the database is created 0600; a missing KEK fails when it is read). On
// success, warnings for a database that others can read (made so by an older keybroker).
Result<std::vector<std::string>> CheckStatePermissions(const Config& config);

}  // namespace kb::cli
