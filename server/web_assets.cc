#include "server/web_assets.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace dateline {
namespace {

namespace fs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

}  // namespace

std::string_view ContentTypeFor(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (EndsWith(name, ext)) return type;
  }
  return "application/octet-stream";
}

Result<std::shared_ptr<const WebAssets>> WebAssets::Load(const std::string& root,
                                                         std::size_t max_total_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(root) / "index.html", ec)) {
    return Status::NotFound("no index.html in the web folder " + root +
                            " (build it with scripts/build-web)");
  }
  auto assets = std::make_shared<WebAssets>();
  std::size_t total = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) return Status::IOError("cannot read the web folder " + root + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IOError("cannot read the web folder " + root + ": " + ec.message());
    if (!it->is_regular_file(ec)) continue;
    const fs::path rel = fs::relative(it->path(), root, ec);
    if (ec) return Status::IOError("cannot read " + it->path().string() + ": " + ec.message());
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::IOError("cannot read " + it->path().string());
    total += body.size();
    if (total > max_total_bytes) {
      return Status::InvalidArgument("the web folder " + root + " holds more than " +
                                     std::to_string(max_total_bytes) + " bytes");
    }
    const std::string url = "/" + rel.generic_string();
    WebAsset a;
    a.content_type = std::string(ContentTypeFor(url));
    // Vite names what it emits under assets/ by content hash: such a URL never changes meaning.
    a.cache_control = url.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    a.body = std::move(body);
    assets->files_.emplace(url, std::move(a));
  }
  return std::shared_ptr<const WebAssets>(std::move(assets));
}

bool WebAssets::IsAppRoute(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  if (path.starts_with("/api/") || path == "/api" || path == "/healthz" || path == "/metrics") {
    return false;
  }
  // Dot segments and hidden names are never screens (and never files: lookups are by exact name).
  if (path.find("/.") != std::string_view::npos) return false;
  const std::string_view last = path.substr(path.rfind('/') + 1);
  return last.find('.') == std::string_view::npos;
}

const WebAsset* WebAssets::Find(std::string_view path) const {
  if (path == "/") path = "/index.html";
  if (auto it = files_.find(path); it != files_.end()) return &it->second;
  if (IsAppRoute(path)) {
    auto it = files_.find(std::string_view("/index.html"));
    return it == files_.end() ? nullptr : &it->second;
  }
  return nullptr;
}

}  // namespace dateline
