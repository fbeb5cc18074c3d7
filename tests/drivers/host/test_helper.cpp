// A helper process for the supervisor's tests, speaking IPC frames on fd HK_IPC_FD. It says
// hello, then answers requests:
//   "ping" → "pong"            "echo:<text>" → "<text>"      "pid" → its pid
//   "event:<text>" → an event "<text>", then "ok"             "fail" → an error frame
//   "ignore-term" → ignores SIGTERM, then "ok"
//   "crash" → abort()          "hang" → stops reading         "exit:<n>" → exits with n
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>
#include <string_view>

#include <unistd.h>

#include "protocols/ipc/frame.hpp"

namespace {

namespace ipc = hk::proto::ipc;

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::_Exit(3);
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

void send(int fd, ipc::FrameType type, std::uint32_t id, std::string payload) {
    write_all(fd, ipc::encode(ipc::Frame{type, id, std::move(payload)}).value());
}

void handle(int fd, const ipc::Frame& request) {
    const std::string_view text = request.payload;
    if (text == "ping") {
        send(fd, ipc::FrameType::reply, request.id, "pong");
    } else if (text.starts_with("echo:")) {
        send(fd, ipc::FrameType::reply, request.id, std::string(text.substr(5)));
    } else if (text == "pid") {
        send(fd, ipc::FrameType::reply, request.id, std::to_string(::getpid()));
    } else if (text.starts_with("event:")) {
        send(fd, ipc::FrameType::event, 0, std::string(text.substr(6)));
        send(fd, ipc::FrameType::reply, request.id, "ok");
    } else if (text == "ignore-term") {
        (void)std::signal(SIGTERM, SIG_IGN);
        send(fd, ipc::FrameType::reply, request.id, "ok");
    } else if (text == "crash") {
        std::abort();
    } else if (text == "hang") {
        for (;;) {
            ::pause();
        }
    } else if (text.starts_with("exit:")) {
        std::_Exit(std::atoi(std::string(text.substr(5)).c_str()));
    } else {
        send(fd, ipc::FrameType::error, request.id, "unknown request");
    }
}

}  // namespace

int main() {
    const char* fd_text = std::getenv("HK_IPC_FD");
    if (fd_text == nullptr) {
        return 2;
    }
    const int fd = std::atoi(fd_text);
    send(fd, ipc::FrameType::hello, 0, "");
    ipc::FrameDecoder decoder;
    std::string buffer(4096, '\0');
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
                return 4;
            }
            if (!next->has_value()) {
                break;
            }
            handle(fd, **next);
        }
    }
}
