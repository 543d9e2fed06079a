#include "host/hot_reload.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "emulator/control/instance.h"

namespace thaw {

namespace fs = std::filesystem;

namespace {

// `path` is `root` or under it.
bool IsUnder(const fs::path& path, const fs::path& root) {
  const fs::path p = path.lexically_normal();
  const fs::path r = root.lexically_normal();
  auto [root_end, path_at] = std::mismatch(r.begin(), r.end(), p.begin(), p.end());
  // A trailing separator makes an empty last component.
  return root_end == r.end() || (std::next(root_end) == r.end() && root_end->empty());
}

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

std::string Count(int n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "2 idle instances stopped, 1 busy one stops after its invoke".
std::string RetiredText(const ControlPlane::Retired& retired) {
  if (retired.idle == 0 && retired.busy == 0) return "no instance running";
  std::string text;
  if (retired.idle > 0) {
    text = Count(retired.idle, "idle instance", "idle instances") + " stopped";
  }
  if (retired.busy > 0) {
    if (!text.empty()) text += ", ";
    const bool one = retired.busy == 1;
    text += Count(retired.busy, text.empty() ? "busy instance" : "busy one",
                  text.empty() ? "busy instances" : "busy ones") +
            (one ? " stops after its invoke" : " stop after their invokes");
  }
  return text;
}

}  // namespace

HotReload::HotReload(EmulatorSession& session, Options options, Loader load, Say say)
    : session_(session),
      options_(std::move(options)),
      load_(std::move(load)),
      say_(std::move(say)) {}

HotReload::~HotReload() = default;

absl::StatusOr<std::unique_ptr<HotReload>> HotReload::Start(boost::asio::io_context& io,
                                                            EmulatorSession& session,
                                                            Options options, Loader load, Say say) {
  for (fs::path& file : options.config_files) file = fs::absolute(file).lexically_normal();
  std::unique_ptr<HotReload> reload(
      new HotReload(session, std::move(options), std::move(load), std::move(say)));
  HotReload* self = reload.get();
  auto watcher = FileWatcher::Create(
      io, reload->options_.watch,
      [self](std::vector<fs::path> changed) { self->OnChange(std::move(changed)); });
  if (!watcher.ok()) return watcher.status();
  reload->watcher_ = *std::move(watcher);
  reload->Watch();
  std::vector<std::string> files;
  for (const fs::path& file : reload->options_.config_files) files.push_back(reload->Show(file));
  reload->say_("thaw: hot reload: watching " +
               Count(reload->watcher_->watched_directories(), "directory", "directories") +
               " (the functions' code and layers, and " + Join(files, ", ") +
               "); --no-watch turns it off");
  return reload;
}

void HotReload::Watch() {
  watcher_->Clear();
  for (const fs::path& file : options_.config_files) {
    if (absl::Status watched = watcher_->WatchFile(file); !watched.ok()) {
      say_("thaw: hot reload: " + std::string(watched.message()));
    }
  }
  std::set<fs::path> roots;
  for (const auto& [name, fn] : session_.config().functions) {
    roots.insert(fn.code);
    roots.insert(fn.layers.begin(), fn.layers.end());
  }
  int unwatched = 0;
  std::vector<std::string> where;
  for (const fs::path& root : roots) {
    absl::StatusOr<int> left = watcher_->WatchTree(root);
    if (!left.ok()) {
      say_("thaw: hot reload: " + std::string(left.status().message()));
    } else if (*left > 0) {
      unwatched += *left;
      where.push_back(Show(root));
    }
  }
  if (unwatched > 0) {
    say_("thaw: hot reload: watching " + std::to_string(options_.watch.max_directories) +
         " directories at most: " + Count(unwatched, "directory", "directories") + " under " +
         Join(where, ", ") +
         " (and what is in them) are not watched; changes there are not seen until a restart");
  }
}

void HotReload::OnChange(std::vector<fs::path> changed) {
  std::vector<fs::path> config_changed;
  std::vector<fs::path> code_changed;
  for (fs::path& path : changed) {
    const bool config = std::find(options_.config_files.begin(), options_.config_files.end(),
                                  path.lexically_normal()) != options_.config_files.end();
    (config ? config_changed : code_changed).push_back(std::move(path));
  }
  std::vector<std::string> reloaded;
  if (!config_changed.empty()) reloaded = Reload(config_changed);
  if (code_changed.empty()) return;
  // By the files that changed, the functions they belong to (several may share a directory).
  std::map<std::vector<fs::path>, std::vector<std::string>> lines;
  for (const auto& [name, fn] : session_.config().functions) {
    if (std::find(reloaded.begin(), reloaded.end(), name) != reloaded.end()) continue;
    std::vector<fs::path> files;
    for (const fs::path& path : code_changed) {
      bool mine = IsUnder(path, fn.code);
      for (const fs::path& layer : fn.layers) mine = mine || IsUnder(path, layer);
      if (mine) files.push_back(path);
    }
    if (files.empty()) continue;
    const ControlPlane::Retired retired =
        session_.control().RetireInstances(name, stop_reasons::kCodeChanged);
    lines[files].push_back(retired.idle + retired.busy == 0 ? name + ": no instance running"
                                                            : name + "'s " + RetiredText(retired));
  }
  for (const auto& [files, parts] : lines) {
    say_("thaw: " + ShowAll(files) + " changed: " + Join(parts, "; "));
  }
}

std::vector<std::string> HotReload::Reload(const std::vector<fs::path>& changed) {
  const std::string what = "thaw: " + ShowAll(changed) + " changed: ";
  absl::StatusOr<ThawConfig> next = load_();
  absl::StatusOr<EmulatorSession::Reload> applied =
      next.ok() ? session_.ReloadConfig(*next) : next.status();
  if (!applied.ok()) {
    say_(what + "the previous definitions stay: " + std::string(applied.status().message()));
    return {};
  }
  const ControlPlane::FunctionChanges& functions = applied->functions;
  std::vector<std::string> parts;
  std::vector<std::string> names = functions.added;
  for (const std::string& name : functions.added) parts.push_back(name + " added");
  for (const auto& [name, retired] : functions.changed) {
    parts.push_back(name + " changed (" + RetiredText(retired) + ")");
    names.push_back(name);
  }
  for (const auto& [name, retired] : functions.removed) {
    parts.push_back(name + " removed (" + RetiredText(retired) + ")");
    names.push_back(name);
  }
  if (functions.aliases_changed) parts.push_back("aliases changed");
  std::string line = what + (parts.empty() ? "no function definition changed"
                                           : "functions reloaded: " + Join(parts, ", "));
  if (!applied->not_applied.empty()) {
    line += "; " + Join(applied->not_applied, ", ") + ": changes apply when thaw serve restarts";
  }
  say_(line);
  // Code directories and layers may have come or gone.
  Watch();
  return names;
}

std::string HotReload::Show(const fs::path& path) const {
  if (!options_.base.empty()) {
    const fs::path relative = path.lexically_relative(options_.base);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return path.string();
}

std::string HotReload::ShowAll(const std::vector<fs::path>& paths) const {
  constexpr size_t kShown = 3;
  std::vector<std::string> shown;
  for (size_t i = 0; i < paths.size() && i < kShown; ++i) shown.push_back(Show(paths[i]));
  std::string text = Join(shown, ", ");
  if (paths.size() > kShown) text += " and " + std::to_string(paths.size() - kShown) + " more";
  return text;
}

}  // namespace thaw
