// Shows a query error where it is: the server reports a 1-based column in code points (see
// docs/query-language.md); JavaScript strings index UTF-16 units, so the column is mapped through
// the code points before the query is split around it.

export interface ErrorMark {
  before: string;  // the query up to the column
  at: string;      // the character at the column ("" past the end)
  after: string;
  caretOffset: number;  // code points before the caret, for a "^" line under the query
}

export function markColumn(query: string, column: number): ErrorMark {
  const points = Array.from(query);
  const index = Math.max(0, Math.min(points.length, Math.floor(column) - 1));
  return {
    before: points.slice(0, index).join(""),
    at: points[index] ?? "",
    after: points.slice(index + 1).join(""),
    caretOffset: index,
  };
}

// "   ^" under the query: one space per code point before the column.
export function caretLine(query: string, column: number): string {
  return " ".repeat(markColumn(query, column).caretOffset) + "^";
}
