// HelperProcess: see helper_process.hpp.
#include "drivers/host/helper_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT(readability-redundant-declaration): not declared by unistd.h

namespace hk::drivers::host {
namespace {

namespace asio = boost::asio;
namespace ipc = proto::ipc;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) {
        return fmt::format("helper exited with status {}", WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return fmt::format("helper killed by signal {} ({})", WTERMSIG(status),
                           strsignal(WTERMSIG(status)));
    }
    return "helper ended";
}

// glibc 2.36's <sys/pidfd.h> lacks C linkage for C++: call the system call directly.
int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
}

// Closes an fd on scope exit unless released.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_;
};

// Starts the helper with `child_end` as kHelperFd; every other fd of ours is close-on-exec
// or closed by the spawn.
std::expected<pid_t, std::string> spawn_child(const HelperOptions& options, int child_end) {
    if (options.argv.empty()) {
        return std::unexpected("no helper executable configured");
    }
    // dup2 onto the same number keeps close-on-exec set: move the fd out of the way first.
    Fd moved;
    if (child_end == kHelperFd) {
        moved.reset(::fcntl(child_end, F_DUPFD_CLOEXEC, kHelperFd + 1));
        if (moved.get() < 0) {
            return std::unexpected(fmt::format("fcntl: {}", std::strerror(errno)));
        }
        child_end = moved.get();
    }
    std::vector<std::string> env_strings;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (!text.starts_with(fmt::format("{}=", kHelperFdVariable))) {
            env_strings.emplace_back(text);
        }
    }
    env_strings.insert(env_strings.end(), options.env.begin(), options.env.end());
    env_strings.push_back(fmt::format("{}={}", kHelperFdVariable, kHelperFd));
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& entry : env_strings) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings = options.argv;
    std::vector<char*> argv;
    argv.reserve(argv_strings.size() + 1);
    for (auto& arg : argv_strings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_end, kHelperFd);
    posix_spawn_file_actions_addclosefrom_np(&actions, kHelperFd + 1);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // The helper starts with default signal handling and an empty mask, whatever the daemon
    // blocks or ignores.
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int result =
        ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (result != 0) {
        return std::unexpected(
            fmt::format("cannot start {}: {}", options.argv[0], std::strerror(result)));
    }
    return pid;
}

// Reaps a child whose exit cannot be watched through a pidfd: polls waitpid(WNOHANG) on a timer
// until it has gone, keeping itself alive through its pending wait. Only for the rare case of
// pidfd_open failing; if the loop is destroyed first the child stays a zombie until we exit.
class Reaper : public std::enable_shared_from_this<Reaper> {
public:
    static void start(asio::io_context& io, pid_t pid) {
        std::make_shared<Reaper>(io, pid)->poll();
    }
    Reaper(asio::io_context& io, pid_t pid) : timer_(io), pid_(pid) {}

private:
    static constexpr std::chrono::milliseconds kInterval{10};

    void poll() {
        int status = 0;
        const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
        if (reaped > 0 || (reaped < 0 && errno != EINTR)) {
            return;  // reaped, or not ours to reap
        }
        timer_.expires_after(kInterval);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
            if (!error) {
                self->poll();
            }
        });
    }

    asio::steady_timer timer_;
    pid_t pid_;
};

}  // namespace

std::string_view to_string(HelperError error) {
    switch (error) {
        case HelperError::timeout:
            return "timeout";
        case HelperError::helper_down:
            return "helper_down";
        case HelperError::cancelled:
            return "cancelled";
        case HelperError::failed:
            return "failed";
        case HelperError::too_big:
            return "too_big";
    }
    return "unknown";
}

std::shared_ptr<HelperProcess> HelperProcess::create(asio::io_context& io, HelperOptions options,
                                                     HealthTracker* tracker) {
    return std::shared_ptr<HelperProcess>(new HelperProcess(io, std::move(options), tracker));
}

HelperProcess::HelperProcess(asio::io_context& io, HelperOptions options, HealthTracker* tracker)
    : io_(io),
      options_(std::move(options)),
      health_(tracker != nullptr ? tracker : &own_health_),
      backoff_(options_.first_restart, options_.max_restart),
      restart_timer_(io),
      grace_timer_(io),
      socket_(io),
      pidfd_(io),
      decoder_(options_.max_payload) {}

HelperProcess::~HelperProcess() {
    boost::system::error_code ignored;
    (void)socket_.close(ignored);
    (void)pidfd_.close(ignored);
    if (pid_ > 0) {
        // The one blocking wait (see the header): SIGKILL cannot be caught or ignored, so the
        // child ends as soon as the kernel has torn it down.
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
    finish_stop();
}

void HelperProcess::finish_stop() {
    for (auto& done : std::exchange(stop_waiters_, {})) {
        asio::post(io_, std::move(done));
    }
}

void HelperProcess::start(HelperHandlers handlers) {
    if (running_) {
        return;
    }
    handlers_ = std::move(handlers);
    running_ = true;
    started_once_ = false;
    backoff_.reset();
    if (pid_ > 0) {
        // Started again before the helper of the last run exited: kill it (SIGKILL is prompt)
        // and start the new one when on_exit() has reaped it. Until then requests fail with
        // helper_down, as while any helper restarts.
        replacing_ = true;
        lost_ = true;
        ::kill(pid_, SIGKILL);
        set_health(DeviceState::probing, "", "replacing the previous helper");
        return;
    }
    spawn();
}

void HelperProcess::stop(std::function<void()> done) {
    running_ = false;
    replacing_ = false;
    restart_timer_.cancel();
    fail_all(HelperError::cancelled, "stopped");
    close_channel();
    up_ = false;
    if (pid_ <= 0) {
        if (done) {
            asio::post(io_, std::move(done));
        }
        return;
    }
    if (done) {
        stop_waiters_.push_back(std::move(done));
    }
    if (!lost_) {
        ::kill(pid_, SIGTERM);  // a lost helper was sent SIGKILL already
    }
    grace_timer_.expires_after(options_.stop_grace);
    grace_timer_.async_wait(
        [weak = weak_from_this(), pid = pid_](const boost::system::error_code& error) {
            auto self = weak.lock();
            if (error || !self || self->pid_ != pid) {
                return;
            }
            ::kill(pid, SIGKILL);
        });
}

void HelperProcess::request(std::string payload, RequestHandler done,
                            std::optional<std::chrono::milliseconds> timeout) {
    const auto fail = [this, &done](HelperError error, std::string detail) {
        asio::post(io_, [done = std::move(done), error, detail = std::move(detail)] {
            done(std::unexpected(HelperFailure{error, detail}));
        });
    };
    if (!running_) {
        fail(HelperError::cancelled, "not started");
        return;
    }
    if (pid_ <= 0 || lost_) {
        fail(HelperError::helper_down, "helper not running");
        return;
    }
    const auto id = ++next_id_;
    auto bytes = ipc::encode(ipc::Frame{ipc::FrameType::request, id, std::move(payload)},
                             options_.max_payload);
    if (!bytes) {
        fail(HelperError::too_big, "request larger than the maximum frame");
        return;
    }
    auto timer = std::make_unique<asio::steady_timer>(io_);
    timer->expires_after(timeout.value_or(options_.request_timeout));
    timer->async_wait([weak = weak_from_this(), id](const boost::system::error_code& error) {
        auto self = weak.lock();
        if (error || !self) {
            return;
        }
        self->on_timeout(id);
    });
    pending_.emplace(id, Pending{std::move(done), std::move(timer)});
    write_queue_.push_back(std::move(*bytes));
    write_next();
}

void HelperProcess::spawn() {
    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        set_health(DeviceState::offline, fault::kOpenFailed,
                   fmt::format("socketpair: {}", std::strerror(errno)));
        schedule_restart();
        return;
    }
    Fd ours(fds[0]);
    Fd theirs(fds[1]);
    set_health(DeviceState::probing, "", "starting helper");
    auto pid = spawn_child(options_, theirs.get());
    if (!pid) {
        set_health(DeviceState::offline, fault::kOpenFailed, pid.error());
        schedule_restart();
        return;
    }
    pid_ = *pid;
    Fd pidfd(pidfd_open(pid_));
    if (pidfd.get() < 0) {
        // Without a pidfd the exit cannot be watched on the loop: give this helper up, and
        // reap it on a timer rather than waiting for it here.
        const int error = errno;
        ::kill(pid_, SIGKILL);
        Reaper::start(io_, pid_);
        pid_ = -1;
        set_health(DeviceState::offline, fault::kOpenFailed,
                   fmt::format("pidfd_open: {}", std::strerror(error)));
        schedule_restart();
        return;
    }
    ++session_;
    lost_ = false;
    spawned_at_ = std::chrono::steady_clock::now();
    if (started_once_) {
        ++health_->counters().reconnects;
    }
    started_once_ = true;
    decoder_ = ipc::FrameDecoder(options_.max_payload);
    socket_.assign(asio::local::stream_protocol(), ours.release());
    pidfd_.assign(pidfd.release());
    read_loop();
    watch_exit();
}

void HelperProcess::read_loop() {
    socket_.async_read_some(
        asio::buffer(read_buffer_), [weak = weak_from_this(), session = session_](
                                        const boost::system::error_code& error, std::size_t size) {
            auto self = weak.lock();
            if (!self || session != self->session_ || self->lost_) {
                return;
            }
            if (error) {
                self->lose(fault::kCrashed,
                           error == asio::error::eof
                               ? std::string("helper closed its socket")
                               : fmt::format("helper socket: {}", error.message()));
                return;
            }
            self->decoder_.feed(std::string_view(self->read_buffer_.data(), size));
            for (;;) {
                auto next = self->decoder_.next();
                if (!next) {
                    self->lose(fault::kProtocol,
                               fmt::format("bad frame from helper: {}", to_string(next.error())));
                    return;
                }
                if (!next->has_value()) {
                    break;
                }
                self->on_frame(std::move(**next));
                if (session != self->session_ || self->lost_) {
                    return;
                }
            }
            self->read_loop();
        });
}

void HelperProcess::watch_exit() {
    pidfd_.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [weak = weak_from_this(), pid = pid_](const boost::system::error_code& error) {
            auto self = weak.lock();
            if (error || !self || self->pid_ != pid) {
                return;
            }
            self->on_exit();
        });
}

void HelperProcess::on_exit() {
    int status = 0;
    pid_t reaped = -1;
    do {
        reaped = ::waitpid(pid_, &status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == 0) {
        watch_exit();  // not ended after all
        return;
    }
    // reaped < 0: someone else reaped it (ECHILD); its status is lost.
    const auto detail = reaped > 0 ? describe_status(status) : std::string("helper ended");
    pid_ = -1;
    boost::system::error_code ignored;
    (void)pidfd_.close(ignored);
    grace_timer_.cancel();
    finish_stop();
    if (!running_) {
        return;
    }
    if (std::exchange(replacing_, false)) {
        spawn();  // the last run's helper is gone: start this run's
        return;
    }
    if (lost_) {
        // Already reported (a timeout, a closed socket): the exit status tells technicians more.
        set_health(health_->health().state, health_->health().fault, detail);
    } else {
        lose(fault::kCrashed, detail);
    }
    const auto ran = std::chrono::steady_clock::now() - spawned_at_;
    if (ran >= options_.stable_after) {
        backoff_.reset();
    }
    schedule_restart();
}

void HelperProcess::on_frame(ipc::Frame frame) {
    switch (frame.type) {
        case ipc::FrameType::hello:
            if (!up_) {
                up_ = true;
                set_health(DeviceState::online, "", "");
                if (handlers_.on_up) {
                    handlers_.on_up();
                }
            }
            return;
        case ipc::FrameType::event:
            if (handlers_.on_event) {
                handlers_.on_event(frame.payload);
            }
            return;
        case ipc::FrameType::reply:
        case ipc::FrameType::error: {
            auto found = pending_.find(frame.id);
            if (found == pending_.end()) {
                return;  // a reply after its request timed out
            }
            auto done = std::move(found->second.done);
            found->second.timer->cancel();
            pending_.erase(found);
            if (frame.type == ipc::FrameType::reply) {
                done(std::move(frame.payload));
            } else {
                done(std::unexpected(HelperFailure{HelperError::failed, std::move(frame.payload)}));
            }
            return;
        }
        case ipc::FrameType::request:
            lose(fault::kProtocol, "helper sent a request");
            return;
    }
}

void HelperProcess::write_next() {
    if (writing_ || write_queue_.empty() || !socket_.is_open()) {
        return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(write_queue_.front()),
                      [weak = weak_from_this(), session = session_](
                          const boost::system::error_code& error, std::size_t /*size*/) {
                          auto self = weak.lock();
                          if (!self || session != self->session_) {
                              return;
                          }
                          self->writing_ = false;
                          if (self->lost_) {
                              return;
                          }
                          if (error) {
                              self->lose(fault::kCrashed,
                                         fmt::format("helper socket: {}", error.message()));
                              return;
                          }
                          self->write_queue_.pop_front();
                          self->write_next();
                      });
}

void HelperProcess::on_timeout(std::uint32_t id) {
    auto found = pending_.find(id);
    if (found == pending_.end()) {
        return;
    }
    auto done = std::move(found->second.done);
    pending_.erase(found);
    ++health_->counters().timeouts;
    done(std::unexpected(HelperFailure{HelperError::timeout, "no reply in time"}));
    // A helper that does not answer is hung in its SDK: only a restart brings it back.
    if (running_ && pid_ > 0 && !lost_) {
        lose(fault::kTimeout, fmt::format("helper did not answer request {} in time", id));
    }
}

void HelperProcess::lose(std::string_view fault_code, std::string_view detail) {
    if (lost_) {
        return;
    }
    lost_ = true;
    up_ = false;
    close_channel();
    set_health(DeviceState::offline, fault_code, detail);
    fail_all(HelperError::helper_down, detail);
    if (handlers_.on_down) {
        handlers_.on_down(fault_code, detail);
    }
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);  // no-op for a child already dead; reaped by on_exit()
    }
}

void HelperProcess::schedule_restart() {
    if (!running_) {
        return;
    }
    restart_timer_.expires_after(backoff_.next());
    restart_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
        auto self = weak.lock();
        if (error || !self || !self->running_ || self->pid_ > 0) {
            return;
        }
        self->spawn();
    });
}

void HelperProcess::fail_all(HelperError error, std::string_view detail) {
    auto pending = std::exchange(pending_, {});
    for (auto& [id, request] : pending) {
        request.timer->cancel();
        request.done(std::unexpected(HelperFailure{error, std::string(detail)}));
    }
}

void HelperProcess::close_channel() {
    ++session_;
    boost::system::error_code ignored;
    (void)socket_.close(ignored);
    write_queue_.clear();
    writing_ = false;
}

void HelperProcess::set_health(DeviceState state, std::string_view fault_code,
                               std::string_view detail) {
    health_->set(state, fault_code, detail, now_ms());
}

}  // namespace hk::drivers::host
