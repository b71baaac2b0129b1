// W&B's default smoothing: an exponential moving average with the debiasing of Adam's moment estimates, so
// the first points are not pulled towards zero. `weight` is the slider's value (0: none, 0.99: heavy);
// missing and non-finite values are kept as gaps and do not count.
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  let last = 0;
  let counted = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    last = last * weight + (1 - weight) * value;
    counted += 1;
    return last / (1 - weight ** counted);
  });
}
