// hk-escpos-emulator, the program: a ticket written to its pty (or TCP port) comes out as a PNG
// that decodes to the ticket id; status requests and ASB frames on the line follow the state
// scripted on its control channel; a job sent while the paper is out prints once after the
// refill. Every wait is for the emulator's own word (a line on its standard output, a reply
// on the line), never a sleep; the deadline only bounds a broken build.
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/peers/escpos/renderer.hpp"
#include "tests/peers/escpos/test_bytes.hpp"
#include "tests/peers/escpos/zxing_decode.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace escpos = hk::test::escpos;
namespace b = hk::test::escpos::bytes;
using namespace std::chrono_literals;

namespace {

constexpr auto kDeadline = 20s;
using Bytes = std::vector<std::uint8_t>;

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(left.count(), 0));
}

// Reads exactly n bytes from fd, or fails the test at the deadline.
Bytes read_exactly(int fd, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    Bytes out;
    while (out.size() < n) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
            FAIL("no reply within the deadline; got " << out.size() << " of " << n << " bytes");
        }
        std::array<std::uint8_t, 256> buffer{};
        const auto got = ::read(fd, buffer.data(), std::min(buffer.size(), n - out.size()));
        REQUIRE(got > 0);
        out.insert(out.end(), buffer.begin(), buffer.begin() + got);
    }
    return out;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const auto sent = ::write(fd, data.data(), data.size());
        REQUIRE(sent > 0);
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
}

// A line-oriented reader of a file descriptor with a deadline per line.
class LineReader {
public:
    explicit LineReader(int fd) : fd_(fd) {}

    std::string next() {
        const auto deadline = std::chrono::steady_clock::now() + kDeadline;
        for (;;) {
            if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
                auto line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                return line;
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
                FAIL("no line within the deadline; have \"" << buffer_ << "\"");
            }
            std::array<char, 4096> chunk{};
            const auto got = ::read(fd_, chunk.data(), chunk.size());
            if (got <= 0) {
                FAIL("the stream ended; have \"" << buffer_ << "\"");
            }
            buffer_.append(chunk.data(), static_cast<std::size_t>(got));
        }
    }

private:
    int fd_;
    std::string buffer_;
};

// The emulator as a child process, its standard input and output on pipes.
class Emulator {
public:
    explicit Emulator(std::vector<std::string> args, const std::filesystem::path& log) {
        std::array<int, 2> in{};
        std::array<int, 2> out{};
        REQUIRE(::pipe2(in.data(), O_CLOEXEC) == 0);
        REQUIRE(::pipe2(out.data(), O_CLOEXEC) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        args.insert(args.begin(), HK_ESCPOS_EMULATOR_BIN);
        std::vector<char*> argv;
        argv.reserve(args.size() + 1);
        for (auto& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        input_ = in[1];
        output_ = out[0];
        REQUIRE(spawned == 0);
        pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        reader_.emplace(output_);
    }
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;
    ~Emulator() {
        if (pid_ > 0 && !exit_code_) {
            ::kill(pid_, SIGTERM);
            if (!wait_exit()) {
                ::kill(pid_, SIGKILL);
                (void)wait_exit();
            }
        }
        ::close(input_);
        ::close(output_);
        if (pidfd_ >= 0) {
            ::close(pidfd_);
        }
    }

    // The next line the emulator prints, other than page announcements (kept in pages()).
    std::string line() {
        for (;;) {
            auto next = reader_->next();
            if (next.starts_with("page ")) {
                pages_.push_back(next);
                continue;
            }
            return next;
        }
    }
    // The next page announcement: "page N PATH".
    std::string page() {
        if (pages_.empty()) {
            auto next = reader_->next();
            while (!next.starts_with("page ")) {
                others_.push_back(next);
                next = reader_->next();
            }
            return next;
        }
        auto next = pages_.front();
        pages_.erase(pages_.begin());
        return next;
    }
    // Sends a control command and returns its answer.
    std::string call(std::string_view command) {
        write_all(input_, std::string(command) + "\n");
        if (!others_.empty()) {
            auto next = others_.front();
            others_.erase(others_.begin());
            return next;
        }
        return line();
    }
    // The pty path or TCP address, and "ready".
    std::string start() {
        const auto where = line();
        REQUIRE(line() == "ready");
        return where;
    }
    std::optional<int> wait_exit() {
        pollfd p{pidfd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kDeadline).count())) <= 0) {
            return std::nullopt;
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
    }

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    int input_ = -1;
    int output_ = -1;
    std::optional<LineReader> reader_;
    std::vector<std::string> pages_;
    std::vector<std::string> others_;
    std::optional<int> exit_code_;
};

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) { REQUIRE(fd_ >= 0); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { ::close(fd_); }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

std::filesystem::path page_file(const std::string& announcement) {
    // "page N PATH"
    const auto second = announcement.find(' ', 5);
    REQUIRE(second != std::string::npos);
    return announcement.substr(second + 1);
}

void check_decodes(const std::filesystem::path& png, const std::string& id) {
    const auto bitmap = escpos::read_png(png);
    REQUIRE(bitmap);
    CHECK(bitmap->width == escpos::kWidth80mm);
    CHECK(escpos::decode(*bitmap, escpos::CodeFormat::qr) == id);
    CHECK(escpos::decode(*bitmap, escpos::CodeFormat::code128) == id);
}

}  // namespace

TEST_CASE("on a pty a ticket written to the link comes out as a PNG holding the ticket id") {
    hk::test::TempDir dir("hk-escpos-program");
    const auto link = dir / "printer";
    Emulator emulator({"--link", link.string(), "--out", (dir / "pages").string()},
                      dir / "stderr.log");
    const auto where = emulator.start();
    CHECK(where.starts_with("pty /dev/pts/"));
    REQUIRE(std::filesystem::is_symlink(link));
    CHECK(std::filesystem::read_symlink(link).string() == where.substr(4));

    const Fd printer(::open(link.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    const std::string id = "HK-A023-20250101-7F3Q";
    write_all(printer.get(), b::ticket("A023", id));
    const auto announced = emulator.page();
    CHECK(announced.starts_with("page 1 "));
    CHECK(page_file(announced) == dir / "pages" / "page-0001.png");
    check_decodes(page_file(announced), id);
    CHECK(emulator.call("pages") == "pages 1");

    CHECK(emulator.call("quit") == "bye");
    CHECK(emulator.wait_exit() == 0);
    CHECK_FALSE(std::filesystem::exists(link));
}

TEST_CASE("status requests on the line follow the scripted state and ASB reports each change") {
    hk::test::TempDir dir("hk-escpos-program");
    Emulator emulator({"--link", (dir / "printer").string()}, dir / "stderr.log");
    (void)emulator.start();
    const Fd printer(::open((dir / "printer").c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    const auto status = [&] {
        write_all(printer.get(), b::dle_eot(1) + b::dle_eot(2) + b::dle_eot(3) + b::dle_eot(4));
        return read_exactly(printer.get(), 4);
    };
    CHECK(status() == Bytes{0x12, 0x12, 0x12, 0x12});
    CHECK(emulator.call("paper near_end") == "ok paper near_end");
    CHECK(status() == Bytes{0x12, 0x12, 0x12, 0x1E});
    CHECK(emulator.call("paper out") == "ok paper out");
    CHECK(status() == Bytes{0x1A, 0x32, 0x12, 0x7E});
    CHECK(emulator.call("paper ok") == "ok paper ok");

    write_all(printer.get(), b::asb(0x0F));
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x10, 0x00, 0x00, 0x00});
    CHECK(emulator.call("cover open") == "ok cover open");
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x38, 0x00, 0x00, 0x00});
    CHECK(emulator.call("cover closed") == "ok cover closed");
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x10, 0x00, 0x00, 0x00});
    CHECK(emulator.call("cutter error") == "ok cutter error");
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x18, 0x08, 0x00, 0x00});
    write_all(printer.get(), b::of({0x10, 0x05, 1}));  // DLE ENQ 1: recover
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x10, 0x00, 0x00, 0x00});
    CHECK(emulator.call("offline") == "ok offline");
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x18, 0x00, 0x00, 0x00});
    CHECK(emulator.call("online") == "ok online");
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x10, 0x00, 0x00, 0x00});
    CHECK(emulator.call("paper near_end") == "ok paper near_end");
    CHECK(read_exactly(printer.get(), 4) == Bytes{0x10, 0x00, 0x03, 0x00});
    CHECK(emulator.call("status").starts_with(
        "status paper=near_end cover=closed cutter=ok online=yes offline=no buffered=0 pages=0"));
    CHECK(emulator.call("paper sideways").starts_with("error unknown command"));
}

TEST_CASE("a job sent while the paper is out waits and prints once after the refill") {
    hk::test::TempDir dir("hk-escpos-program");
    Emulator emulator({"--link", (dir / "printer").string(), "--out", (dir / "pages").string()},
                      dir / "stderr.log");
    (void)emulator.start();
    const Fd printer(::open((dir / "printer").c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    const std::string id = "HK-B007-20250101-0001";
    const auto job = b::ticket("B007", id);
    const auto half = job.size() / 2;
    write_all(printer.get(), job.substr(0, half) + b::dle_eot(1));
    CHECK(read_exactly(printer.get(), 1) == Bytes{0x12});  // the first half is in
    CHECK(emulator.call("paper out") == "ok paper out");
    write_all(printer.get(), job.substr(half) + b::dle_eot(1));
    CHECK(read_exactly(printer.get(), 1) == Bytes{0x1A});  // offline, the rest is in
    const auto held = emulator.call("status");
    CHECK(held.find(" pages=0 ") != std::string::npos);
    CHECK(held.find(fmt::format(" buffered={} ", job.size() - half)) != std::string::npos);

    CHECK(emulator.call("paper ok") == "ok paper ok");
    CHECK(emulator.call("wait pages 1") == "pages 1");
    check_decodes(page_file(emulator.page()), id);
    CHECK(emulator.call("status").find(" pages=1 ") != std::string::npos);
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "pages")) {
        files.push_back(entry.path());
    }
    CHECK(files == std::vector<std::filesystem::path>{dir / "pages" / "page-0001.png"});
}

TEST_CASE(
    "over TCP on a port it picks it serves one client after another like a printer's port 9100") {
    hk::test::TempDir dir("hk-escpos-program");
    Emulator emulator({"--tcp", "127.0.0.1:0", "--out", (dir / "pages").string()},
                      dir / "stderr.log");
    const auto where = emulator.start();
    REQUIRE(where.starts_with("tcp 127.0.0.1:"));
    const auto port = std::stoi(where.substr(where.rfind(':') + 1));
    CHECK(port > 0);
    const auto connect = [port] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
        return fd;
    };
    const std::string id = "HK-C100-7F3Q";
    {
        const Fd client(connect());
        write_all(client.get(), b::ticket("C100", id) + b::dle_eot(4));
        CHECK(read_exactly(client.get(), 1) == Bytes{0x12});
        check_decodes(page_file(emulator.page()), id);
    }
    const Fd next(connect());
    CHECK(emulator.call("paper out") == "ok paper out");
    write_all(next.get(), b::dle_eot(4));
    CHECK(read_exactly(next.get(), 1) == Bytes{0x7E});
}

TEST_CASE("the control socket takes the same commands and wait answers when pages are cut") {
    hk::test::TempDir dir("hk-escpos-program");
    const auto control = dir / "control.sock";
    Emulator emulator(
        {"--link", (dir / "printer").string(), "--control", control.string(), "--no-stdin"},
        dir / "stderr.log");
    (void)emulator.start();
    const Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::ranges::copy(control.string(), address.sun_path);
    REQUIRE(::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
            0);
    LineReader answers(socket.get());
    write_all(socket.get(), "cover open\nwait pages 1\n");
    CHECK(answers.next() == "ok cover open");

    const Fd printer(::open((dir / "printer").c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    write_all(printer.get(), b::ticket("D001", "HK-D001") + b::dle_eot(2));
    CHECK(read_exactly(printer.get(), 1) == Bytes{0x16});  // cover open; the ticket waits

    write_all(socket.get(), "cover closed\n");
    CHECK(answers.next() == "pages 1");  // the waiter, answered by what the change caused
    CHECK(answers.next() == "ok cover closed");
    CHECK(emulator.page() == "page 1");  // no --out: announced, not written
    write_all(socket.get(), "quit\n");
    CHECK(answers.next() == "bye");
    CHECK(emulator.wait_exit() == 0);
}

TEST_CASE("bad arguments and a missing font are refused with a message") {
    const auto usage = hk::test::run_command({HK_ESCPOS_EMULATOR_BIN, "--paper", "76"});
    CHECK(usage.exit_code == 2);
    CHECK(usage.err.find("--paper takes 80 or 58") != std::string::npos);
    CHECK(usage.err.find("usage: hk-escpos-emulator") != std::string::npos);
    hk::test::TempDir dir("hk-escpos-program");
    const auto font =
        hk::test::run_command({HK_ESCPOS_EMULATOR_BIN, "--out", (dir / "pages").string(), "--font",
                               "/nonexistent/cjk.ttc", "--no-stdin"});
    CHECK(font.exit_code == 1);
    CHECK(font.err.find("fonts-wqy-microhei") != std::string::npos);
}
