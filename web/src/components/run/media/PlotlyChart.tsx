// A logged plotly figure (W&B's plotly-file: the figure's JSON) drawn by plotly.js itself, from its cartesian
// bundle (scatter, bar, histogram, box, violin, heatmap, contour, image, pie, ...), which is loaded as a chunk
// of its own the first time a run page has such a panel. It runs under the page's CSP: the bundle has no
// eval, its stylesheet rules (which it would inject inline, refused by the CSP) are off and the few that
// matter are in media.css, and its mode bar (styled by those rules) is not shown. plotly.js draws titles and
// names as SVG text: the few tags it knows (<b>, <br>, links with a safe protocol) become SVG elements, any
// other markup text or nothing, never HTML. Traces of types the bundle lacks (3D, maps, ...) are not drawn
// but listed, with the JSON to download.
import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLoad } from "../../../hooks";
import { parseJson, type Json, type JsonObject } from "../../../json";
import { ErrorBox, Loading } from "../../Status";
import { fetchFile, isObject, type Where } from "../history";
import type { MediaItem } from "./descriptors";
import { NoPreview } from "./NoPreview";

type PlotlyApi = (typeof import("plotly.js-cartesian-dist-min"))["default"];

const CONFIG = {
  displayModeBar: false,
  displaylogo: false,
  responsive: true,
  showLink: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  typesetMath: false,
  editable: false,
};

let bundle: Promise<{ plotly: PlotlyApi; traces: Set<string> }> | null = null;

/** plotly.js, loaded once; first a marker that turns off its inline stylesheet (plotly.js looks for it). */
function loadPlotly(): Promise<{ plotly: PlotlyApi; traces: Set<string> }> {
  if (!document.getElementById("plotly.js-style-global")) {
    const marker = document.createElement("meta");
    marker.id = "plotly.js-style-global";
    marker.className = "no-inline-styles";
    document.head.append(marker);
  }
  bundle ??= import("plotly.js-cartesian-dist-min").then(({ default: plotly }) => ({
    plotly,
    traces: new Set(Object.keys(plotly.PlotSchema.get().traces)),
  }));
  return bundle;
}

interface Figure {
  data: Json[];
  layout: JsonObject;
  frames?: Json[];
}

async function loadFigure(where: Where, path: string): Promise<Figure> {
  const figure = parseJson(await (await fetchFile(where, path)).text());
  if (!isObject(figure) || !Array.isArray(figure.data)) throw new Error(`${path}: not a plotly figure (no "data" list of traces)`);
  const layout = isObject(figure.layout) ? figure.layout : {};
  return { data: figure.data, layout, ...(Array.isArray(figure.frames) && { frames: figure.frames }) };
}

function traceType(trace: Json): string {
  return isObject(trace) && typeof trace.type === "string" ? trace.type : "scatter";
}

function Chart(props: { figure: Figure; where: Where; path: string }) {
  const root = useRef<HTMLDivElement>(null);
  const [missing, setMissing] = useState<string[]>([]);
  const [failed, setFailed] = useState<Error | null>(null);
  useEffect(() => {
    const element = root.current;
    let live = true;
    if (!element) return;
    loadPlotly()
      .then(({ plotly, traces }) => {
        if (!live) return;
        // plotly.js would draw a trace of a type it lacks as a plain scatter: those are left out, and listed
        const data = props.figure.data.filter((trace) => traces.has(traceType(trace)));
        setMissing([...new Set(props.figure.data.map(traceType).filter((type) => !traces.has(type)))]);
        element.hidden = data.length === 0;
        if (data.length === 0) return;
        return plotly.newPlot(element, { ...props.figure, data, config: CONFIG }).then(() => {
          element.dataset.drawn = "true";
        });
      })
      .catch((error: unknown) => live && setFailed(error instanceof Error ? error : new Error(String(error))));
    return () => {
      live = false;
      void bundle?.then(({ plotly }) => plotly.purge(element));
    };
  }, [props.figure]);
  return (
    <>
      <div ref={root} class="plotly-chart" />
      {failed && <ErrorBox error={failed} />}
      {missing.length > 0 && (
        <NoPreview
          where={props.where}
          path={props.path}
          why={
            <>
              Not drawn: traces of type{" "}
              {missing.map((type, i) => (
                <Fragment key={type}>
                  {i > 0 && ", "}
                  <code>{type}</code>
                </Fragment>
              ))}{" "}
              (this viewer draws plotly's 2D chart types).
            </>
          }
        />
      )}
    </>
  );
}

export function PlotlyChart(props: { where: Where; item: MediaItem }) {
  const { item } = props;
  const loaded = useLoad(() => loadFigure(props.where, item.path), [item.path]);
  return (
    <figure class="media-item media-plotly">
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ErrorBox error={loaded.error} />}
      {loaded.state === "done" && <Chart figure={loaded.value} where={props.where} path={item.path} />}
      {item.caption && <figcaption>{item.caption}</figcaption>}
    </figure>
  );
}
