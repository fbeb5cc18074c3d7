// What devices tell the daemon without being asked: a card laid on the reader, a code scanned,
// a key pressed, a rating given. Health changes (paper low, unplugged) are not events of this
// kind: they go through the device's HealthTracker (health.hpp).
//
// An IdCard holds personal data. It goes to whoever asked for it (the queue flow that takes a
// ticket) and nowhere else: `describe_event` — what logs, traces and hallctl may show — never
// includes it, only that a card was read.
//
// Header-only, like the rest of the SDK a shared-object driver uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hk::drivers {

// The identity card as read: second-generation resident ID card, foreign permanent-resident
// card, or Hong Kong/Macau/Taiwan residence permit. Text fields are UTF-8; dates YYYYMMDD.
struct IdCard {
    enum class Kind : std::uint8_t { resident, foreign_permanent, hmt_residence };
    Kind kind = Kind::resident;
    std::string name;
    std::string sex;
    std::string nation;
    std::string birth_date;
    std::string address;
    std::string id_number;
    std::string authority;
    std::string valid_from;
    std::string valid_to;             // "长期" for long-term cards
    std::vector<std::uint8_t> photo;  // the card's WLT photo, opaque
    friend bool operator==(const IdCard&, const IdCard&) = default;
};

// The ID number with all but its first 4 and last 4 characters hidden, as screens may show it:
// "1101**********1234". Shorter numbers are hidden whole.
[[nodiscard]] inline std::string masked_id_number(std::string_view number) {
    constexpr std::size_t kShown = 4;
    if (number.size() <= 2 * kShown) {
        return std::string(number.size(), '*');
    }
    return std::string(number.substr(0, kShown)) + std::string(number.size() - 2 * kShown, '*') +
           std::string(number.substr(number.size() - kShown));
}

namespace events {

struct CardPresented {};  // a card lies on the reader
struct CardRemoved {};    // it was taken away
struct CardRead {         // the card was read: personal data
    IdCard card;
};
struct CardReadFailed {  // a card is there but could not be read
    std::string code;    // "unreadable", "sam_error", "unsupported_card"
    std::string detail;
};
struct CodeScanned {  // a barcode or QR code was scanned (ids only, no personal data)
    std::string code;
};
struct KeyPressed {  // a key of an evaluator or a device's button, 1-based
    int key = 0;
};
struct RatingGiven {  // the citizen rated the service of `ticket`
    std::string ticket;
    int rating = 0;  // 1 (very dissatisfied) … buttons (very satisfied)
};
struct RatingTimedOut {  // nobody rated in time
    std::string ticket;
};
struct CaptureRequested {};  // the document camera's own capture button

}  // namespace events

using DeviceEvent =
    std::variant<events::CardPresented, events::CardRemoved, events::CardRead,
                 events::CardReadFailed, events::CodeScanned, events::KeyPressed,
                 events::RatingGiven, events::RatingTimedOut, events::CaptureRequested>;

// The event's stable name: "card_presented", "code_scanned", …
[[nodiscard]] inline std::string_view event_name(const DeviceEvent& event) {
    struct Name {
        std::string_view operator()(const events::CardPresented&) const { return "card_presented"; }
        std::string_view operator()(const events::CardRemoved&) const { return "card_removed"; }
        std::string_view operator()(const events::CardRead&) const { return "card_read"; }
        std::string_view operator()(const events::CardReadFailed&) const {
            return "card_read_failed";
        }
        std::string_view operator()(const events::CodeScanned&) const { return "code_scanned"; }
        std::string_view operator()(const events::KeyPressed&) const { return "key_pressed"; }
        std::string_view operator()(const events::RatingGiven&) const { return "rating_given"; }
        std::string_view operator()(const events::RatingTimedOut&) const {
            return "rating_timed_out";
        }
        std::string_view operator()(const events::CaptureRequested&) const {
            return "capture_requested";
        }
    };
    return std::visit(Name{}, event);
}

namespace detail {
struct Describe {
    std::string operator()(const events::CardRead& e) const {
        switch (e.card.kind) {
            case IdCard::Kind::resident:
                return "card_read (resident card)";
            case IdCard::Kind::foreign_permanent:
                return "card_read (foreign permanent-resident card)";
            case IdCard::Kind::hmt_residence:
                return "card_read (HK/Macau/Taiwan residence permit)";
        }
        return "card_read";
    }
    std::string operator()(const events::CardReadFailed& e) const {
        return "card_read_failed: " + e.code;
    }
    std::string operator()(const events::CodeScanned& e) const {
        // Codes carry ids, not personal data, but a scanner may read anything held to it.
        return "code_scanned (" + std::to_string(e.code.size()) + " characters)";
    }
    std::string operator()(const events::KeyPressed& e) const {
        return "key_pressed " + std::to_string(e.key);
    }
    std::string operator()(const events::RatingGiven& e) const {
        return "rating_given " + e.ticket + ": " + std::to_string(e.rating);
    }
    std::string operator()(const events::RatingTimedOut& e) const {
        return "rating_timed_out " + e.ticket;
    }
    template <typename Event>
    std::string operator()(const Event& e) const {
        return std::string(event_name(DeviceEvent(e)));
    }
};
}  // namespace detail

// One line for logs and hallctl, free of personal data: "card_read (resident card)",
// "code_scanned (12 characters)", "rating_given A001: 4".
[[nodiscard]] inline std::string describe_event(const DeviceEvent& event) {
    return std::visit(detail::Describe{}, event);
}

}  // namespace hk::drivers
