// Queue operations as JSON: see operations.hpp. A table maps each operation name to a function
// that reads its fields and calls the engine; one place turns the outcome into the answer.
#include "daemon/queue/operations.hpp"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "daemon/queue/event_codec.hpp"
#include "daemon/queue/reports.hpp"

namespace hk::queue {
namespace {

using nlohmann::json;

// Reads an operation's fields; remembers the first problem so each handler reads straight
// through and the caller reports one clear message.
class Fields {
public:
    explicit Fields(const json& op) : op_(op) {}

    std::string text(std::string_view key, bool required = true) {
        const auto it = op_.find(key);
        if (it == op_.end() || it->is_null()) {
            if (required) {
                fail(key, "is required");
            }
            return {};
        }
        if (!it->is_string()) {
            fail(key, "must be a string");
            return {};
        }
        const auto& value = it->get_ref<const std::string&>();
        if (value.size() > kMaxEventMessageBytes) {
            fail(key, "is too long");
            return {};
        }
        return value;
    }
    std::int64_t integer(std::string_view key, std::int64_t fallback, bool required = false) {
        const auto it = op_.find(key);
        if (it == op_.end()) {
            if (required) {
                fail(key, "is required");
            }
            return fallback;
        }
        if (!it->is_number_integer()) {
            fail(key, "must be an integer");
            return fallback;
        }
        return it->get<std::int64_t>();
    }
    bool boolean(std::string_view key) {
        const auto it = op_.find(key);
        if (it == op_.end()) {
            return false;
        }
        if (!it->is_boolean()) {
            fail(key, "must be true or false");
            return false;
        }
        return it->get<bool>();
    }
    template <class Enum>
    Enum choice(std::string_view key, Enum fallback,
                std::optional<Enum> (*parse)(std::string_view)) {
        const auto name = text(key, false);
        if (name.empty()) {
            return fallback;
        }
        const auto value = parse(name);
        if (!value) {
            fail(key, "has an unknown value '" + name + "'");
            return fallback;
        }
        return *value;
    }

    [[nodiscard]] const std::optional<std::string>& error() const { return error_; }

private:
    void fail(std::string_view key, std::string_view what) {
        if (!error_) {
            error_ = "'" + std::string(key) + "' " + std::string(what);
        }
    }
    const json& op_;
    std::optional<std::string> error_;
};

struct Call {
    Engine& engine;
    Millis now;
    std::string_view actor;
    Fields& fields;
};

using Handler = std::function<QueueResult<Events>(Call&)>;

QueueResult<Events> bad_request() {
    return std::unexpected(QueueError{QueueErrc::bad_argument, {}});
}

// Each handler reads its fields first and calls the engine only if they were all readable.
template <class F>
Handler with_fields(F&& run) {
    return [run = std::forward<F>(run)](Call& c) -> QueueResult<Events> {
        auto prepared = run(c);
        if (c.fields.error()) {
            return bad_request();
        }
        return prepared();
    };
}

const std::array<std::pair<std::string_view, Handler>, 19>& handlers() {
    static const std::array<std::pair<std::string_view, Handler>, 19> table = {{
        {"take", with_fields([](Call& c) {
             TakeRequest request;
             request.service = c.fields.text("service");
             request.channel = c.fields.choice("channel", Channel::walkin, parse_channel);
             request.ticket_class =
                 c.fields.choice("class", TicketClass::normal, parse_ticket_class);
             request.identity_hash = c.fields.text("identity_hash", false);
             request.phone = c.fields.text("phone", false);
             return [&c, request] { return c.engine.take(c.now, c.actor, request); };
         })},
        {"login", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             auto officer = c.fields.text("officer");
             return
                 [&c, window, officer] { return c.engine.login(c.now, c.actor, window, officer); };
         })},
        {"logout", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.logout(c.now, c.actor, window); };
         })},
        {"call_next", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.call_next(c.now, c.actor, window); };
         })},
        {"recall", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.recall(c.now, c.actor, window); };
         })},
        {"call_specific", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             auto number = c.fields.text("number");
             auto reason = c.fields.text("reason", false);
             return [&c, window, number, reason] {
                 return c.engine.call_specific(c.now, c.actor, window, number, reason);
             };
         })},
        {"start", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.start(c.now, c.actor, window); };
         })},
        {"no_show", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.no_show(c.now, c.actor, window); };
         })},
        {"transfer", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             TransferRequest request{c.fields.text("to_service", false),
                                     c.fields.text("to_window", false),
                                     c.fields.boolean("to_front")};
             return [&c, window, request] {
                 return c.engine.transfer(c.now, c.actor, window, request);
             };
         })},
        {"hold", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.hold(c.now, c.actor, window); };
         })},
        {"call_back", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             auto number = c.fields.text("number");
             return [&c, window, number] {
                 return c.engine.call_back(c.now, c.actor, window, number);
             };
         })},
        {"pause", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             auto message = c.fields.text("message", false);
             return
                 [&c, window, message] { return c.engine.pause(c.now, c.actor, window, message); };
         })},
        {"resume", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.resume(c.now, c.actor, window); };
         })},
        {"finish", with_fields([](Call& c) {
             auto window = c.fields.text("window");
             return [&c, window] { return c.engine.finish(c.now, c.actor, window); };
         })},
        {"evaluate", with_fields([](Call& c) {
             auto number = c.fields.text("number");
             const auto score = c.fields.integer("score", 0, true);
             auto reason = c.fields.text("reason", false);
             return [&c, number, score, reason] {
                 return c.engine.evaluate(c.now, c.actor, number, static_cast<int>(score), reason);
             };
         })},
        {"abandon", with_fields([](Call& c) {
             auto number = c.fields.text("number");
             return [&c, number] { return c.engine.abandon(c.now, c.actor, number); };
         })},
        {"book", with_fields([](Call& c) {
             Appointment appointment;
             appointment.id = c.fields.text("id");
             appointment.service = c.fields.text("service");
             appointment.slot_start = c.fields.integer("slot_start_ms", 0, true);
             appointment.slot_end = c.fields.integer("slot_end_ms", 0, true);
             appointment.identity_hash = c.fields.text("identity_hash", false);
             appointment.phone_masked = c.fields.text("phone", false);  // masked by the engine
             appointment.code = c.fields.text("code", false);
             appointment.source = c.fields.text("source", false);
             return [&c, appointment] {
                 return c.engine.book_appointment(c.now, c.actor, appointment);
             };
         })},
        {"check_in", with_fields([](Call& c) {
             auto identity = c.fields.text("identity_hash", false);
             auto code = c.fields.text("code", false);
             return
                 [&c, identity, code] { return c.engine.check_in(c.now, c.actor, identity, code); };
         })},
        {"rollover", [](Call& c) { return c.engine.rollover(c.now, c.actor); }},
    }};
    return table;
}

// The number of the ticket an operation acted on, for its answer.
void name_ticket(const Engine& engine, TicketId id, json& answer) {
    if (const auto* ticket = engine.state().find_ticket(id)) {
        answer["ticket"] = ticket->number;
    }
}

// What the answer says about the events an accepted operation produced.
void describe(const Engine& engine, const Events& events, json& answer) {
    for (const auto& event : events) {
        if (const auto* issued = std::get_if<TicketIssued>(&event.body)) {
            answer["ticket"] = issued->number;
            answer["service"] = issued->service;
            answer["waiting_ahead"] = engine.waiting_ahead(issued->id);
            answer["estimated_wait_s"] = engine.estimated_wait(issued->id) / 1000;
        } else if (const auto* called = std::get_if<TicketCalled>(&event.body)) {
            const auto* ticket = engine.state().find_ticket(called->id);
            answer["ticket"] = ticket != nullptr ? ticket->number : "";
            answer["window"] = called->window;
            answer["strategy"] = to_string(called->explanation.strategy);
            answer["rule"] = called->explanation.rule;
            answer["beaten"] = called->explanation.beaten;
        } else if (const auto* recalled = std::get_if<TicketRecalled>(&event.body)) {
            if (const auto* ticket = engine.state().find_ticket(recalled->id)) {
                answer["ticket"] = ticket->number;
                answer["recalls"] = ticket->recalls;
            }
        } else if (const auto* started = std::get_if<ServiceStarted>(&event.body)) {
            name_ticket(engine, started->id, answer);
        } else if (const auto* held = std::get_if<TicketHeld>(&event.body)) {
            name_ticket(engine, held->id, answer);
        } else if (const auto* moved = std::get_if<TicketTransferred>(&event.body)) {
            name_ticket(engine, moved->id, answer);
        } else if (const auto* finished = std::get_if<ServiceFinished>(&event.body)) {
            name_ticket(engine, finished->id, answer);
            answer["service_s"] = finished->service_ms / 1000;
        } else if (const auto* no_show = std::get_if<TicketNoShow>(&event.body)) {
            name_ticket(engine, no_show->id, answer);
            answer["abandoned"] = no_show->abandoned;
        } else if (const auto* closed = std::get_if<TicketsClosed>(&event.body)) {
            answer["closed"] = answer.value("closed", std::size_t{0}) + closed->ids.size();
        } else if (const auto* rolled = std::get_if<DayRolledOver>(&event.body)) {
            answer["closed"] = answer.value("closed", std::size_t{0}) + rolled->closed.size();
        }
    }
}

// `explain` asks rather than changes: it answers from the state and emits no events.
json explain(const Engine& engine, Millis now, Fields& fields, json answer) {
    const auto number = fields.text("number");
    if (const auto& error = fields.error(); error.has_value()) {
        answer["ok"] = false;
        answer["error"] = "bad_request";
        answer["message"] = *error;
        return answer;
    }
    auto explained = explain_ticket(engine, number, now);
    if (!explained) {
        answer["ok"] = false;
        answer["error"] = to_string(explained.error().code);
        answer["message"] = explained.error().message;
        return answer;
    }
    answer.update(*explained);
    answer["ok"] = true;
    return answer;
}

}  // namespace

json run_operation(Engine& engine, Millis now, std::string_view actor, const json& operation,
                   Events& events) {
    json answer = json::object();
    if (!operation.is_object()) {
        return json{{"ok", false}, {"error", "bad_request"}, {"message", "not a JSON object"}};
    }
    Fields fields(operation);
    const auto name = fields.text("op");
    answer["op"] = name;
    if (name == "explain") {
        return explain(engine, now, fields, std::move(answer));
    }
    const auto& table = handlers();
    const auto handler = std::find_if(table.begin(), table.end(),
                                      [&](const auto& entry) { return entry.first == name; });
    if (handler == table.end()) {
        answer["ok"] = false;
        answer["error"] = "bad_request";
        answer["message"] = fields.error().value_or("unknown op '" + name + "'");
        return answer;
    }
    Call call{engine, now, actor, fields};
    auto result = handler->second(call);
    if (!result) {
        answer["ok"] = false;
        if (const auto& problem = fields.error()) {
            answer["error"] = "bad_request";
            answer["message"] = problem.value();
        } else {
            answer["error"] = to_string(result.error().code);
            answer["message"] = result.error().message;
        }
        return answer;
    }
    answer["ok"] = true;
    describe(engine, *result, answer);
    events.insert(events.end(), result->begin(), result->end());
    return answer;
}

}  // namespace hk::queue
