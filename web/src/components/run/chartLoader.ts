// Loading many charts without waiting for all of them: each chart's sample is asked for on its own, the charts
// near the viewport first (the first few of the page at once, others as they scroll near), in batches of a few
// specs and a few requests at a time; the rest follow in page order in the background, always leaving a request
// free for charts scrolled into view. Each chart draws when its own batch answers.

export const BATCH = 10; // specs a request
export const PARALLEL = 3; // requests at a time
const NEAR = "800px 0px"; // how near the viewport a chart counts as in view

interface Waiter<Result> {
  promise: Promise<Result>;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

export class ChartLoader<Item, Result> {
  private readonly waiting: Item[]; // not asked for yet, in page order
  private readonly urgent: Item[]; // in view, not asked for yet
  private readonly waiters = new Map<Item, Waiter<Result>>();
  private readonly watched = new Map<Element, Item>();
  private readonly observer: IntersectionObserver;
  private running = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    order: Item[],
    private readonly load: (items: Item[]) => Promise<Result[]>,
  ) {
    this.urgent = order.slice(0, BATCH); // the top of the page, before any layout says what is in view
    this.waiting = order.slice(BATCH);
    for (const item of order) {
      let resolve: (result: Result) => void = () => undefined;
      let reject: (error: Error) => void = () => undefined;
      const promise = new Promise<Result>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      this.waiters.set(item, { promise, resolve, reject });
    }
    this.observer = new IntersectionObserver((entries) => this.seen(entries), { rootMargin: NEAR });
    this.pump(); // the top of the page at once, with the page's first render
  }

  /** The item's result, whenever its batch answers. */
  result(item: Item): Promise<Result> {
    return this.waiters.get(item)?.promise ?? Promise.reject(new Error("not a chart of this page"));
  }

  /** Load the item first once `element` (its place on the page) comes near the viewport. */
  watch(element: Element, item: Item): () => void {
    this.watched.set(element, item);
    this.observer.observe(element);
    return () => {
      this.watched.delete(element);
      this.observer.unobserve(element);
    };
  }

  /** Stop: nothing more is asked for (answers on their way are dropped by their charts). */
  close(): void {
    this.closed = true;
    this.observer.disconnect();
  }

  private seen(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      const item = this.watched.get(entry.target);
      if (!entry.isIntersecting || item === undefined) continue;
      const at = this.waiting.indexOf(item);
      if (at >= 0) this.urgent.push(...this.waiting.splice(at, 1));
      this.observer.unobserve(entry.target);
    }
    this.schedule();
  }

  /** Start batches on the next turn, so that the charts seen in one layout share a request. */
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.pump();
    }, 0);
  }

  private pump(): void {
    while (!this.closed) {
      const queue = this.urgent.length > 0 ? this.urgent : this.waiting;
      const room = queue === this.urgent ? PARALLEL : PARALLEL - 1;
      if (queue.length === 0 || this.running >= room) return;
      this.start(queue.splice(0, BATCH));
    }
  }

  private start(batch: Item[]): void {
    this.running++;
    this.load(batch).then(
      (results) => batch.forEach((item, i) => this.settle(item, results[i])),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        batch.forEach((item) => this.waiters.get(item)?.reject(failure));
      },
    ).finally(() => {
      this.running--;
      this.pump();
    });
  }

  private settle(item: Item, result: Result | undefined): void {
    const waiter = this.waiters.get(item);
    if (result === undefined) waiter?.reject(new Error("the server answered without this chart"));
    else waiter?.resolve(result);
  }
}
