#include <gtest/gtest.h>

#include "client/target_url.hpp"

namespace mqtt::client {
namespace {

TargetUrl parsed(std::string_view text) {
  auto result = parse_target_url(text);
  if (auto* error = std::get_if<UrlError>(&result)) {
    ADD_FAILURE() << text << ": " << error->describe();
    return {};
  }
  return std::get<TargetUrl>(result);
}

UrlError rejected(std::string_view text) {
  auto result = parse_target_url(text);
  if (auto* error = std::get_if<UrlError>(&result)) return *error;
  ADD_FAILURE() << text << " was accepted";
  return {};
}

TEST(TargetUrl, HostAloneGetsTheDefaultPort) {
  const TargetUrl url = parsed("mqtt://broker.example");
  EXPECT_EQ(url.scheme, Scheme::mqtt);
  EXPECT_EQ(url.host, "broker.example");
  EXPECT_EQ(url.port, 1883);
  EXPECT_FALSE(url.username);
  EXPECT_FALSE(url.password);
  EXPECT_EQ(url.redacted(), "mqtt://broker.example:1883");
}

TEST(TargetUrl, ExplicitPortAndTrailingSlash) {
  const TargetUrl url = parsed("mqtt://127.0.0.1:18830/");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 18830);
  EXPECT_EQ(url.host_port(), "127.0.0.1:18830");
}

TEST(TargetUrl, UserAndPasswordAreParsedAndThePasswordIsNeverShown) {
  const TargetUrl url = parsed("mqtt://alice:s3cret@localhost:1884");
  EXPECT_EQ(url.username, "alice");
  EXPECT_EQ(url.password, "s3cret");
  EXPECT_EQ(url.redacted(), "mqtt://alice:***@localhost:1884");
  EXPECT_EQ(url.redacted().find("s3cret"), std::string::npos);
}

TEST(TargetUrl, UserWithoutPassword) {
  const TargetUrl url = parsed("mqtt://bob@localhost");
  EXPECT_EQ(url.username, "bob");
  EXPECT_FALSE(url.password);
  EXPECT_EQ(url.redacted(), "mqtt://bob@localhost:1883");
}

TEST(TargetUrl, PercentEscapesInCredentials) {
  const TargetUrl url = parsed("mqtt://a%40b:p%3Aw%2Fd@host");
  EXPECT_EQ(url.username, "a@b");
  EXPECT_EQ(url.password, "p:w/d");
}

TEST(TargetUrl, BracketedIpv6Literal) {
  const TargetUrl url = parsed("mqtt://[::1]:1999");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 1999);
  EXPECT_EQ(url.host_port(), "[::1]:1999");
  EXPECT_EQ(parsed("mqtt://u:p@[fe80::1]").redacted(), "mqtt://u:***@[fe80::1]:1883");
}

TEST(TargetUrl, ErrorsNameTheProblemAndThePosition) {
  EXPECT_EQ(rejected("http://host").position, 0u);
  EXPECT_NE(rejected("http://host").message.find("unsupported scheme"), std::string::npos);
  EXPECT_NE(rejected("host:1883").message.find("mqtt://"), std::string::npos);

  const UrlError bad_port = rejected("mqtt://host:99999");
  EXPECT_EQ(bad_port.position, 12u);
  EXPECT_EQ(bad_port.describe(), "invalid target URL at character 12: port must be a number from 1 to 65535");

  EXPECT_EQ(rejected("mqtt://host:0").position, 12u);
  EXPECT_EQ(rejected("mqtt://host:12ab").position, 12u);
  EXPECT_EQ(rejected("mqtt://host:").message, "port is empty");
  EXPECT_EQ(rejected("mqtt://").message, "host is empty");
  EXPECT_EQ(rejected("mqtt://user:pw@").position, 15u);
  EXPECT_EQ(rejected("mqtt://[::1").message, "IPv6 address is missing its closing ']'");
  EXPECT_EQ(rejected("mqtt://[::1]x").position, 12u);
  EXPECT_EQ(rejected("mqtt://[zz::1]").position, 8u);
  EXPECT_EQ(rejected("mqtt://::1").position, 7u);
  EXPECT_EQ(rejected("mqtt://host/path").position, 11u);
  EXPECT_EQ(rejected("mqtt://ho st").position, 9u);
  EXPECT_EQ(rejected("mqtt://a%4:b@host").message, "incomplete %-escape in user name");
  EXPECT_EQ(rejected("mqtt://a%4g:b@host").message, "invalid %-escape in user name");
  EXPECT_EQ(rejected("mqtt://:pw@host").message, "user name is empty");
}

}  // namespace
}  // namespace mqtt::client
