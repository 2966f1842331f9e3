#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include "client/detail/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace mqtt::client {

namespace detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Where a connection's TlsHandshakeFacts hang off its SSL object. Not SSL_set_app_data: Boost.Asio's SSL engine
// owns that slot and deletes what it finds there.
int facts_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

TlsHandshakeFacts* facts_of(const SSL* ssl) {
  return static_cast<TlsHandshakeFacts*>(SSL_get_ex_data(ssl, facts_index()));
}

std::string name_of(X509_NAME* name) {
  if (name == nullptr) return {};
  char text[256];
  X509_NAME_oneline(name, text, sizeof text);
  return text;
}

std::string time_text(const ASN1_TIME* time) {
  if (time == nullptr) return {};
  BIO* memory = BIO_new(BIO_s_mem());
  ASN1_TIME_print(memory, time);
  char* data = nullptr;
  const long size = BIO_get_mem_data(memory, &data);
  std::string text(data, static_cast<std::size_t>(size));
  BIO_free(memory);
  return text;
}

// Keeps OpenSSL's verdict; only remembers which certificate failed and when it expires, for the failure line.
int remember_verification_failure(int preverified, X509_STORE_CTX* store) {
  if (preverified == 1) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  TlsHandshakeFacts* facts = ssl != nullptr ? facts_of(ssl) : nullptr;
  if (facts != nullptr && facts->failed_certificate.empty()) {
    X509* certificate = X509_STORE_CTX_get_current_cert(store);
    if (certificate != nullptr) {
      facts->failed_certificate = name_of(X509_get_subject_name(certificate));
      facts->failed_not_after = time_text(X509_get0_notAfter(certificate));
    }
  }
  return 0;
}

// Notices the server's CertificateRequest (handshake message 13): whether a client certificate was asked for.
void watch_handshake_messages(int write, int, int content_type, const void* data, std::size_t length, SSL* ssl,
                              void*) {
  if (write != 0 || content_type != SSL3_RT_HANDSHAKE || length == 0) return;
  if (static_cast<const unsigned char*>(data)[0] != SSL3_MT_CERTIFICATE_REQUEST) return;
  if (TlsHandshakeFacts* facts = facts_of(ssl)) facts->certificate_requested = true;
}

std::string readable_problem(const std::string& option, const std::string& file) {
  std::ifstream stream(file);
  if (stream) return {};
  return option + " " + file + ": cannot read it: " + std::strerror(errno);
}

std::string openssl_reason(const error_code& error) {
  std::string text = error.message();
  return text.empty() ? "OpenSSL error " + std::to_string(error.value()) : text;
}

std::variant<std::shared_ptr<asio::ssl::context>, std::string> build_context(const TlsSettings& settings) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Release buffers: an idle connection holds no 16 KiB record buffers (thousands of idle TLS devices).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A TCP FIN without close_notify is the ordinary end of an MQTT connection, not an attack on a length-less
  // protocol: read it as the end of the stream.
  SSL_CTX_set_options(native, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_msg_callback(native, watch_handshake_messages);
  error_code error;
  if (!settings.insecure) {
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, remember_verification_failure);
    if (!settings.ca_file.empty()) {
      if (auto problem = readable_problem("--cafile", settings.ca_file); !problem.empty()) return problem;
      context->load_verify_file(settings.ca_file, error);
      if (error) return "--cafile " + settings.ca_file + ": no usable certificate in it (" + openssl_reason(error) + ")";
    }
    if (!settings.ca_path.empty()) {
      context->add_verify_path(settings.ca_path, error);
      if (error) return "--capath " + settings.ca_path + ": " + openssl_reason(error);
    }
    if (settings.ca_file.empty() && settings.ca_path.empty()) {
      context->set_default_verify_paths(error);
      if (error) return "the system's trusted certificates cannot be loaded (" + openssl_reason(error) + ")";
    }
  } else {
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  }
  if (settings.certificate_file.empty() != settings.key_file.empty()) {
    return settings.key_file.empty() ? "--cert needs --key (the client certificate's private key)"
                                     : "--key needs --cert (the client certificate)";
  }
  if (!settings.certificate_file.empty()) {
    if (auto problem = readable_problem("--cert", settings.certificate_file); !problem.empty()) return problem;
    if (auto problem = readable_problem("--key", settings.key_file); !problem.empty()) return problem;
    context->use_certificate_chain_file(settings.certificate_file, error);
    if (error) return "--cert " + settings.certificate_file + ": no usable certificate in it (" + openssl_reason(error) + ")";
    const std::string password = settings.key_password.value_or("");
    // Without a password OpenSSL would prompt on the terminal: answer for it, with nothing when none was given.
    context->set_password_callback([password](std::size_t, asio::ssl::context::password_purpose) { return password; });
    context->use_private_key_file(settings.key_file, asio::ssl::context::pem, error);
    if (error) {
      const bool encrypted = ERR_GET_REASON(static_cast<unsigned long>(error.value())) == EVP_R_BAD_DECRYPT ||
                             error.message().find("bad decrypt") != std::string::npos;
      if (encrypted || !settings.key_password) {
        return "--key " + settings.key_file + ": cannot load it (" + openssl_reason(error) + ")" +
               (settings.key_password ? " — is --key-password right?"
                                      : " — if it is encrypted, give --key-password or MQTT_HARNESS_KEY_PASSWORD");
      }
      return "--key " + settings.key_file + ": cannot load it (" + openssl_reason(error) + ")";
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      ERR_clear_error();
      return "--key " + settings.key_file + ": it is not the key of --cert " + settings.certificate_file;
    }
  }
  for (const auto& protocol : settings.alpn) {
    if (protocol.empty() || protocol.size() > 255) return "--alpn \"" + protocol + "\": a protocol name has 1 to 255 bytes";
  }
  return context;
}

struct CachedContext {
  TlsSettings settings;
  std::shared_ptr<asio::ssl::context> context;
};

bool is_address(const std::string& host) {
  error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

std::string where(const TargetUrl& target) {
  return target.host_port();
}

}  // namespace

std::variant<std::shared_ptr<asio::ssl::context>, std::string> shared_tls_context(const TlsSettings& settings) {
  static std::mutex mutex;
  static std::vector<CachedContext> cache;  // a handful at most: one per distinct settings in a process
  const std::lock_guard lock(mutex);
  for (const auto& cached : cache) {
    if (cached.settings == settings) return cached.context;
  }
  auto built = build_context(settings);
  ERR_clear_error();
  if (auto* context = std::get_if<std::shared_ptr<asio::ssl::context>>(&built)) {
    cache.push_back(CachedContext{settings, *context});
  }
  return built;
}

void prepare_client_tls(SSL* ssl, const TargetUrl& target, TlsHandshakeFacts* facts) {
  SSL_set_ex_data(ssl, facts_index(), facts);
  const bool address = is_address(target.host);
  if (!address) SSL_set_tlsext_host_name(ssl, target.host.c_str());
  if (!target.tls.insecure) {
    X509_VERIFY_PARAM* parameters = SSL_get0_param(ssl);
    if (address) {
      X509_VERIFY_PARAM_set1_ip_asc(parameters, target.host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(parameters, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(parameters, target.host.c_str(), target.host.size());
    }
  }
  if (!target.tls.alpn.empty()) {
    std::vector<unsigned char> wire;
    for (const auto& protocol : target.tls.alpn) {
      wire.push_back(static_cast<unsigned char>(protocol.size()));
      wire.insert(wire.end(), protocol.begin(), protocol.end());
    }
    SSL_set_alpn_protos(ssl, wire.data(), static_cast<unsigned int>(wire.size()));
  }
}

void detach_facts(SSL* ssl) { SSL_set_ex_data(ssl, facts_index(), nullptr); }

namespace {

int alert_of(const error_code& error) {
  if (error.category() != asio::error::get_ssl_category()) return -1;
  const auto code = static_cast<unsigned long>(error.value());
  if (ERR_GET_LIB(code) != ERR_LIB_SSL) return -1;
  const int reason = ERR_GET_REASON(code);
  if (reason < SSL_AD_REASON_OFFSET || reason >= SSL_AD_REASON_OFFSET + 256) return -1;
  return reason - SSL_AD_REASON_OFFSET;
}

int ssl_reason(const error_code& error) {
  if (error.category() != asio::error::get_ssl_category()) return -1;
  return ERR_GET_REASON(static_cast<unsigned long>(error.value()));
}

bool rejects_certificate(int alert) {
  return alert == SSL3_AD_BAD_CERTIFICATE || alert == SSL3_AD_UNSUPPORTED_CERTIFICATE ||
         alert == SSL3_AD_CERTIFICATE_REVOKED || alert == SSL3_AD_CERTIFICATE_EXPIRED ||
         alert == SSL3_AD_CERTIFICATE_UNKNOWN || alert == TLS1_AD_UNKNOWN_CA || alert == TLS1_AD_ACCESS_DENIED;
}

// OpenSSL 3.0 names no alert newer than TLS 1.2 ("unknown"): the TLS 1.3 ones a broker sends are named here.
std::string alert_text(int alert) {
  switch (alert) {
    case TLS13_AD_MISSING_EXTENSION: return "missing extension";
    case TLS13_AD_CERTIFICATE_REQUIRED: return "certificate required";
    case TLS1_AD_NO_APPLICATION_PROTOCOL: return "no application protocol";
    default: return SSL_alert_desc_string_long(alert);
  }
}

std::string client_certificate_problem(int alert, const TargetUrl& target, bool requested) {
  const bool given = !target.tls.certificate_file.empty();
  if (alert == TLS13_AD_CERTIFICATE_REQUIRED || (requested && !given && (alert == SSL3_AD_HANDSHAKE_FAILURE ||
                                                                          rejects_certificate(alert)))) {
    return "the server requires a client certificate (alert: " + alert_text(alert) + ") — give --cert and --key";
  }
  if (given && rejects_certificate(alert)) {
    return "the server rejected the client certificate " + target.tls.certificate_file + " (alert: " +
           alert_text(alert) + ")";
  }
  return {};
}

}  // namespace

std::string describe_tls_failure(SSL* ssl, const error_code& error, const TargetUrl& target,
                                 const TlsHandshakeFacts& facts) {
  const std::string prefix = "TLS handshake with " + where(target) + " failed: ";
  const long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK && !target.tls.insecure) {
    const std::string reason = X509_verify_cert_error_string(verify);
    const std::string subject = facts.failed_certificate.empty() ? "" : " " + facts.failed_certificate;
    switch (verify) {
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case X509_V_ERR_CERT_UNTRUSTED:
        return prefix + "the server's certificate is not signed by an authority the harness trusts (" + reason +
               (facts.failed_certificate.empty() ? "" : ": " + facts.failed_certificate) + "; trusting the " +
               target.tls.verification() + ") — name its CA with --cafile or --capath, or skip verification with "
               "--insecure";
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return prefix + "the server's certificate" + subject + " is not for " +
               (verify == X509_V_ERR_IP_ADDRESS_MISMATCH ? "address " : "host name ") + target.host + " (" + reason +
               ") — connect by a name the certificate lists";
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return prefix + "the server's certificate" + subject + " has expired" +
               (facts.failed_not_after.empty() ? "" : " (not valid after " + facts.failed_not_after + ")");
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return prefix + "the server's certificate" + subject + " is not valid yet (check the clocks)";
      default:
        return prefix + "the server's certificate" + subject + " did not verify (" + reason + ")";
    }
  }
  if (error == asio::error::timed_out) return prefix + "no answer within the connect deadline";
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated ||
      ssl_reason(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return prefix + "the server closed the connection during the handshake";
  }
  if (error == asio::error::connection_reset) return prefix + "the server reset the connection during the handshake";
  if (const int alert = alert_of(error); alert >= 0) {
    if (auto problem = client_certificate_problem(alert, target, facts.certificate_requested); !problem.empty()) {
      return prefix + problem;
    }
    if (alert == TLS1_AD_NO_APPLICATION_PROTOCOL) {
      return prefix + "the server accepts none of the ALPN protocols offered (alert: " + alert_text(alert) + ")";
    }
    if (alert == TLS1_AD_PROTOCOL_VERSION) {
      return prefix + "the server refused the handshake: no TLS version in common (the harness speaks TLS 1.2 and 1.3)";
    }
    return prefix + "the server refused the handshake (alert: " + alert_text(alert) + ")";
  }
  const int reason = ssl_reason(error);
  if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
      reason == SSL_R_RECORD_LENGTH_MISMATCH || reason == SSL_R_HTTP_REQUEST) {
    return prefix + "the server did not answer in TLS (" + error.message() +
           ") — is it a plain mqtt:// or ws:// port?";
  }
  if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_NO_PROTOCOLS_AVAILABLE) {
    return prefix + "no TLS version in common (the harness speaks TLS 1.2 and 1.3)";
  }
  return prefix + (error ? error.message() : std::string("unknown error"));
}

std::string describe_tls_error(const error_code& error, const TargetUrl& target) {
  if (error.category() != asio::error::get_ssl_category()) return {};
  if (const int alert = alert_of(error); alert >= 0) {
    std::string text = "TLS alert from the server: " + alert_text(alert);
    if (auto problem = client_certificate_problem(alert, target, false); !problem.empty()) text += " (" + problem + ")";
    return text;
  }
  return "TLS error: " + error.message();
}

std::string negotiated_tls(SSL* ssl) {
  std::string text = SSL_get_version(ssl);
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &protocol, &length);
  if (protocol != nullptr && length > 0) text += " ALPN " + std::string(reinterpret_cast<const char*>(protocol), length);
  return text;
}

}  // namespace detail

std::string check_tls_settings(const TlsSettings& settings) {
  auto built = detail::shared_tls_context(settings);
  if (auto* problem = std::get_if<std::string>(&built)) return *problem;
  return {};
}

}  // namespace mqtt::client
