/**
 * Natural batching of MO requests (owner look-ups, acks): a call made while no batch is in flight goes at once
 * (on the next turn of the event loop, with whatever other calls that turn made); calls made while one is in
 * flight wait and go together, at most `max` per batch, when it returns. A lone event costs no extra wait; a
 * burst shares one request among many events.
 */
export class Batcher<I, O> {
  private waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = false;
  private scheduled = false;

  /**
   * `run` answers a batch in the order of its items. A batch of several that fails with an error `split`
   * accepts (MO refused the request itself, not "MO is down") is run again one item at a time, so a bad item
   * (an unparsable subject or token) fails only its own call.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly max: number,
    private readonly split: (err: unknown) => boolean = () => true,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.waiting.length === 0) return;
    this.inFlight = true;
    const batch = this.waiting.splice(0, this.max);
    try {
      const out = await this.runChecked(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1 || !this.split(err)) for (const b of batch) b.reject(err);
      else
        for (const b of batch)
          await this.runChecked([b.item]).then(
            (out) => b.resolve(out[0]!),
            (e: unknown) => b.reject(e),
          );
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }

  private async runChecked(items: I[]): Promise<O[]> {
    const out = await this.run(items);
    if (out.length !== items.length)
      throw new Error(`a batch of ${items.length} was answered with ${out.length} results`);
    return out;
  }
}
