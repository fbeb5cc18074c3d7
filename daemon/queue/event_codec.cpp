// The JSON codec of the queue's events (event_codec.hpp, docs/queue-events.md). Every event
// type is one row of a table: its stored name and its fields, each field with a codec that
// both writes it and checks it. Encoding and decoding walk the same rows, so they cannot
// drift apart, and a compile-time check makes every member of every event struct appear in
// its row: a member added to events.hpp without a place in the contract does not build.
//
// Decoding is on the path of every start: the daemon replays the day's log (tens of thousands
// of events) before it is ready. So a payload is first parsed by simdjson, whose parser is
// reused from one payload to the next, and only what simdjson rejects goes to nlohmann-json. The
// fields are read by the same codecs from either parse.
#include "daemon/queue/event_codec.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <exception>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

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

// Where a value is in the payload, for error messages ("explanation.beaten[2]"): a chain of
// names and indexes kept on the stack while reading, turned into text only for a message.
class Path {
public:
    Path() = default;  // the payload itself

    [[nodiscard]] static Path member(const Path& parent, std::string_view name) {
        Path path;
        path.parent_ = &parent;
        path.name_ = name;
        return path;
    }

    [[nodiscard]] static Path element(const Path& parent, std::size_t index) {
        Path path;
        path.parent_ = &parent;
        path.index_ = index;
        path.is_element_ = true;
        return path;
    }

    [[nodiscard]] std::string text() const {
        if (parent_ == nullptr) {
            return {};
        }
        auto prefix = parent_->text();
        if (is_element_) {
            return prefix + "[" + std::to_string(index_) + "]";
        }
        return prefix.empty() ? std::string(name_) : prefix + "." + std::string(name_);
    }

private:
    const Path* parent_ = nullptr;
    std::string_view name_;
    std::size_t index_ = 0;
    bool is_element_ = false;
};

Failure must_be(const Path& path, std::string_view what) {
    return "'" + path.text() + "' must be " + std::string(what);
}

// ------------------------------------------------------------------------------ fast parse
// A payload is parsed first by simdjson's DOM parser: one tape for the whole document and one
// buffer for its unescaped strings, both kept by the parser for the next payload, where
// nlohmann's DOM allocates a node and a string for every member (which was most of a replay).
// simdjson rejects some JSON that nlohmann reads: integers beyond 64 bits, a byte order mark, a
// NUL after the document, and nesting that its depth limit counts as deeper than ours does. A
// rejected payload goes through the depth check and to nlohmann-json, so every error message and
// every corner of JSON is still decided by nlohmann. What simdjson accepts, the codecs read as
// nlohmann would: integers whether typed signed or unsigned, and of duplicate keys the last
// (member(), below). In builds with assertions every decode that simdjson did is repeated with
// nlohmann and the two results must be the same.

class FastParser {
public:
    // The payload parsed, valid until the next call; empty when simdjson rejects it.
    std::optional<simdjson::dom::element> parse(std::string_view payload) {
        // Nesting deeper than the limit is rejected; the limit is set when the parser first
        // allocates (again after trim()).
        if (parser_.max_depth() != kMaxEventNestingDepth &&
            parser_.allocate(kKeptCapacity, kMaxEventNestingDepth) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        // simdjson reads up to SIMDJSON_PADDING bytes past the end of the text.
        if (input_.size() < payload.size() + simdjson::SIMDJSON_PADDING) {
            input_.resize(payload.size() + simdjson::SIMDJSON_PADDING);
        }
        std::copy(payload.begin(), payload.end(), input_.begin());
        simdjson::dom::element root;
        if (parser_.parse(input_.data(), payload.size(), false).get(root) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        return root;
    }

    // Gives back the memory of an unusually large payload, so that the buffers of one 64 KiB
    // payload do not stay allocated for the life of the thread.
    void trim() {
        if (parser_.capacity() > kKeptCapacity) {
            parser_ = simdjson::dom::parser(kMaxEventPayloadBytes);
        }
        if (input_.size() > kKeptCapacity + simdjson::SIMDJSON_PADDING) {
            input_ = {};
        }
    }

private:
    static constexpr std::size_t kKeptCapacity = 4096;  // bytes of payload

    simdjson::dom::parser parser_{kMaxEventPayloadBytes};
    std::vector<char> input_;  // the payload and its padding
};

// ------------------------------------------------------------------------------ JSON values
// What the codecs ask of a parsed value, for nlohmann's DOM and for simdjson's alike.

bool is_string(const json& value) {
    return value.is_string();
}
std::string_view text_of(const json& value) {
    return value.get_ref<const std::string&>();
}
bool is_boolean(const json& value) {
    return value.is_boolean();
}
bool flag_of(const json& value) {
    return value.get<bool>();
}
// The value of a JSON integer that fits in int64; empty for anything else.
std::optional<std::int64_t> integer_of(const json& value) {
    if (value.is_number_unsigned()) {
        const auto magnitude = value.get<std::uint64_t>();
        if (magnitude > static_cast<std::uint64_t>(kInt64Max)) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(magnitude);
    }
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    return std::nullopt;
}
bool is_array(const json& value) {
    return value.is_array();
}
std::size_t array_size(const json& value) {
    return value.size();
}
// Calls `visit(element)` for each element in order while it returns true.
template <class F>
void for_each_element(const json& value, F&& visit) {
    for (const auto& element : value) {
        if (!visit(element)) {
            return;
        }
    }
}
bool is_object(const json& value) {
    return value.is_object();
}
// The member `name` of an object (the last one, if it appears twice); null when missing.
const json* member(const json& object, std::string_view name) {
    const auto it = object.find(name);
    return it == object.end() ? nullptr : &*it;
}

using Element = simdjson::dom::element;
using ElementType = simdjson::dom::element_type;

bool is_string(const Element& value) {
    return value.is_string();
}
std::string_view text_of(const Element& value) {
    return value.get_string().value_unsafe();
}
bool is_boolean(const Element& value) {
    return value.is_bool();
}
bool flag_of(const Element& value) {
    return value.get_bool().value_unsafe();
}
// simdjson types an integer int64 when it fits and uint64 only above that; a number with a
// fraction or exponent is a double, as it is a float for nlohmann.
std::optional<std::int64_t> integer_of(const Element& value) {
    if (value.type() == ElementType::INT64) {
        return value.get_int64().value_unsafe();
    }
    if (value.type() == ElementType::UINT64) {
        const auto magnitude = value.get_uint64().value_unsafe();
        if (magnitude > static_cast<std::uint64_t>(kInt64Max)) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(magnitude);
    }
    return std::nullopt;
}
bool is_array(const Element& value) {
    return value.is_array();
}
std::size_t array_size(const Element& value) {
    // Exact: simdjson counts up to 2^24 - 1 elements, more than a payload can hold.
    return value.get_array().value_unsafe().size();
}
template <class F>
void for_each_element(const Element& value, F&& visit) {
    const simdjson::dom::array elements = value.get_array().value_unsafe();
    for (const Element element : elements) {
        if (!visit(element)) {
            return;
        }
    }
}
bool is_object(const Element& value) {
    return value.is_object();
}
// simdjson keeps every member, duplicates included: the last one counts, as with nlohmann.
std::optional<Element> member(const Element& object, std::string_view name) {
    std::optional<Element> found;
    const simdjson::dom::object fields = object.get_object().value_unsafe();
    for (const auto field : fields) {
        if (field.key == name) {
            found = field.value;
        }
    }
    return found;
}

// ---------------------------------------------------------------------------------- codecs
// A codec writes one member as JSON and reads it back, checking type and range. `path` names
// the value in error messages ("explanation.beaten[2]"). Reading takes either kind of parsed
// value (nlohmann's or simdjson's) through the functions above.

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

    template <class J, class T>
    [[nodiscard]] Failure read(const J& value, T& out, const Path& path) const {
        const auto number = integer_of(value);
        if (!number || *number < min || *number > max || !std::in_range<T>(*number)) {
            return must_be(path, what);
        }
        out = static_cast<T>(*number);
        return std::nullopt;
    }
};

struct TextCodec {
    std::size_t max_bytes = 0;

    [[nodiscard]] Written write(const std::string& value) const { return value; }

    template <class J>
    [[nodiscard]] Failure read(const J& value, std::string& out, const Path& path) const {
        if (!is_string(value)) {
            return must_be(path, "a string");
        }
        const auto text = text_of(value);
        if (text.size() > max_bytes) {
            return must_be(path, "at most " + std::to_string(max_bytes) + " bytes");
        }
        out.assign(text);
        return std::nullopt;
    }
};

struct FlagCodec {
    [[nodiscard]] Written write(bool value) const { return value; }

    template <class J>
    [[nodiscard]] Failure read(const J& value, bool& out, const Path& path) const {
        if (!is_boolean(value)) {
            return must_be(path, "true or false");
        }
        out = flag_of(value);
        return std::nullopt;
    }
};

template <class E>
struct EnumCodec {
    [[nodiscard]] Written write(E value) const { return std::string(name_of(value)); }

    template <class J>
    [[nodiscard]] Failure read(const J& value, E& out, const Path& path) const {
        const auto parsed = is_string(value) ? value_named<E>(text_of(value)) : std::nullopt;
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

    template <class J, class T>
    [[nodiscard]] Failure read(const J& value, std::optional<T>& out, const Path& path) const {
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

    template <class J, class T>
    [[nodiscard]] Failure read(const J& value, std::vector<T>& out, const Path& path) const {
        if (!is_array(value) || array_size(value) > max_entries) {
            return must_be(path, max_entries == std::numeric_limits<std::size_t>::max()
                                     ? "an array of " + std::string(entries)
                                     : "an array of at most " + std::to_string(max_entries) + " " +
                                           std::string(entries));
        }
        out.clear();
        out.reserve(array_size(value));
        Failure failure;
        std::size_t i = 0;
        for_each_element(value, [&](const J& entry) {
            T parsed{};
            failure = element.read(entry, parsed, Path::element(path, i++));
            if (failure) {
                return false;
            }
            out.push_back(std::move(parsed));
            return true;
        });
        return failure;
    }
};

// A nested struct, described by its own row (below); defined after the rows it uses.
template <class S>
struct ObjectCodec {
    [[nodiscard]] Written write(const S& value) const;
    template <class J>
    [[nodiscard]] Failure read(const J& value, S& out, const Path& path) const;
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
                            omit_empty("phone_masked", &Appointment::phone_masked, kText),
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
        omit_empty("slot_start", &TicketIssued::slot_start, kOptionalTime),
        omit_empty("phone_masked", &TicketIssued::phone_masked, kText));
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

constexpr auto describe(Tag<TicketsClosed>) {
    return row<TicketsClosed>("queue.tickets_closed",
                              required("ids", &TicketsClosed::ids, kTicketIds));
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

template <class J, class S, class M, class C>
Failure read_field(const Field<S, M, C>& field, const J& object, S& out, const Path& parent) {
    const auto path = Path::member(parent, field.name);
    const auto found = member(object, field.name);
    if (!found) {
        if (field.presence == Presence::required) {
            return "missing '" + path.text() + "'";
        }
        return std::nullopt;  // stays empty
    }
    return field.codec.read(*found, out.*field.member, path);
}

template <class S, class... Fields>
Written write_object(const Row<S, Fields...>& row, const S& value) {
    Written out = Written::object();
    std::apply([&](const auto&... field) { (write_field(field, value, out), ...); }, row.fields);
    return out;
}

// Reads the row's fields in order and stops at the first failure. Fields not in the row are
// ignored: they belong to a newer version of the format.
template <class J, class S, class... Fields>
Failure read_object(const Row<S, Fields...>& row, const J& object, S& out, const Path& parent) {
    Failure failure;
    std::apply(
        [&](const auto&... field) {
            static_cast<void>(
                (... || (failure = read_field(field, object, out, parent)).has_value()));
        },
        row.fields);
    return failure;
}

template <class S>
Written ObjectCodec<S>::write(const S& value) const {
    return write_object(describe(Tag<S>{}), value);
}

template <class S>
template <class J>
Failure ObjectCodec<S>::read(const J& value, S& out, const Path& path) const {
    if (!is_object(value)) {
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

template <class J>
using BodyReader = Failure (*)(const J&, EventBody&);

template <class J, class Body>
Failure read_body(const J& object, EventBody& out) {
    Body body{};
    if (auto failure = read_object(describe(Tag<Body>{}), object, body, Path())) {
        return failure;
    }
    out.emplace<Body>(std::move(body));
    return std::nullopt;
}

template <class J, std::size_t... I>
constexpr std::array<BodyReader<J>, kEventTypeCount> body_readers(std::index_sequence<I...>) {
    return {&read_body<J, std::variant_alternative_t<I, EventBody>>...};
}

template <class J>
constexpr auto kBodyReaders = body_readers<J>(std::make_index_sequence<kEventTypeCount>{});

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

// A parsed payload: the body's fields, then the actor.
template <class J>
Failure read_parsed(std::size_t index, const J& object, QueueEvent& event) {
    if (!is_object(object)) {
        return "payload must be a JSON object";
    }
    if (auto failure = kBodyReaders<J>[index](object, event.body)) {
        return failure;
    }
    return read_field(kActorField, object, event, Path());
}

// Parsed by nlohmann-json. Parsing is the only step that may throw.
Failure read_with_nlohmann(std::size_t index, std::string_view payload, QueueEvent& event) {
    try {
        return read_parsed(index, json::parse(payload), event);
    } catch (const json::exception& e) {
        // parse_error, and out_of_range for a number beyond a double ("1e400").
        return "payload is not valid JSON: " + parse_error_text(e);
    } catch (const std::exception& e) {
        return "payload cannot be decoded: " + parse_error_text(e);
    }
}

// Parsed by simdjson; empty when it rejects the payload. One parser per thread, so that its
// buffers are reused from one event to the next.
std::optional<Failure> read_with_simdjson(std::size_t index, std::string_view payload,
                                          QueueEvent& event) {
    thread_local FastParser parser;
    try {
        std::optional<Failure> failure;
        if (const auto root = parser.parse(payload)) {
            failure = read_parsed(index, *root, event);
        }
        parser.trim();
        return failure;
    } catch (const std::exception&) {
        parser.trim();
        return std::nullopt;  // out of memory: nlohmann reports it
    }
}

// Whether nlohmann reads `payload` exactly as simdjson did: the same failure, or the same
// event. Only for assertions.
[[maybe_unused]] bool same_as_nlohmann(std::size_t index, std::string_view payload,
                                       const QueueEvent& event, const Failure& failure) {
    QueueEvent reference{event.at, {}, ClockAdvanced{}};
    if (read_with_nlohmann(index, payload, reference) != failure) {
        return false;
    }
    return failure.has_value() || encode_event(reference) == encode_event(event);
}

Failure read_event(std::size_t index, std::string_view payload, QueueEvent& event) {
    if (payload.size() > kMaxEventPayloadBytes) {
        return "payload is " + std::to_string(payload.size()) + " bytes, over the limit of " +
               std::to_string(kMaxEventPayloadBytes);
    }
    // simdjson rejects what nests too deep (its depth counts at least ours), so the check is
    // needed only when it rejects.
    auto failure = read_with_simdjson(index, payload, event);
    if (failure) {
        assert(!nested_too_deep(payload) && same_as_nlohmann(index, payload, event, *failure));
        return std::move(*failure);
    }
    if (nested_too_deep(payload)) {
        return "payload nests deeper than " + std::to_string(kMaxEventNestingDepth) + " levels";
    }
    return read_with_nlohmann(index, payload, event);
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
