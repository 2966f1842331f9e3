// What an idle mqtts:// connection leaves OpenSSL holding, counted through OpenSSL's allocation hooks (so its own
// main(): the hooks go in before anything touches OpenSSL). After CONNACK nothing is in flight, so the record
// buffers must be gone: OpenSSL 3.0 keeps about 17.5 KiB for a TLS 1.3 connection (its SSL object, the cipher
// states, the server's certificate, the session), and a read buffer left behind would add another 16.7 KiB.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "client/tls_settings.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/openssl_memory.hpp"
#include "support/test_pki.hpp"
#include "transport_round_trip.hpp"

namespace mqtt::client {
namespace {

// Above what OpenSSL 3.0 needs for an idle TLS 1.3 session, below that plus a 16.7 KiB record buffer.
constexpr std::size_t idle_connection_ceiling = 24 * 1024;

TEST(TlsIdleMemory, AnIdleConnectionHoldsNoRecordBuffers) {
  ASSERT_TRUE(test_support::openssl_memory_counter_installed());
  test_support::TestPki pki;
  test_support::MosquittoListener listener;
  listener.port = test_support::free_loopback_port_number();
  listener.lines = {"certfile " + pki.server.certificate, "keyfile " + pki.server.key};
  test_support::MosquittoOptions options;
  options.extra_listeners = {listener};
  test_support::MosquittoBroker broker(options);
  TlsSettings tls;
  tls.ca_file = pki.ca;
  const TargetUrl target =
      testing::target_of("mqtts://127.0.0.1:" + std::to_string(listener.port), tls);

  Recorder recorder;
  EventLoop loop;
  // The first connection builds the shared context and whatever OpenSSL sets up once per process.
  Session first = testing::connected_session(loop, recorder, target, "idle-memory-first");
  const std::size_t before = test_support::openssl_bytes_held();
  Session second = testing::connected_session(loop, recorder, target, "idle-memory-second");
  const std::size_t idle = test_support::openssl_bytes_held() - before;
  std::printf("OpenSSL holds %zu bytes for an idle TLS connection\n", idle);
  EXPECT_GT(idle, 0u);  // the count sees the connection at all
  EXPECT_LT(idle, idle_connection_ceiling);
  second.disconnect();
  first.disconnect();
}

}  // namespace
}  // namespace mqtt::client

int main(int argc, char** argv) {
  const bool counting = mqtt::test_support::install_openssl_memory_counter();
  if (!counting) std::fprintf(stderr, "tls_idle_memory_test: OpenSSL allocated before main; cannot count\n");
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
