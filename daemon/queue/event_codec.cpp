// The JSON codec of the queue's events (event_codec.hpp, docs/queue-events.md). Every event
// type is one row of a table: its stored name and its fields, each field with a codec that
// both writes it and checks it. Encoding and decoding walk the same rows, so they cannot
// drift apart, and a compile-time check makes every member of every event struct appear in
// its row: a member added to events.hpp without a place in the contract does not build.
#include "daemon/queue/event_codec.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/json/json_text.hpp"

namespace hk::queue {
namespace {

using nlohmann::json;
// Payloads keep the table's field order, which reads better than sorted keys in a log.
using Written = nlohmann::ordered_json;
// The outcome of checking one value: empty when it is valid, else what is wrong with it.
using Failure = std::optional<std::string>;

constexpr std::string_view kTypePrefix = "queue.";
constexpr std::size_t kMaxQuotedBytes = 64;
constexpr auto kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr auto kIntMax = std::numeric_limits<int>::max();

// ------------------------------------------------------------------------------ enum names

template <class E>
struct EnumName {
    E value;
    std::string_view name;
};

constexpr std::array kChannelNames{
    EnumName<Channel>{Channel::walkin, "walkin"},
    EnumName<Channel>{Channel::idcard, "idcard"},
    EnumName<Channel>{Channel::phone, "phone"},
    EnumName<Channel>{Channel::appointment, "appointment"},
    EnumName<Channel>{Channel::priority_code, "priority_code"},
    EnumName<Channel>{Channel::remote, "remote"},
    EnumName<Channel>{Channel::sticker, "sticker"},
};

constexpr std::array kTicketClassNames{
    EnumName<TicketClass>{TicketClass::normal, "normal"},
    EnumName<TicketClass>{TicketClass::appointment, "appointment"},
    EnumName<TicketClass>{TicketClass::green, "green"},
    EnumName<TicketClass>{TicketClass::vip, "vip"},
};

constexpr std::array kTicketStateNames{
    EnumName<TicketState>{TicketState::waiting, "waiting"},
    EnumName<TicketState>{TicketState::called, "called"},
    EnumName<TicketState>{TicketState::serving, "serving"},
    EnumName<TicketState>{TicketState::held, "held"},
    EnumName<TicketState>{TicketState::finished, "finished"},
    EnumName<TicketState>{TicketState::evaluated, "evaluated"},
    EnumName<TicketState>{TicketState::abandoned, "abandoned"},
    EnumName<TicketState>{TicketState::closed, "closed"},
};

constexpr std::array kWindowStateNames{
    EnumName<WindowState>{WindowState::logged_out, "logged_out"},
    EnumName<WindowState>{WindowState::idle, "idle"},
    EnumName<WindowState>{WindowState::calling, "calling"},
    EnumName<WindowState>{WindowState::serving, "serving"},
    EnumName<WindowState>{WindowState::paused, "paused"},
    EnumName<WindowState>{WindowState::attendance_anomaly, "attendance_anomaly"},
};

constexpr std::array kStrategyKindNames{
    EnumName<StrategyKind>{StrategyKind::fifo, "fifo"},
    EnumName<StrategyKind>{StrategyKind::class_priority, "class_priority"},
    EnumName<StrategyKind>{StrategyKind::counted_ratio, "counted_ratio"},
    EnumName<StrategyKind>{StrategyKind::appointment_slot, "appointment_slot"},
    EnumName<StrategyKind>{StrategyKind::longest_wait, "longest_wait"},
    EnumName<StrategyKind>{StrategyKind::service_weight, "service_weight"},
};

// Each table lists its enumerators in declaration order, which catches a pasted row that
// names the wrong value (a missing last enumerator is caught by the enum tests).
template <class E, std::size_t N>
constexpr bool in_declaration_order(const std::array<EnumName<E>, N>& table) {
    for (std::size_t i = 0; i < N; ++i) {
        if (static_cast<std::size_t>(table[i].value) != i) {
            return false;
        }
    }
    return true;
}
static_assert(in_declaration_order(kChannelNames));
static_assert(in_declaration_order(kTicketClassNames));
static_assert(in_declaration_order(kTicketStateNames));
static_assert(in_declaration_order(kWindowStateNames));
static_assert(in_declaration_order(kStrategyKindNames));

constexpr std::span<const EnumName<Channel>> enum_names(Channel) {
    return kChannelNames;
}
constexpr std::span<const EnumName<TicketClass>> enum_names(TicketClass) {
    return kTicketClassNames;
}
constexpr std::span<const EnumName<TicketState>> enum_names(TicketState) {
    return kTicketStateNames;
}
constexpr std::span<const EnumName<WindowState>> enum_names(WindowState) {
    return kWindowStateNames;
}
constexpr std::span<const EnumName<StrategyKind>> enum_names(StrategyKind) {
    return kStrategyKindNames;
}

template <class E>
std::string_view name_of(E value) {
    for (const auto& entry : enum_names(E{})) {
        if (entry.value == value) {
            return entry.name;
        }
    }
    return {};
}

template <class E>
std::optional<E> value_named(std::string_view name) {
    for (const auto& entry : enum_names(E{})) {
        if (entry.name == name) {
            return entry.value;
        }
    }
    return std::nullopt;
}

// "walkin, idcard, …" for error messages.
template <class E>
std::string enum_choices() {
    std::string out;
    for (const auto& entry : enum_names(E{})) {
        if (!out.empty()) {
            out += ", ";
        }
        out += entry.name;
    }
    return out;
}

// ---------------------------------------------------------------------------------- errors

// Stored text quoted back in an error message: short, and cut on a UTF-8 boundary.
std::string quote(std::string_view text) {
    if (text.size() <= kMaxQuotedBytes) {
        return "'" + std::string(text) + "'";
    }
    std::size_t cut = kMaxQuotedBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
        --cut;
    }
    return "'" + std::string(text.substr(0, cut)) + "...'";
}

Failure must_be(const std::string& path, std::string_view what) {
    return "'" + path + "' must be " + std::string(what);
}

// ---------------------------------------------------------------------------------- codecs
// A codec writes one member as JSON and reads it back, checking type and range. `path` names
// the value in error messages ("explanation.beaten[2]").

// JSON integers only: a fraction or exponent (which nlohmann reads as a float) is refused
// rather than rounded, so nothing is ever silently changed on replay.
struct IntegerCodec {
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::string_view what;  // completes "must be …"

    template <class T>
    [[nodiscard]] Written write(T value) const {
        return static_cast<std::int64_t>(value);
    }

    template <class T>
    [[nodiscard]] Failure read(const json& value, T& out, const std::string& path) const {
        std::int64_t number = 0;
        if (value.is_number_unsigned()) {
            const auto magnitude = value.get<std::uint64_t>();
            if (magnitude > static_cast<std::uint64_t>(kInt64Max)) {
                return must_be(path, what);
            }
            number = static_cast<std::int64_t>(magnitude);
        } else if (value.is_number_integer()) {
            number = value.get<std::int64_t>();
        } else {
            return must_be(path, what);
        }
        if (number < min || number > max || !std::in_range<T>(number)) {
            return must_be(path, what);
        }
        out = static_cast<T>(number);
        return std::nullopt;
    }
};

struct TextCodec {
    std::size_t max_bytes = 0;

    [[nodiscard]] Written write(const std::string& value) const { return value; }

    [[nodiscard]] Failure read(const json& value, std::string& out, const std::string& path) const {
        if (!value.is_string()) {
            return must_be(path, "a string");
        }
        const auto& text = value.get_ref<const std::string&>();
        if (text.size() > max_bytes) {
            return must_be(path, "at most " + std::to_string(max_bytes) + " bytes");
        }
        out = text;
        return std::nullopt;
    }
};

struct FlagCodec {
    [[nodiscard]] Written write(bool value) const { return value; }

    [[nodiscard]] Failure read(const json& value, bool& out, const std::string& path) const {
        if (!value.is_boolean()) {
            return must_be(path, "true or false");
        }
        out = value.get<bool>();
        return std::nullopt;
    }
};

template <class E>
struct EnumCodec {
    [[nodiscard]] Written write(E value) const { return std::string(name_of(value)); }

    [[nodiscard]] Failure read(const json& value, E& out, const std::string& path) const {
        const auto parsed =
            value.is_string() ? value_named<E>(value.get_ref<const std::string&>()) : std::nullopt;
        if (!parsed) {
            return must_be(path, "one of " + enum_choices<E>());
        }
        out = *parsed;
        return std::nullopt;
    }
};

// A std::optional member: written only when set (see Presence), read as the inner value.
template <class Inner>
struct OptionalCodec {
    Inner inner;

    template <class T>
    [[nodiscard]] Written write(const std::optional<T>& value) const {
        return value ? inner.write(*value) : Written();
    }

    template <class T>
    [[nodiscard]] Failure read(const json& value, std::optional<T>& out,
                               const std::string& path) const {
        T parsed{};
        if (auto failure = inner.read(value, parsed, path)) {
            return failure;
        }
        out = std::move(parsed);
        return std::nullopt;
    }
};

template <class Element>
struct ListCodec {
    Element element;
    std::size_t max_entries = 0;  // std::numeric_limits<std::size_t>::max(): no limit of its own
    std::string_view entries;     // what the entries are, for messages: "strings"

    template <class T>
    [[nodiscard]] Written write(const std::vector<T>& values) const {
        Written out = Written::array();
        for (const auto& value : values) {
            out.push_back(element.write(value));
        }
        return out;
    }

    template <class T>
    [[nodiscard]] Failure read(const json& value, std::vector<T>& out,
                               const std::string& path) const {
        if (!value.is_array() || value.size() > max_entries) {
            return must_be(path, max_entries == std::numeric_limits<std::size_t>::max()
                                     ? "an array of " + std::string(entries)
                                     : "an array of at most " + std::to_string(max_entries) + " " +
                                           std::string(entries));
        }
        out.clear();
        out.reserve(value.size());
        for (std::size_t i = 0; i < value.size(); ++i) {
            T parsed{};
            if (auto failure =
                    element.read(value[i], parsed, path + "[" + std::to_string(i) + "]")) {
                return failure;
            }
            out.push_back(std::move(parsed));
        }
        return std::nullopt;
    }
};

// A nested struct, described by its own row (below); defined after the rows it uses.
template <class S>
struct ObjectCodec {
    [[nodiscard]] Written write(const S& value) const;
    [[nodiscard]] Failure read(const json& value, S& out, const std::string& path) const;
};

constexpr IntegerCodec kTicketId{1, kInt64Max, "a positive integer"};
constexpr IntegerCodec kTime{0, kInt64Max, "a non-negative integer"};  // ms since the epoch
constexpr IntegerCodec kDuration{0, kInt64Max, "a non-negative integer"};
constexpr IntegerCodec kDay{0, kInt64Max, "a non-negative integer"};
constexpr IntegerCodec kQueueKey{kInt64Min, kInt64Max, "a 64-bit integer"};
constexpr IntegerCodec kRoundCount{0, kIntMax, "a non-negative 32-bit integer"};
constexpr IntegerCodec kScore{1, 5, "an integer from 1 to 5"};
constexpr TextCodec kText{kMaxEventTextBytes};
constexpr TextCodec kMessage{kMaxEventMessageBytes};
constexpr FlagCodec kFlag{};
template <class E>
constexpr EnumCodec<E> kEnum{};
template <class S>
constexpr ObjectCodec<S> kObject{};
constexpr OptionalCodec<IntegerCodec> kOptionalTime{kTime};
constexpr OptionalCodec<IntegerCodec> kOptionalTicketId{kTicketId};
constexpr ListCodec<TextCodec> kBeaten{kText, kMaxExplanationBeaten, "strings"};
constexpr ListCodec<IntegerCodec> kTicketIds{kTicketId, std::numeric_limits<std::size_t>::max(),
                                             "ticket ids"};

// ------------------------------------------------------------------------------------ rows

enum class Presence : std::uint8_t {
    required,    // always written; missing is an error
    omit_empty,  // not written when empty (""/[]/nullopt); missing reads as empty
};

template <class M>
constexpr bool kIsOptional = false;
template <class T>
constexpr bool kIsOptional<std::optional<T>> = true;

template <class M>
constexpr bool kCanBeEmpty = false;
template <>
constexpr bool kCanBeEmpty<std::string> = true;
template <class T>
constexpr bool kCanBeEmpty<std::vector<T>> = true;
template <class T>
constexpr bool kCanBeEmpty<std::optional<T>> = true;

template <class S, class M, class C>
struct Field {
    using Struct = S;
    std::string_view name;
    M S::*member = nullptr;
    C codec;
    Presence presence = Presence::required;
};

template <class S, class M, class C>
constexpr Field<S, M, C> required(std::string_view name, M S::*member, C codec) {
    // A std::optional member is optional in the contract too: nullopt has no JSON value.
    static_assert(!kIsOptional<M>, "an optional member is written only when set");
    return {name, member, codec, Presence::required};
}

template <class S, class M, class C>
constexpr Field<S, M, C> omit_empty(std::string_view name, M S::*member, C codec) {
    static_assert(kCanBeEmpty<M>, "only strings, lists and optionals can be omitted");
    return {name, member, codec, Presence::omit_empty};
}

// The number of members of an aggregate: the most initialisers `S{…}` accepts. A value that
// converts to anything stands in for each member. Only used in unevaluated checks; the body
// exists because clang wants one once a member's constructor template names the conversion.
struct AnyMember {
    template <class T>
    operator T() const {  // NOLINT(google-explicit-constructor): converting is its purpose
        return T{};
    }
};

template <class S, class... Members>
consteval std::size_t member_count() {
    if constexpr (requires { S{Members{}..., AnyMember{}}; }) {
        return member_count<S, Members..., AnyMember>();
    } else {
        return sizeof...(Members);
    }
}

template <class S, class... Fields>
struct Row {
    std::string_view type;  // the event type; empty for a nested object
    std::tuple<Fields...> fields;
};

template <class S, class... Fields>
constexpr Row<S, Fields...> row(std::string_view type, Fields... fields) {
    static_assert((std::is_same_v<typename Fields::Struct, S> && ...));
    static_assert(member_count<S>() == sizeof...(Fields),
                  "every member of the struct needs a field in its row");
    return {type, std::tuple<Fields...>(fields...)};
}

template <class S>
struct Tag {};

// --- nested objects

constexpr auto describe(Tag<Explanation>) {
    return row<Explanation>("", required("strategy", &Explanation::strategy, kEnum<StrategyKind>),
                            omit_empty("rule", &Explanation::rule, kMessage),
                            omit_empty("beaten", &Explanation::beaten, kBeaten));
}

constexpr auto describe(Tag<Appointment>) {
    return row<Appointment>("", required("id", &Appointment::id, kText),
                            required("service", &Appointment::service, kText),
                            required("slot_start", &Appointment::slot_start, kTime),
                            required("slot_end", &Appointment::slot_end, kTime),
                            omit_empty("identity_hash", &Appointment::identity_hash, kText),
                            omit_empty("code", &Appointment::code, kText),
                            omit_empty("source", &Appointment::source, kText),
                            omit_empty("ticket", &Appointment::ticket, kOptionalTicketId),
                            required("cancelled", &Appointment::cancelled, kFlag));
}

// --- events, one row each (docs/queue-events.md shows each with an example)

constexpr auto describe(Tag<TicketIssued>) {
    return row<TicketIssued>(
        "queue.ticket_issued", required("id", &TicketIssued::id, kTicketId),
        required("number", &TicketIssued::number, kText),
        required("service", &TicketIssued::service, kText),
        required("channel", &TicketIssued::channel, kEnum<Channel>),
        required("ticket_class", &TicketIssued::ticket_class, kEnum<TicketClass>),
        omit_empty("identity_hash", &TicketIssued::identity_hash, kText),
        omit_empty("appointment_id", &TicketIssued::appointment_id, kText),
        omit_empty("slot_start", &TicketIssued::slot_start, kOptionalTime));
}

constexpr auto describe(Tag<OfficerLoggedIn>) {
    return row<OfficerLoggedIn>("queue.officer_logged_in",
                                required("window", &OfficerLoggedIn::window, kText),
                                required("officer", &OfficerLoggedIn::officer, kText));
}

constexpr auto describe(Tag<OfficerLoggedOut>) {
    return row<OfficerLoggedOut>("queue.officer_logged_out",
                                 required("window", &OfficerLoggedOut::window, kText));
}

constexpr auto describe(Tag<TicketCalled>) {
    return row<TicketCalled>(
        "queue.ticket_called", required("id", &TicketCalled::id, kTicketId),
        required("window", &TicketCalled::window, kText),
        required("specific", &TicketCalled::specific, kFlag),
        omit_empty("reason", &TicketCalled::reason, kMessage),
        required("explanation", &TicketCalled::explanation, kObject<Explanation>),
        required("ratio_normal", &TicketCalled::ratio_normal, kRoundCount),
        required("ratio_priority", &TicketCalled::ratio_priority, kRoundCount));
}

constexpr auto describe(Tag<TicketRecalled>) {
    return row<TicketRecalled>("queue.ticket_recalled",
                               required("id", &TicketRecalled::id, kTicketId),
                               required("window", &TicketRecalled::window, kText));
}

constexpr auto describe(Tag<ServiceStarted>) {
    return row<ServiceStarted>("queue.service_started",
                               required("id", &ServiceStarted::id, kTicketId),
                               required("window", &ServiceStarted::window, kText));
}

constexpr auto describe(Tag<TicketNoShow>) {
    return row<TicketNoShow>("queue.ticket_no_show", required("id", &TicketNoShow::id, kTicketId),
                             required("window", &TicketNoShow::window, kText),
                             required("abandoned", &TicketNoShow::abandoned, kFlag),
                             required("queue_key", &TicketNoShow::queue_key, kQueueKey));
}

constexpr auto describe(Tag<TicketTransferred>) {
    return row<TicketTransferred>(
        "queue.ticket_transferred", required("id", &TicketTransferred::id, kTicketId),
        required("from_window", &TicketTransferred::from_window, kText),
        required("service", &TicketTransferred::service, kText),
        omit_empty("target_window", &TicketTransferred::target_window, kText),
        required("queue_key", &TicketTransferred::queue_key, kQueueKey));
}

constexpr auto describe(Tag<TicketHeld>) {
    return row<TicketHeld>("queue.ticket_held", required("id", &TicketHeld::id, kTicketId),
                           required("window", &TicketHeld::window, kText));
}

constexpr auto describe(Tag<WindowPaused>) {
    return row<WindowPaused>("queue.window_paused",
                             required("window", &WindowPaused::window, kText),
                             omit_empty("message", &WindowPaused::message, kMessage));
}

constexpr auto describe(Tag<WindowResumed>) {
    return row<WindowResumed>("queue.window_resumed",
                              required("window", &WindowResumed::window, kText));
}

constexpr auto describe(Tag<ServiceFinished>) {
    return row<ServiceFinished>("queue.service_finished",
                                required("id", &ServiceFinished::id, kTicketId),
                                required("window", &ServiceFinished::window, kText),
                                required("service_ms", &ServiceFinished::service_ms, kDuration));
}

constexpr auto describe(Tag<TicketEvaluated>) {
    return row<TicketEvaluated>("queue.ticket_evaluated",
                                required("id", &TicketEvaluated::id, kTicketId),
                                required("score", &TicketEvaluated::score, kScore),
                                omit_empty("reason", &TicketEvaluated::reason, kMessage));
}

constexpr auto describe(Tag<TicketAbandoned>) {
    return row<TicketAbandoned>("queue.ticket_abandoned",
                                required("id", &TicketAbandoned::id, kTicketId));
}

constexpr auto describe(Tag<AppointmentBooked>) {
    return row<AppointmentBooked>(
        "queue.appointment_booked",
        required("appointment", &AppointmentBooked::appointment, kObject<Appointment>));
}

constexpr auto describe(Tag<AppointmentCancelled>) {
    return row<AppointmentCancelled>("queue.appointment_cancelled",
                                     required("id", &AppointmentCancelled::id, kText));
}

constexpr auto describe(Tag<DayRolledOver>) {
    return row<DayRolledOver>("queue.day_rolled_over",
                              required("new_day", &DayRolledOver::new_day, kDay),
                              omit_empty("closed", &DayRolledOver::closed, kTicketIds));
}

constexpr auto describe(Tag<ClockAdvanced>) {
    return row<ClockAdvanced>("queue.clock_advanced");
}

// Who caused the event; in every payload, after the body's fields.
constexpr auto kActorField = required("actor", &QueueEvent::actor, kText);

// ------------------------------------------------------------------------- walking a row

template <class M>
bool is_empty(const M& value) {
    if constexpr (!kCanBeEmpty<M>) {
        return false;
    } else if constexpr (kIsOptional<M>) {
        return !value.has_value();
    } else {
        return value.empty();
    }
}

template <class S, class M, class C>
void write_field(const Field<S, M, C>& field, const S& value, Written& out) {
    const M& member = value.*field.member;
    if (field.presence == Presence::omit_empty && is_empty(member)) {
        return;
    }
    out[std::string(field.name)] = field.codec.write(member);
}

template <class S, class M, class C>
Failure read_field(const Field<S, M, C>& field, const json& object, S& out,
                   std::string_view prefix) {
    const auto path = prefix.empty() ? std::string(field.name)
                                     : std::string(prefix) + "." + std::string(field.name);
    const auto it = object.find(field.name);
    if (it == object.end()) {
        if (field.presence == Presence::required) {
            return "missing '" + path + "'";
        }
        return std::nullopt;  // stays empty
    }
    return field.codec.read(*it, out.*field.member, path);
}

template <class S, class... Fields>
Written write_object(const Row<S, Fields...>& row, const S& value) {
    Written out = Written::object();
    std::apply([&](const auto&... field) { (write_field(field, value, out), ...); }, row.fields);
    return out;
}

// Reads the row's fields in order and stops at the first failure. Fields not in the row are
// ignored: they belong to a newer version of the format.
template <class S, class... Fields>
Failure read_object(const Row<S, Fields...>& row, const json& object, S& out,
                    std::string_view prefix) {
    Failure failure;
    std::apply(
        [&](const auto&... field) {
            static_cast<void>(
                (... || (failure = read_field(field, object, out, prefix)).has_value()));
        },
        row.fields);
    return failure;
}

template <class S>
Written ObjectCodec<S>::write(const S& value) const {
    return write_object(describe(Tag<S>{}), value);
}

template <class S>
Failure ObjectCodec<S>::read(const json& value, S& out, const std::string& path) const {
    if (!value.is_object()) {
        return must_be(path, "an object");
    }
    return read_object(describe(Tag<S>{}), value, out, path);
}

// ------------------------------------------------------------------------- the event table

constexpr std::size_t kEventTypeCount = std::variant_size_v<EventBody>;

template <std::size_t... I>
constexpr std::array<std::string_view, kEventTypeCount> type_names(std::index_sequence<I...>) {
    return {describe(Tag<std::variant_alternative_t<I, EventBody>>{}).type...};
}

// Indexed like the alternatives of EventBody, but built from the rows: reordering the variant
// cannot swap names.
constexpr auto kEventTypes = type_names(std::make_index_sequence<kEventTypeCount>{});

constexpr bool event_types_valid() {
    for (std::size_t i = 0; i < kEventTypes.size(); ++i) {
        if (!kEventTypes[i].starts_with(kTypePrefix)) {
            return false;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (kEventTypes[i] == kEventTypes[j]) {
                return false;
            }
        }
    }
    return true;
}
static_assert(event_types_valid(), "event types are unique and start with \"queue.\"");

// Field names are unique within a row, and none is "actor", which every payload carries.
template <class S, class... Fields>
constexpr bool names_distinct(const Row<S, Fields...>& row) {
    const auto names = std::apply(
        [](const auto&... field) {
            return std::array<std::string_view, sizeof...(Fields)>{field.name...};
        },
        row.fields);
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == kActorField.name) {
            return false;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (names[i] == names[j]) {
                return false;
            }
        }
    }
    return true;
}

template <std::size_t... I>
constexpr bool rows_distinct(std::index_sequence<I...>) {
    return (names_distinct(describe(Tag<std::variant_alternative_t<I, EventBody>>{})) && ...) &&
           names_distinct(describe(Tag<Explanation>{})) &&
           names_distinct(describe(Tag<Appointment>{}));
}
static_assert(rows_distinct(std::make_index_sequence<kEventTypeCount>{}),
              "field names are unique within a payload");

using BodyReader = Failure (*)(const json&, EventBody&);

template <class Body>
Failure read_body(const json& object, EventBody& out) {
    Body body{};
    if (auto failure = read_object(describe(Tag<Body>{}), object, body, "")) {
        return failure;
    }
    out.emplace<Body>(std::move(body));
    return std::nullopt;
}

template <std::size_t... I>
constexpr std::array<BodyReader, kEventTypeCount> body_readers(std::index_sequence<I...>) {
    return {&read_body<std::variant_alternative_t<I, EventBody>>...};
}

constexpr auto kBodyReaders = body_readers(std::make_index_sequence<kEventTypeCount>{});

std::optional<std::size_t> type_index(std::string_view type) {
    const auto it = std::find(kEventTypes.begin(), kEventTypes.end(), type);
    if (it == kEventTypes.end()) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(it - kEventTypes.begin());
}

// ------------------------------------------------------------------------------- parsing

bool nested_too_deep(std::string_view text) {
    return proto::json_nested_deeper_than(text, kMaxEventNestingDepth);
}

std::string parse_error_text(const std::exception& e) {
    return proto::json_error_text(e);
}

// The body's fields, then the actor. Parsing is the only step that may throw.
Failure read_event(std::size_t index, std::string_view payload, QueueEvent& event) {
    if (payload.size() > kMaxEventPayloadBytes) {
        return "payload is " + std::to_string(payload.size()) + " bytes, over the limit of " +
               std::to_string(kMaxEventPayloadBytes);
    }
    if (nested_too_deep(payload)) {
        return "payload nests deeper than " + std::to_string(kMaxEventNestingDepth) + " levels";
    }
    try {
        const auto object = json::parse(payload);
        if (!object.is_object()) {
            return "payload must be a JSON object";
        }
        if (auto failure = kBodyReaders[index](object, event.body)) {
            return failure;
        }
        return read_field(kActorField, object, event, "");
    } catch (const json::exception& e) {
        // parse_error, and out_of_range for a number beyond a double ("1e400").
        return "payload is not valid JSON: " + parse_error_text(e);
    } catch (const std::exception& e) {
        return "payload cannot be decoded: " + parse_error_text(e);
    }
}

}  // namespace

std::string_view event_type(const EventBody& body) {
    return body.index() < kEventTypes.size() ? kEventTypes[body.index()] : std::string_view();
}

EncodedEvent encode_event(const QueueEvent& event) {
    if (event.body.valueless_by_exception()) {
        return {};
    }
    auto payload = std::visit(
        [](const auto& body) {
            return write_object(describe(Tag<std::decay_t<decltype(body)>>{}), body);
        },
        event.body);
    write_field(kActorField, event, payload);
    return {std::string(event_type(event.body)),
            payload.dump(-1, ' ', false, Written::error_handler_t::replace)};
}

std::expected<QueueEvent, std::string> decode_event(std::string_view type, std::int64_t at_ms,
                                                    std::string_view payload) {
    const auto index = type_index(type);
    if (!index) {
        if (type.starts_with(kTypePrefix)) {
            return std::unexpected("unknown queue event type " + quote(type));
        }
        return std::unexpected(quote(type) + " is not a queue event type");
    }
    // Not default-constructed: that would build a TicketIssued with indeterminate members.
    QueueEvent event{at_ms, {}, ClockAdvanced{}};
    if (auto failure = read_event(*index, payload, event)) {
        return std::unexpected(std::string(kEventTypes[*index]) + ": " + *failure);
    }
    return event;
}

bool is_queue_event_type(std::string_view type) {
    return type_index(type).has_value();
}

std::span<const std::string_view> queue_event_types() {
    return kEventTypes;
}

std::string_view to_string(Channel channel) {
    return name_of(channel);
}
std::string_view to_string(TicketClass ticket_class) {
    return name_of(ticket_class);
}
std::string_view to_string(TicketState state) {
    return name_of(state);
}
std::string_view to_string(WindowState state) {
    return name_of(state);
}
std::string_view to_string(StrategyKind kind) {
    return name_of(kind);
}

std::optional<Channel> parse_channel(std::string_view name) {
    return value_named<Channel>(name);
}
std::optional<TicketClass> parse_ticket_class(std::string_view name) {
    return value_named<TicketClass>(name);
}
std::optional<TicketState> parse_ticket_state(std::string_view name) {
    return value_named<TicketState>(name);
}
std::optional<WindowState> parse_window_state(std::string_view name) {
    return value_named<WindowState>(name);
}
std::optional<StrategyKind> parse_strategy_kind(std::string_view name) {
    return value_named<StrategyKind>(name);
}

}  // namespace hk::queue
