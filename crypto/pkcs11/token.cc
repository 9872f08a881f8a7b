#include "crypto/pkcs11/token.h"

#include <chrono>
#include <cstring>

namespace kb::pkcs11 {
namespace {

// A label field of CK_TOKEN_INFO: 32 bytes padded with spaces.
std::string Trimmed(const unsigned char* field, size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

constexpr auto kLeaseWait = std::chrono::seconds(30);

}  // namespace

Result<std::unique_ptr<Token>> Token::Open(TokenOptions options) {
  if (options.max_sessions == 0) options.max_sessions = 1;
  auto module = Module::Load(options.module_path);
  if (!module) return std::move(module).error();
  std::unique_ptr<Token> token(new Token(std::move(options), std::move(*module)));
  std::lock_guard lock(token->mu_);
  auto slot = token->FindSlotLocked();
  if (!slot) return std::move(slot).error();
  token->slot_ = *slot;
  auto session = token->OpenSessionLocked();  // logs in: a wrong PIN fails the start
  if (!session) return std::move(session).error();
  token->idle_.push_back(*session);
  return token;
}

Token::~Token() {
  std::lock_guard lock(mu_);
  for (CK_SESSION_HANDLE h : idle_) module_->fn()->C_CloseSession(h);
}

uint64_t Token::reopen_count() const {
  std::lock_guard lock(mu_);
  return reopens_;
}

Result<CK_SLOT_ID> Token::FindSlotLocked() {
  CK_FUNCTION_LIST* fn = module_->fn();
  CK_ULONG count = 0;
  CK_RV rv = fn->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) {
    if (auto s = module_->Reinitialize(); !s) return std::move(s).error();
    rv = fn->C_GetSlotList(CK_TRUE, nullptr, &count);
  }
  if (rv != CKR_OK) return CallFailed("C_GetSlotList", rv);
  std::vector<CK_SLOT_ID> slots(count);
  if (count > 0 && (rv = fn->C_GetSlotList(CK_TRUE, slots.data(), &count)) != CKR_OK) {
    return CallFailed("C_GetSlotList", rv);
  }
  slots.resize(count);
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    if (fn->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    if (Trimmed(info.label, sizeof info.label) != options_.token_label) continue;
    if (!(info.flags & CKF_TOKEN_INITIALIZED) || !(info.flags & CKF_USER_PIN_INITIALIZED)) {
      return Error{ErrorCode::kInternal, "pkcs11: token '" + options_.token_label +
                                             "' is not initialized or has no user PIN"};
    }
    description_ = Trimmed(info.manufacturerID, sizeof info.manufacturerID) + " " +
                   Trimmed(info.model, sizeof info.model);
    return slot;
  }
  return Error{ErrorCode::kInternal, "pkcs11: no token labelled '" + options_.token_label +
                                         "' in module " + module_->path()};
}

Result<CK_SESSION_HANDLE> Token::OpenSessionLocked() {
  CK_FUNCTION_LIST* fn = module_->fn();
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv =
      fn->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &handle);
  if (rv != CKR_OK) {
    if (IsTokenLost(rv)) lost_ = true;
    return CallFailed("C_OpenSession", rv);
  }
  if (!logged_in_) {
    // One login serves every session of the application (PKCS#11 §5.6).
    // Straight from the SecretBytes: no copy of the PIN to wipe.
    rv = fn->C_Login(handle, CKU_USER, const_cast<uint8_t*>(options_.pin.span().data()),
                     options_.pin.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
      fn->C_CloseSession(handle);
      return CallFailed("C_Login", rv);
    }
    logged_in_ = true;
  }
  ++open_;
  return handle;
}

Status Token::ReopenLocked() {
  // Only the idle sessions: a leased one is closed by its holder on release (C_CloseAllSessions
  // here would pull sessions from under calls in flight on other threads).
  for (CK_SESSION_HANDLE h : idle_) module_->fn()->C_CloseSession(h);
  idle_.clear();
  objects_.clear();
  open_ = 0;
  logged_in_ = false;
  ++generation_;
  auto slot = FindSlotLocked();
  if (!slot) return std::move(slot).error();
  slot_ = *slot;
  auto session = OpenSessionLocked();
  if (!session) return std::move(session).error();
  idle_.push_back(*session);
  lost_ = false;
  ++reopens_;
  return Ok();
}

Result<Token::Session> Token::Acquire() {
  std::unique_lock lock(mu_);
  if (!released_.wait_for(lock, kLeaseWait, [&] {
        return lost_ || !idle_.empty() || open_ < options_.max_sessions;
      })) {
    return Error{ErrorCode::kInternal, "pkcs11: no session free after 30 s"};
  }
  if (lost_) {
    if (auto s = ReopenLocked(); !s) {
      if (!std::exchange(reopen_failure_logged_, true)) {
        Log("pkcs11: token '" + options_.token_label + "' still unavailable: " + s.error().message +
            "; each request tries again");
      }
      return std::move(s).error();
    }
    reopen_failure_logged_ = false;
    Log("pkcs11: token '" + options_.token_label + "' is back: opened again and logged in");
  }
  if (!idle_.empty()) {
    CK_SESSION_HANDLE h = idle_.back();
    idle_.pop_back();
    return Session(this, h, slot_, generation_);
  }
  auto h = OpenSessionLocked();
  if (!h) return std::move(h).error();
  return Session(this, *h, slot_, generation_);
}

void Token::Release(CK_SESSION_HANDLE handle, uint64_t generation, bool discard) {
  {
    std::lock_guard lock(mu_);
    if (generation == generation_ && !lost_ && !discard) {
      idle_.push_back(handle);
    } else if (generation == generation_ && !lost_) {
      // A failed call may have left an operation active: the session is replaced, the new one
      // opened before the old one closes, so that the login (and the handles it makes valid)
      // never lapses with the last session.
      CK_SESSION_HANDLE fresh = CK_INVALID_HANDLE;
      if (module_->fn()->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                       &fresh) == CKR_OK) {
        idle_.push_back(fresh);
      } else {
        lost_ = true;  // reopened, logged in again, on the next Acquire
      }
      module_->fn()->C_CloseSession(handle);
    } else {
      // A session of an earlier opening or of a lost token: closed here, by the thread that held
      // it, never while another thread uses it.
      module_->fn()->C_CloseSession(handle);
      if (generation == generation_) --open_;
    }
  }
  released_.notify_one();
}

void Token::MarkLost(uint64_t generation, const std::string& cause) {
  std::lock_guard lock(mu_);
  if (generation != generation_ || lost_) return;
  lost_ = true;
  Log("pkcs11: token '" + options_.token_label + "' lost (" + cause +
      "); requests fail with `internal` until it answers again");
}

Result<CK_OBJECT_HANDLE> Token::FindObject(Session& session, CK_OBJECT_CLASS cls,
                                           std::string_view label) {
  std::pair<CK_OBJECT_CLASS, std::string> key(cls, std::string(label));
  {
    std::lock_guard lock(mu_);
    if (session.generation_ == generation_) {
      if (auto it = objects_.find(key); it != objects_.end()) return it->second;
    }
  }
  CK_ATTRIBUTE query[] = {{CKA_CLASS, &cls, sizeof cls},
                          {CKA_LABEL, key.second.data(), key.second.size()}};
  CK_FUNCTION_LIST* fn = module_->fn();
  CK_RV rv = fn->C_FindObjectsInit(session.handle(), query, 2);
  if (rv != CKR_OK) return session.Fail("C_FindObjectsInit", rv);
  CK_OBJECT_HANDLE found[2];
  CK_ULONG count = 0;
  rv = fn->C_FindObjects(session.handle(), found, 2, &count);
  fn->C_FindObjectsFinal(session.handle());
  if (rv != CKR_OK) return session.Fail("C_FindObjects", rv);
  if (count == 0) {
    return Error{ErrorCode::kKeyNotFound, "pkcs11: no object labelled '" + key.second + "'"};
  }
  if (count > 1) {
    return Error{ErrorCode::kInternal,
                 "pkcs11: two objects labelled '" + key.second + "'; refusing to choose"};
  }
  std::lock_guard lock(mu_);
  if (session.generation_ == generation_) objects_[key] = found[0];
  return found[0];
}

Token::Session::Session(Session&& other) noexcept
    : token_(std::exchange(other.token_, nullptr)),
      handle_(other.handle_),
      slot_(other.slot_),
      generation_(other.generation_),
      discard_(other.discard_) {}

Token::Session::~Session() {
  if (token_) token_->Release(handle_, generation_, discard_);
}

Error Token::Session::Fail(const char* call, CK_RV rv) {
  discard_ = true;  // a failed call may leave its operation active on the session
  Error error = CallFailed(call, rv);
  if (IsTokenLost(rv)) token_->MarkLost(generation_, error.message);
  return error;
}

Result<CK_OBJECT_HANDLE> Token::Session::Find(CK_OBJECT_CLASS cls, std::string_view label) {
  return token_->FindObject(*this, cls, label);
}

void Token::Session::Forget(CK_OBJECT_CLASS cls, std::string_view label) {
  std::lock_guard lock(token_->mu_);
  token_->objects_.erase({cls, std::string(label)});
}

}  // namespace kb::pkcs11
