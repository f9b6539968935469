/**
 * Dirty MO data (a missing class, a null where DIPEX crashed) becomes a null column plus ONE warning per distinct
 * problem, with a count and one example object, never a crash (specs/lora-cache.md decisions).
 */
export class DirtyData {
  private readonly problems = new Map<string, { count: number; example: string; outcome: string }>();

  /** `problem` is the distinct description, e.g. `enheder.enhedstype_uuid is null`; `objectUuid` an example. */
  note(problem: string, objectUuid: string, outcome = 'written as null'): void {
    const p = this.problems.get(problem);
    if (p) p.count++;
    else this.problems.set(problem, { count: 1, example: objectUuid, outcome });
  }

  /** One line per distinct problem. */
  warnings(): string[] {
    return [...this.problems].map(
      ([problem, { count, example, outcome }]) =>
        `${problem}: ${count} row${count === 1 ? '' : 's'} (e.g. ${example}), ${outcome}`,
    );
  }

  get size(): number {
    return this.problems.size;
  }
}
