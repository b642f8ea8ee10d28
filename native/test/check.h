// A minimal test harness for the native unit tests: CHECK records failures, each test
// binary's main returns non-zero if any failed. Also a temp directory helper.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tributary_test {

inline int& Failures() {
  static int failures = 0;
  return failures;
}

inline std::string TempDir() {
  char pattern[] = "/tmp/tributary-native-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (dir == nullptr) std::abort();
  return dir;
}

inline void RemoveDir(const std::string& dir) {
  std::string command = "rm -rf '" + dir + "'";
  if (std::system(command.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
}

inline int Finish(const char* name) {
  std::printf("%s: %s\n", name, Failures() == 0 ? "ok" : "FAILED");
  return Failures() == 0 ? 0 : 1;
}

}  // namespace tributary_test

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      tributary_test::Failures()++;                                                 \
    }                                                                               \
  } while (0)

#define CHECK_OK(status)                                                                                       \
  do {                                                                                                         \
    const auto& s_ = (status);                                                                                 \
    if (!s_.ok()) {                                                                                            \
      std::fprintf(stderr, "%s:%d: status %s: %s\n", __FILE__, __LINE__, s_.code.c_str(), s_.message.c_str()); \
      tributary_test::Failures()++;                                                                            \
    }                                                                                                          \
  } while (0)
