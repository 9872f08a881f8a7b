#pragma once

#include "common/clock.h"

namespace kb::cli {

// keybroker kek rotate --db FILE --kek OLD --new-kek NEW [--against SINK] [--new-sink FILE]
//                      [--actor NAME]
//   Offline, with the broker stopped (refused while another process has the database open):
//   re-seals everything under the new KEK and re-keys the audit chain in one transaction
//   (cli/kek_rotation.h). With --against, the chain must first match the current audit sink
//   under the old KEK. The old sink's lines carry MACs under the old key, so they cannot anchor
//   the re-keyed chain: --new-sink names a new, empty file that receives every re-keyed row and
//   the kek.rotate row, for the configuration's audit_sink from now on. Prints {"rotated": true,
//   counts, "old_head", "kek_rotate_seq"} exit 0; a refusal {"error", "message"} exit 1 with the
//   database unchanged; usage and I/O errors exit 2.
int RunKek(int argc, const char* const* argv, const Clock& clock);

}  // namespace kb::cli
