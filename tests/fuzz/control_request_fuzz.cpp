// Fuzz target for the control-socket codec: decoding arbitrary lines never crashes, whatever
// decodes satisfies the protocol's constraints, and re-encoding round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/control/protocol.hpp"

namespace {

using namespace hk::control;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_request(std::string_view line) {
    const auto request = parse_request(line);
    if (!request) {
        require(!request.error().code.empty());
        return;
    }
    require(is_command_name(request->command));
    require(request->args.is_object());
    require(request_id_of(line) == request->id);
    const auto encoded = encode_request(*request);
    require(encoded.find('\n') == std::string::npos);
    // Numbers may re-encode longer ("1e2" becomes "100.0"), past the size limit.
    if (encoded.size() > kMaxMessageBytes) {
        return;
    }
    const auto again = parse_request(encoded);
    require(again.has_value());
    require(again->id == request->id);
    require(again->command == request->command);
    require(again->args == request->args);
}

void check_response(std::string_view line) {
    const auto response = parse_response(line);
    if (!response) {
        require(!response.error().code.empty());
        return;
    }
    if (!response->outcome) {
        require(is_error_code(response->outcome.error().code));
    }
    const auto encoded = encode_response(*response);
    require(encoded.find('\n') == std::string::npos);
    if (encoded.size() > kMaxMessageBytes) {
        return;
    }
    const auto again = parse_response(encoded);
    require(again.has_value());
    require(again->id == response->id);
    require(again->outcome.has_value() == response->outcome.has_value());
    if (response->outcome) {
        require(*again->outcome == *response->outcome);
    } else {
        require(again->outcome.error().code == response->outcome.error().code);
        require(again->outcome.error().message == response->outcome.error().message);
    }
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    check_request(line);
    check_response(line);
    return 0;
}
