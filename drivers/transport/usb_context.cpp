// libusb event handling on the asio loop: see usb_context.hpp and docs/transports.md.
#include "drivers/transport/usb_context.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <libusb.h>
#include <poll.h>

namespace hk::drivers::transport {
namespace {

// Where an io_context keeps its UsbContext: an asio service lives exactly as long as its
// io_context, so a context can never be handed to a loop that merely reuses an old address.
class UsbContextSlot final : public boost::asio::execution_context::service {
public:
    using key_type = UsbContextSlot;
    static inline boost::asio::execution_context::id id;

    explicit UsbContextSlot(boost::asio::execution_context& owner)
        : boost::asio::execution_context::service(owner) {}

    std::weak_ptr<UsbContext> context;

private:
    void shutdown() override {}
};

// How long the destructor lets libusb call back cancelled transfers before giving up on them.
constexpr auto kRetireDrainLimit = std::chrono::seconds(1);

}  // namespace

struct UsbContext::Watch {
    Watch(boost::asio::io_context& io, int fd_in) : descriptor(io), fd(fd_in) {}
    boost::asio::posix::stream_descriptor descriptor;  // released, never closed: libusb's fd
    int fd;
};

std::expected<std::shared_ptr<UsbContext>, std::string> UsbContext::for_loop(
    boost::asio::io_context& io) {
    auto& slot = boost::asio::use_service<UsbContextSlot>(io);
    if (auto existing = slot.context.lock()) {
        return existing;
    }
    libusb_context* native = nullptr;
    if (const int result = libusb_init(&native); result != LIBUSB_SUCCESS) {
        return std::unexpected(std::string("libusb_init: ") + libusb_strerror(result));
    }
    std::shared_ptr<UsbContext> context(new UsbContext(io, native));
    context->start();
    slot.context = context;
    return context;
}

UsbContext::UsbContext(boost::asio::io_context& io, libusb_context* context)
    : io_(io), context_(context), timer_(io) {}

void UsbContext::start() {
    // Notifiers first, then the present descriptors: one added in between is seen twice, and
    // watch() replaces an entry for the same descriptor.
    libusb_set_pollfd_notifiers(context_, &UsbContext::on_fd_added, &UsbContext::on_fd_removed,
                                this);
    if (const libusb_pollfd** fds = libusb_get_pollfds(context_); fds != nullptr) {
        for (const libusb_pollfd** entry = fds; *entry != nullptr; ++entry) {
            watch((*entry)->fd, (*entry)->events);
        }
        libusb_free_pollfds(fds);
    }
    timeouts_on_fds_ = libusb_pollfds_handle_timeouts(context_) != 0;
}

UsbContext::~UsbContext() {
    libusb_set_pollfd_notifiers(context_, nullptr, nullptr, nullptr);
    timer_.cancel();
    for (auto& [fd, watch] : watches_) {
        (void)watch->descriptor.release();
    }
    watches_.clear();
    // Links closed just before the last of them went away: their cancelled transfers come back
    // through libusb's own (blocking, bounded) event handling, as the loop no longer watches.
    const auto deadline = std::chrono::steady_clock::now() + kRetireDrainLimit;
    const auto unsettled = [this] {
        for (const auto& retiree : retiring_) {
            if (!retiree->settled()) {
                return true;
            }
        }
        return false;
    };
    while (unsettled() && std::chrono::steady_clock::now() < deadline) {
        timeval wait{.tv_sec = 0, .tv_usec = 100'000};
        (void)libusb_handle_events_timeout_completed(context_, &wait, nullptr);
    }
    for (const auto& retiree : retiring_) {
        if (retiree->settled()) {
            retiree->finalize();
        }
        // Otherwise its transfers are still libusb's: the retiree leaks them rather than free
        // memory the kernel may still write.
    }
    retiring_.clear();
    libusb_exit(context_);
}

void UsbContext::on_fd_added(int fd, short events, void* user_data) {
    static_cast<UsbContext*>(user_data)->watch(fd, events);
}

void UsbContext::on_fd_removed(int fd, void* user_data) {
    static_cast<UsbContext*>(user_data)->unwatch(fd);
}

void UsbContext::watch(int fd, short events) {
    unwatch(fd);  // a number reused after a close we were not told of in time
    auto entry = std::make_shared<Watch>(io_, fd);
    boost::system::error_code error;
    (void)entry->descriptor.assign(fd, error);
    if (error) {
        ++unwatchable_;
        return;
    }
    watches_[fd] = entry;
    if ((events & POLLIN) != 0) {
        wait(entry, boost::asio::posix::descriptor_base::wait_read);
    }
    if ((events & POLLOUT) != 0) {
        // usbfs descriptors: writable when a completed URB is ready to be reaped.
        wait(entry, boost::asio::posix::descriptor_base::wait_write);
    }
}

void UsbContext::unwatch(int fd) {
    const auto found = watches_.find(fd);
    if (found == watches_.end()) {
        return;
    }
    const auto entry = found->second;
    watches_.erase(found);
    // Cancels the waits (their handlers see operation_aborted) and leaves the fd to libusb.
    (void)entry->descriptor.release();
}

void UsbContext::wait(const std::shared_ptr<Watch>& watch,
                      boost::asio::posix::descriptor_base::wait_type type) {
    // asio re-arms the (edge-triggered) registration when a wait starts, so readiness that
    // arrived while no wait was pending is reported at once: nothing is lost between
    // handle_events() and the next wait.
    watch->descriptor.async_wait(
        type, [weak = weak_from_this(), watch, type](const boost::system::error_code& error) {
            const auto self = weak.lock();
            if (error || !self) {
                return;  // unwatched (libusb removed the fd) or the context is gone
            }
            self->handle_events();
            // Handling may have removed this descriptor (a device closed or unplugged).
            const auto found = self->watches_.find(watch->fd);
            if (found != self->watches_.end() && found->second == watch) {
                self->wait(watch, type);
            }
        });
}

void UsbContext::handle_events() {
    ++event_runs_;
    timeval zero{};
    // Zero timeout: handles what is ready and returns; transfer callbacks run in here, and they
    // only record results and post to the loop.
    (void)libusb_handle_events_timeout_completed(context_, &zero, nullptr);
    settle_retirees();
    update_timeout();
}

void UsbContext::update_timeout() {
    if (timeouts_on_fds_) {
        return;
    }
    timeval next{};
    if (libusb_get_next_timeout(context_, &next) != 1) {
        timer_.cancel();
        return;
    }
    timer_.expires_after(std::chrono::seconds(next.tv_sec) +
                         std::chrono::microseconds(next.tv_usec));
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
        const auto self = weak.lock();
        if (error || !self) {
            return;
        }
        self->handle_events();
    });
}

void UsbContext::retire(std::shared_ptr<UsbRetiree> retiree) {
    if (retiree->settled()) {
        retiree->finalize();
        return;
    }
    retiring_.push_back(std::move(retiree));
}

void UsbContext::settle_retirees() {
    std::vector<std::shared_ptr<UsbRetiree>> settled;
    for (auto it = retiring_.begin(); it != retiring_.end();) {
        if ((*it)->settled()) {
            settled.push_back(std::move(*it));
            it = retiring_.erase(it);
        } else {
            ++it;
        }
    }
    // Past libusb's event handling, never inside a callback: finalizing releases interfaces,
    // reattaches kernel drivers and closes devices.
    for (const auto& retiree : settled) {
        retiree->finalize();
    }
}

UsbContext::Stats UsbContext::stats() const {
    return Stats{.event_runs = event_runs_,
                 .watched_fds = watches_.size(),
                 .unwatchable = unwatchable_,
                 .retiring = retiring_.size(),
                 .timeouts_on_fds = timeouts_on_fds_};
}

}  // namespace hk::drivers::transport
