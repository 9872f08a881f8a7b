#pragma once

// Waiting for an asynchronous call: the synchronous form of an API that answers through a
// callback (a release, a ledger commit, a routed request), for tests and one-shot callers.

#include <future>
#include <utility>

namespace kb {

// Calls `start` with a callback, waits until that callback has run (on any thread), and returns
// what it was given. REQUIRES: `start` arranges for the callback to run exactly once, and not on
// a thread that this wait blocks.
template <typename T, typename Start>
T AwaitCallback(Start&& start) {
  std::promise<T> result;
  auto future = result.get_future();
  std::forward<Start>(start)([&result](T value) { result.set_value(std::move(value)); });
  return future.get();
}

}  // namespace kb
