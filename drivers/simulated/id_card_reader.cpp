// The simulated resident ID card reader: a card laid on it (present_card) is reported at once,
// read after read_time and reported again with clearly fake sample data, or as unreadable;
// taking it away (remove_card) is reported too and cancels a read still under way.
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"

namespace hk::drivers::simulated {
namespace {

// What lies on the reader: one of the three card kinds, or a card that does not answer.
enum class CardKind : std::uint8_t { resident, foreign, hmt, unreadable };

struct CardKindName {
    CardKind kind;
    std::string_view name;
};

constexpr std::array<CardKindName, 4> kCardKinds = {{
    {CardKind::resident, "resident"},
    {CardKind::foreign, "foreign"},
    {CardKind::hmt, "hmt"},
    {CardKind::unreadable, "unreadable"},
}};

std::string_view name_of(CardKind kind) {
    for (const auto& known : kCardKinds) {
        if (known.kind == kind) {
            return known.name;
        }
    }
    return "unknown";
}

// GB 11643-1999: the check character of the first 17 digits (ISO 7064 MOD 11-2).
char gb11643_check(std::string_view first17) {
    constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    constexpr std::string_view kChecks = "10X98765432";
    int sum = 0;
    for (std::size_t i = 0; i < kWeights.size() && i < first17.size(); ++i) {
        sum += (first17[i] - '0') * kWeights[i];
    }
    return kChecks[static_cast<std::size_t>(sum % 11)];
}

std::string with_check(std::string first17) {
    first17.push_back(gb11643_check(first17));
    return first17;
}

// A stand-in for the card's 1024-byte WLT photo: opaque bytes, marked as a sample.
std::vector<std::uint8_t> sample_photo() {
    constexpr std::size_t kWltSize = 1024;
    constexpr std::string_view kMark = "HK-SAMPLE-WLT";
    std::vector<std::uint8_t> photo(kWltSize);
    for (std::size_t i = 0; i < photo.size(); ++i) {
        photo[i] = i < kMark.size() ? static_cast<std::uint8_t>(kMark[i])
                                    : static_cast<std::uint8_t>((i * 37U) & 0xFFU);
    }
    return photo;
}

// Sample cards, obviously fake (测试样例, 样例 addresses), with ID numbers that pass the
// GB 11643 check so that the daemon's validation accepts them.
IdCard sample_card(CardKind kind) {
    switch (kind) {
        case CardKind::foreign:
            return IdCard{.kind = IdCard::Kind::foreign_permanent,
                          .name = "SAMPLE, TEST 测试样例",
                          .sex = "女",
                          .nation = "USA",
                          .birth_date = "19491231",
                          .address = "",
                          .id_number = with_check("91184019491231002"),
                          .authority = "国家移民管理局（样例）",
                          .valid_from = "20230101",
                          .valid_to = "20330101",
                          .photo = sample_photo()};
        case CardKind::hmt:
            return IdCard{.kind = IdCard::Kind::hmt_residence,
                          .name = "测试样例",
                          .sex = "女",
                          .nation = "",
                          .birth_date = "19491231",
                          .address = "测试地址（样例）",
                          .id_number = with_check("81000019491231002"),
                          .authority = "测试公安局（样例）",
                          .valid_from = "20200101",
                          .valid_to = "20250101",
                          .photo = sample_photo()};
        case CardKind::resident:
        case CardKind::unreadable:
            break;
    }
    return IdCard{.kind = IdCard::Kind::resident,
                  .name = "测试样例",
                  .sex = "女",
                  .nation = "汉",
                  .birth_date = "19491231",
                  .address = "测试地址（样例）",
                  .id_number = "11010519491231002X",  // the example of GB 11643 itself
                  .authority = "测试公安分局（样例）",
                  .valid_from = "20200101",
                  .valid_to = "长期",
                  .photo = sample_photo()};
}

class SimulatedIdCardReader final : public SimulatedDevice, public IdCardReader {
public:
    SimulatedIdCardReader(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          read_time_(duration_param(config, "read_time")),
          fingerprint_(bool_param(config, "fingerprint")),
          ops_(io(), timers()) {}
    SimulatedIdCardReader(const SimulatedIdCardReader&) = delete;
    SimulatedIdCardReader& operator=(const SimulatedIdCardReader&) = delete;
    SimulatedIdCardReader(SimulatedIdCardReader&&) = delete;
    SimulatedIdCardReader& operator=(SimulatedIdCardReader&&) = delete;
    ~SimulatedIdCardReader() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated ID card reader, reads in {}{}", format_duration(read_time_),
                           fingerprint_ ? ", fingerprint module" : "");
    }

    [[nodiscard]] bool card_present() const override { return card_.has_value(); }

    // Checks the SAM (the security module that decrypts cards); busy while a card is read.
    void self_test(Completion<std::string> done) override {
        auto refused = not_ready();
        if (!refused && (read_timer_ != 0 || ops_.busy())) {
            refused = device_error(device_errc::kBusy, "a card is being read");
        }
        if (refused) {
            complete_later<std::string>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        ops_.push<std::string>(
            "self-test", [this] { return response_delay(); },
            [this]() -> std::expected<std::string, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                return fmt::format("SAM ok (simulated SAM 05.01-20240101-0000000001){}",
                                   fingerprint_ ? ", fingerprint module ok" : "");
            },
            std::move(done));
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override {
        return {
            {"present_card", "[resident|foreign|hmt|unreadable]",
             "lay a sample card on the reader (default resident); read after read_time"},
            {"remove_card", "", "take the card away (cancels a read under way)"},
        };
    }

    std::expected<std::string, std::string> class_simulate(
        std::string_view action, const std::vector<std::string>& args) override {
        if (action == "present_card") {
            return present(args);
        }
        if (!args.empty()) {
            return std::unexpected(std::string("remove_card takes no arguments"));
        }
        return remove();
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        return {
            {"card_present", card_ ? "true" : "false"},
            {"reading", read_timer_ != 0 ? "true" : "false"},
            {"reads", std::to_string(reads_)},
            {"failed_reads", std::to_string(failed_reads_)},
        };
    }

    // An unplugged reader forgets its card; the daemon learns of the unplug through health.
    void on_link_lost(const DeviceError& why) override {
        ops_.fail_all(why);
        read_timer_ = 0;
        card_.reset();
    }

    std::expected<std::string, std::string> present(const std::vector<std::string>& args) {
        auto kind = CardKind::resident;
        if (args.size() > 1) {
            return std::unexpected(std::string(
                "present_card takes at most one argument: resident, foreign, hmt or unreadable"));
        }
        if (args.size() == 1) {
            const auto known =
                std::ranges::find(kCardKinds, std::string_view(args[0]), &CardKindName::name);
            if (known == kCardKinds.end()) {
                return std::unexpected(fmt::format(
                    "unknown card '{}': resident, foreign, hmt or unreadable", args[0]));
            }
            kind = known->kind;
        }
        if (auto why = not_connected()) {
            return std::unexpected(*why);
        }
        if (card_) {
            return std::unexpected(std::string("a card is already on the reader"));
        }
        if (ops_.busy()) {
            return std::unexpected(std::string("the reader is running its self-test"));
        }
        card_ = kind;
        emit_later(events::CardPresented{});
        read_timer_ = timers().after(read_time_, [this] { finish_read(); });
        return fmt::format("{} card presented; read in {}", name_of(kind),
                           format_duration(read_time_));
    }

    std::expected<std::string, std::string> remove() {
        if (!card_) {
            return std::unexpected(std::string("no card on the reader"));
        }
        const bool was_reading = read_timer_ != 0;
        timers().cancel(read_timer_);
        read_timer_ = 0;
        card_.reset();
        emit_later(events::CardRemoved{});
        return was_reading ? "card removed before it was read: the read is cancelled"
                           : "card removed";
    }

    void finish_read() {
        read_timer_ = 0;
        if (!card_) {
            return;
        }
        if (*card_ == CardKind::unreadable) {
            ++failed_reads_;
            emit_later(events::CardReadFailed{.code = "unreadable",
                                              .detail = "the card did not answer (simulated)"});
            return;
        }
        if (auto failed = io_failure()) {
            ++failed_reads_;
            emit_later(events::CardReadFailed{.code = failed->code, .detail = failed->detail});
            return;
        }
        ++reads_;
        emit_later(events::CardRead{.card = sample_card(*card_)});
    }

    std::chrono::milliseconds read_time_;
    bool fingerprint_;
    std::optional<CardKind> card_;
    Timers::Id read_timer_ = 0;
    std::uint64_t reads_ = 0;
    std::uint64_t failed_reads_ = 0;
    OpQueue ops_;
};

}  // namespace

std::unique_ptr<Driver> make_id_card_reader(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedIdCardReader>(config, context);
}

}  // namespace hk::drivers::simulated
