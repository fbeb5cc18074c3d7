// hk-escpos-emulator: an ESC/POS thermal ticket printer on a pseudo-terminal or a TCP port,
// for tests and the demo. It prints each cut page as a PNG, answers status requests like a
// printer, and takes control commands (paper, cover, cutter, online) on standard input and an
// optional unix socket. One poll() loop, no threads, no timers. docs/escpos-emulator.md.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "tests/peers/escpos/interpreter.hpp"
#include "tests/peers/escpos/renderer.hpp"

namespace {

using hk::test::escpos::Interpreter;
using hk::test::escpos::InterpreterOptions;
using hk::test::escpos::Paper;
using hk::test::escpos::Renderer;
using hk::test::escpos::RendererOptions;

constexpr std::string_view kUsage =
    "usage: hk-escpos-emulator [--link PATH | --tcp ADDR:PORT] [--out DIR] [--control PATH]\n"
    "                          [--paper 80|58] [--font FILE] [--kanji] [--no-stdin]\n"
    "  --link PATH       serve on a new pty and make PATH a symlink to its slave (default: a pty)\n"
    "  --tcp ADDR:PORT   serve on a TCP port instead (port 0: pick one); one client at a time\n"
    "  --out DIR         write each cut page as DIR/page-0001.png, ...\n"
    "  --control PATH    also take control commands on a unix socket at PATH\n"
    "  --paper 80|58     paper width: 576 or 384 dots (default 80)\n"
    "  --font FILE       CJK font for text (default: fonts-wqy-microhei)\n"
    "  --kanji           start in Kanji (GB18030) mode, as Chinese-market printers do\n"
    "  --no-stdin        take no control commands on standard input\n"
    "Control commands, one per line: paper ok|near_end|out, paper roll DOTS, cover open|closed,\n"
    "cutter error|ok, online, offline, status, pages, wait pages N, quit.\n";

constexpr std::size_t kReadSize = std::size_t{64} * 1024;
constexpr std::size_t kStopReadingAt =
    std::size_t{1024} * 1024;  // receive buffer fill: flow control
constexpr std::size_t kMaxDeviceOutput = std::size_t{64} * 1024;
constexpr std::size_t kMaxControlLine = 4096;

struct Options {
    std::optional<std::filesystem::path> link;
    std::optional<std::string> tcp;
    std::optional<std::filesystem::path> out;
    std::optional<std::filesystem::path> control;
    int width = hk::test::escpos::kWidth80mm;
    std::filesystem::path font = hk::test::escpos::kDefaultFont;
    bool kanji = false;
    bool stdin_control = true;
};

void say(std::string_view line) {
    (void)std::fwrite(line.data(), 1, line.size(), stdout);
    (void)std::fputc('\n', stdout);
    (void)std::fflush(stdout);
}

void complain(std::string_view line) {
    (void)std::fwrite(line.data(), 1, line.size(), stderr);
    (void)std::fputc('\n', stderr);
}

std::optional<Options> parse(int argc, char** argv) {
    Options options;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto arg = args[i];
        const auto value = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= args.size()) {
                complain(fmt::format("{} needs a value", arg));
                return std::nullopt;
            }
            return args[++i];
        };
        if (arg == "--kanji") {
            options.kanji = true;
        } else if (arg == "--no-stdin") {
            options.stdin_control = false;
        } else if (arg == "--link" || arg == "--tcp" || arg == "--out" || arg == "--control" ||
                   arg == "--paper" || arg == "--font") {
            const auto v = value();
            if (!v) {
                return std::nullopt;
            }
            if (arg == "--link") {
                options.link = std::filesystem::path(*v);
            } else if (arg == "--tcp") {
                options.tcp = std::string(*v);
            } else if (arg == "--out") {
                options.out = std::filesystem::path(*v);
            } else if (arg == "--control") {
                options.control = std::filesystem::path(*v);
            } else if (arg == "--font") {
                options.font = std::filesystem::path(*v);
            } else if (*v == "80") {
                options.width = hk::test::escpos::kWidth80mm;
            } else if (*v == "58") {
                options.width = hk::test::escpos::kWidth58mm;
            } else {
                complain("--paper takes 80 or 58");
                return std::nullopt;
            }
        } else {
            complain(fmt::format("unknown argument {}", arg));
            return std::nullopt;
        }
    }
    if (options.link && options.tcp) {
        complain("--link is for the pty; --tcp serves on a port instead");
        return std::nullopt;
    }
    return options;
}

std::optional<int> parse_int(std::string_view text) {
    int value = 0;
    const std::string digits(text);
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at < line.size()) {
        const auto start = line.find_first_not_of(" \t\r", at);
        if (start == std::string_view::npos) {
            break;
        }
        const auto end = std::min(line.find_first_of(" \t\r", start), line.size());
        out.push_back(line.substr(start, end - start));
        at = end;
    }
    return out;
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    (void)::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

struct ControlClient {
    int fd = -1;  // 0: standard input, answered on standard output
    std::string input;
};

struct Waiter {
    int fd = -1;
    std::uint64_t pages = 0;
};

class Server {
public:
    Server(Options options, std::optional<Renderer> renderer)
        : options_(std::move(options)),
          printer_(InterpreterOptions{
              .width = options_.width,
              .kanji_at_power_on = options_.kanji,
              .on_log = [](std::string_view line) { complain(fmt::format("escpos: {}", line)); }}),
          renderer_(std::move(renderer)) {}
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server() {
        for (const int fd : {device_, pty_slave_, listen_, control_listen_, signals_}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        for (const auto& client : clients_) {
            if (client.fd > 0) {
                ::close(client.fd);
            }
        }
        std::error_code ignored;
        if (options_.link) {
            std::filesystem::remove(*options_.link, ignored);
        }
        if (options_.control) {
            std::filesystem::remove(*options_.control, ignored);
        }
    }

    // Opens the pty or the port and the control socket; prints where they are.
    bool start() {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, nullptr);
        signals_ = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c): the old handler is of no use
        if (options_.out) {
            std::error_code error;
            std::filesystem::create_directories(*options_.out, error);
            if (error) {
                complain(fmt::format("--out {}: {}", options_.out->string(), error.message()));
                return false;
            }
        }
        if (!(options_.tcp ? open_tcp() : open_pty())) {
            return false;
        }
        if (options_.control && !open_control()) {
            return false;
        }
        if (options_.stdin_control) {
            set_nonblocking(STDIN_FILENO);
            clients_.push_back({STDIN_FILENO, {}});
        }
        say("ready");
        return true;
    }

    int run() {
        while (!quit_) {
            std::vector<pollfd> fds;
            fds.push_back({signals_, POLLIN, 0});
            const bool reading = printer_.buffered_bytes() < kStopReadingAt;
            if (device_ >= 0) {
                short events = reading ? POLLIN : 0;
                if (!device_output_.empty()) {
                    events |= POLLOUT;
                }
                fds.push_back({device_, events, 0});
            } else if (listen_ >= 0) {
                fds.push_back({listen_, POLLIN, 0});
            }
            if (control_listen_ >= 0) {
                fds.push_back({control_listen_, POLLIN, 0});
            }
            for (const auto& client : clients_) {
                fds.push_back({client.fd, POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                complain(fmt::format("poll: {}", std::strerror(errno)));
                return 1;
            }
            for (const auto& p : fds) {
                if (p.revents != 0) {
                    ready(p);
                }
            }
        }
        return 0;
    }

private:
    bool open_pty() {
        std::array<char, 256> name{};
        int master = -1;
        if (::openpty(&master, &pty_slave_, name.data(), nullptr, nullptr) != 0) {
            complain(fmt::format("openpty: {}", std::strerror(errno)));
            return false;
        }
        device_ = master;
        // The emulator keeps the slave open too: a client closing it then never hangs up the
        // master, and the line is raw whatever the client sets (no CR/LF translation, no echo).
        termios raw{};
        if (::tcgetattr(pty_slave_, &raw) == 0) {
            ::cfmakeraw(&raw);
            (void)::tcsetattr(pty_slave_, TCSANOW, &raw);
        }
        (void)::fcntl(device_, F_SETFD, FD_CLOEXEC);
        (void)::fcntl(pty_slave_, F_SETFD, FD_CLOEXEC);
        set_nonblocking(device_);
        if (options_.link) {
            std::error_code ignored;
            if (std::filesystem::is_symlink(*options_.link, ignored)) {
                std::filesystem::remove(*options_.link, ignored);
            }
            std::error_code error;
            std::filesystem::create_symlink(name.data(), *options_.link, error);
            if (error) {
                complain(fmt::format("--link {}: {}", options_.link->string(), error.message()));
                options_.link.reset();  // not ours: leave it
                return false;
            }
        }
        say(fmt::format("pty {}", name.data()));
        return true;
    }

    bool open_tcp() {
        const auto colon = options_.tcp->rfind(':');
        const auto port = colon == std::string::npos
                              ? std::nullopt
                              : parse_int(std::string_view(*options_.tcp).substr(colon + 1));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        if (!port || *port < 0 || *port > 65535 ||
            ::inet_pton(AF_INET, options_.tcp->substr(0, colon).c_str(), &address.sin_addr) != 1) {
            complain(fmt::format("--tcp {}: give an IPv4 address and a port, as 127.0.0.1:9100",
                                 *options_.tcp));
            return false;
        }
        address.sin_port = htons(static_cast<std::uint16_t>(*port));
        listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        const int yes = 1;
        (void)::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        socklen_t length = sizeof address;
        if (::bind(listen_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listen_, 4) != 0 ||
            ::getsockname(listen_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            complain(fmt::format("--tcp {}: {}", *options_.tcp, std::strerror(errno)));
            return false;
        }
        say(fmt::format("tcp {}:{}", options_.tcp->substr(0, colon), ntohs(address.sin_port)));
        return true;
    }

    bool open_control() {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const auto path = options_.control->string();
        if (path.size() >= sizeof address.sun_path) {
            complain(fmt::format("--control {}: path too long", path));
            options_.control.reset();
            return false;
        }
        std::ranges::copy(path, address.sun_path);
        std::error_code ignored;
        std::filesystem::remove(*options_.control, ignored);
        control_listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (::bind(control_listen_, reinterpret_cast<const sockaddr*>(&address), sizeof address) !=
                0 ||
            ::listen(control_listen_, 8) != 0) {
            complain(fmt::format("--control {}: {}", path, std::strerror(errno)));
            options_.control.reset();
            return false;
        }
        return true;
    }

    void ready(const pollfd& p) {
        if (p.fd == signals_) {
            quit_ = true;
        } else if (p.fd == device_) {
            if ((p.revents & POLLOUT) != 0) {
                flush_device();
            }
            if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                read_device();
            }
        } else if (p.fd == listen_) {
            const int client = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (client >= 0) {
                device_ = client;
                complain("escpos: a client connected");
            }
        } else if (p.fd == control_listen_) {
            const int client =
                ::accept4(control_listen_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (client >= 0) {
                clients_.push_back({client, {}});
            }
        } else {
            read_control(p.fd);
        }
    }

    void drop_device() {
        ::close(device_);
        device_ = -1;
        device_output_.clear();
        complain("escpos: the client disconnected");
    }

    void read_device() {
        std::vector<std::uint8_t> buffer(kReadSize);
        const auto got = ::read(device_, buffer.data(), buffer.size());
        if (got > 0) {
            printer_.feed(std::span(buffer).first(static_cast<std::size_t>(got)));
            after_change();
            return;
        }
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        if (listen_ >= 0) {  // TCP: the client went; wait for the next one
            drop_device();
        }
        // A pty master never sees its slave go (the emulator holds it open).
    }

    // After input or a state change: the printer's replies go out, cut pages are written, and
    // waiters are answered.
    void after_change() {
        auto output = printer_.take_output();
        if (device_ >= 0) {
            device_output_.insert(device_output_.end(), output.begin(), output.end());
            if (device_output_.size() > kMaxDeviceOutput) {
                device_output_.erase(device_output_.begin(),
                                     device_output_.end() - kMaxDeviceOutput);
            }
            flush_device();
        }
        for (auto& page : printer_.take_pages()) {
            ++written_;
            if (!options_.out || !renderer_) {
                say(fmt::format("page {}", written_));
                continue;
            }
            const auto file = *options_.out / fmt::format("page-{:04}.png", written_);
            const auto bitmap = renderer_->render(page);
            if (auto saved = hk::test::escpos::write_png(bitmap, file); !saved) {
                complain(fmt::format("escpos: {}", saved.error()));
            }
            say(fmt::format("page {} {}", written_, file.string()));
        }
        std::erase_if(waiters_, [this](const Waiter& waiter) {
            if (printer_.counters().pages < waiter.pages) {
                return false;
            }
            answer(waiter.fd, fmt::format("pages {}", printer_.counters().pages));
            return true;
        });
    }

    void flush_device() {
        while (!device_output_.empty()) {
            const auto sent = ::write(device_, device_output_.data(), device_output_.size());
            if (sent <= 0) {
                return;  // full (POLLOUT will say when) or gone (the read side will say)
            }
            device_output_.erase(device_output_.begin(), device_output_.begin() + sent);
        }
    }

    void answer(int fd, std::string_view text) {
        if (fd == STDIN_FILENO) {
            say(text);
            return;
        }
        const std::string line = std::string(text) + "\n";
        (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    }

    void read_control(int fd) {
        auto it = std::ranges::find(clients_, fd, &ControlClient::fd);
        if (it == clients_.end()) {
            return;
        }
        std::array<char, 4096> buffer{};
        const auto got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        if (got <= 0) {
            // Standard input closing (a demo started in the background) is not a quit.
            if (fd != STDIN_FILENO) {
                ::close(fd);
            }
            std::erase_if(waiters_, [fd](const Waiter& w) { return w.fd == fd; });
            clients_.erase(it);
            return;
        }
        it->input.append(buffer.data(), static_cast<std::size_t>(got));
        std::size_t newline = 0;
        while ((newline = it->input.find('\n')) != std::string::npos) {
            const std::string line = it->input.substr(0, newline);
            it->input.erase(0, newline + 1);
            command(fd, line);
            if (quit_) {
                return;
            }
            it = std::ranges::find(clients_, fd, &ControlClient::fd);
        }
        if (it->input.size() > kMaxControlLine) {
            it->input.clear();
            answer(fd, "error line too long");
        }
    }

    void command(int fd, std::string_view line) {
        const auto w = words(line);
        if (w.empty()) {
            return;
        }
        // What a change causes (ASB frames, resumed printing, pages, waiters) happens first, so
        // the answer is a barrier for the one who asked.
        const auto reply = [&](const std::string& text) {
            after_change();
            answer(fd, text);
        };
        if (w[0] == "paper" && w.size() == 2) {
            if (w[1] == "ok" || w[1] == "near_end" || w[1] == "out") {
                printer_.set_paper(w[1] == "ok"    ? Paper::ok
                                   : w[1] == "out" ? Paper::out
                                                   : Paper::near_end);
                return reply(fmt::format("ok paper {}", w[1]));
            }
        } else if (w[0] == "paper" && w.size() == 3 && w[1] == "roll") {
            if (const auto dots = parse_int(w[2]); dots && *dots >= 0) {
                printer_.set_roll_remaining(dots);
                return reply(fmt::format("ok paper roll {}", *dots));
            }
        } else if (w[0] == "cover" && w.size() == 2 && (w[1] == "open" || w[1] == "closed")) {
            printer_.set_cover_open(w[1] == "open");
            return reply(fmt::format("ok cover {}", w[1]));
        } else if (w[0] == "cutter" && w.size() == 2 && (w[1] == "error" || w[1] == "ok")) {
            printer_.set_cutter_error(w[1] == "error");
            return reply(fmt::format("ok cutter {}", w[1]));
        } else if ((w[0] == "online" || w[0] == "offline") && w.size() == 1) {
            printer_.set_online(w[0] == "online");
            return reply(fmt::format("ok {}", w[0]));
        } else if (w[0] == "pages" && w.size() == 1) {
            return reply(fmt::format("pages {}", printer_.counters().pages));
        } else if (w[0] == "wait" && w.size() == 3 && w[1] == "pages") {
            if (const auto n = parse_int(w[2]); n && *n >= 0) {
                waiters_.push_back({fd, static_cast<std::uint64_t>(*n)});
                after_change();
                return;
            }
        } else if (w[0] == "status" && w.size() == 1) {
            return reply(status());
        } else if (w[0] == "quit" && w.size() == 1) {
            answer(fd, "bye");
            quit_ = true;
            return;
        }
        answer(fd, fmt::format("error unknown command: {}", line));
    }

    [[nodiscard]] std::string status() const {
        const auto& s = printer_.state();
        const auto& c = printer_.counters();
        const std::string_view paper = s.paper == Paper::ok    ? "ok"
                                       : s.paper == Paper::out ? "out"
                                                               : "near_end";
        return fmt::format(
            "status paper={} cover={} cutter={} online={} offline={} buffered={} pages={} "
            "lines={} symbols={} images={} unknown={} ignored={} errors={} asb=0x{:02X}",
            paper, s.cover_open ? "open" : "closed", s.cutter_error ? "error" : "ok",
            s.online_switch ? "yes" : "no", printer_.offline() ? "yes" : "no",
            printer_.buffered_bytes(), c.pages, c.lines, c.symbols, c.images, c.unknown, c.ignored,
            c.errors, printer_.asb_mask());
    }

    Options options_;
    Interpreter printer_;
    std::optional<Renderer> renderer_;
    int device_ = -1;  // the pty master, or the TCP client
    int pty_slave_ = -1;
    int listen_ = -1;
    int control_listen_ = -1;
    int signals_ = -1;
    bool quit_ = false;
    std::vector<std::uint8_t> device_output_;
    std::vector<ControlClient> clients_;
    std::vector<Waiter> waiters_;
    std::uint64_t written_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    auto options = parse(argc, argv);
    if (!options) {
        (void)std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
        return 2;
    }
    std::optional<Renderer> renderer;
    if (options->out) {
        auto made =
            Renderer::create(RendererOptions{.width = options->width, .font = options->font});
        if (!made) {
            complain(fmt::format("hk-escpos-emulator: {}", made.error()));
            return 1;
        }
        renderer.emplace(std::move(*made));
    }
    Server server(std::move(*options), std::move(renderer));
    if (!server.start()) {
        return 1;
    }
    return server.run();
}
