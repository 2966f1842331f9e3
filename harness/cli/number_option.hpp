// A check for floating-point options (seconds, rates, scales): the text must be one finite number inside a
// documented range. CLI::Range alone lets "nan" through (every comparison with NaN is false), and "inf" or "1e300"
// seconds overflow the conversion to a clock duration; both must be one clear line and exit 2 instead.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace mqtt::cli {

inline CLI::Validator finite_number(double minimum, double maximum) {
  const std::string range = fmt::format("a finite number from {:g} to {:g}", minimum, maximum);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const char* begin = text.c_str();
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(begin, &end);
        if (text.empty() || end != begin + text.size() || errno == ERANGE || !std::isfinite(value) ||
            value < minimum || value > maximum) {
          return "'" + text + "' is not " + range;
        }
        return std::string();
      },
      "NUMBER in [" + fmt::format("{:g}, {:g}", minimum, maximum) + "]");
}

}  // namespace mqtt::cli
