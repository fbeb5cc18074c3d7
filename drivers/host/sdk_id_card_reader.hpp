// sdk_id_card_reader: an ID card reader that only comes with a closed vendor SDK, driven
// through a helper process that links the SDK (docs/drivers.md, "Drivers in a helper
// process"). The driver never calls the SDK itself: it sends JSON requests to the helper under
// a HelperProcess, which restarts a helper that crashes or hangs and reports the device's
// health. While the reader is open the driver polls it for a card and reports CardPresented,
// then CardRead (or CardReadFailed), then CardRemoved. hk-sim-vendor-reader
// (sim_vendor_reader.cpp) plays such an SDK for tests and demos; simulate actions are forwarded
// to the helper.
//
// The card's personal data goes into CardRead events only: never into errors, details,
// describe() or simulation_state().
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <sys/types.h>

#include "drivers/host/helper_process.hpp"
#include "drivers/sdk/device_classes.hpp"
#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/manifest.hpp"
#include "drivers/sdk/registry.hpp"
#include "drivers/sdk/simulation.hpp"
#include "drivers/transport/transport.hpp"

namespace hk::drivers::host {

inline constexpr std::string_view kSdkIdCardReaderName = "sdk_id_card_reader";
// The helper run when the configuration names none: the simulated vendor SDK.
inline constexpr std::string_view kSimVendorReaderName = "hk-sim-vendor-reader";

[[nodiscard]] DriverManifest sdk_id_card_reader_manifest();

// The directory of the running executable (from /proc/self/exe); empty if it cannot be told.
[[nodiscard]] std::filesystem::path executable_dir();
// Where installed helper programs are (HK_LIBEXEC_DIR, set by the build).
[[nodiscard]] std::filesystem::path libexec_dir();

// The helper program `name` stands for: a name with a '/' is a path, taken as it is; a bare
// name is looked up in `exe_dir` (so that a build tree runs its own helpers), then in
// `libexec_dir`. nullopt when there is no executable file of that name in either.
[[nodiscard]] std::optional<std::filesystem::path> find_helper(
    std::string_view name, const std::filesystem::path& exe_dir,
    const std::filesystem::path& libexec_dir);

// The card in a read_card reply (JSON, photo as base64), or why not. The reason never quotes
// the reply: it may hold personal data.
[[nodiscard]] std::expected<IdCard, std::string> parse_card(std::string_view reply);

class SdkIdCardReader final : public Driver, public IdCardReader, public SimulationControl {
public:
    struct Settings {
        std::string helper{kSimVendorReaderName};  // as configured (`helper`)
        std::chrono::milliseconds poll_interval{300};
        std::chrono::milliseconds request_timeout{2000};
        std::chrono::milliseconds first_restart{100};  // the helper's restart backoff
        std::chrono::milliseconds max_restart{5000};
        std::chrono::milliseconds stop_grace{2000};
    };

    SdkIdCardReader(DeviceConfig config, DriverContext& context, Settings settings);
    ~SdkIdCardReader() override;
    SdkIdCardReader(const SdkIdCardReader&) = delete;
    SdkIdCardReader& operator=(const SdkIdCardReader&) = delete;
    SdkIdCardReader(SdkIdCardReader&&) = delete;
    SdkIdCardReader& operator=(SdkIdCardReader&&) = delete;

    // Driver
    [[nodiscard]] std::expected<void, std::string> start() override;
    void stop() override;
    [[nodiscard]] std::string describe() const override;
    // Asks the helper for the reader's status: the SAM (the card security module) must be ok.
    void self_test(Completion<std::string> done) override;

    // IdCardReader
    [[nodiscard]] bool card_present() const override { return card_present_; }

    // SimulationControl: forwarded to the helper (the simulated SDK acts on them; a real
    // vendor's helper answers them with an error frame).
    [[nodiscard]] std::vector<SimulationAction> simulation_actions() const override;
    std::expected<std::string, std::string> simulate(std::string_view action,
                                                     const std::vector<std::string>& args) override;
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> simulation_state()
        const override;

    // The running helper's pid, or -1 (for tests and hallctl).
    [[nodiscard]] pid_t helper_pid() const { return helper_ ? helper_->pid() : -1; }

private:
    // What completions hold to tell whether the driver still exists.
    using Guard = std::weak_ptr<const char>;

    void on_up();
    void on_down();
    void open_reader();
    void schedule_poll(std::chrono::milliseconds delay);
    void poll();
    void read_card();
    void emit(DeviceEvent event) const;
    void set_health(DeviceState state, std::string_view fault_code, std::string_view detail);
    [[nodiscard]] std::int64_t now_ms() const;

    DeviceConfig config_;
    DriverContext& context_;
    Settings settings_;
    std::filesystem::path helper_path_;  // resolved at the first start
    std::shared_ptr<HelperProcess> helper_;
    boost::asio::steady_timer poll_timer_;
    transport::Backoff open_backoff_;
    std::shared_ptr<const char> alive_;

    bool running_ = false;
    bool opened_ = false;        // the SDK opened the reader since the helper said hello
    bool busy_ = false;          // a find_card or read_card is on its way
    bool card_present_ = false;  // as last seen
    bool open_failed_ = false;   // health was set offline/open_failed by us
    std::uint64_t session_ = 0;  // bumped when the helper comes up or goes down, and by stop()
    std::uint64_t cards_read_ = 0;
    std::uint64_t read_failures_ = 0;
    std::string last_action_;  // the helper's answer to the last simulate action
};

// The factory: reads the parameters (defaults for any missing) and builds the driver.
[[nodiscard]] std::expected<std::unique_ptr<Driver>, std::string> make_sdk_id_card_reader(
    const DeviceConfig& config, DriverContext& context);

// Registers the drivers of this library (sdk_id_card_reader). The daemon calls it next to
// register_builtin_drivers: hk_drivers cannot list it, since this library depends on that one.
void register_drivers(DriverRegistry& registry);

}  // namespace hk::drivers::host
