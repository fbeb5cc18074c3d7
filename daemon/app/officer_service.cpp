// The officers' control commands: see officer_service.hpp.
#include "daemon/app/officer_service.hpp"

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

namespace hk::app {
namespace {

using nlohmann::json;

control::CommandError bad_args(std::string message) {
    return control::CommandError{std::string(control::errc::bad_args), std::move(message)};
}

control::CommandError internal(const store::Error& error) {
    return control::CommandError{std::string(control::errc::internal), error.message};
}

const std::string* text_arg(const json& args, std::string_view key) {
    const auto it = args.find(key);
    return it != args.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

}  // namespace

void OfficerService::register_commands(control::Server& server) {
    server.add_command(
        "officers", "The officers who may log in at a counter (no PINs)",
        control::Server::SyncHandler([this](const json&) -> control::Outcome { return list(); }));
    server.add_command(
        "officer.set", "Add an officer or change their name and PIN",
        control::Server::Handler(
            [this](const json& args, const control::Server::Reply& reply) { set(args, reply); }));
    server.add_command(
        "officer.remove", "Remove an officer",
        control::Server::SyncHandler([this](const json& args) { return remove(args); }));
}

control::Outcome OfficerService::list() {
    auto all = officers_.list();
    if (!all) {
        return std::unexpected(internal(all.error()));
    }
    json out = json::array();
    for (const auto& officer : *all) {
        out.push_back(json{{"id", officer.id},
                           {"name", officer.name},
                           {"updated_ms", officer.updated_ms},
                           {"failed_logins", officer.failed_logins},
                           {"locked_until_ms", officer.locked_until_ms}});
    }
    return json{{"officers", std::move(out)}};
}

void OfficerService::set(const json& args, const control::Server::Reply& reply) {
    const auto* id = text_arg(args, "id");
    const auto* name = text_arg(args, "name");
    const auto* pin = text_arg(args, "pin");
    if (id == nullptr || name == nullptr || pin == nullptr) {
        reply(std::unexpected(
            bad_args("fields \"id\", \"name\" and \"pin\" (strings) are required")));
        return;
    }
    for (const auto& problem : {officers::check_officer_id(*id), officers::check_name(*name),
                                officers::check_pin(*pin)}) {
        if (problem) {
            reply(std::unexpected(bad_args(*problem)));
            return;
        }
    }
    // Hashing takes ~0.1 s and 64 MiB by design: on the pool, then back on the loop to store.
    workers_.submit(
        [pin = *pin] { return officers::hash_pin(pin); },
        [this, reply, id = *id, name = *name](std::expected<std::string, std::string> hashed) {
            if (!hashed) {
                reply(std::unexpected(
                    control::CommandError{std::string(control::errc::internal), hashed.error()}));
                return;
            }
            if (auto put = officers_.put(id, name, *hashed, now_ms_()); !put) {
                reply(std::unexpected(internal(put.error())));
                return;
            }
            record_("officer.updated", json{{"id", id}, {"name", name}});
            spdlog::info("officer {} set", id);
            reply(json{{"id", id}, {"name", name}});
        });
}

control::Outcome OfficerService::remove(const json& args) {
    const auto* id = text_arg(args, "id");
    if (id == nullptr) {
        return std::unexpected(bad_args("field \"id\" (a string) is required"));
    }
    auto removed = officers_.remove(*id);
    if (!removed) {
        return std::unexpected(internal(removed.error()));
    }
    if (!*removed) {
        return std::unexpected(
            control::CommandError{"unknown_officer", "no officer '" + *id + "'"});
    }
    record_("officer.removed", json{{"id", *id}});
    spdlog::info("officer {} removed", *id);
    return json{{"id", *id}, {"removed", true}};
}

}  // namespace hk::app
