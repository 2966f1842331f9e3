// Append-only storage for message keys (a key holds the whole payload when it carries no token): one
// allocation per megabyte instead of one per message; the views it hands out stay valid (chunks never move).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace mqtt::model::detail {

class KeyArena {
 public:
  std::string_view store(std::string_view text) {
    if (text.size() > chunk_size / 8) {
      large_.emplace_back(new char[text.size()]);  // not value-initialised: every byte is copied over
      std::copy(text.begin(), text.end(), large_.back().get());
      return {large_.back().get(), text.size()};
    }
    if (chunks_.empty() || used_ + text.size() > chunk_size) {
      chunks_.emplace_back(new char[chunk_size]);
      used_ = 0;
    }
    char* place = chunks_.back().get() + used_;
    std::copy(text.begin(), text.end(), place);
    used_ += text.size();
    return {place, text.size()};
  }

 private:
  static constexpr std::size_t chunk_size = 1 << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<std::unique_ptr<char[]>> large_;
  std::size_t used_ = 0;
};

}  // namespace mqtt::model::detail
