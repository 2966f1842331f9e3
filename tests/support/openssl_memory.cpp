#include "support/openssl_memory.hpp"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace mqtt::test_support {
namespace {

std::atomic<std::size_t> held{0};
std::atomic<bool> installed{false};

// Each block carries its size in front, so that free and realloc know what to subtract; 16 bytes keep the
// caller's part aligned as malloc's is.
constexpr std::size_t header = 16;

void* counted_malloc(std::size_t size, const char*, int) {
  auto* block = static_cast<unsigned char*>(std::malloc(size + header));
  if (block == nullptr) return nullptr;
  std::memcpy(block, &size, sizeof size);
  held += size;
  return block + header;
}

void counted_free(void* pointer, const char*, int) {
  if (pointer == nullptr) return;
  auto* block = static_cast<unsigned char*>(pointer) - header;
  std::size_t size = 0;
  std::memcpy(&size, block, sizeof size);
  held -= size;
  std::free(block);
}

void* counted_realloc(void* pointer, std::size_t size, const char* file, int line) {
  if (pointer == nullptr) return counted_malloc(size, file, line);
  if (size == 0) {
    counted_free(pointer, file, line);
    return nullptr;
  }
  auto* block = static_cast<unsigned char*>(pointer) - header;
  std::size_t old_size = 0;
  std::memcpy(&old_size, block, sizeof old_size);
  auto* moved = static_cast<unsigned char*>(std::realloc(block, size + header));
  if (moved == nullptr) return nullptr;
  std::memcpy(moved, &size, sizeof size);
  held += size;
  held -= old_size;
  return moved + header;
}

}  // namespace

bool install_openssl_memory_counter() {
  if (installed) return true;
  installed = CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) == 1;
  return installed;
}

bool openssl_memory_counter_installed() { return installed; }

std::size_t openssl_bytes_held() { return held; }

}  // namespace mqtt::test_support
