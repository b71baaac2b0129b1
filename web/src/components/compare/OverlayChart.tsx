// One uPlot chart with a line per run: each run's sample keeps its own steps, joined on one x axis (uPlot.join
// leaves a gap where a run has no row, and spanGaps draws across it). The instance is kept on the element as
// `uplot` and the runs in order as data-runs, so tests read what is drawn.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { mount, type ChartElement, type Series } from "../LineChart";

const HEIGHT = 240;
const COLORS = ["#3b6fd4", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8590c", "#1098ad", "#c2255c", "#5c940d", "#862e9c", "#495057"];

export function color(index: number): string {
  return COLORS[index % COLORS.length] ?? "#3b6fd4";
}

export function OverlayChart(props: { title: string; xLabel: string; runs: { run: string; label: string; data: Series }[] }) {
  const holder = useRef<ChartElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const joined = uPlot.join(props.runs.map((r) => r.data as uPlot.AlignedData));
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 300),
      height: HEIGHT,
      scales: { x: { time: false } },
      legend: { live: true },
      series: [{ label: props.xLabel }, ...props.runs.map((r, i) => ({ label: r.label, stroke: color(i), width: 1.5, spanGaps: true }))],
      axes: [{ label: props.xLabel }, {}],
    };
    return mount(element, new uPlot(options, joined, element), HEIGHT);
  }, [props.runs]);
  return (
    <figure class="chart-box">
      <figcaption>
        <span class="chart-title">{props.title}</span>
      </figcaption>
      <div class="chart" data-key={props.title} data-runs={props.runs.map((r) => r.run).join(",")} ref={holder} />
    </figure>
  );
}
