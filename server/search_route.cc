// GET /api/v1/search and POST /api/v1/search: the query language over the search index.
//
// GET takes the parameters in the query string; POST takes the same names in a JSON body, for
// queries longer than a URL should carry (stored searches run to 20,000 characters). Every hit,
// the total and the facet counts pass the caller's entitlements: the index filters by source
// before counting, so a restricted user cannot learn how many stories a hidden source has.
#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "index/search_index.h"
#include "query/parser.h"
#include "server/api.h"
#include "server/error_mapping.h"
#include "server/json_response.h"
#include "server/url.h"

namespace dateline {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxLimit = 100;
constexpr std::size_t kMaxFacets = 8;
constexpr std::size_t kMaxFacetValues = 100;

struct SearchParams {
  std::string q;
  std::string sort = "newest";
  std::uint64_t limit = 20;
  std::string cursor;
  std::string facets = "source";
  std::uint64_t facet_limit = 10;
  // false: no total is counted ("total": null), as Elasticsearch's track_total_hits=false. A
  // page then costs only the work of finding its hits: with no facets either, a word's or an
  // AND's top hits (and a two-word phrase's, where its words are frequent) are found without
  // matching every story that holds the words, and newest first reads only the newest runs.
  bool total = true;
};

// "true" or "false" (the JSON body takes a boolean).
Result<bool> BoolText(std::string_view value, const char* name) {
  if (value == "true") return true;
  if (value == "false") return false;
  return Status::InvalidArgument(std::string(name) + " must be true or false", name);
}

Result<SearchParams> ParamsFromTarget(const Target& target) {
  SearchParams p;
  if (const std::string* q = target.Param("q")) p.q = *q;
  if (const std::string* s = target.Param("sort")) p.sort = *s;
  if (const std::string* c = target.Param("cursor")) p.cursor = *c;
  if (const std::string* f = target.Param("facets")) p.facets = *f;
  auto limit = target.UintParam("limit", 20, 1, kMaxLimit);
  if (!limit.ok()) return limit.status();
  p.limit = *limit;
  auto facet_limit = target.UintParam("facet_limit", 10, 1, kMaxFacetValues);
  if (!facet_limit.ok()) return facet_limit.status();
  p.facet_limit = *facet_limit;
  if (const std::string* t = target.Param("total")) {
    auto total = BoolText(*t, "total");
    if (!total.ok()) return total.status();
    p.total = *total;
  }
  return p;
}

Result<SearchParams> ParamsFromBody(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  SearchParams p;
  auto text = [&](const char* name, std::string* out) -> Status {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_string()) return Status::InvalidArgument(std::string(name) + " must be a string", name);
    *out = it->get<std::string>();
    return {};
  };
  auto number = [&](const char* name, std::uint64_t min, std::uint64_t max,
                    std::uint64_t* out) -> Status {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_number_integer() || it->get<std::int64_t>() < static_cast<std::int64_t>(min) ||
        it->get<std::uint64_t>() > max) {
      return Status::InvalidArgument(std::string(name) + " must be an integer from " +
                                         std::to_string(min) + " to " + std::to_string(max),
                                     name);
    }
    *out = it->get<std::uint64_t>();
    return {};
  };
  for (auto& [key, value] : j.items()) {
    if (key != "q" && key != "sort" && key != "limit" && key != "cursor" && key != "facets" &&
        key != "facet_limit" && key != "total") {
      return Status::InvalidArgument("unknown field \"" + key + "\"", key);
    }
  }
  if (Status s = text("q", &p.q); !s.ok()) return s;
  if (Status s = text("sort", &p.sort); !s.ok()) return s;
  if (Status s = text("cursor", &p.cursor); !s.ok()) return s;
  if (auto it = j.find("facets"); it != j.end() && it->is_array()) {
    p.facets.clear();
    for (const auto& f : *it) {
      if (!f.is_string()) return Status::InvalidArgument("facets must be strings", "facets");
      if (!p.facets.empty()) p.facets += ',';
      p.facets += f.get<std::string>();
    }
  } else if (Status s = text("facets", &p.facets); !s.ok()) {
    return s;
  }
  if (Status s = number("limit", 1, kMaxLimit, &p.limit); !s.ok()) return s;
  if (Status s = number("facet_limit", 1, kMaxFacetValues, &p.facet_limit); !s.ok()) return s;
  if (auto it = j.find("total"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::InvalidArgument("total must be true or false", "total");
    p.total = it->get<bool>();
  }
  return p;
}

Result<std::vector<std::string>> FacetFields(std::string_view list) {
  static constexpr std::string_view kKnown[] = {"source",  "lang",  "priority", "author",
                                                "ticker",  "country", "person", "topic",
                                                "org",     "place", "exchange"};
  std::vector<std::string> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view f = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (f.empty()) continue;
    if (std::find(std::begin(kKnown), std::end(kKnown), f) == std::end(kKnown)) {
      return Status::InvalidArgument("unknown facet \"" + std::string(f) +
                                         "\" (facets: source, lang, priority, author, ticker, "
                                         "country, person, topic, org, place, exchange)",
                                     "facets");
    }
    if (std::find(out.begin(), out.end(), f) == out.end()) out.emplace_back(f);
  }
  if (out.size() > kMaxFacets) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxFacets) + " facets", "facets");
  }
  return out;
}

}  // namespace

ApiResponse Api::Search(const ApiRequest& req, const Target& target, const AuthContext& who) const {
  const auto started = std::chrono::steady_clock::now();
  if (index_ == nullptr) {
    return ApiResponse::Error(503, "unavailable", "this server runs without a search index");
  }
  Result<SearchParams> params =
      req.method == "POST" ? ParamsFromBody(req.body) : ParamsFromTarget(target);
  if (!params.ok()) return ApiResponse::Error(params.status());
  if (params->q.empty()) {
    return ApiResponse::Error(Status::InvalidArgument("q (the query) is required", "q"));
  }
  index::SearchRequest request;
  if (params->sort == "newest") {
    request.sort = index::Sort::kNewest;
  } else if (params->sort == "relevance") {
    request.sort = index::Sort::kRelevance;
  } else {
    return ApiResponse::Error(
        Status::InvalidArgument("sort must be newest or relevance", "sort"));
  }
  auto facets = FacetFields(params->facets);
  if (!facets.ok()) return ApiResponse::Error(facets.status());

  query::ParseResult parsed = query::Parse(params->q, options_.query_limits);
  if (!parsed.ok()) {
    const query::ParseError& e = parsed.error();
    json err = {{"code", "invalid_query"},
                {"message", e.message},
                {"field", "q"},
                {"reason", e.code},
                {"column", e.column}};
    int status = (e.code == "too_long" || e.code == "too_many_terms") ? 413 : 400;
    return JsonResponse(status, {{"error", err}});
  }
  request.query = &*parsed;
  request.limit = params->limit;
  request.cursor = params->cursor;
  request.facets = std::move(*facets);
  request.facet_limit = params->facet_limit;
  request.count_total = params->total;
  request.source_visible = [&who](std::string_view source) { return who.CanSee(source); };

  Result<index::SearchResult> result = index_->Search(request);
  if (!result.ok()) {
    const Status& s = result.status();
    if (s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kTooLarge) {
      // A cursor that does not decode, a prefix that expands too far: the caller's input.
      std::string field = s.field().empty() ? "q" : s.field();
      return ApiResponse::Error(Status(s.code(), s.message(), field));
    }
    return ApiResponse::Error(s);
  }

  json hits = json::array();
  for (const index::Hit& hit : result->hits) {
    auto story = store_.GetBySeq(hit.seq);
    if (!story.ok()) return ApiResponse::Error(story.status());
    const Story& s = **story;
    json h = {{"id", s.id},
              {"source", s.source},
              {"source_id", s.source_id},
              {"version", s.version},
              {"headline", s.headline},
              {"priority", PriorityName(s.priority)},
              {"published", s.published_us ? json(FormatRfc3339(s.published_us)) : json()},
              {"snippet", index::Snippet(s, *parsed)},
              {"score", hit.score}};
    hits.push_back(std::move(h));
  }
  json facet_json = json::object();
  for (const index::Facet& f : result->facets) {
    json values = json::array();
    for (const index::FacetValue& v : f.values) {
      values.push_back({{"value", v.value}, {"count", v.count}});
    }
    facet_json[f.field] = std::move(values);
  }
  const double took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
          .count();
  metrics_.searches.fetch_add(1, std::memory_order_relaxed);
  metrics_.search_latency.Observe(took_ms / 1000.0);
  return JsonResponse(200, {{"total", params->total ? json(result->total) : json()},
                            {"hits", std::move(hits)},
                            {"facets", std::move(facet_json)},
                            {"next_cursor", result->next_cursor.empty()
                                                ? json()
                                                : json(result->next_cursor)},
                            {"took_ms", std::round(took_ms * 1000) / 1000}});
}

}  // namespace dateline
