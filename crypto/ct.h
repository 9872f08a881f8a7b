#pragma once

// Constant-time equality for secrets, nonces, digests, PCR values and MACs. The time taken
// depends only on the lengths, never on where the inputs first differ.

#include "common/bytes.h"

namespace kb {

bool CtEqual(ByteSpan a, ByteSpan b);

}  // namespace kb
