// One uPlot line chart. uPlot draws on a canvas and is made for long time series (hundreds of thousands of points
// stay fast), which a run's history is. The instance is kept on the chart's element as `uplot`, so tests and
// tools can read exactly what is drawn (`element.uplot.data`).
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";

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
}

const HEIGHT = 220;

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

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    let request = 0;
    const zoomTo = (chart: uPlot, min: number, max: number) => {
      chart.setScale("x", { min, max });
      setZoomed(true);
      const fetchFiner = refine.current;
      if (!fetchFiner) return;
      const mine = ++request;
      fetchFiner(min, max).then(
        (finer) => {
          if (mine !== request) return;
          chart.setData(finer, false);
          chart.setScale("x", { min, max });
          element.dataset.refined = `${min}:${max}`;
        },
        (failure: Error) => setError(failure.message),
      );
    };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 300),
      height: HEIGHT,
      scales: { x: { time: false } },
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      series: [{ label: props.xLabel }, { label: props.title, stroke: "#3b6fd4", width: 1.5, spanGaps: true }],
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
    return mount(element, new uPlot(options, props.data, element), HEIGHT);
  }, [props.data]);

  const reset = () => {
    const chart = holder.current?.uplot;
    if (!chart) return;
    chart.setData(props.data, true);
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
