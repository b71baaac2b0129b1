// The parts of plotly.js's prebuilt bundle (plotly.js-cartesian-dist-min, no types of its own) that the
// Plotly panel uses.
declare module "plotly.js-cartesian-dist-min" {
  interface PlotlyApi {
    newPlot(root: HTMLElement, figure: { data: unknown[]; layout?: object; frames?: unknown[]; config?: object }): Promise<HTMLElement>;
    purge(root: HTMLElement): void;
    PlotSchema: { get(): { traces: Record<string, unknown> } };
  }
  const Plotly: PlotlyApi;
  export default Plotly;
}
