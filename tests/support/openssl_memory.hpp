// Test and benchmark instrument: counts the bytes OpenSSL holds right now, by routing its allocations through
// counting functions (CRYPTO_set_mem_functions). It must be installed before OpenSSL allocates anything, i.e.
// first thing in main(); afterwards OpenSSL refuses the change and install() says so.
#pragma once

#include <cstddef>

namespace mqtt::test_support {

// Routes OpenSSL's allocations through the counter. Returns false when OpenSSL has already allocated (too late).
bool install_openssl_memory_counter();
bool openssl_memory_counter_installed();
// The bytes OpenSSL has allocated and not freed (requested sizes, without the allocator's overhead).
std::size_t openssl_bytes_held();

}  // namespace mqtt::test_support
