// What every TLS connection of the client shares: one OpenSSL context per distinct TlsSettings for the whole
// process (trusted store, client certificate, modes), the per-connection set-up (SNI, the name to verify, ALPN),
// and the one line that says why a handshake failed. Used by the mqtts transport (its own readiness-based stream)
// and the wss transport (Boost.Asio's SSL stream under Boost.Beast). Internal: included by .cpp files only.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "client/target_url.hpp"

namespace mqtt::client::detail {

// The context for these settings, built on first use and shared by every later connection (thread-safe); or the
// one-line reason it cannot be built (check_tls_settings' wording). Release-buffers mode is on: an idle
// connection keeps no record buffers.
std::variant<std::shared_ptr<boost::asio::ssl::context>, std::string> shared_tls_context(const TlsSettings& settings);

// What one handshake saw, for the failure line: filled by the context's callbacks while `watch` is attached.
struct TlsHandshakeFacts {
  bool certificate_requested = false;  // the server sent a CertificateRequest
  std::string failed_certificate;      // subject of the certificate that failed verification
  std::string failed_not_after;        // its notAfter ("Dec  5 05:12:44 2026 GMT")
};

// Before the handshake: SNI (for host names; RFC 6066 forbids addresses), the name or address the server's
// certificate must carry (unless --insecure), the ALPN list, and `facts` to fill (kept until detach_facts).
void prepare_client_tls(SSL* ssl, const TargetUrl& target, TlsHandshakeFacts* facts);
void detach_facts(SSL* ssl);

// One line for a failed handshake, naming the cause and what to do: unknown CA, name mismatch, expired, handshake
// refused, client certificate required or rejected, not TLS at all, closed or reset during the handshake.
std::string describe_tls_failure(SSL* ssl, const boost::system::error_code& error, const TargetUrl& target,
                                 const TlsHandshakeFacts& facts);

// One line for a TLS error after the handshake ("TLS alert from the server: certificate required (the server
// requires a client certificate: give --cert and --key)"); "" when it is a plain socket error.
std::string describe_tls_error(const boost::system::error_code& error, const TargetUrl& target);

// "TLSv1.3" (and the ALPN protocol chosen, if any: "TLSv1.3 ALPN mqtt").
std::string negotiated_tls(SSL* ssl);

}  // namespace mqtt::client::detail
