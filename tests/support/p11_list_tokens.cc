// kb_p11_tokens: loads a PKCS#11 module and prints the label of each initialised token, one a
// line. The support self-test uses it to show kb_p11_fault failing and recovering, from a process
// built like the broker (so an ASan tree proves the module loads into an ASan process).
//
//   kb_p11_tokens MODULE   exit 0: listed, 1: a PKCS#11 call failed, 2: usage or load error
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct DlCloser {
  void operator()(void* handle) const { dlclose(handle); }
};

int Fail(const char* call, CK_RV rv) {
  fprintf(stderr, "kb_p11_tokens: %s failed: CKR 0x%lx\n", call, static_cast<unsigned long>(rv));
  return 1;
}

// A token label is 32 bytes padded with spaces, not NUL-terminated.
std::string Label(const CK_TOKEN_INFO& info) {
  std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
  return label.substr(0, label.find_last_not_of(' ') + 1);
}

int ListTokens(CK_FUNCTION_LIST_PTR p11) {
  CK_ULONG count = 0;
  if (CK_RV rv = p11->C_GetSlotList(CK_TRUE, nullptr, &count); rv != CKR_OK) {
    return Fail("C_GetSlotList", rv);
  }
  std::vector<CK_SLOT_ID> slots(count);
  if (CK_RV rv = p11->C_GetSlotList(CK_TRUE, slots.data(), &count); rv != CKR_OK) {
    return Fail("C_GetSlotList", rv);
  }
  slots.resize(count);
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    if (CK_RV rv = p11->C_GetTokenInfo(slot, &info); rv != CKR_OK) {
      return Fail("C_GetTokenInfo", rv);
    }
    // SoftHSM always offers one empty slot more, for the next --init-token.
    if (info.flags & CKF_TOKEN_INITIALIZED) printf("%s\n", Label(info).c_str());
  }
  return 0;
}

int Run(const char* module_path) {
  std::unique_ptr<void, DlCloser> module(dlopen(module_path, RTLD_NOW | RTLD_LOCAL));
  if (!module) {
    fprintf(stderr, "kb_p11_tokens: cannot load %s: %s\n", module_path, dlerror());
    return 2;
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(module.get(), "C_GetFunctionList"));
  if (get_list == nullptr) {
    fprintf(stderr, "kb_p11_tokens: %s has no C_GetFunctionList; is it a PKCS#11 module?\n",
            module_path);
    return 2;
  }
  CK_FUNCTION_LIST_PTR p11 = nullptr;
  if (CK_RV rv = get_list(&p11); rv != CKR_OK) return Fail("C_GetFunctionList", rv);
  CK_C_INITIALIZE_ARGS init_args{};
  init_args.flags = CKF_OS_LOCKING_OK;
  if (CK_RV rv = p11->C_Initialize(&init_args); rv != CKR_OK) return Fail("C_Initialize", rv);
  int status = ListTokens(p11);
  if (CK_RV rv = p11->C_Finalize(nullptr); rv != CKR_OK && status == 0) {
    status = Fail("C_Finalize", rv);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || std::string_view(argv[1]).starts_with("-")) {
    fprintf(stderr, "usage: kb_p11_tokens MODULE   list the labels of the tokens MODULE offers\n");
    return 2;
  }
  return Run(argv[1]);
}
