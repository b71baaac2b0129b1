// One uPlot line chart. uPlot draws on a canvas and is made for long time series (hundreds of thousands of points
// stay fast), which a run's history is. The instance is kept on the chart's element as `uplot`, so tests and
// tools can read exactly what is drawn (`element.uplot.data`: x, the values, then their smoothed line if any).
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { smooth } from "./run/smoothing";

export type Series = [number[], (number | null)[]];

export interface ChartElement extends HTMLDivElement {
  uplot?: uPlot;
}

export interface LineChartProps {
  title: string;
  xLabel: string;
  data: Series;
  /** A finer sample of [min, max] for a zoomed view; without it the zoom only stretches what is loaded. */
  refine?: (min: number, max: number) => Promise<Series>;
  /** W&B's smoothing weight, 0 (none) to 0.99; the raw values stay, faint, under the smoothed line. */
  smoothing?: number;
  /** A logarithmic y axis; values that are not positive have no place on it and are left out. */
  logY?: boolean;
  /** x holds Unix times in seconds (`_timestamp`), shown as dates and times. */
  timeX?: boolean;
}

const HEIGHT = 220;
const COLOR = "#3b6fd4";
const FAINT = "rgba(59, 111, 212, 0.25)";

/** What the chart draws for `data`: the values (positive ones only on a log axis) and their smoothed line. */
function drawn(data: Series, smoothing: number, logY: boolean): uPlot.AlignedData {
  const [xs, raw] = data;
  const ys = logY ? raw.map((y) => (y !== null && y > 0 ? y : null)) : raw;
  return smoothing > 0 ? [xs, ys, smooth(ys, smoothing)] : [xs, ys];
}

/** Keeps a chart on its element (as `uplot`) and as wide as the element; returns what takes it down. */
export function mount(element: ChartElement, chart: uPlot, height: number): () => void {
  element.uplot = chart;
  const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 300), height }));
  resize.observe(element);
  return () => {
    resize.disconnect();
    chart.destroy();
    delete element.uplot;
  };
}

export function LineChart(props: LineChartProps) {
  const holder = useRef<ChartElement>(null);
  const [zoomed, setZoomed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refine = useRef(props.refine);
  refine.current = props.refine;

  const smoothing = props.smoothing ?? 0;
  const logY = props.logY ?? false;
  const timeX = props.timeX ?? false;

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    let request = 0;
    setZoomed(false);
    const zoomTo = (chart: uPlot, min: number, max: number) => {
      chart.setScale("x", { min, max });
      setZoomed(true);
      const fetchFiner = refine.current;
      if (!fetchFiner) return;
      const mine = ++request;
      fetchFiner(min, max).then(
        (finer) => {
          if (mine !== request) return;
          chart.setData(drawn(finer, smoothing, logY), false);
          chart.setScale("x", { min, max });
          element.dataset.refined = `${min}:${max}`;
        },
        (failure: Error) => setError(failure.message),
      );
    };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 300),
      height: HEIGHT,
      scales: { x: { time: timeX }, y: logY ? { distr: 3 } : {} },
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      series: [
        { label: props.xLabel },
        { label: props.title, stroke: smoothing > 0 ? FAINT : COLOR, width: smoothing > 0 ? 1 : 1.5, spanGaps: true },
        ...(smoothing > 0 ? [{ label: `${props.title} (smoothed)`, stroke: COLOR, width: 1.5, spanGaps: true }] : []),
      ],
      axes: [{ label: props.xLabel }, {}],
      hooks: {
        setSelect: [
          (chart) => {
            const { left, width } = chart.select;
            if (width < 2) return;
            const min = chart.posToVal(left, "x");
            const max = chart.posToVal(left + width, "x");
            chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomTo(chart, min, max);
          },
        ],
      },
    };
    return mount(element, new uPlot(options, drawn(props.data, smoothing, logY), element), HEIGHT);
  }, [props.data, props.xLabel, smoothing, logY, timeX]);

  const reset = () => {
    const chart = holder.current?.uplot;
    if (!chart) return;
    chart.setData(drawn(props.data, smoothing, logY), true);
    delete holder.current?.dataset.refined;
    setZoomed(false);
  };

  return (
    <figure class="chart-box">
      <figcaption>
        <span class="chart-title">{props.title}</span>
        {zoomed && (
          <button type="button" class="small" onClick={reset}>
            Reset zoom
          </button>
        )}
      </figcaption>
      <div class="chart" data-key={props.title} ref={holder} onDblClick={reset} />
      {error && <p class="error">{error}</p>}
    </figure>
  );
}
