// libusb on the daemon's loop: one libusb context per io_context, shared by every UsbLink on it.
// libusb's own file descriptors (its event fd, its timer fd, one per open device) are watched by
// asio for readiness, and libusb handles its events, without waiting, only when one is ready;
// a steady_timer serves libusb's timeouts where its descriptors do not carry them. No thread
// and no polling timer. Transfers cancelled by a closing link are kept here until libusb has
// called them back, so their memory and device handle are never freed under libusb.
// See docs/transports.md, "USB (libusb)".
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/descriptor_base.hpp>
#include <boost/asio/steady_timer.hpp>

struct libusb_context;

namespace hk::drivers::transport {

// Teardown that has to wait for libusb: a closed link's device, whose cancelled transfers have
// not been called back yet.
class UsbRetiree {
public:
    UsbRetiree() = default;
    UsbRetiree(const UsbRetiree&) = delete;
    UsbRetiree& operator=(const UsbRetiree&) = delete;
    virtual ~UsbRetiree() = default;

    // No transfer is in flight any more: finalize() may free them.
    [[nodiscard]] virtual bool settled() const = 0;
    // Releases the interface, closes the device and frees the transfers.
    virtual void finalize() = 0;
};

class UsbContext : public std::enable_shared_from_this<UsbContext> {
public:
    // The context of `io`, created on first use and shared while anyone holds it. Fails only if
    // libusb cannot be initialised (the reason). Call on the loop's thread.
    [[nodiscard]] static std::expected<std::shared_ptr<UsbContext>, std::string> for_loop(
        boost::asio::io_context& io);

    UsbContext(const UsbContext&) = delete;
    UsbContext& operator=(const UsbContext&) = delete;
    // Waits (at most a second) for retiring devices' callbacks, then exits libusb.
    ~UsbContext();

    [[nodiscard]] libusb_context* native() const { return context_; }
    [[nodiscard]] boost::asio::io_context& io() const { return io_; }

    // After a transfer was submitted: arms the timer for libusb's next timeout if its
    // descriptors do not carry timeouts.
    void update_timeout();
    // Keeps `retiree` until its transfers have been called back on the loop, then finalizes it
    // (at once if nothing is in flight).
    void retire(std::shared_ptr<UsbRetiree> retiree);

    struct Stats {
        std::uint64_t event_runs = 0;  // times libusb handled events (a descriptor or timer fired)
        std::size_t watched_fds = 0;   // libusb descriptors being watched now
        std::size_t unwatchable = 0;   // descriptors asio refused (then events would be missed)
        std::size_t retiring = 0;      // closed devices waiting for cancelled transfers
        bool timeouts_on_fds = false;  // libusb's descriptors carry timeouts (Linux: timerfd)
    };
    [[nodiscard]] Stats stats() const;

private:
    struct Watch;

    UsbContext(boost::asio::io_context& io, libusb_context* context);
    void start();
    void watch(int fd, short events);
    void unwatch(int fd);
    void wait(const std::shared_ptr<Watch>& watch,
              boost::asio::posix::descriptor_base::wait_type type);
    // Lets libusb handle whatever is ready (never blocking), then finalizes settled retirees
    // and re-arms the timeout timer.
    void handle_events();
    void settle_retirees();

    static void on_fd_added(int fd, short events, void* user_data);
    static void on_fd_removed(int fd, void* user_data);

    boost::asio::io_context& io_;
    libusb_context* context_;
    boost::asio::steady_timer timer_;
    bool timeouts_on_fds_ = false;
    std::map<int, std::shared_ptr<Watch>> watches_;
    std::vector<std::shared_ptr<UsbRetiree>> retiring_;
    std::uint64_t event_runs_ = 0;
    std::size_t unwatchable_ = 0;
};

}  // namespace hk::drivers::transport
