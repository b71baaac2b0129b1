// One uPlot line chart. uPlot draws on a canvas and is made for long time series (hundreds of thousands of points
// stay fast), which a run's history is. The instance is kept on the chart's element as `uplot`, so tests and
// tools can read exactly what is drawn (`element.uplot.data`: x, the values, then their smoothed line if any).
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { smooth } from "./run/smoothing";

export type Series = [number[], (number | null)[]];

export interface ChartElement extends HTMLDivElement {
  uplot?: uPlot;
  /** A log axis's labels and their heights in CSS pixels, as last drawn. */
  yTicks?: (Tick & { y: number })[];
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
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif'; // uPlot's
const LABEL_HEIGHT = 24; // pixels a y label takes, with room between two
const TIME_SPACE = 90; // pixels between x ticks on a time axis: its labels ("10:15pm", "11/14/23") are wide

/** A y label on a log axis: plain numbers where they read well (0.01, 1,000), powers of ten past them (1e-5,
 * 1e+300), so that no label is cut or rounded to 0. */
export function logLabel(value: number): string {
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e15)) return value.toExponential();
  return value.toLocaleString("en-US", { maximumSignificantDigits: 15 });
}

export interface Tick {
  value: number;
  label: string;
}

/** The powers of ten a log axis from `min` to `max` labels: every one, or every second, fifth, tenth... when
 * more decades than fit in `height` pixels. */
export function decades(min: number | null | undefined, max: number | null | undefined, height: number): Tick[] {
  if (!(min! > 0) || !(max! > 0)) return [];
  const low = Math.ceil(Math.log10(min!) - 1e-9);
  const high = Math.floor(Math.log10(max!) + 1e-9);
  const needed = Math.ceil((high - low + 1) / Math.max(2, Math.floor(height / LABEL_HEIGHT)));
  const every = [1, 2, 5, 10, 20, 50, 100, 200, 500].find((step) => step >= needed) ?? needed;
  const ticks: Tick[] = [];
  for (let exponent = Math.ceil(low / every) * every; exponent <= high; exponent += every) {
    const value = Number(`1e${exponent}`); // exact, where 10 ** exponent may be off in the last digit
    ticks.push({ value, label: logLabel(value) });
  }
  return ticks;
}

/** A log axis's labels, drawn here rather than by uPlot, which draws none past about 1e17 (its tick search
 * gives up on numbers that long); they are kept on the chart's element as `yTicks`, as drawn. */
function drawDecades(element: ChartElement, chart: uPlot): void {
  const ratio = devicePixelRatio;
  const ticks = decades(chart.scales.y!.min, chart.scales.y!.max, chart.bbox.height / ratio);
  const ctx = chart.ctx;
  ctx.save();
  ctx.font = AXIS_FONT.replace("12px", `${12 * ratio}px`);
  ctx.fillStyle = "#1d232b";
  ctx.strokeStyle = "rgba(0, 0, 0, 0.07)";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  element.yTicks = ticks.map((tick) => {
    const y = chart.valToPos(tick.value, "y", true);
    ctx.fillText(tick.label, chart.bbox.left - 8 * ratio, y);
    ctx.beginPath();
    ctx.moveTo(chart.bbox.left, y);
    ctx.lineTo(chart.bbox.left + chart.bbox.width, y);
    ctx.stroke();
    return { ...tick, y: y / ratio };
  });
  ctx.restore();
}

let ruler: CanvasRenderingContext2D | null = null;

/** Pixels the widest label of a log axis over `values` needs, with its gap, so that 1,000 or 1e+300 is not cut:
 * measured over every power of ten the values span (uPlot sizes an axis before it is drawn). */
function labelWidth(values: (number | null)[]): number {
  ruler ??= document.createElement("canvas").getContext("2d");
  let low = Infinity;
  let high = -Infinity;
  for (const y of values) {
    if (y !== null && y > 0) {
      low = Math.min(low, y);
      high = Math.max(high, y);
    }
  }
  if (!ruler || high === -Infinity) return 50;
  ruler.font = AXIS_FONT;
  let widest = 0;
  for (let exponent = Math.floor(Math.log10(low)); exponent <= Math.ceil(Math.log10(high)); exponent++) {
    widest = Math.max(widest, ruler.measureText(logLabel(Number(`1e${exponent}`))).width);
  }
  return Math.max(50, Math.ceil(widest) + 16);
}

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

/** A zoom, kept across the chart's rebuilds (smoothing, log scale): the data and axis it zoomed into, its x range
 * and the finer sample of that range, loading or loaded. */
interface Zoom {
  data: Series;
  xLabel: string;
  min: number;
  max: number;
  finer: Promise<Series> | null;
  got: Series | null;
}

export function LineChart(props: LineChartProps) {
  const holder = useRef<ChartElement>(null);
  const zoom = useRef<Zoom | null>(null);
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
    let live = true;
    // Other data (another x axis, say) ends the zoom; a new smoothing or log scale keeps it.
    if (zoom.current && (zoom.current.data !== props.data || zoom.current.xLabel !== props.xLabel)) zoom.current = null;
    delete element.dataset.refined;
    setZoomed(zoom.current !== null);
    const showFiner = (chart: uPlot, view: Zoom) => {
      if (!view.finer) return;
      view.finer.then(
        (finer) => {
          view.got = finer;
          if (!live || zoom.current !== view) return;
          chart.setData(drawn(finer, smoothing, logY), false);
          chart.setScale("x", { min: view.min, max: view.max });
          element.dataset.refined = `${view.min}:${view.max}`;
        },
        (failure: Error) => live && zoom.current === view && setError(failure.message),
      );
    };
    const zoomTo = (chart: uPlot, min: number, max: number) => {
      chart.setScale("x", { min, max });
      setZoomed(true);
      delete element.dataset.refined;
      const fetchFiner = refine.current;
      const finer = fetchFiner ? fetchFiner(min, max) : null;
      const view: Zoom = { data: props.data, xLabel: props.xLabel, min, max, finer, got: null };
      zoom.current = view;
      showFiner(chart, view);
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
      axes: [
        { label: props.xLabel, ...(timeX ? { space: TIME_SPACE } : {}) },
        logY ? { values: (_chart, splits) => splits.map(() => null), size: labelWidth(props.data[1]) } : {},
      ],
      hooks: {
        draw: logY ? [(chart) => drawDecades(element, chart)] : [],
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
    const view = zoom.current;
    const chart = new uPlot(options, drawn(view?.got ?? props.data, smoothing, logY), element);
    if (view) {
      chart.setScale("x", { min: view.min, max: view.max });
      showFiner(chart, view);
    }
    const unmount = mount(element, chart, HEIGHT);
    return () => {
      live = false;
      unmount();
    };
  }, [props.data, props.xLabel, smoothing, logY, timeX]);

  const reset = () => {
    const chart = holder.current?.uplot;
    if (!chart) return;
    zoom.current = null;
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
      {logY && !props.data[1].some((y) => y !== null && y > 0) && (
        <p class="hint chart-empty">No value above 0 to draw: a log scale has no place for zero or less.</p>
      )}
      {error && <p class="error">{error}</p>}
    </figure>
  );
}
