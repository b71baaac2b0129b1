// One history chart of the run page: a box of the chart's size until its sample arrives (the page's loader
// asks for it once the box comes near the viewport), then the chart, whose zoom loads a finer sample.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Loaded } from "../../hooks";
import { LineChart, type Series } from "../LineChart";
import { ErrorBox, Loading } from "../Status";
import { loadZoom, stepsShown, type Chart, type Line } from "./chartLines";
import type { ChartLoader } from "./chartLoader";
import type { Where } from "./history";
import "./charts.css";

export interface HistoryChartProps {
  where: Where;
  chart: Chart;
  loader: ChartLoader<string, Line>;
  xLabel: string;
  smoothing: number;
  logY: boolean;
}

export function HistoryChart(props: HistoryChartProps) {
  const { where, chart, loader } = props;
  const box = useRef<HTMLElement>(null);
  const [line, setLine] = useState<Loaded<Line>>({ state: "loading" });

  useEffect(() => {
    let live = true;
    setLine({ state: "loading" });
    loader.result(chart.key).then(
      (value) => live && setLine({ state: "done", value }),
      (error: Error) => live && setLine({ state: "failed", error }),
    );
    return () => {
      live = false;
    };
  }, [loader, chart.key]);
  // The placeholder, once on the page, tells the loader when it comes near the viewport.
  const waiting = line.state === "loading";
  useEffect(() => (waiting && box.current ? loader.watch(box.current, chart.key) : undefined), [loader, chart.key, waiting]);

  if (line.state !== "done") {
    return (
      <figure class="chart-box chart-waiting" data-chart={chart.key} ref={box}>
        <figcaption>
          <span class="chart-title">{chart.key}</span>
        </figcaption>
        <div class="chart-placeholder">{line.state === "loading" ? <Loading /> : <ErrorBox error={line.error} />}</div>
      </figure>
    );
  }
  const loaded = line.value;
  const refine = (min: number, max: number): Promise<Series> =>
    loadZoom(where, chart, loaded, stepsShown(loaded, chart.x, min, max));
  return (
    <LineChart
      title={chart.key}
      xLabel={props.xLabel}
      data={loaded.series}
      refine={refine}
      smoothing={props.smoothing}
      logY={props.logY}
      timeX={chart.x === "_timestamp"}
    />
  );
}
