#include "support/test_pki.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mqtt::test_support {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms readable_by_all = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                      fs::perms::others_read;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TestPki::TestPki() {
  std::string pattern = (fs::temp_directory_path() / "mqtt-harness-pki-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  directory_ = pattern;
  try {
    fs::permissions(directory_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const std::string folder = directory_.string();
    for (const std::string name : {"ca", "other-ca"}) {
      run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + folder + "/" + name +
          ".key -out " + folder + "/" + name + ".pem -days 2 -subj '/CN=mqtt-harness test " + name +
          "' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    }
    ca = folder + "/ca.pem";
    other_ca = folder + "/other-ca.pem";
    server = issue("server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1", 2);
    wrong_name_server = issue("wrong-name", "/CN=broker.invalid", "DNS:broker.invalid", 2);
    expired_server = issue("expired", "/CN=localhost", "DNS:localhost,IP:127.0.0.1", -1);
    client = issue("client", "/CN=harness-device", "", 2);
    client_encrypted_key = folder + "/client-encrypted.key";
    run("openssl pkey -in " + client.key + " -aes256 -passout pass:" + client_key_password + " -out " +
        client_encrypted_key);
    for (const auto& entry : fs::directory_iterator(directory_)) fs::permissions(entry.path(), readable_by_all);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
    throw;
  }
}

TestPki::~TestPki() {
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

CertificateFiles TestPki::issue(const std::string& name, const std::string& subject,
                                const std::string& alternative_names, int days) {
  const std::string base = directory_.string() + "/" + name;
  run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + base + ".key -out " + base +
      ".csr -subj '" + subject + "'");
  std::string extensions = "basicConstraints=CA:FALSE\n";
  if (!alternative_names.empty()) extensions += "subjectAltName=" + alternative_names + "\n";
  std::ofstream(base + ".ext") << extensions;
  run("openssl x509 -req -in " + base + ".csr -CA " + directory_.string() + "/ca.pem -CAkey " +
      directory_.string() + "/ca.key -CAcreateserial -days " + std::to_string(days) + " -extfile " + base +
      ".ext -out " + base + ".pem");
  return CertificateFiles{base + ".pem", base + ".key"};
}

void TestPki::run(const std::string& command) {
  const fs::path log = directory_ / "openssl.log";
  const std::string line = command + " > " + log.string() + " 2>&1";
  if (std::system(line.c_str()) != 0) {
    throw std::runtime_error("test PKI: `" + command + "` failed:\n" + read_text(log));
  }
}

}  // namespace mqtt::test_support
