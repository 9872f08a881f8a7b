#pragma once

// Builds test documents from a base document and a mutation described as JSON, so that rejection
// vectors live as data (tests/vectors/nitro_verify.json). Payload mutations re-encode the payload
// and keep the original signature: checks that run before the signature (types, sizes, chain)
// must still catch them, and anything they miss fails as bad_signature.
//
// Operations ("op"):
//   none
//   flip            {offset, bit?, find?}  flip a bit at offset (negative: from the end), or at
//                                          offset from the first occurrence of hex `find`
//   truncate        {length}               keep `length` bytes (negative: drop from the end)
//   append/prefix   {hex}
//   synthetic       {head?, hex, repeat?, tail?} ignore the base: head + hex*repeat + tail
//   envelope        {items?, protected?, unprotected?, payload?, signature?, extra?}
//                   re-encode the COSE array; hex fields replace parts (unprotected and extra are
//                   raw CBOR, the others byte-string contents)
//   payload_set     {field, cbor? | bytes_len? | text?}  replace a payload field's value
//   payload_add     {key_cbor | key, cbor}               add an entry (may duplicate a key)
//   payload_remove  {field}
//   cabundle_swap   {i, j};  cabundle_remove {i}
//   cert_flip       {cert: -1 for the leaf or a cabundle index, offset (negative from end), bit?}
//   timestamp_shift {ms}

#include <boost/json/object.hpp>

#include "common/bytes.h"

namespace kb::testing {

// Aborts the test binary (with a message) on a malformed mutation: vectors are test code.
Bytes MutateDocument(const Bytes& base, const boost::json::object& mutation);

}  // namespace kb::testing
