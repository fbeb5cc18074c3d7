// sdk_id_card_reader: see sdk_id_card_reader.hpp.
#include "drivers/host/sdk_id_card_reader.hpp"

#include <array>
#include <chrono>
#include <expected>
#include <string>
#include <system_error>
#include <utility>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "drivers/host/base64.hpp"
#include "protocols/json/json_text.hpp"

#ifndef HK_LIBEXEC_DIR
#define HK_LIBEXEC_DIR "/usr/libexec/hallkeeper"
#endif

namespace hk::drivers::host {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using std::chrono::milliseconds;
using Result = std::expected<std::string, HelperFailure>;

constexpr std::size_t kMaxReplyDepth = 8;  // replies are flat objects
constexpr std::size_t kMaxDetail = 160;    // bytes of a helper's error text passed on
constexpr milliseconds kFirstOpenRetry{1000};
constexpr milliseconds kMaxOpenRetry{30000};

std::string request_text(std::string_view op) {
    return json{{"op", op}}.dump();
}

// A reply of the helper as a JSON object; nullopt if it is none (the helper is untrusted
// vendor code: its replies are checked like any input).
std::optional<json> parse_object(std::string_view text) {
    if (proto::json_nested_deeper_than(text, kMaxReplyDepth)) {
        return std::nullopt;
    }
    auto value = json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    return value;
}

// `text` without control characters, cut to at most `max` bytes on a UTF-8 boundary.
std::string sanitized(std::string_view text, std::size_t max = kMaxDetail) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7F) {
            out += c;
        }
    }
    if (out.size() > max) {
        std::size_t cut = max;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0U) == 0x80U) {
            --cut;
        }
        out.resize(cut);
    }
    return out;
}

bool is_code_word(std::string_view text) {
    if (text.empty() || text.size() > 32) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

std::string string_field(const json& object, std::string_view name) {
    const auto found = object.find(name);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// What an error frame of the helper says: {"code": …, "detail": …}. A code that is not a
// plain word becomes "vendor_error"; the detail is cut short and cleaned.
struct VendorError {
    std::string code;
    std::string detail;
};

VendorError vendor_error(std::string_view payload) {
    const auto object = parse_object(payload);
    if (!object) {
        return {"vendor_error", "the vendor SDK reported an error"};
    }
    auto code = string_field(*object, "code");
    auto detail = sanitized(string_field(*object, "detail"));
    if (!is_code_word(code)) {
        code = "vendor_error";
    }
    if (detail.empty()) {
        detail = "the vendor SDK reported an error";
    }
    return {std::move(code), std::move(detail)};
}

std::string describe_failure(const HelperFailure& failure) {
    if (failure.error == HelperError::failed) {
        const auto error = vendor_error(failure.detail);
        return fmt::format("{} ({})", error.code, error.detail);
    }
    return std::string(to_string(failure.error));
}

// The factory's parameter: the configured value, else the manifest's default.
template <typename T>
T parameter(const DeviceConfig& config, const DriverManifest& manifest, std::string_view name) {
    const auto found = config.params.find(name);
    if (found != config.params.end()) {
        if (const auto* value = std::get_if<T>(&found->second)) {
            return *value;
        }
    }
    return std::get<T>(manifest.parameter(name)->default_value);
}

}  // namespace

// ---- Manifest, helper lookup, card parsing ---------------------------------------------------

DriverManifest sdk_id_card_reader_manifest() {
    using namespace std::chrono_literals;
    return DriverManifest{
        .name = std::string(kSdkIdCardReaderName),
        .device_class = DeviceClass::id_card_reader,
        .maturity = Maturity::testing,
        .description = "resident ID card reader through its vendor SDK, run in a helper process",
        .transport = TransportKind::helper_process,
        // The vendor SDK finds its reader itself; a configured `port` is passed on to the
        // helper (--port), which may use it.
        .match = {},
        .parameters =
            {
                ParameterSpec::text("helper", std::string(kSimVendorReaderName), 256,
                                    "the helper program wrapping the vendor SDK: a path, or a "
                                    "name looked up next to hallkeeperd, then in " HK_LIBEXEC_DIR),
                ParameterSpec::duration("poll_interval", 300ms, 20ms, 10s,
                                        "how often the reader is asked whether a card lies on it"),
                ParameterSpec::duration("request_timeout", 2s, 50ms, 60s,
                                        "how long one SDK call may take before the helper counts "
                                        "as hung and is restarted"),
            },
    };
}

std::filesystem::path executable_dir() {
    std::error_code error;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path() : exe.parent_path();
}

std::filesystem::path libexec_dir() {
    return HK_LIBEXEC_DIR;
}

std::optional<std::filesystem::path> find_helper(std::string_view name,
                                                 const std::filesystem::path& exe_dir,
                                                 const std::filesystem::path& libexec) {
    const auto usable = [](const std::filesystem::path& file) {
        std::error_code error;
        return std::filesystem::is_regular_file(file, error) && ::access(file.c_str(), X_OK) == 0;
    };
    if (name.empty()) {
        return std::nullopt;
    }
    if (name.find('/') != std::string_view::npos) {
        std::filesystem::path file(name);
        return usable(file) ? std::optional(file) : std::nullopt;
    }
    for (const auto* dir : {&exe_dir, &libexec}) {
        if (dir->empty()) {
            continue;
        }
        auto file = *dir / name;
        if (usable(file)) {
            return file;
        }
    }
    return std::nullopt;
}

std::expected<IdCard, std::string> parse_card(std::string_view reply) {
    const auto object = parse_object(reply);
    if (!object) {
        return std::unexpected(std::string("the card data is not a JSON object"));
    }
    IdCard card;
    if (const auto kind = object->find("kind"); kind != object->end()) {
        const auto text = kind->is_string() ? kind->get<std::string>() : std::string();
        if (text == "resident") {
            card.kind = IdCard::Kind::resident;
        } else if (text == "foreign_permanent") {
            card.kind = IdCard::Kind::foreign_permanent;
        } else if (text == "hmt_residence") {
            card.kind = IdCard::Kind::hmt_residence;
        } else {
            return std::unexpected(std::string("the card is of an unknown kind"));
        }
    }
    const std::array<std::pair<std::string_view, std::string IdCard::*>, 9> fields = {{
        {"name", &IdCard::name},
        {"sex", &IdCard::sex},
        {"nation", &IdCard::nation},
        {"birth_date", &IdCard::birth_date},
        {"address", &IdCard::address},
        {"id_number", &IdCard::id_number},
        {"authority", &IdCard::authority},
        {"valid_from", &IdCard::valid_from},
        {"valid_to", &IdCard::valid_to},
    }};
    for (const auto& [field, member] : fields) {
        const auto found = object->find(field);
        if (found == object->end() || !found->is_string()) {
            // The field's name only: its value is personal data.
            return std::unexpected(fmt::format("the card's '{}' is missing or not text", field));
        }
        card.*member = found->get<std::string>();
    }
    if (card.name.empty() || card.id_number.empty()) {
        return std::unexpected(std::string("the card has no name or no number"));
    }
    if (const auto photo = object->find("photo"); photo != object->end()) {
        auto bytes =
            photo->is_string() ? base64_decode(photo->get_ref<const std::string&>()) : std::nullopt;
        if (!bytes) {
            return std::unexpected(std::string("the card's photo is not base64"));
        }
        card.photo = std::move(*bytes);
    }
    return card;
}

// ---- The driver ------------------------------------------------------------------------------

SdkIdCardReader::SdkIdCardReader(DeviceConfig config, DriverContext& context, Settings settings)
    : config_(std::move(config)),
      context_(context),
      settings_(std::move(settings)),
      poll_timer_(context.io),
      open_backoff_(kFirstOpenRetry, kMaxOpenRetry),
      alive_(std::make_shared<const char>('\0')) {}

// alive_ goes first (declared last): completions still queued see the driver gone. Then the
// helper's supervisor kills and reaps a helper still running (stop() first avoids the wait).
SdkIdCardReader::~SdkIdCardReader() = default;

std::expected<void, std::string> SdkIdCardReader::start() {
    if (running_) {
        return {};
    }
    if (!helper_) {
        auto path = find_helper(settings_.helper, executable_dir(), libexec_dir());
        if (!path) {
            auto why = settings_.helper.find('/') != std::string::npos
                           ? fmt::format("helper {} is not an executable file", settings_.helper)
                           : fmt::format("helper '{}' is neither next to the daemon ({}) nor in {}",
                                         settings_.helper, executable_dir().string(),
                                         libexec_dir().string());
            set_health(DeviceState::offline, fault::kOpenFailed, why);
            return std::unexpected(std::move(why));
        }
        helper_path_ = std::move(*path);
        HelperOptions options;
        options.argv = {helper_path_.string()};
        if (config_.port) {
            options.argv.emplace_back("--port");
            options.argv.push_back(*config_.port);
        }
        options.request_timeout = settings_.request_timeout;
        options.first_restart = settings_.first_restart;
        options.max_restart = settings_.max_restart;
        options.stop_grace = settings_.stop_grace;
        helper_ = HelperProcess::create(context_.io, std::move(options), &context_.health);
    }
    running_ = true;
    ++session_;
    opened_ = false;
    busy_ = false;
    card_present_ = false;
    open_failed_ = false;
    open_backoff_.reset();
    helper_->start({
        .on_event = {},  // the driver polls; a helper's events are not needed
        .on_up =
            [this, guard = Guard(alive_)] {
                if (!guard.expired()) {
                    on_up();
                }
            },
        .on_down =
            [this, guard = Guard(alive_)](std::string_view /*fault*/, std::string_view /*detail*/) {
                if (!guard.expired()) {
                    on_down();
                }
            },
    });
    return {};
}

void SdkIdCardReader::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    ++session_;
    poll_timer_.cancel();
    opened_ = false;
    busy_ = false;
    card_present_ = false;
    helper_->stop();  // fails what is outstanding with `cancelled`, then SIGTERM, SIGKILL
}

std::string SdkIdCardReader::describe() const {
    const std::string helper =
        helper_path_.empty() ? settings_.helper : helper_path_.filename().string();
    if (!running_ || !helper_) {
        return fmt::format("{} via {} (stopped)", kSdkIdCardReaderName, helper);
    }
    if (!helper_->is_up()) {
        return fmt::format("{} via {} (helper starting)", kSdkIdCardReaderName, helper);
    }
    return fmt::format("{} via {} (pid {}, reader {})", kSdkIdCardReaderName, helper,
                       helper_->pid(), opened_ ? "open" : "not open");
}

void SdkIdCardReader::self_test(Completion<std::string> done) {
    if (!running_ || !helper_) {
        asio::post(context_.io, [done = std::move(done)] {
            done(std::unexpected(
                DeviceError{std::string(device_errc::kNotReady), "the reader is stopped"}));
        });
        return;
    }
    helper_->request(request_text("status"), [done = std::move(done)](Result result) {
        if (!result) {
            const auto& failure = result.error();
            switch (failure.error) {
                case HelperError::cancelled:
                    done(std::unexpected(DeviceError{std::string(device_errc::kCancelled),
                                                     "the reader was stopped"}));
                    return;
                case HelperError::failed: {
                    auto error = vendor_error(failure.detail);
                    done(std::unexpected(
                        DeviceError{std::move(error.code), std::move(error.detail)}));
                    return;
                }
                case HelperError::timeout:
                    done(std::unexpected(DeviceError{std::string(fault::kTimeout),
                                                     "the vendor SDK did not answer in time"}));
                    return;
                case HelperError::helper_down:
                case HelperError::too_big:
                    break;
            }
            done(std::unexpected(DeviceError{std::string(device_errc::kNotReady),
                                             "the vendor helper is not running"}));
            return;
        }
        const auto reply = parse_object(*result);
        if (!reply) {
            done(std::unexpected(DeviceError{std::string(fault::kProtocol),
                                             "the vendor helper's status is not a JSON object"}));
            return;
        }
        const auto sam = sanitized(string_field(*reply, "sam"), 32);
        const auto model = sanitized(string_field(*reply, "model"), 32);
        if (sam != "ok") {
            done(std::unexpected(DeviceError{
                "sam_error", fmt::format("the SAM reports '{}'", sam.empty() ? "nothing" : sam)}));
            return;
        }
        done(
            fmt::format("SAM ok; vendor reader {} answered", model.empty() ? "(no model)" : model));
    });
}

std::vector<SimulationAction> SdkIdCardReader::simulation_actions() const {
    return {
        {"present_card", "[unreadable]",
         "lay the sample card on the reader (unreadable: reading it fails)"},
        {"remove_card", "", "take the card away"},
        {"hang", "", "the vendor SDK hangs in a call: the helper is killed and restarted"},
        {"crash", "", "the vendor SDK crashes (abort): the helper is restarted"},
    };
}

std::expected<std::string, std::string> SdkIdCardReader::simulate(
    std::string_view action, const std::vector<std::string>& args) {
    json request;
    if (action == "present_card") {
        if (args.size() > 1 || (args.size() == 1 && args[0] != "unreadable")) {
            return std::unexpected(std::string("present_card takes no argument, or 'unreadable'"));
        }
        request = {{"op", "simulate"}, {"action", action}};
        if (!args.empty()) {
            request["unreadable"] = true;
        }
    } else if (action == "remove_card" || action == "hang" || action == "crash") {
        if (!args.empty()) {
            return std::unexpected(fmt::format("{} takes no arguments", action));
        }
        request = {{"op", "simulate"}, {"action", action}};
    } else {
        return std::unexpected(fmt::format(
            "unknown action '{}' (present_card, remove_card, hang, crash)", sanitized(action, 48)));
    }
    if (!running_ || !helper_ || !helper_->is_up()) {
        return std::unexpected(
            std::string("the vendor helper is not running; try again once the reader is online"));
    }
    const auto pid = helper_->pid();
    helper_->request(request.dump(), [this, guard = Guard(alive_),
                                      name = std::string(action)](Result result) {
        if (guard.expired()) {
            return;
        }
        last_action_ = result ? name + ": done" : name + ": " + describe_failure(result.error());
    });
    return fmt::format("{}: sent to the vendor helper (pid {})", action, pid);
}

std::vector<std::pair<std::string, std::string>> SdkIdCardReader::simulation_state() const {
    const auto pid = helper_pid();
    return {
        {"helper", helper_path_.empty() ? settings_.helper : helper_path_.string()},
        {"helper_pid", pid > 0 ? std::to_string(pid) : std::string("-")},
        {"reader_open", opened_ ? "yes" : "no"},
        {"card_present", card_present_ ? "yes" : "no"},
        {"cards_read", std::to_string(cards_read_)},
        {"read_failures", std::to_string(read_failures_)},
        {"last_action", last_action_.empty() ? std::string("-") : last_action_},
    };
}

// ---- The reader's loop -----------------------------------------------------------------------

void SdkIdCardReader::on_up() {
    if (!running_) {
        return;
    }
    // The supervisor has reported online: a fresh helper, whose reader must be opened.
    ++session_;
    opened_ = false;
    busy_ = false;
    open_failed_ = false;
    open_reader();
}

void SdkIdCardReader::on_down() {
    ++session_;
    poll_timer_.cancel();
    opened_ = false;
    busy_ = false;
    // The reader is gone with its helper: so is the card, as far as anyone can tell. If it is
    // still there after the restart it is presented and read again.
    if (std::exchange(card_present_, false)) {
        emit(events::CardRemoved{});
    }
}

void SdkIdCardReader::open_reader() {
    busy_ = true;
    helper_->request(
        request_text("open"), [this, guard = Guard(alive_), session = session_](Result result) {
            if (guard.expired() || session != session_) {
                return;
            }
            busy_ = false;
            if (result) {
                opened_ = true;
                open_backoff_.reset();
                if (std::exchange(open_failed_, false)) {
                    set_health(DeviceState::online, "", "");
                }
                schedule_poll(milliseconds(0));
                return;
            }
            if (result.error().error != HelperError::failed) {
                return;  // timed out or gone: the supervisor restarts the helper, which says hello
            }
            // The SDK is there but cannot open its reader (unplugged, busy): try again later.
            const auto error = vendor_error(result.error().detail);
            open_failed_ = true;
            set_health(DeviceState::offline, fault::kOpenFailed,
                       fmt::format("the vendor SDK cannot open the reader: {} ({})", error.code,
                                   error.detail));
            schedule_poll(open_backoff_.next());
        });
}

void SdkIdCardReader::schedule_poll(milliseconds delay) {
    poll_timer_.expires_after(delay);
    poll_timer_.async_wait(
        [this, guard = Guard(alive_), session = session_](const boost::system::error_code& error) {
            if (error || guard.expired() || session != session_) {
                return;
            }
            poll();
        });
}

void SdkIdCardReader::poll() {
    if (!running_ || busy_ || !helper_->is_up()) {
        return;
    }
    if (!opened_) {
        open_reader();
        return;
    }
    busy_ = true;
    helper_->request(request_text("find_card"), [this, guard = Guard(alive_),
                                                 session = session_](Result result) {
        if (guard.expired() || session != session_) {
            return;
        }
        busy_ = false;
        if (!result) {
            if (result.error().error == HelperError::failed) {
                ++context_.health.counters().io_errors;
                schedule_poll(settings_.poll_interval);
            }
            return;  // timed out or gone: on_down() and the restart take over
        }
        const auto reply = parse_object(*result);
        const auto present = reply ? reply->find("present") : json::const_iterator();
        if (!reply || present == reply->end() || !present->is_boolean()) {
            ++context_.health.counters().io_errors;
            schedule_poll(settings_.poll_interval);
            return;
        }
        if (present->get<bool>() && !card_present_) {
            card_present_ = true;
            emit(events::CardPresented{});
            if (session == session_) {  // unless whoever took the event stopped the driver
                read_card();
            }
            return;
        }
        if (!present->get<bool>() && card_present_) {
            card_present_ = false;
            emit(events::CardRemoved{});
        }
        if (session == session_) {
            schedule_poll(settings_.poll_interval);
        }
    });
}

void SdkIdCardReader::read_card() {
    busy_ = true;
    helper_->request(request_text("read_card"), [this, guard = Guard(alive_),
                                                 session = session_](Result result) {
        if (guard.expired() || session != session_) {
            return;
        }
        busy_ = false;
        if (!result) {
            const auto& failure = result.error();
            switch (failure.error) {
                case HelperError::cancelled:
                    return;
                case HelperError::failed: {
                    auto error = vendor_error(failure.detail);
                    ++read_failures_;
                    emit(events::CardReadFailed{std::move(error.code), std::move(error.detail)});
                    if (session == session_) {
                        schedule_poll(settings_.poll_interval);
                    }
                    return;
                }
                case HelperError::timeout:
                    ++read_failures_;
                    emit(events::CardReadFailed{std::string(fault::kTimeout),
                                                "the vendor SDK did not finish reading in time"});
                    return;  // the helper is restarted
                case HelperError::helper_down:
                case HelperError::too_big:
                    ++read_failures_;
                    emit(events::CardReadFailed{std::string(fault::kCrashed),
                                                "the vendor helper stopped while reading"});
                    return;
            }
            return;
        }
        auto card = parse_card(*result);
        if (card) {
            ++cards_read_;
            emit(events::CardRead{std::move(*card)});
        } else {
            ++read_failures_;
            ++context_.health.counters().io_errors;
            emit(events::CardReadFailed{"unreadable", std::move(card.error())});
        }
        if (session == session_) {
            schedule_poll(settings_.poll_interval);
        }
    });
}

void SdkIdCardReader::emit(DeviceEvent event) const {
    if (context_.emit) {
        context_.emit(std::move(event));
    }
}

void SdkIdCardReader::set_health(DeviceState state, std::string_view fault_code,
                                 std::string_view detail) {
    context_.health.set(state, fault_code, detail, now_ms());
}

std::int64_t SdkIdCardReader::now_ms() const {
    if (context_.now_ms) {
        return context_.now_ms();
    }
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---- Factory and registration ----------------------------------------------------------------

std::expected<std::unique_ptr<Driver>, std::string> make_sdk_id_card_reader(
    const DeviceConfig& config, DriverContext& context) {
    const auto manifest = sdk_id_card_reader_manifest();
    for (const auto& [name, value] : config.params) {
        const auto* spec = manifest.parameter(name);
        if (spec == nullptr) {
            return std::unexpected(fmt::format("{}: unknown parameter '{}'", manifest.name, name));
        }
        if (const auto why = check_value(*spec, value)) {
            return std::unexpected(
                fmt::format("{}: parameter '{}': {}", manifest.name, name, *why));
        }
    }
    SdkIdCardReader::Settings settings;
    settings.helper = parameter<std::string>(config, manifest, "helper");
    settings.poll_interval = parameter<milliseconds>(config, manifest, "poll_interval");
    settings.request_timeout = parameter<milliseconds>(config, manifest, "request_timeout");
    return std::make_unique<SdkIdCardReader>(config, context, std::move(settings));
}

void register_drivers(DriverRegistry& registry) {
    // The manifest is fixed and tested (sdk_id_card_reader_test): registration fails only if
    // the name is taken already, which the registry's caller would have to have done twice.
    static_cast<void>(registry.add(sdk_id_card_reader_manifest(), make_sdk_id_card_reader));
}

}  // namespace hk::drivers::host
