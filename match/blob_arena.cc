#include "match/blob_arena.h"

#include <sys/mman.h>

#include <new>

namespace dateline::match {

BlobArena::~BlobArena() {
  for (auto& [p, n] : chunks_) ::munmap(p, n);
  for (std::uint64_t* p : large_) delete[] p;
}

std::uint64_t* BlobArena::Allocate(std::size_t words) {
  if (words == 0) words = 1;
  if (words > kMaxPooledWords) {
    reserved_ += 8 * words;
    std::uint64_t* p = new std::uint64_t[words];
    large_.insert(p);
    return p;
  }
  if (!free_[words].empty()) {
    std::uint64_t* p = free_[words].back();
    free_[words].pop_back();
    return p;
  }
  if (left_ < words) {
    // A new chunk; its first 2 MiB boundary onwards can be huge pages. The rest of the old
    // chunk is left unused (at most kMaxPooledWords words).
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    void* p = ::mmap(nullptr, kChunkBytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, kChunkBytes + kHuge, MADV_HUGEPAGE);  // advice only: fine if refused
#endif
    chunks_.emplace_back(p, kChunkBytes + kHuge);
    reserved_ += kChunkBytes + kHuge;
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t aligned = (addr + kHuge - 1) & ~(kHuge - 1);
    cur_ = reinterpret_cast<std::uint64_t*>(aligned);
    left_ = (kChunkBytes + kHuge - (aligned - addr)) / 8;
  }
  std::uint64_t* p = cur_;
  cur_ += words;
  left_ -= words;
  return p;
}

void BlobArena::Free(std::uint64_t* p, std::size_t words) {
  if (p == nullptr) return;
  if (words == 0) words = 1;
  if (words > kMaxPooledWords) {
    reserved_ -= 8 * words;
    large_.erase(p);
    delete[] p;
    return;
  }
  free_[words].push_back(p);
}

}  // namespace dateline::match
