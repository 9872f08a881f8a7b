#include "broker/evidence/internal/cbor_scan.h"

#include <cbor.h>

#include <vector>

namespace kb::broker::internal {
namespace {

// One open container. `remaining` counts the items it still expects; SIZE_MAX = indefinite.
struct Frame {
  size_t remaining;
  bool indefinite_map;
  size_t items_seen;  // for indefinite maps: keys and values must pair up
};

struct ScanState {
  std::vector<Frame> stack;
  size_t bytes_left = 0;  // input bytes after the first byte of the current head
  int max_depth = 0;
  bool done = false;  // the top-level item is complete
  const char* failure = nullptr;

  void Fail(const char* why) {
    if (failure == nullptr) failure = why;
  }

  // Called once per complete item (scalar, string, or a container that just closed).
  void ItemDone() {
    while (!stack.empty()) {
      Frame& top = stack.back();
      ++top.items_seen;
      if (top.remaining == SIZE_MAX) return;  // indefinite: closes at its break
      if (--top.remaining > 0) return;
      stack.pop_back();  // a definite container is complete: it counts as an item of its parent
    }
    done = true;
  }

  void Open(size_t declared, size_t min_bytes_per_item, bool is_map) {
    if (static_cast<int>(stack.size()) >= max_depth) return Fail("CBOR nesting too deep");
    if (declared != SIZE_MAX) {
      // Checked against the input before anyone allocates for it.
      if (declared > bytes_left / min_bytes_per_item) return Fail("CBOR length exceeds input");
      size_t items = is_map ? declared * 2 : declared;
      if (items == 0) return ItemDone();
      stack.push_back({items, false, 0});
      return;
    }
    stack.push_back({SIZE_MAX, is_map, 0});
  }
};

ScanState& State(void* ctx) { return *static_cast<ScanState*>(ctx); }

void OnScalar8(void* ctx, uint8_t) { State(ctx).ItemDone(); }
void OnScalar16(void* ctx, uint16_t) { State(ctx).ItemDone(); }
void OnScalar32(void* ctx, uint32_t) { State(ctx).ItemDone(); }
void OnScalar64(void* ctx, uint64_t) { State(ctx).ItemDone(); }
void OnString(void* ctx, cbor_data, size_t) { State(ctx).ItemDone(); }
void OnFloat(void* ctx, float) { State(ctx).ItemDone(); }
void OnDouble(void* ctx, double) { State(ctx).ItemDone(); }
void OnBool(void* ctx, bool) { State(ctx).ItemDone(); }
void OnSimple(void* ctx) { State(ctx).ItemDone(); }
void OnChunkedString(void* ctx) { State(ctx).Fail("indefinite-length string"); }
void OnArray(void* ctx, size_t size) { State(ctx).Open(size, 1, false); }
void OnIndefArray(void* ctx) { State(ctx).Open(SIZE_MAX, 1, false); }
void OnMap(void* ctx, size_t size) { State(ctx).Open(size, 2, true); }
void OnIndefMap(void* ctx) { State(ctx).Open(SIZE_MAX, 2, true); }
// A tag wraps exactly one item and nests like a one-element array (libcbor recurses into it).
void OnTag(void* ctx, uint64_t) { State(ctx).Open(1, 1, false); }

void OnBreak(void* ctx) {
  ScanState& s = State(ctx);
  if (s.stack.empty() || s.stack.back().remaining != SIZE_MAX) return s.Fail("unexpected break");
  Frame closed = s.stack.back();
  if (closed.indefinite_map && closed.items_seen % 2 != 0) return s.Fail("map key without value");
  s.stack.pop_back();
  s.ItemDone();
}

constexpr cbor_callbacks MakeCallbacks() {
  cbor_callbacks cb{};
  cb.uint8 = OnScalar8;
  cb.uint16 = OnScalar16;
  cb.uint32 = OnScalar32;
  cb.uint64 = OnScalar64;
  cb.negint8 = OnScalar8;
  cb.negint16 = OnScalar16;
  cb.negint32 = OnScalar32;
  cb.negint64 = OnScalar64;
  cb.byte_string = OnString;
  cb.byte_string_start = OnChunkedString;
  cb.string = OnString;
  cb.string_start = OnChunkedString;
  cb.array_start = OnArray;
  cb.indef_array_start = OnIndefArray;
  cb.map_start = OnMap;
  cb.indef_map_start = OnIndefMap;
  cb.tag = OnTag;
  cb.float2 = OnFloat;
  cb.float4 = OnFloat;
  cb.float8 = OnDouble;
  cb.undefined = OnSimple;
  cb.null = OnSimple;
  cb.boolean = OnBool;
  cb.indef_break = OnBreak;
  return cb;
}

}  // namespace

Status ScanCbor(ByteSpan input, int max_depth) {
  static constexpr cbor_callbacks kCallbacks = MakeCallbacks();
  ScanState state;
  state.max_depth = max_depth;
  size_t offset = 0;
  while (!state.done) {
    if (offset >= input.size()) return Error{ErrorCode::kMalformedEvidence, "truncated CBOR"};
    // The head takes at least one byte; the rest bounds what a container may declare.
    state.bytes_left = input.size() - offset - 1;
    cbor_decoder_result r =
        cbor_stream_decode(input.data() + offset, input.size() - offset, &kCallbacks, &state);
    if (r.status == CBOR_DECODER_NEDATA) {
      return Error{ErrorCode::kMalformedEvidence, "truncated CBOR"};
    }
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0) {
      return Error{ErrorCode::kMalformedEvidence, "invalid CBOR"};
    }
    offset += r.read;
    if (state.failure != nullptr) return Error{ErrorCode::kMalformedEvidence, state.failure};
  }
  if (offset != input.size())
    return Error{ErrorCode::kMalformedEvidence, "trailing bytes after CBOR"};
  return Ok();
}

}  // namespace kb::broker::internal
