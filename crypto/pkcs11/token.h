#pragma once

// One token of a PKCS#11 module, found by its label, with a pool of sessions and one login.
//
// Sessions are opened as they are needed, up to `max_sessions`; a caller that finds all of them
// leased waits for one. A call that fails with a code after which the token's sessions are gone
// (IsTokenLost: the device failed or was removed, the sessions or the login were lost) marks the
// token lost: the failing request answers `internal`, and the next Acquire closes every session,
// finds the token again by its label, opens a session and logs in. So the broker recovers from
// a token that went away and came back without a restart; while it is away, each request fails
// fast with the module's code.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/pkcs11/module.h"

namespace kb::pkcs11 {

struct TokenOptions {
  std::string module_path;
  std::string token_label;
  SecretBytes pin;
  size_t max_sessions = 8;
  // Where the token's losses and returns are reported (the operator's log); may be empty.
  std::function<void(const std::string&)> log;
};

class Token {
 public:
  // Loads the module, finds the token and logs in once, so that a wrong path, label or PIN fails
  // the start with its cause.
  static Result<std::unique_ptr<Token>> Open(TokenOptions options);
  ~Token();
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;

  // A leased session, returned to the pool when it goes out of scope.
  class Session {
   public:
    Session(Session&& other) noexcept;
    Session& operator=(Session&&) = delete;
    ~Session();

    CK_FUNCTION_LIST* fn() const { return token_->module_->fn(); }
    CK_SESSION_HANDLE handle() const { return handle_; }
    CK_SLOT_ID slot() const { return slot_; }
    // The error of a failed call, "pkcs11: <call>: <CKR name>"; marks the token lost if `rv`
    // says its sessions are gone. The session is closed instead of pooled when it is released.
    Error Fail(const char* call, CK_RV rv);
    // Closes the session on release instead of pooling it (a call failed in a way that may have
    // left an operation active, as SoftHSM does after a tag that does not verify).
    void Discard() { discard_ = true; }
    // The one object of class `cls` labelled `label`, found once per opening of the token.
    // kKeyNotFound if there is none; kInternal if there are two (an ambiguous label is refused,
    // never resolved by picking one).
    Result<CK_OBJECT_HANDLE> Find(CK_OBJECT_CLASS cls, std::string_view label);
    // Forgets a cached handle (the object was destroyed).
    void Forget(CK_OBJECT_CLASS cls, std::string_view label);

   private:
    friend class Token;
    Session(Token* token, CK_SESSION_HANDLE handle, CK_SLOT_ID slot, uint64_t generation)
        : token_(token), handle_(handle), slot_(slot), generation_(generation) {}
    Token* token_;
    CK_SESSION_HANDLE handle_;
    CK_SLOT_ID slot_;
    uint64_t generation_;
    bool discard_ = false;
  };

  // kInternal with the module's code if the token cannot be reached.
  Result<Session> Acquire();

  const std::string& label() const { return options_.token_label; }
  const std::string& module_path() const { return module_->path(); }
  // The token's manufacturer and model, as C_GetTokenInfo gives them ("SoftHSM project SoftHSM
  // v2").
  const std::string& description() const { return description_; }
  // How often the token was found again after it was lost (for the tests).
  uint64_t reopen_count() const;

 private:
  Token(TokenOptions options, std::unique_ptr<Module> module)
      : options_(std::move(options)), module_(std::move(module)) {}

  // Closes every session and finds the token again. REQUIRES: mu_ held.
  Status ReopenLocked();
  Result<CK_SLOT_ID> FindSlotLocked();
  // A new session of the current opening, logged in. REQUIRES: mu_ held.
  Result<CK_SESSION_HANDLE> OpenSessionLocked();
  void Release(CK_SESSION_HANDLE handle, uint64_t generation, bool discard);
  void MarkLost(uint64_t generation, const std::string& cause);
  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }
  Result<CK_OBJECT_HANDLE> FindObject(Session& session, CK_OBJECT_CLASS cls,
                                      std::string_view label);

  const TokenOptions options_;
  std::unique_ptr<Module> module_;
  std::string description_;

  mutable std::mutex mu_;
  std::condition_variable released_;
  CK_SLOT_ID slot_ = 0;
  uint64_t generation_ = 1;
  uint64_t reopens_ = 0;
  bool lost_ = false;
  bool reopen_failure_logged_ = false;
  bool logged_in_ = false;
  size_t open_ = 0;  // sessions of this generation, idle or leased
  std::vector<CK_SESSION_HANDLE> idle_;
  std::map<std::pair<CK_OBJECT_CLASS, std::string>, CK_OBJECT_HANDLE> objects_;
};

}  // namespace kb::pkcs11
