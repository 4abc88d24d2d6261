// The maths of a virtualised list of fixed-height rows: which rows to render for a scroll
// position, and where to scroll to show a row. 10,000 rows cost as much as the ~40 on screen.

export interface Range {
  start: number;  // first row to render
  end: number;    // one past the last
}

export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number,
                             total: number, overscan = 8): Range {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

// The scrollTop that shows row `index` whole, moving as little as possible.
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number,
                               rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

// After `inserted` rows were added above everything, the scrollTop that keeps the same rows in
// view: unchanged when the reader is at the very top with nothing selected (they watch the
// newest arrive), else moved down by exactly the new rows.
export function keepAnchor(scrollTop: number, inserted: number, rowHeight: number,
                           hasSelection: boolean): number {
  if (inserted <= 0) return scrollTop;
  if (scrollTop <= 0 && !hasSelection) return 0;
  return scrollTop + inserted * rowHeight;
}
