// packaging/udev/60-hallkeeper.rules: a syntax check of every line (Debian bookworm's udevadm
// has no `verify`), and that the rules give the service's group the hall's devices and keep
// ModemManager off their ports.
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace {

std::string read_file(const std::string& relative) {
    std::ifstream in(std::string(HK_SOURCE_DIR) + "/" + relative);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Pair {
    std::string key;   // "ATTRS"
    std::string attr;  // "idVendor", or empty
    std::string op;
    std::string value;
};

struct Rule {
    std::size_t line = 0;
    std::vector<Pair> pairs;
};

const std::set<std::string, std::less<>> kMatchOnly = {
    "ACTION",  "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
    "DRIVERS", "ATTRS",   "TAGS",   "RESULT",  "CONST",     "TEST",       "SYSCTL"};
const std::set<std::string, std::less<>> kAssignOnly = {
    "OWNER", "GROUP", "MODE", "LABEL", "GOTO", "RUN", "OPTIONS", "IMPORT", "SECLABEL", "PROGRAM"};
const std::set<std::string, std::less<>> kEither = {"ENV", "TAG", "ATTR", "NAME", "SYMLINK"};
const std::set<std::string, std::less<>> kWithAttr = {
    "ATTR", "ATTRS", "ENV", "CONST", "IMPORT", "SECLABEL", "RUN", "SYSCTL", "TEST"};

// Parses one logical line the way udev does: KEY[{attr}] OP "value", separated by commas.
// Returns an error message, or empty.
std::string parse_rule(std::string_view text, Rule& rule) {
    std::size_t at = 0;
    auto skip_space = [&] {
        while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) {
            ++at;
        }
    };
    while (true) {
        skip_space();
        Pair pair;
        while (at < text.size() &&
               (std::isupper(static_cast<unsigned char>(text[at])) != 0 || text[at] == '_')) {
            pair.key += text[at++];
        }
        if (pair.key.empty()) {
            return "expected a key";
        }
        if (at < text.size() && text[at] == '{') {
            const auto close = text.find('}', at);
            if (close == std::string_view::npos || close == at + 1) {
                return "bad {attribute}";
            }
            pair.attr = std::string(text.substr(at + 1, close - at - 1));
            at = close + 1;
        }
        skip_space();
        for (const std::string_view op : {"==", "!=", "+=", "-=", ":=", "="}) {
            if (text.substr(at).starts_with(op)) {
                pair.op = op;
                at += op.size();
                break;
            }
        }
        if (pair.op.empty()) {
            return "expected an operator after " + pair.key;
        }
        skip_space();
        if (at >= text.size() || text[at] != '"') {
            return "expected a quoted value for " + pair.key;
        }
        const auto close = text.find('"', at + 1);
        if (close == std::string_view::npos) {
            return "unterminated value for " + pair.key;
        }
        pair.value = std::string(text.substr(at + 1, close - at - 1));
        at = close + 1;

        const bool is_match = pair.op == "==" || pair.op == "!=";
        if (kMatchOnly.contains(pair.key) && !is_match) {
            return pair.key + " can only be matched";
        }
        if (kAssignOnly.contains(pair.key) && is_match) {
            return pair.key + " can only be assigned";
        }
        if (!kMatchOnly.contains(pair.key) && !kAssignOnly.contains(pair.key) &&
            !kEither.contains(pair.key)) {
            return "unknown key " + pair.key;
        }
        if (kWithAttr.contains(pair.key) != !pair.attr.empty() && pair.key != "RUN" &&
            pair.key != "IMPORT" && pair.key != "TEST") {
            return pair.key + (pair.attr.empty() ? " needs {attribute}" : " takes no {attribute}");
        }
        if (pair.key == "MODE" && (pair.value.size() != 4 ||
                                   pair.value.find_first_not_of("01234567") != std::string::npos)) {
            return "MODE must be four octal digits";
        }
        rule.pairs.push_back(std::move(pair));
        skip_space();
        if (at >= text.size()) {
            return {};
        }
        if (text[at] != ',') {
            return "expected a comma";
        }
        ++at;
    }
}

std::vector<Rule> parse_rules(const std::string& text, std::vector<std::string>& errors) {
    std::vector<Rule> rules;
    std::istringstream in(text);
    std::string line;
    std::string logical;
    std::size_t number = 0;
    std::size_t first = 0;
    while (std::getline(in, line)) {
        ++number;
        if (logical.empty()) {
            first = number;
        }
        if (!line.empty() && line.back() == '\\') {
            logical += line.substr(0, line.size() - 1);
            continue;
        }
        logical += line;
        const auto start = logical.find_first_not_of(" \t");
        if (start != std::string::npos && logical[start] != '#') {
            Rule rule{first, {}};
            if (auto error = parse_rule(std::string_view(logical).substr(start), rule);
                !error.empty()) {
                errors.push_back("line " + std::to_string(first) + ": " + error);
            } else {
                rules.push_back(std::move(rule));
            }
        }
        logical.clear();
    }
    if (!logical.empty()) {
        errors.push_back("line " + std::to_string(first) + ": continuation at end of file");
    }
    return rules;
}

bool has(const Rule& rule, std::string_view key, std::string_view attr, std::string_view op,
         std::string_view value) {
    for (const auto& pair : rule.pairs) {
        if (pair.key == key && pair.attr == attr && pair.op == op && pair.value == value) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("the syntax check rejects malformed rule lines") {
    std::vector<std::string> errors;
    parse_rules(
        "ACTION=\"add\"\n"                    // match key assigned
        "GROUP==\"x\"\n"                      // assignment key matched
        "ENV=\"1\"\n"                         // ENV without {name}
        "FOO==\"1\"\n"                        // unknown key
        "KERNEL==\"a\" SUBSYSTEM==\"tty\"\n"  // missing comma
        "MODE=\"666\"\n"                      // not four octal digits
        "GROUP=\"x\n"                         // unterminated
        "KERNEL==\"a\", \\\n",
        errors);
    CHECK(errors.size() == 8);
}

TEST_CASE("the shipped udev rules parse and every GOTO has its LABEL") {
    std::vector<std::string> errors;
    const auto rules = parse_rules(read_file("packaging/udev/60-hallkeeper.rules"), errors);
    INFO((errors.empty() ? std::string{} : errors.front()));
    CHECK(errors.empty());
    REQUIRE_FALSE(rules.empty());
    std::set<std::string> labels;
    std::set<std::string> gotos;
    for (const auto& rule : rules) {
        for (const auto& pair : rule.pairs) {
            if (pair.key == "LABEL") {
                labels.insert(pair.value);
            } else if (pair.key == "GOTO") {
                gotos.insert(pair.value);
            }
        }
    }
    for (const auto& target : gotos) {
        CHECK(labels.contains(target));
    }
}

TEST_CASE("the rules mark the common serial adapters and keep ModemManager off them") {
    std::vector<std::string> errors;
    const auto rules = parse_rules(read_file("packaging/udev/60-hallkeeper.rules"), errors);
    REQUIRE(errors.empty());
    for (const auto& [vid, pid] : std::vector<std::pair<std::string, std::string>>{
             {"1a86", "7523"}, {"067b", "2303"}, {"0403", "6001"}, {"10c4", "ea60"}}) {
        bool marked = false;
        for (const auto& rule : rules) {
            marked = marked || (has(rule, "ATTRS", "idVendor", "==", vid) &&
                                has(rule, "ATTRS", "idProduct", "==", pid) &&
                                has(rule, "ENV", "HALLKEEPER", "=", "1"));
        }
        INFO(vid << ":" << pid);
        CHECK(marked);
    }
    bool tagged = false;
    bool tty = false;
    for (const auto& rule : rules) {
        tagged = tagged || (has(rule, "TAG", "", "==", "hallkeeper") &&
                            has(rule, "ENV", "HALLKEEPER", "=", "1"));
        tty = tty || (has(rule, "SUBSYSTEM", "", "==", "tty") &&
                      has(rule, "ENV", "ID_MM_DEVICE_IGNORE", "=", "1") &&
                      has(rule, "MODE", "", "=", "0660"));
    }
    CHECK(tagged);
    CHECK(tty);
}

TEST_CASE("the rules give devices to the group the service runs as") {
    const auto unit = read_file("packaging/systemd/hallkeeperd.service");
    const auto at = unit.find("\nGroup=");
    REQUIRE(at != std::string::npos);
    const auto group = unit.substr(at + 7, unit.find('\n', at + 1) - at - 7);
    std::vector<std::string> errors;
    const auto rules = parse_rules(read_file("packaging/udev/60-hallkeeper.rules"), errors);
    std::set<std::string> subsystems;
    for (const auto& rule : rules) {
        for (const auto& pair : rule.pairs) {
            if (pair.key == "GROUP") {
                CHECK(pair.value == group);
            }
        }
        for (const auto* subsystem : {"tty", "usb", "hidraw", "input", "video4linux"}) {
            if (has(rule, "SUBSYSTEM", "", "==", subsystem) && has(rule, "GROUP", "", "=", group)) {
                subsystems.insert(subsystem);
            }
        }
    }
    CHECK(subsystems.size() == 5);
}
