// The run's rich values, in sections as W&B shows them: images (with their boxes and masks), audio, video,
// HTML, 3D objects, molecules, plotly figures and model graphs with a step slider, histograms over steps,
// tables, and the custom charts of runbase.plot. Which key is which comes from the
// summary (each key's last value); the steps come from one sampledHistory request. No section for what the
// run did not log.
import { useLoad } from "../../../hooks";
import { parseObject, type JsonObject } from "../../../json";
import { ErrorBox, Loading } from "../../Status";
import { isObject, sampledRows, type Where } from "../history";
import { CustomChartPanel } from "./CustomChartPanel";
import { customCharts, kindOf, maskClassLabels, type Kind } from "./descriptors";
import { HistogramPanel } from "./HistogramPanel";
import { StepMedia, type Logged } from "./StepMedia";
import { TablePanel } from "./TablePanel";
import "./media.css";

const STEPS_SHOWN: Record<Kind, number> = {
  image: 500,
  audio: 500,
  video: 500,
  html: 500,
  histogram: 100,
  table: 1,
  object3d: 500,
  molecule: 500,
  plotly: 500,
  graph: 100,
};
const SECTIONS: [Kind, string][] = [
  ["image", "Images"],
  ["audio", "Audio"],
  ["video", "Video"],
  ["html", "HTML"],
  ["plotly", "Plotly charts"],
  ["object3d", "3D objects"],
  ["molecule", "Molecules"],
  ["graph", "Model graphs"],
  ["histogram", "Histograms"],
];

async function loadLogged(where: Where, keys: [string, Kind][], summary: JsonObject): Promise<Map<string, Logged[]>> {
  const rows = await sampledRows(where, keys.map(([key, kind]) => ({ keys: [key], samples: STEPS_SHOWN[kind] })));
  return new Map(
    keys.map(([key], i) => {
      const logged = (rows[i] ?? []).flatMap((row) => {
        const value = row[key];
        return isObject(value) ? [{ step: typeof row._step === "number" ? row._step : null, value }] : [];
      });
      const last = summary[key];
      return [key, logged.length === 0 && isObject(last) ? [{ step: null, value: last }] : logged];
    }),
  );
}

export function MediaPanels(props: { where: Where; summary: string; config: string }) {
  const summary = parseObject(props.summary);
  const kinds = Object.entries(summary)
    .flatMap(([key, value]): [string, Kind][] => {
      const kind = kindOf(value);
      return kind ? [[key, kind]] : [];
    })
    .sort(([a], [b]) => a.localeCompare(b));
  const charts = customCharts(props.config).filter((chart) => kindOf(summary[chart.tableKey]) === "table");
  const chartTables = new Set(charts.map((chart) => chart.tableKey));
  const stepped = kinds.filter(([, kind]) => kind !== "table");
  const tables = kinds.filter(([key, kind]) => kind === "table" && !chartTables.has(key));
  const loaded = useLoad(() => loadLogged(props.where, stepped, summary), [props.summary]);
  if (kinds.length === 0) return null;

  const pathOf = (key: string) => {
    const value = summary[key];
    return isObject(value) && typeof value.path === "string" ? value.path : "";
  };
  return (
    <>
      {stepped.length > 0 && loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ErrorBox error={loaded.error} />}
      {loaded.state === "done" &&
        SECTIONS.map(([kind, name]) => {
          const keys = stepped.filter(([, k]) => k === kind).map(([key]) => key);
          if (keys.length === 0) return null;
          return (
            <section key={kind} class="media" data-media={kind}>
              <h2>{name}</h2>
              <div class="charts">
                {keys.map((key) => {
                  const logged = loaded.value.get(key) ?? [];
                  return kind === "histogram" ? (
                    <HistogramPanel key={key} title={key} logged={logged} />
                  ) : (
                    <StepMedia
                      key={key}
                      where={props.where}
                      kind={kind}
                      title={key}
                      logged={logged}
                      maskNames={kind === "image" ? maskClassLabels(props.config, key) : undefined}
                    />
                  );
                })}
              </div>
            </section>
          );
        })}
      {tables.length > 0 && (
        <section class="media" data-media="table">
          <h2>Tables</h2>
          {tables.map(([key]) => (
            <TablePanel key={key} where={props.where} title={key} path={pathOf(key)} />
          ))}
        </section>
      )}
      {charts.length > 0 && (
        <section class="media" data-media="custom-chart">
          <h2>Custom charts</h2>
          <div class="charts">
            {charts.map((chart) => (
              <CustomChartPanel key={chart.key} where={props.where} chart={chart} path={pathOf(chart.tableKey)} />
            ))}
          </div>
        </section>
      )}
    </>
  );
}
