#pragma once

// Writing a file whose path the user names (--out, the development CA, the generated TLS
// certificate) without harming whatever stood at that path.
//
// What is at `path` decides what happens:
// - nothing, or a regular file: the content goes to a new temporary file in the same directory,
//   created (O_EXCL) with permissions never wider than `mode` and then exactly `mode` whatever
//   the umask, written, fsync'ed and renamed over `path`; the directory is fsync'ed. The old
//   file's inode is never opened or written: a file owned by another user, or hard-linked
//   elsewhere, is replaced, not modified, and a reader sees the old or the new content, never
//   a part. On failure the temporary file is removed and `path` is left as it was.
// - a character device or a FIFO (/dev/null, a pipe made by mkfifo) that we or root own:
//   written as it is, never removed, replaced or chmod'ed; `mode` does not apply. One that
//   another user owns is refused: a FIFO planted in /tmp must not receive a key.
// - a symbolic link that we or root own, to such a device or FIFO (/dev/stdout): written
//   through. Any other link is refused: a link planted in a shared directory such as /tmp must
//   not steer a key write to where it points, and replacing the link would destroy it.
// - anything else (a directory, a block device, a socket): refused.
// The checks do not race: the device/FIFO is opened without O_CREAT (and with O_NOFOLLOW unless
// the path is a link) and checked again on the open descriptor; rename() replaces a directory
// entry and never follows a link.

#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::cli {

// kInternal with "<path>: <reason>" on any refusal or I/O error.
Status WriteFileWithMode(const std::string& path, ByteSpan content, unsigned mode);

}  // namespace kb::cli
