// mqtts:// against Debian mosquitto's TLS listeners, with a CA and certificates the test makes: verified sessions
// (by address and by host name), the client certificate a listener requires, and one line for each TLS failure
// (unknown CA, name mismatch, expired certificate, client certificate required, not TLS at all).
#include <gtest/gtest.h>

#include <memory>

#include "client/tls_settings.hpp"
#include "history_slices.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/test_pki.hpp"
#include "transport_round_trip.hpp"

namespace mqtt::client {
namespace {

using testing::expect_round_trip;
using testing::open_failure;
using testing::target_of;

class MosquittoOverTls : public ::testing::Test {
 protected:
  // One broker with a listener per case, shared by the suite (mosquitto and the PKI take a while to start).
  static void SetUpTestSuite() {
    pki = std::make_unique<test_support::TestPki>();
    auto tls_listener = [](const test_support::CertificateFiles& files, std::vector<std::string> more = {}) {
      test_support::MosquittoListener listener;
      listener.port = test_support::free_loopback_port_number();
      listener.lines = {"certfile " + files.certificate, "keyfile " + files.key};
      listener.lines.insert(listener.lines.end(), more.begin(), more.end());
      return listener;
    };
    test_support::MosquittoOptions options;
    options.extra_listeners = {
        tls_listener(pki->server),
        tls_listener(pki->wrong_name_server),
        tls_listener(pki->expired_server),
        tls_listener(pki->server, {"cafile " + pki->ca, "require_certificate true"}),
    };
    broker = std::make_unique<test_support::MosquittoBroker>(options);
    verified_port = options.extra_listeners[0].port;
    wrong_name_port = options.extra_listeners[1].port;
    expired_port = options.extra_listeners[2].port;
    client_certificate_port = options.extra_listeners[3].port;
  }
  static void TearDownTestSuite() {
    broker.reset();
    pki.reset();
  }

  static std::string mqtts(const std::string& host, std::uint16_t port) {
    return "mqtts://" + host + ":" + std::to_string(port);
  }
  static TlsSettings trusting(const std::string& ca_file) {
    TlsSettings settings;
    settings.ca_file = ca_file;
    return settings;
  }

  static inline std::unique_ptr<test_support::TestPki> pki;
  static inline std::unique_ptr<test_support::MosquittoBroker> broker;
  static inline std::uint16_t verified_port = 0;
  static inline std::uint16_t wrong_name_port = 0;
  static inline std::uint16_t expired_port = 0;
  static inline std::uint16_t client_certificate_port = 0;
  Recorder recorder;
  EventLoop loop;
};

TEST_F(MosquittoOverTls, VerifiedSessionByAddressRecordsTheTlsVersionAndPlainPackets) {
  const TargetUrl target = target_of(mqtts("127.0.0.1", verified_port), trusting(pki->ca));
  Session session = testing::connected_session(loop, recorder, target, "tls-by-address");
  session.disconnect();
  const auto history = recorder.snapshot();
  ASSERT_FALSE(history.events.empty());
  EXPECT_EQ(history.events[0].kind, history::EventKind::open);
  EXPECT_EQ(history.events[0].detail.rfind("peer 127.0.0.1:" + std::to_string(verified_port) + " TLSv1.", 0), 0u)
      << history.events[0].detail;
  // What TLS carried is recorded as the MQTT packets themselves (the CONNACK's four bytes).
  EXPECT_EQ(testing::lines_of(history, session.id()),
            (std::vector<std::string>{"open", "sent CONNECT", "received CONNACK", "sent DISCONNECT",
                                      "closed local_close"}));
  EXPECT_EQ(history.events[2].raw, (Bytes{0x20, 0x02, 0x00, 0x00}));
}

TEST_F(MosquittoOverTls, VerifiedRoundTripByHostNameAndLargeMessages) {
  // localhost: SNI is sent and the certificate's DNS name is checked; 100 KB payloads span several TLS records.
  const TargetUrl target = target_of(mqtts("localhost", verified_port), trusting(pki->ca));
  expect_round_trip(target, target, "tls/by-name", 3, 100'000);
}

TEST_F(MosquittoOverTls, ClientCertificateWhenTheListenerRequiresOne) {
  TlsSettings settings = trusting(pki->ca);
  settings.certificate_file = pki->client.certificate;
  settings.key_file = pki->client.key;
  const TargetUrl target = target_of(mqtts("127.0.0.1", client_certificate_port), settings);
  expect_round_trip(target, target, "tls/client-certificate");
}

TEST_F(MosquittoOverTls, EncryptedClientKeyOpensWithItsPassword) {
  TlsSettings settings = trusting(pki->ca);
  settings.certificate_file = pki->client.certificate;
  settings.key_file = pki->client_encrypted_key;
  settings.key_password = test_support::TestPki::client_key_password;
  EXPECT_EQ(check_tls_settings(settings), "");
  const TargetUrl target = target_of(mqtts("127.0.0.1", client_certificate_port), settings);
  EXPECT_EQ(open_failure(loop, recorder, target), "");

  settings.key_password = "not-the-password";
  const std::string wrong = check_tls_settings(settings);
  EXPECT_NE(wrong.find("--key " + pki->client_encrypted_key + ": cannot load it"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("--key-password"), std::string::npos) << wrong;
  settings.key_password.reset();
  const std::string missing = check_tls_settings(settings);
  EXPECT_NE(missing.find("MQTT_HARNESS_KEY_PASSWORD"), std::string::npos) << missing;
}

TEST_F(MosquittoOverTls, UnknownAuthorityIsOneLineNamingTheRemedy) {
  const std::string failure =
      open_failure(loop, recorder, target_of(mqtts("127.0.0.1", verified_port), trusting(pki->other_ca)));
  EXPECT_EQ(failure.rfind("TLS handshake with 127.0.0.1:" + std::to_string(verified_port) +
                              " failed: the server's certificate is not signed by an authority the harness trusts",
                          0),
            0u)
      << failure;
  EXPECT_NE(failure.find("--cafile"), std::string::npos) << failure;
  EXPECT_EQ(failure.find('\n'), std::string::npos);
  // The same line is the open_failed event's detail.
  const auto history = recorder.snapshot();
  ASSERT_EQ(history.events.size(), 1u);
  EXPECT_EQ(history.events[0].kind, history::EventKind::open_failed);
  EXPECT_EQ(history.events[0].detail, failure);
}

TEST_F(MosquittoOverTls, SystemStoreDoesNotTrustATestAuthority) {
  const std::string failure = open_failure(loop, recorder, target_of(mqtts("127.0.0.1", verified_port)));
  EXPECT_NE(failure.find("not signed by an authority the harness trusts"), std::string::npos) << failure;
  EXPECT_NE(failure.find("trusting the system store"), std::string::npos) << failure;
}

TEST_F(MosquittoOverTls, HostNameMismatchNamesTheHost) {
  const std::string failure =
      open_failure(loop, recorder, target_of(mqtts("localhost", wrong_name_port), trusting(pki->ca)));
  EXPECT_NE(failure.find("failed: the server's certificate /CN=broker.invalid is not for host name localhost"),
            std::string::npos)
      << failure;
}

TEST_F(MosquittoOverTls, AddressMismatchNamesTheAddress) {
  const std::string failure =
      open_failure(loop, recorder, target_of(mqtts("127.0.0.1", wrong_name_port), trusting(pki->ca)));
  EXPECT_NE(failure.find("is not for address 127.0.0.1"), std::string::npos) << failure;
}

TEST_F(MosquittoOverTls, ExpiredCertificateSaysWhenItExpired) {
  const std::string failure =
      open_failure(loop, recorder, target_of(mqtts("127.0.0.1", expired_port), trusting(pki->ca)));
  EXPECT_NE(failure.find("failed: the server's certificate /CN=localhost has expired (not valid after "),
            std::string::npos)
      << failure;
}

TEST_F(MosquittoOverTls, InsecureSkipsVerificationOfAWrongName) {
  TlsSettings settings;
  settings.insecure = true;
  const TargetUrl target = target_of(mqtts("localhost", wrong_name_port), settings);
  expect_round_trip(target, target, "tls/insecure");
}

TEST_F(MosquittoOverTls, MissingClientCertificateIsAFailedConnect) {
  // TLS 1.3: the server judges the client's certificate after the client's handshake is done; the refusal is
  // still reported as the connect's failure, not as a session that closes later.
  const std::string failure =
      open_failure(loop, recorder, target_of(mqtts("127.0.0.1", client_certificate_port), trusting(pki->ca)));
  EXPECT_NE(failure.find("failed: the server requires a client certificate"), std::string::npos) << failure;
  EXPECT_NE(failure.find("give --cert and --key"), std::string::npos) << failure;
}

TEST_F(MosquittoOverTls, PlainMqttPortIsNotTls) {
  const std::string failure =
      open_failure(loop, recorder, target_of(mqtts("127.0.0.1", broker->port()), trusting(pki->ca)));
  EXPECT_NE(failure.find("TLS handshake with 127.0.0.1:" + std::to_string(broker->port()) + " failed: "),
            std::string::npos)
      << failure;
  EXPECT_EQ(failure.find('\n'), std::string::npos);
}

TEST(TlsSettingsCheck, UnreadableFilesAndHalfAPairAreOneLineEach) {
  TlsSettings settings;
  settings.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(check_tls_settings(settings), "--cafile /nonexistent/ca.pem: cannot read it: No such file or directory");
  settings = {};
  settings.certificate_file = "/nonexistent/client.pem";
  EXPECT_EQ(check_tls_settings(settings), "--cert needs --key (the client certificate's private key)");
}

}  // namespace
}  // namespace mqtt::client
