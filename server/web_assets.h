// The browser terminal's built files (web/, built by Vite into a dist folder), loaded into memory
// when the server starts and served by path: HTML is never cached, Vite's content-hashed files
// under /assets/ are cached for a year, and paths of the app's own screens (/search, /alerts, ...
// anything without a file extension outside /api/) get index.html so that a reload or a shared
// link opens the same screen.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace dateline {

struct WebAsset {
  std::string content_type;
  std::string cache_control;
  std::string body;
};

class WebAssets {
 public:
  // Reads every regular file under `root` (which must contain index.html). At most
  // `max_total_bytes` in all: the folder is meant to be a build output, not a file share.
  static Result<std::shared_ptr<const WebAssets>> Load(const std::string& root,
                                                       std::size_t max_total_bytes = 64u << 20);

  // The file for a request path, or null. `path` is the decoded path without the query.
  const WebAsset* Find(std::string_view path) const;

  // True for paths that are the app's screens rather than files or API routes.
  static bool IsAppRoute(std::string_view path);

  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, WebAsset, std::less<>> files_;  // "/index.html", "/assets/x-1a2b.js"
};

// Content-Type for a file name, by its extension (application/octet-stream when unknown).
std::string_view ContentTypeFor(std::string_view file_name);

}  // namespace dateline
