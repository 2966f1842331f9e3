// One meaning per flag: every subcommand's options are walked as CLI11 holds them, and a short letter or a
// long name used with two meanings (two long names for one letter, two letters for one name, a flag in one
// command and an option taking a value in another) fails. docs/cli.md's table must list exactly what the
// commands offer.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "cli/commands.hpp"

namespace mqtt::cli {
namespace {

struct Use {
  std::string command;
  std::set<std::string> letters;  // "-u"
  bool takes_value = false;
};

// Every named option of every subcommand, by long name ("--username"), with where it is used and how.
std::map<std::string, std::vector<Use>> walk_options() {
  CLI::App app{"mqtt-harness", "mqtt-harness"};
  int exit_code = 0;
  add_every_command(app, exit_code);
  std::map<std::string, std::vector<Use>> uses;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    for (const CLI::Option* option : command->get_options()) {
      if (option->get_positional() || option->get_name() == "--help") continue;
      EXPECT_EQ(option->get_lnames().size(), 1u)
          << command->get_name() << ": " << option->get_name() << " should have exactly one long name";
      if (option->get_lnames().empty()) continue;
      Use use{.command = command->get_name(), .letters = {}, .takes_value = option->get_expected_max() > 0};
      for (const auto& letter : option->get_snames()) use.letters.insert("-" + letter);
      uses["--" + option->get_lnames().front()].push_back(use);
    }
  }
  return uses;
}

TEST(OptionMeanings, EveryLetterAndLongNameHasOneMeaningAcrossSubcommands) {
  const auto uses = walk_options();
  ASSERT_GT(uses.size(), 40u);
  std::map<std::string, std::string> meaning_of_letter;  // "-t" -> "--topic"
  for (const auto& [name, list] : uses) {
    std::set<std::string> letters;
    for (const auto& use : list) letters.insert(use.letters.begin(), use.letters.end());
    EXPECT_LE(letters.size(), 1u) << name << " has several short letters";
    for (const auto& letter : letters) {
      const auto [where, inserted] = meaning_of_letter.emplace(letter, name);
      EXPECT_TRUE(inserted) << letter << " means both " << where->second << " and " << name;
    }
    for (const auto& use : list) {
      EXPECT_EQ(use.takes_value, list.front().takes_value)
          << name << " takes a value in " << list.front().command << " but not in " << use.command
          << " (or the reverse)";
    }
  }
}

// The choices made for users who know mosquitto_pub/mosquitto_sub, and the ones issue 14 named.
TEST(OptionMeanings, LettersFollowMosquittoClientsWhereTheyMeanTheSame) {
  const auto uses = walk_options();
  const std::map<std::string, std::string> expected{
      {"--topic", "-t"},     {"--qos", "-q"},        {"--username", "-u"}, {"--password", "-P"},
      {"--client-id", "-i"}, {"--keep-alive", "-k"}, {"--count", "-C"},    {"--target", "-L"},
      {"--port", "-p"},      {"--verbose", "-v"}};
  for (const auto& [name, letter] : expected) {
    ASSERT_TRUE(uses.contains(name)) << name;
    for (const auto& use : uses.at(name)) {
      EXPECT_EQ(use.letters, std::set<std::string>{letter}) << use.command << " " << name;
    }
  }
  for (const auto& use : uses.at("--quiet")) EXPECT_TRUE(use.letters.empty()) << use.command << " --quiet";
  for (const auto& use : uses.at("--json")) EXPECT_FALSE(use.takes_value) << use.command << " --json";
  std::set<std::string> with_quiet, with_credentials;
  for (const auto& use : uses.at("--quiet")) with_quiet.insert(use.command);
  for (const auto& use : uses.at("--password-file")) with_credentials.insert(use.command);
  EXPECT_EQ(with_quiet, (std::set<std::string>{"conform", "inspect", "replay", "simulate"}));
  EXPECT_EQ(with_credentials, (std::set<std::string>{"conform", "probe", "replay", "simulate"}));
}

// Rows of docs/cli.md's option table: "| `-u` | `--username` | ... | conform, probe, replay, simulate |".
std::map<std::string, std::pair<std::string, std::set<std::string>>> documented_options() {
  std::ifstream in(std::string(MQTT_SOURCE_DIRECTORY) + "/docs/cli.md");
  std::map<std::string, std::pair<std::string, std::set<std::string>>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| ") || line.find("`--") == std::string::npos) continue;
    std::vector<std::string> cells;
    std::size_t start = 1;
    for (std::size_t bar = line.find('|', start); bar != std::string::npos; bar = line.find('|', start)) {
      std::string cell = line.substr(start, bar - start);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
      start = bar + 1;
    }
    if (cells.size() < 4) continue;
    auto unquote = [](std::string text) {
      std::erase(text, '`');
      return text;
    };
    std::set<std::string> commands;
    std::string list = cells[3] + ",";
    for (std::size_t comma = list.find(','), from = 0; comma != std::string::npos;
         from = comma + 1, comma = list.find(',', from)) {
      std::string command = list.substr(from, comma - from);
      command.erase(0, command.find_first_not_of(' '));
      if (!command.empty()) commands.insert(command);
    }
    rows[unquote(cells[1])] = {unquote(cells[0]), commands};
  }
  return rows;
}

TEST(OptionMeanings, DocsCliTableListsEveryOptionWithItsLetterAndCommands) {
  const auto uses = walk_options();
  const auto documented = documented_options();
  for (const auto& [name, list] : uses) {
    std::set<std::string> commands;
    std::string letter;
    for (const auto& use : list) {
      commands.insert(use.command);
      if (!use.letters.empty()) letter = *use.letters.begin();
    }
    std::string command_list;
    for (const auto& command : commands) command_list += (command_list.empty() ? "" : ", ") + command;
    const auto row = documented.find(name);
    if (row == documented.end()) {
      ADD_FAILURE() << name << " is missing from docs/cli.md; its row: | "
                    << (letter.empty() ? "" : "`" + letter + "`") << " | `" << name << "` | MEANING | "
                    << command_list << " |";
      continue;
    }
    EXPECT_EQ(row->second.first, letter) << name << ": letter in docs/cli.md";
    EXPECT_EQ(row->second.second, commands) << name << ": commands in docs/cli.md";
  }
  for (const auto& [name, row] : documented)
    EXPECT_TRUE(uses.contains(name)) << name << " is documented but no command has it";
}

}  // namespace
}  // namespace mqtt::cli
