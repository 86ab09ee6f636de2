/** `1 photo`, `2 photos`, `0 people`: a count with its noun (`many` when the plural is not `-s`). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
