// Shorthands shared by the config tests: parse text that must fail (or succeed) and get at the
// errors, with every error printed when an expectation does not hold.
#pragma once

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"

namespace hk::config::test {

inline std::string describe(const ConfigErrors& errors) {
    std::string out;
    for (const auto& error : errors) {
        out += error.to_string() + '\n';
    }
    return out;
}

// The config `text` yields; the test fails (showing the errors) if it is rejected.
inline Config parsed(std::string_view text) {
    auto result = parse(text, "test.toml");
    if (!result) {
        FAIL("unexpected errors:\n" << describe(result.error()));
    }
    return *result;
}

// Every error `text` yields; the test fails if it is accepted.
inline ConfigErrors errors_of(std::string_view text) {
    auto result = parse(text, "test.toml");
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

// The single error `text` yields.
inline ConfigError only_error_of(std::string_view text) {
    const ConfigErrors errors = errors_of(text);
    INFO(describe(errors));
    REQUIRE(errors.size() == 1);
    return errors.front();
}

}  // namespace hk::config::test
