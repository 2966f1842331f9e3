#include "cli/embedded_target.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace mqtt::cli {
namespace {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* pointer) const { Free(pointer); }
};
using KeyPointer = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using CertificatePointer = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using ExtensionPointer = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("cannot make the embedded broker's TLS certificate: " + what);
}

void write_pem(const std::filesystem::path& path, const auto& write) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) fail("cannot write " + path.string());
  const bool written = write(file) == 1;
  std::fclose(file);
  if (!written) fail("cannot write " + path.string());
}

// A self-signed certificate for 127.0.0.1 and localhost, and its key, in `directory` (cert.pem, key.pem).
void make_certificate(const std::filesystem::path& directory) {
  KeyPointer key(EVP_EC_gen("P-256"));
  if (!key) fail("no EC key");
  CertificatePointer certificate(X509_new());
  if (!certificate) fail("no certificate");
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60);  // a minute back: the broker's clock is ours
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24L * 3600);
  X509_set_pubkey(certificate.get(), key.get());
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
  for (const auto& [extension, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                                         std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                                         std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
    ExtensionPointer made(X509V3_EXT_conf_nid(nullptr, &context, extension, value));
    if (!made || X509_add_ext(certificate.get(), made.get(), -1) != 1) fail("no certificate extension");
  }
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) fail("signing failed");
  write_pem(directory / "key.pem", [&](std::FILE* file) {
    return PEM_write_PrivateKey(file, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  write_pem(directory / "cert.pem", [&](std::FILE* file) { return PEM_write_X509(file, certificate.get()); });
}

broker::ListenerTransport listener_transport(client::Scheme scheme) {
  switch (scheme) {
    case client::Scheme::mqtts:
      return broker::ListenerTransport::mqtts;
    case client::Scheme::ws:
      return broker::ListenerTransport::ws;
    case client::Scheme::wss:
      return broker::ListenerTransport::wss;
    case client::Scheme::mqtt:
      break;
  }
  return broker::ListenerTransport::mqtt;
}

}  // namespace

std::optional<client::Scheme> parse_embedded_transport(std::string_view name) {
  for (const auto scheme :
       {client::Scheme::mqtt, client::Scheme::mqtts, client::Scheme::ws, client::Scheme::wss}) {
    if (client::to_string(scheme) == name) return scheme;
  }
  return std::nullopt;
}

EmbeddedTarget::EmbeddedTarget(broker::BrokerOptions options, client::Scheme scheme) try {
  target_.scheme = scheme;
  target_.host = "127.0.0.1";
  if (client::uses_tls(scheme)) {
    std::string pattern = (std::filesystem::temp_directory_path() / "mqtt-harness-embedded-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) fail("cannot create a temporary directory");
    certificate_directory_ = pattern;  // mkdtemp makes it 0700: only this user reads the key
    make_certificate(certificate_directory_);
    options.tls.certificate_file = (certificate_directory_ / "cert.pem").string();
    options.tls.key_file = (certificate_directory_ / "key.pem").string();
    target_.tls.ca_file = options.tls.certificate_file;
  }
  if (scheme != client::Scheme::mqtt) {
    options.listeners = {
        broker::Listener{.transport = listener_transport(scheme), .address = "127.0.0.1", .port = 0}};
  }
  if (client::uses_websocket(scheme)) target_.path = std::string(client::default_websocket_path);
  options_ = options;
  broker_ = std::make_unique<broker::EmbeddedBroker>(std::move(options));
  target_.port = broker_->ports().empty() ? broker_->port() : broker_->ports().front();
} catch (...) {
  if (!certificate_directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(certificate_directory_, ignored);
  }
  throw;
}

void EmbeddedTarget::restart(std::chrono::milliseconds down) {
  broker_.reset();  // stops it and joins its thread
  std::this_thread::sleep_for(down);  // the scenario's down time, not a synchronisation
  auto options = options_;
  if (options.listeners.empty()) {
    options.port = target_.port;
  } else {
    options.listeners.front().port = target_.port;
  }
  try {
    broker_ = std::make_unique<broker::EmbeddedBroker>(std::move(options));
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot start the embedded broker again on port " + std::to_string(target_.port) +
                             ": " + error.what());
  }
}

EmbeddedTarget::~EmbeddedTarget() {
  broker_.reset();
  if (!certificate_directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(certificate_directory_, ignored);
  }
}

}  // namespace mqtt::cli
