// kb_p11_fault: a PKCS#11 module that fails on command, for testing that the broker survives a
// token that errs and recovers when it comes back (issue 20, "Sessions").
//
// It forwards every call to the module named by KB_P11_FAULT_TARGET. While the file named by
// KB_P11_FAULT_FLAG exists, every function except C_GetFunctionList, C_Initialize, C_Finalize
// and C_GetInfo returns CKR_DEVICE_ERROR instead; the flag is checked on every call, so a test
// switches faults on and off with `touch` and `rm`. Both variables are read when the host first
// calls C_GetFunctionList.
//
// Only C_GetFunctionList is exported: the wrappers must not interpose on the target module's
// own C_* symbols.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>

namespace {

struct FaultModule {
  CK_FUNCTION_LIST_PTR target = nullptr;  // null when the target could not be loaded
  std::string flag_path;                  // empty: never fail
  CK_FUNCTION_LIST own{};                 // what C_GetFunctionList hands out
};

FaultModule& Module();

bool FaultActive() {
  const std::string& flag = Module().flag_path;
  return !flag.empty() && access(flag.c_str(), F_OK) == 0;
}

// One wrapper per CK_FUNCTION_LIST entry, its signature taken from the entry's own type.
template <auto Entry,
          typename Fn = std::remove_reference_t<decltype(std::declval<CK_FUNCTION_LIST&>().*Entry)>>
struct Forward;

template <auto Entry, typename... Args>
struct Forward<Entry, CK_RV (*)(Args...)> {
  static CK_RV Gated(Args... args) {
    if (FaultActive()) return CKR_DEVICE_ERROR;
    return (Module().target->*Entry)(args...);
  }
  static CK_RV Always(Args... args) { return (Module().target->*Entry)(args...); }
};

// All of PKCS#11 v2.40's CK_FUNCTION_LIST but the four that keep working under a fault.
// clang-format off
#define KB_P11_GATED_FUNCTIONS(X) \
  X(C_GetSlotList) X(C_GetSlotInfo) X(C_GetTokenInfo) X(C_GetMechanismList) \
  X(C_GetMechanismInfo) X(C_InitToken) X(C_InitPIN) X(C_SetPIN) X(C_OpenSession) \
  X(C_CloseSession) X(C_CloseAllSessions) X(C_GetSessionInfo) X(C_GetOperationState) \
  X(C_SetOperationState) X(C_Login) X(C_Logout) X(C_CreateObject) X(C_CopyObject) \
  X(C_DestroyObject) X(C_GetObjectSize) X(C_GetAttributeValue) X(C_SetAttributeValue) \
  X(C_FindObjectsInit) X(C_FindObjects) X(C_FindObjectsFinal) X(C_EncryptInit) X(C_Encrypt) \
  X(C_EncryptUpdate) X(C_EncryptFinal) X(C_DecryptInit) X(C_Decrypt) X(C_DecryptUpdate) \
  X(C_DecryptFinal) X(C_DigestInit) X(C_Digest) X(C_DigestUpdate) X(C_DigestKey) \
  X(C_DigestFinal) X(C_SignInit) X(C_Sign) X(C_SignUpdate) X(C_SignFinal) X(C_SignRecoverInit) \
  X(C_SignRecover) X(C_VerifyInit) X(C_Verify) X(C_VerifyUpdate) X(C_VerifyFinal) \
  X(C_VerifyRecoverInit) X(C_VerifyRecover) X(C_DigestEncryptUpdate) X(C_DecryptDigestUpdate) \
  X(C_SignEncryptUpdate) X(C_DecryptVerifyUpdate) X(C_GenerateKey) X(C_GenerateKeyPair) \
  X(C_WrapKey) X(C_UnwrapKey) X(C_DeriveKey) X(C_SeedRandom) X(C_GenerateRandom) \
  X(C_GetFunctionStatus) X(C_CancelFunction) X(C_WaitForSlotEvent)
// clang-format on
#define KB_P11_UNGATED_FUNCTIONS(X) X(C_Initialize) X(C_Finalize) X(C_GetInfo)
#define KB_P11_COUNT(fn) +1
// The 68 entries of v2.40: the gated ones, the ungated ones and C_GetFunctionList, after the
// version (padded to a pointer's size).
static_assert(sizeof(CK_FUNCTION_LIST) ==
              sizeof(void*) * (2 + KB_P11_GATED_FUNCTIONS(KB_P11_COUNT)
                                       KB_P11_UNGATED_FUNCTIONS(KB_P11_COUNT)));
static_assert(KB_P11_GATED_FUNCTIONS(KB_P11_COUNT) KB_P11_UNGATED_FUNCTIONS(KB_P11_COUNT) + 1 ==
              68);
#undef KB_P11_COUNT

CK_RV GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

CK_FUNCTION_LIST OwnList(CK_VERSION version) {
  CK_FUNCTION_LIST list{};
  list.version = version;
  list.C_GetFunctionList = &GetFunctionList;
#define KB_P11_SET_GATED(fn) list.fn = &Forward<&CK_FUNCTION_LIST::fn>::Gated;
#define KB_P11_SET_UNGATED(fn) list.fn = &Forward<&CK_FUNCTION_LIST::fn>::Always;
  KB_P11_GATED_FUNCTIONS(KB_P11_SET_GATED)
  KB_P11_UNGATED_FUNCTIONS(KB_P11_SET_UNGATED)
#undef KB_P11_SET_GATED
#undef KB_P11_SET_UNGATED
  return list;
}

CK_FUNCTION_LIST_PTR LoadTarget() {
  const char* path = getenv("KB_P11_FAULT_TARGET");
  if (path == nullptr || *path == '\0') {
    fprintf(stderr, "kb_p11_fault: KB_P11_FAULT_TARGET is not set; set it to the real module\n");
    return nullptr;
  }
  // Never closed: hosts may keep function pointers until exit.
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    fprintf(stderr, "kb_p11_fault: cannot load KB_P11_FAULT_TARGET %s: %s\n", path, dlerror());
    return nullptr;
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR target = nullptr;
  if (get_list == nullptr || get_list(&target) != CKR_OK || target == nullptr) {
    fprintf(stderr, "kb_p11_fault: %s is not a PKCS#11 module (C_GetFunctionList failed)\n", path);
    return nullptr;
  }
  return target;
}

FaultModule& Module() {
  static FaultModule module = [] {
    FaultModule m;
    m.target = LoadTarget();
    const char* flag = getenv("KB_P11_FAULT_FLAG");
    if (flag != nullptr) m.flag_path = flag;
    if (m.target != nullptr) m.own = OwnList(m.target->version);
    return m;
  }();
  return module;
}

CK_RV GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  FaultModule& m = Module();
  if (m.target == nullptr) return CKR_GENERAL_ERROR;
  *list = &m.own;
  return CKR_OK;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
  return GetFunctionList(list);
}
