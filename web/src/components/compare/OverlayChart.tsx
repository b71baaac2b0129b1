// One uPlot chart with a line per run: each run's sample keeps its own steps, joined on one x axis (uPlot.join
// leaves a gap where a run has no row, and spanGaps draws across it). The instance is kept on the element as
// `uplot` and the runs in order as data-runs, so tests read what is drawn. A chart may hold only some of the
// compared runs (those that logged its key): its legend names them, each in the color it has on the page.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { mount, type ChartElement, type Series } from "../LineChart";

const HEIGHT = 240;
const COLORS = ["#3b6fd4", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8590c", "#1098ad", "#c2255c", "#5c940d", "#862e9c", "#495057"];

export function color(index: number): string {
  return COLORS[index % COLORS.length] ?? "#3b6fd4";
}

export interface ChartRun {
  run: string;
  label: string;
  color: string;
  data: Series;
}

export function OverlayChart(props: { title: string; xLabel: string; runs: ChartRun[]; of: number }) {
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
      series: [{ label: props.xLabel }, ...props.runs.map((r) => ({ label: r.label, stroke: r.color, width: 1.5, spanGaps: true }))],
      axes: [{ label: props.xLabel }, {}],
    };
    return mount(element, new uPlot(options, joined, element), HEIGHT);
  }, [props.runs]);
  return (
    <figure class="chart-box">
      <figcaption>
        <span class="chart-title">{props.title}</span>
        {props.runs.length < props.of && (
          <span class="chart-runs">
            {" "}
            ({props.runs.length} of {props.of} runs:{" "}
            {props.runs.map((r) => (
              <span key={r.run} class="chart-run" data-run={r.run} title={r.label}>
                <span class="swatch" style={{ background: r.color }} />
                {r.label}
              </span>
            ))}
            )
          </span>
        )}
      </figcaption>
      <div class="chart" data-key={props.title} data-runs={props.runs.map((r) => r.run).join(",")} ref={holder} />
    </figure>
  );
}
