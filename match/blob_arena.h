// Memory for the compiled queries of a Matcher: 64 MiB chunks backed by transparent huge pages
// where the kernel allows it (madvise), carved into blobs, with a free list per blob size.
//
// Why: verifying a candidate reads its compiled query, and at a million and more queries those
// are spread over most of a gigabyte. From the general heap, on 4 KiB pages, nearly every such
// read also misses the TLB; on 2 MiB pages the page walks mostly disappear. Not thread-safe: the
// Matcher allocates and frees only under its exclusive lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dateline::match {

class BlobArena {
 public:
  BlobArena() = default;
  ~BlobArena();
  BlobArena(const BlobArena&) = delete;
  BlobArena& operator=(const BlobArena&) = delete;

  // `words` 8-byte words, 8-byte aligned, contents unspecified.
  std::uint64_t* Allocate(std::size_t words);
  // `p` from Allocate(words), same `words`.
  void Free(std::uint64_t* p, std::size_t words);
  // Bytes taken from the system (chunks and large blobs).
  std::size_t reserved_bytes() const { return reserved_; }

 private:
  // Blobs above this many words (long stored searches, rare) come from the general heap.
  static constexpr std::size_t kMaxPooledWords = 1024;
  static constexpr std::size_t kChunkBytes = std::size_t{64} << 20;
  std::vector<std::pair<void*, std::size_t>> chunks_;  // mmap'd regions
  std::unordered_set<std::uint64_t*> large_;           // heap blobs, freed with the arena
  std::uint64_t* cur_ = nullptr;
  std::size_t left_ = 0;  // words left in the current chunk
  std::vector<std::vector<std::uint64_t*>> free_ = std::vector<std::vector<std::uint64_t*>>(kMaxPooledWords + 1);
  std::size_t reserved_ = 0;
};

}  // namespace dateline::match
