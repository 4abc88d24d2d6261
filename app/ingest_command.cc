#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "core/time_format.h"
#include "ingest/story_json.h"

namespace dateline {
namespace {

std::size_t CollectBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

Result<PostResult> PostStories(const std::string& server_url, const std::string& token,
                               const std::vector<Story>& stories) {
  std::string body;
  for (const Story& s : stories) {
    body += StoryToJson(s);
    body += '\n';
  }
  std::string url = server_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/stories";

  CURL* curl = curl_easy_init();
  if (!curl) return Status::Internal("cannot initialise libcurl");
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/x-ndjson");
  if (!token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  CURLcode rc = curl_easy_perform(curl);
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return Status::Unavailable("cannot post to " + url + ": " + curl_easy_strerror(rc));
  }
  auto j = nlohmann::json::parse(response, nullptr, false);
  if (http_status != 200 && http_status != 201) {
    std::string msg = j.is_discarded() ? response : j["error"].value("message", response);
    return Status::InvalidArgument("server answered " + std::to_string(http_status) + ": " + msg);
  }
  PostResult out;
  if (!j.is_discarded() && j.contains("stories")) {
    for (const auto& s : j["stories"]) (s.value("duplicate", false) ? out.duplicates : out.added)++;
  }
  return out;
}

int RunIngest(const IngestArgs& args) {
  if (args.server_url.empty() == args.data_dir.empty()) {
    std::fprintf(stderr, "dateline ingest: give exactly one of --server URL or --data DIR\n");
    return 2;
  }
  FileReadOptions opt;
  auto format = ParseFileFormat(args.format);
  if (!format.ok()) {
    std::fprintf(stderr, "dateline ingest: %s\n", format.status().message().c_str());
    return 2;
  }
  opt.format = *format;
  opt.source = args.source;
  if (!args.reference_date.empty()) {
    auto t = ParseRfc3339(args.reference_date);
    if (!t.ok()) {
      std::fprintf(stderr, "dateline ingest: --reference-date: %s\n", t.status().message().c_str());
      return 2;
    }
    opt.reference_time_us = *t;
  }

  std::unique_ptr<StoryStore> store;
  if (!args.data_dir.empty()) {
    auto sync = ParseSyncPolicy(args.sync);
    if (!sync.ok()) {
      std::fprintf(stderr, "dateline ingest: %s\n", sync.status().message().c_str());
      return 2;
    }
    StoreOptions so;
    so.dir = args.data_dir;
    so.sync = *sync;
    auto s = StoryStore::Open(so);
    if (!s.ok()) {
      std::fprintf(stderr, "dateline ingest: %s\n", s.status().ToString().c_str());
      return 1;
    }
    store = std::move(*s);
  }

  std::string token = args.token;
  if (token.empty()) {
    if (const char* env = std::getenv("DATELINE_TOKEN")) token = env;
  }
  if (!args.server_url.empty() && token.empty()) {
    std::fprintf(stderr,
                 "dateline ingest: posting to a server needs an API token with the "
                 "stories:write scope: --token TOKEN or DATELINE_TOKEN (create one with "
                 "`dateline token create USER --scope stories:write`)\n");
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  std::size_t added = 0, duplicates = 0, failed_files = 0, skipped_files = 0;
  const std::vector<InputFile> files = ExpandPaths(args.files);
  const bool progress = files.size() > 1 && ::isatty(2);
  std::size_t done_files = 0;
  for (const InputFile& file : files) {
    const std::string& path = file.path;
    auto stories = ReadStoryFile(path, opt);
    ++done_files;
    if (!stories.ok()) {
      if (file.from_folder) {
        // A folder may hold notes and indexes beside its stories (Reuters-21578 does).
        if (progress) std::fprintf(stderr, "\n");
        std::fprintf(stderr, "dateline ingest: skipped %s\n", stories.status().message().c_str());
        ++skipped_files;
      } else {
        std::fprintf(stderr, "dateline ingest: %s\n", stories.status().ToString().c_str());
        ++failed_files;
      }
      continue;
    }
    for (std::size_t i = 0; i < stories->size(); i += args.batch) {
      const std::size_t end = std::min(stories->size(), i + args.batch);
      if (store) {
        // Queue the whole batch so that it shares group commits, then wait for the last one.
        std::vector<std::shared_ptr<std::promise<Result<AppendOutcome>>>> waits;
        for (std::size_t k = i; k < end; ++k) {
          auto p = std::make_shared<std::promise<Result<AppendOutcome>>>();
          waits.push_back(p);
          store->Append(std::move((*stories)[k]),
                        [p](Result<AppendOutcome> r) { p->set_value(std::move(r)); });
        }
        for (auto& w : waits) {
          auto r = w->get_future().get();
          if (!r.ok()) {
            std::fprintf(stderr, "dateline ingest: %s: %s\n", path.c_str(),
                         r.status().ToString().c_str());
            return 1;
          }
          (r->duplicate ? duplicates : added)++;
        }
      } else {
        std::vector<Story> chunk(std::make_move_iterator(stories->begin() + i),
                                 std::make_move_iterator(stories->begin() + end));
        auto r = PostStories(args.server_url, token, chunk);
        if (!r.ok()) {
          std::fprintf(stderr, "dateline ingest: %s: %s\n", path.c_str(),
                       r.status().message().c_str());
          return 1;
        }
        added += r->added;
        duplicates += r->duplicates;
      }
    }
    if (progress) {
      std::fprintf(stderr, "\r[%zu/%zu files] %zu new, %zu already stored", done_files,
                   files.size(), added, duplicates);
    }
  }
  if (progress) std::fprintf(stderr, "\n");
  if (store) store->Close();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("ingested %zu new stories (%zu already stored) from %zu files in %.2f s", added,
              duplicates, files.size() - failed_files - skipped_files, secs);
  if (skipped_files) std::printf("; %zu files without stories skipped", skipped_files);
  std::printf("\n");
  return failed_files ? 1 : 0;
}

int RunRepair(const std::string& data_dir) {
  auto report = Repair(data_dir);
  if (!report.ok()) {
    std::fprintf(stderr, "dateline repair: %s\n", report.status().ToString().c_str());
    return 1;
  }
  for (const auto& m : report->messages) std::printf("%s\n", m.c_str());
  std::printf("repair: kept %llu frames, lost %llu damaged frames (%llu bytes skipped)\n",
              static_cast<unsigned long long>(report->frames_kept),
              static_cast<unsigned long long>(report->frames_lost),
              static_cast<unsigned long long>(report->bytes_skipped));
  return 0;
}

}  // namespace dateline
