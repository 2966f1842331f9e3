// Text that came from a file or the network, made fit for one terminal line: control bytes and bytes that are
// not UTF-8 are escaped (\n, \x1b, ...) so nothing reaches the terminal raw, and a long run is cut with its
// length said, so a 10 MB key does not become a 10 MB error line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mqtt::history {

// At most `limit` bytes of `text` (cut on a character boundary), escaped; a cut one ends with
// "…(N bytes)" giving the whole length.
std::string printable_excerpt(std::string_view text, std::size_t limit = 120);

}  // namespace mqtt::history
