/** The contract's page shape P: `has_more = offset + items.length < total`. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  has_more: boolean;
}

export function toPage<T>(items: T[], total: number, window: { limit: number; offset: number }): Page<T> {
  return { items, total, limit: window.limit, offset: window.offset, has_more: window.offset + items.length < total };
}
