// hk-sim-vendor-reader: plays the part of a closed vendor ID card reader SDK behind the helper
// protocol (docs/drivers.md, "Drivers in a helper process"), so that sdk_id_card_reader and the
// supervisor's isolation can be run and tested without the vendor's library or a reader.
//
// It finds its socket on fd HK_IPC_FD, says hello, and answers JSON requests with replies or
// error frames ({"code": …, "detail": …}):
//   {"op":"open"}        → {"opened":true,"model":…}       (opens the "reader")
//   {"op":"status"}      → {"sam":"ok","model":…,"opened":…,"port":…}
//   {"op":"find_card"}   → {"present":bool}
//   {"op":"read_card"}   → the card (a fake sample, see kSampleCard), or an error frame
//   {"op":"simulate","action":A} with A one of
//       present_card (optional "unreadable":true: reading it fails), remove_card,
//       hang (replies, then answers nothing more, as an SDK hung in a call),
//       crash (abort(), as an SDK crashing in a call).
// Malformed requests get an error frame; nothing but `crash` ends it, except the daemon
// closing its end of the socket or breaking the frame stream.
//
// Options: --port PATH, the device node the configuration named (reported by status only).
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "drivers/host/base64.hpp"
#include "protocols/ipc/frame.hpp"
#include "protocols/json/json_text.hpp"

namespace {

namespace ipc = hk::proto::ipc;
using nlohmann::json;

constexpr std::string_view kModel = "SIM-IDR-100";
constexpr std::size_t kMaxDepth = 8;  // requests are flat objects

// A clearly fake card: 测试样例 ("test sample") with a number valid under GB 11643 (its check
// character X is right) for 1949-12-31, 北京市朝阳区 (110105); sequence 002, so female.
// The photo is a few made-up bytes, not a WLT image.
constexpr std::array<std::uint8_t, 8> kSamplePhoto = {'W', 'L', 'T', 0x00, 0x01, 0x7F, 0xFE, 0xFF};

json sample_card() {
    return json{
        {"kind", "resident"},
        {"name", "测试样例"},
        {"sex", "女"},
        {"nation", "汉"},
        {"birth_date", "19491231"},
        {"address", "北京市朝阳区测试路1号（样例）"},
        {"id_number", "11010519491231002X"},
        {"authority", "北京市公安局朝阳分局（样例）"},
        {"valid_from", "20200101"},
        {"valid_to", "长期"},
        {"photo", hk::drivers::host::base64_encode(kSamplePhoto)},
    };
}

struct Reader {
    std::string port;
    bool opened = false;
    bool card_present = false;
    bool unreadable = false;
    bool hang = false;  // set by "hang": stop answering after this reply
};

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::_Exit(3);  // the daemon is gone
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

void send(int fd, ipc::FrameType type, std::uint32_t id, const json& payload) {
    // Strings from requests are echoed in errors: replace invalid UTF-8 rather than throw.
    auto frame = ipc::encode(
        ipc::Frame{type, id, payload.dump(-1, ' ', false, json::error_handler_t::replace)});
    if (!frame) {
        frame =
            ipc::encode(ipc::Frame{type, id, R"({"code":"internal","detail":"reply too big"})"});
    }
    write_all(fd, *frame);
}

json failure(std::string_view code, std::string_view detail) {
    return json{{"code", code}, {"detail", detail}};
}

struct Answer {
    bool ok = true;
    json payload;
};

Answer error_answer(std::string_view code, std::string_view detail) {
    return {false, failure(code, detail)};
}

Answer simulate(Reader& reader, const json& request) {
    const auto action = request.find("action");
    if (action == request.end() || !action->is_string()) {
        return error_answer("bad_request", "simulate needs a string 'action'");
    }
    const auto& name = action->get_ref<const std::string&>();
    if (name == "present_card") {
        if (reader.card_present) {
            return error_answer("invalid_state", "a card lies on the reader already");
        }
        const auto unreadable = request.find("unreadable");
        if (unreadable != request.end() && !unreadable->is_boolean()) {
            return error_answer("bad_request", "'unreadable' must be true or false");
        }
        reader.card_present = true;
        reader.unreadable = unreadable != request.end() && unreadable->get<bool>();
        return {true, json{{"done", "card presented"}}};
    }
    if (name == "remove_card") {
        if (!reader.card_present) {
            return error_answer("invalid_state", "no card to remove");
        }
        reader.card_present = false;
        reader.unreadable = false;
        return {true, json{{"done", "card removed"}}};
    }
    if (name == "hang") {
        reader.hang = true;
        return {true, json{{"done", "hanging"}}};
    }
    if (name == "crash") {
        std::abort();
    }
    return error_answer("unknown_action", "unknown simulate action '" + name + "'");
}

Answer answer(Reader& reader, std::string_view payload) {
    if (hk::proto::json_nested_deeper_than(payload, kMaxDepth)) {
        return error_answer("bad_request", "request nested too deeply");
    }
    const json request = json::parse(payload, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
        return error_answer("bad_request", "a request is a JSON object");
    }
    const auto op_field = request.find("op");
    if (op_field == request.end() || !op_field->is_string()) {
        return error_answer("bad_request", "a request needs a string 'op'");
    }
    const auto& op = op_field->get_ref<const std::string&>();
    if (op == "open") {
        reader.opened = true;
        return {true, json{{"opened", true}, {"model", kModel}}};
    }
    if (op == "status") {
        return {true, json{{"sam", "ok"},
                           {"model", kModel},
                           {"opened", reader.opened},
                           {"port", reader.port}}};
    }
    if (op == "simulate") {
        return simulate(reader, request);
    }
    if (op != "find_card" && op != "read_card") {
        return error_answer("unknown_op", "unknown op '" + op + "'");
    }
    if (!reader.opened) {
        return error_answer("not_open", "the reader is not open");
    }
    if (op == "find_card") {
        return {true, json{{"present", reader.card_present}}};
    }
    if (!reader.card_present) {
        return error_answer("no_card", "no card on the reader");
    }
    if (reader.unreadable) {
        return error_answer("unreadable", "the card did not answer (simulated)");
    }
    return {true, sample_card()};
}

void handle(int fd, Reader& reader, const ipc::Frame& frame) {
    if (frame.type != ipc::FrameType::request) {
        return;  // only requests come from the daemon; anything else means nothing to us
    }
    Answer result;
    try {
        result = answer(reader, frame.payload);
    } catch (const std::exception&) {
        result = error_answer("internal", "the request could not be handled");
    }
    send(fd, result.ok ? ipc::FrameType::reply : ipc::FrameType::error, frame.id, result.payload);
    if (reader.hang) {
        for (;;) {
            ::pause();  // as a vendor call that never returns; SIGTERM and SIGKILL still end it
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    Reader reader;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if (arg == "--port" && i + 1 < argc) {
            reader.port = argv[++i];
        } else {
            return 64;  // EX_USAGE
        }
    }
    const char* fd_text = std::getenv("HK_IPC_FD");
    if (fd_text == nullptr) {
        return 64;
    }
    const int fd = std::atoi(fd_text);
    send(fd, ipc::FrameType::hello, 0, json{{"sdk", "hallkeeper simulated vendor reader"}});
    ipc::FrameDecoder decoder;
    std::string buffer(8192, '\0');
    for (;;) {
        const auto got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return 0;  // the daemon closed its end
        }
        decoder.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
        for (;;) {
            auto next = decoder.next();
            if (!next) {
                return 4;  // the stream cannot be resynchronised
            }
            const std::optional<ipc::Frame>& frame = *next;
            if (!frame) {
                break;
            }
            handle(fd, reader, *frame);
        }
    }
}
