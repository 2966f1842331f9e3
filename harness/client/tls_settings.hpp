// How the harness speaks TLS to a target (mqtts://, wss://): which certificate authorities it trusts, the client
// certificate it presents, ALPN. Pure data, filled from the command line; the TLS context built from it is shared
// by every connection with equal settings (client/tls_context.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mqtt::client {

struct TlsSettings {
  // Trusted authorities: a PEM file and/or an OpenSSL hashed directory. Both empty: the system store.
  std::string ca_file;
  std::string ca_path;
  // The client certificate (PEM, may hold the chain) and its private key; both or neither.
  std::string certificate_file;
  std::string key_file;
  std::optional<std::string> key_password;  // for an encrypted key; never printed
  // Skip verifying the server's certificate and name. Loud: a warning line and a note in results.json.
  bool insecure = false;
  // ALPN protocol names offered in this order (some cloud brokers route on them); empty: none offered.
  std::vector<std::string> alpn;

  // How the server is verified, for results and reports: "system store", "--cafile FILE", "none (--insecure)".
  std::string verification() const;
  friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

// Loads the files and builds the shared TLS context now (client/tls_context.cpp), so bad input is found before a
// run starts. Returns "" when usable, else one line naming the option and the file ("--cafile ca.pem: cannot read
// it: No such file or directory", "--key client.key: wrong password (--key-password)").
std::string check_tls_settings(const TlsSettings& settings);

}  // namespace mqtt::client
