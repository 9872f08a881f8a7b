#pragma once

// Ownership of libcbor items: the deleter calls cbor_decref.

#include <cbor.h>

#include <memory>

namespace kb {

struct CborDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};

using CborPtr = std::unique_ptr<cbor_item_t, CborDeleter>;

}  // namespace kb
