#include "crypto/pkcs11/module.h"

#include <dlfcn.h>

#include <cstdio>

namespace kb::pkcs11 {

std::string RvName(CK_RV rv) {
  switch (rv) {
#define KB_RV(name) \
  case name:        \
    return #name
    KB_RV(CKR_OK);
    KB_RV(CKR_HOST_MEMORY);
    KB_RV(CKR_SLOT_ID_INVALID);
    KB_RV(CKR_GENERAL_ERROR);
    KB_RV(CKR_FUNCTION_FAILED);
    KB_RV(CKR_ARGUMENTS_BAD);
    KB_RV(CKR_ATTRIBUTE_READ_ONLY);
    KB_RV(CKR_ATTRIBUTE_SENSITIVE);
    KB_RV(CKR_ATTRIBUTE_TYPE_INVALID);
    KB_RV(CKR_ATTRIBUTE_VALUE_INVALID);
    KB_RV(CKR_DATA_INVALID);
    KB_RV(CKR_DATA_LEN_RANGE);
    KB_RV(CKR_DEVICE_ERROR);
    KB_RV(CKR_DEVICE_MEMORY);
    KB_RV(CKR_DEVICE_REMOVED);
    KB_RV(CKR_ENCRYPTED_DATA_INVALID);
    KB_RV(CKR_ENCRYPTED_DATA_LEN_RANGE);
    KB_RV(CKR_FUNCTION_NOT_SUPPORTED);
    KB_RV(CKR_KEY_HANDLE_INVALID);
    KB_RV(CKR_KEY_SIZE_RANGE);
    KB_RV(CKR_KEY_TYPE_INCONSISTENT);
    KB_RV(CKR_KEY_FUNCTION_NOT_PERMITTED);
    KB_RV(CKR_KEY_NOT_WRAPPABLE);
    KB_RV(CKR_KEY_UNEXTRACTABLE);
    KB_RV(CKR_MECHANISM_INVALID);
    KB_RV(CKR_MECHANISM_PARAM_INVALID);
    KB_RV(CKR_OBJECT_HANDLE_INVALID);
    KB_RV(CKR_OPERATION_ACTIVE);
    KB_RV(CKR_OPERATION_NOT_INITIALIZED);
    KB_RV(CKR_PIN_INCORRECT);
    KB_RV(CKR_PIN_LOCKED);
    KB_RV(CKR_SESSION_CLOSED);
    KB_RV(CKR_SESSION_COUNT);
    KB_RV(CKR_SESSION_HANDLE_INVALID);
    KB_RV(CKR_TEMPLATE_INCOMPLETE);
    KB_RV(CKR_TEMPLATE_INCONSISTENT);
    KB_RV(CKR_TOKEN_NOT_PRESENT);
    KB_RV(CKR_TOKEN_NOT_RECOGNIZED);
    KB_RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID);
    KB_RV(CKR_USER_ALREADY_LOGGED_IN);
    KB_RV(CKR_USER_NOT_LOGGED_IN);
    KB_RV(CKR_USER_PIN_NOT_INITIALIZED);
    KB_RV(CKR_WRAPPED_KEY_INVALID);
    KB_RV(CKR_WRAPPED_KEY_LEN_RANGE);
    KB_RV(CKR_WRAPPING_KEY_HANDLE_INVALID);
    KB_RV(CKR_BUFFER_TOO_SMALL);
    KB_RV(CKR_CRYPTOKI_NOT_INITIALIZED);
    KB_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED);
#undef KB_RV
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR_0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

Error CallFailed(const char* call, CK_RV rv) {
  return Error{ErrorCode::kInternal, std::string("pkcs11: ") + call + ": " + RvName(rv)};
}

bool IsTokenLost(CK_RV rv) {
  switch (rv) {
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_REMOVED:
    case CKR_DEVICE_MEMORY:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
    case CKR_GENERAL_ERROR:
    case CKR_SLOT_ID_INVALID:
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<Module>> Module::Load(const std::string& path) {
  // RTLD_LOCAL: the module's symbols stay its own; RTLD_NOW: a broken module fails here.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return Error{ErrorCode::kInternal,
                 "pkcs11 module " + path + " does not load: " + (why ? why : "unknown error")};
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST* fn = nullptr;
  CK_RV rv = get_list ? get_list(&fn) : CKR_FUNCTION_NOT_SUPPORTED;
  if (rv != CKR_OK || !fn) {
    dlclose(handle);
    return Error{ErrorCode::kInternal,
                 "pkcs11 module " + path + " has no usable C_GetFunctionList: " + RvName(rv)};
  }
  std::unique_ptr<Module> module(new Module(path, handle, fn));
  if (auto s = module->Initialize(); !s) {
    module->fn_ = nullptr;  // nothing to finalize
    return std::move(s).error();
  }
  return module;
}

Status Module::Initialize() {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = fn_->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return CallFailed("C_Initialize", rv);
  }
  return Ok();
}

Status Module::Reinitialize() {
  fn_->C_Finalize(nullptr);
  return Initialize();
}

Module::~Module() {
  if (fn_) fn_->C_Finalize(nullptr);
  dlclose(handle_);
}

}  // namespace kb::pkcs11
