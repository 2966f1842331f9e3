// Test fixture: a throw-away certificate authority and certificates made with the openssl command in a temporary
// directory, for the TLS tests (mosquitto's TLS listeners, the embedded broker's, websockify's). The destructor
// removes the directory. Keys are world-readable on purpose: mosquitto started as root reads them as the
// "mosquitto" user.
#pragma once

#include <filesystem>
#include <string>

namespace mqtt::test_support {

struct CertificateFiles {
  std::string certificate;  // PEM
  std::string key;          // PEM, unencrypted unless said otherwise
};

class TestPki {
 public:
  // Generates everything below (EC P-256 keys, a few hundred milliseconds); throws std::runtime_error with the
  // openssl output when a step fails.
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::filesystem::path& directory() const { return directory_; }

  std::string ca;        // the authority that signs everything below ("mqtt-harness test CA")
  std::string other_ca;  // an authority that signed none of them (the "unknown CA" case)
  // For localhost and 127.0.0.1, valid for two days.
  CertificateFiles server;
  // Valid, but only for the host name broker.invalid (the "name mismatch" case).
  CertificateFiles wrong_name_server;
  // For localhost and 127.0.0.1, but its notAfter is a day in the past (openssl x509 -days -1).
  CertificateFiles expired_server;
  // A client certificate ("CN=harness-device") signed by `ca`.
  CertificateFiles client;
  // The same client key encrypted with AES-256 and this password (the --key-password case).
  std::string client_encrypted_key;
  static constexpr const char* client_key_password = "device-secret";

 private:
  CertificateFiles issue(const std::string& name, const std::string& subject, const std::string& alternative_names,
                         int days);
  void run(const std::string& command);

  std::filesystem::path directory_;
};

}  // namespace mqtt::test_support
