#pragma once

// A PKCS#11 module loaded from its file (dlopen, C_GetFunctionList) and initialized for
// multi-threaded use (CKF_OS_LOCKING_OK). The header is p11-kit's standard <p11-kit/pkcs11.h>
// (Debian libp11-kit-dev); any module that follows PKCS#11 v2.20 or later loads.

#include <p11-kit/pkcs11.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace kb::pkcs11 {

// "CKR_DEVICE_ERROR", or "CKR_0x…" for a code this file does not name.
std::string RvName(CK_RV rv);

// kInternal "pkcs11: <call>: <CKR name>" for a failed call.
Error CallFailed(const char* call, CK_RV rv);

// True for the codes after which no session of the token is usable until it is opened again: the
// device failed or went away, the sessions or the login were lost, or the library was finalized.
bool IsTokenLost(CK_RV rv);

class Module {
 public:
  // kInternal naming the path and dlerror() if the file does not load or has no
  // C_GetFunctionList; the module's code if C_Initialize fails.
  static Result<std::unique_ptr<Module>> Load(const std::string& path);
  ~Module();  // C_Finalize, dlclose
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* fn() const { return fn_; }
  const std::string& path() const { return path_; }
  // C_Finalize and C_Initialize again, after IsTokenLost(CKR_CRYPTOKI_NOT_INITIALIZED) or a
  // module that lost its state. Not thread-safe: the caller holds off every other call.
  Status Reinitialize();

 private:
  Module(std::string path, void* handle, CK_FUNCTION_LIST* fn)
      : path_(std::move(path)), handle_(handle), fn_(fn) {}
  Status Initialize();

  std::string path_;
  void* handle_;
  CK_FUNCTION_LIST* fn_;
};

}  // namespace kb::pkcs11
