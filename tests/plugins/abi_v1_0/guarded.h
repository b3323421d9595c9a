// Test helper for plugins built against the frozen v1.0 header: places a descriptor so that it
// ends exactly where a page without access begins, so a host that reads one byte past what the
// plugin declares crashes the test instead of reading zeros by luck.
#ifndef EDGELLM_TESTS_PLUGINS_ABI_V1_0_GUARDED_H_
#define EDGELLM_TESTS_PLUGINS_ABI_V1_0_GUARDED_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

// A copy of `value` whose last byte is followed by an inaccessible page; nullptr if mmap fails.
// Never freed: descriptors live as long as the plugin.
template <typename T>
const T* GuardedCopy(const T& value) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto* base = static_cast<char*>(mem);
  if (mprotect(base + page, page, PROT_NONE) != 0) return nullptr;
  // T's alignment is at most 8 and page - sizeof(T) keeps it when sizeof(T) % 8 == 0.
  static_assert(sizeof(T) % alignof(T) == 0, "whole elements end at the guard page");
  char* at = base + page - sizeof(T);
  std::memcpy(at, &value, sizeof(T));
  return reinterpret_cast<const T*>(at);
}

#endif  // EDGELLM_TESTS_PLUGINS_ABI_V1_0_GUARDED_H_
