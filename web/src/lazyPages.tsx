// The app's pages, each in a chunk of its own that is fetched the first time the page is shown. A link to the
// runs table then waits for the table's code only, not for the charts, the 3D viewer or plotly's loader.
import type { ComponentType, FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorBox, Loading } from "./components/Status";
import type { Route } from "./router";

export interface LazyPage<P> extends FunctionComponent<P> {
  /** Fetch the page's code now (at start-up, beside the session), so that it is there when the page renders. */
  preload: () => void;
}

/** The page `load` resolves to, shown once its chunk has arrived. A chunk that cannot be fetched (a server
 * upgraded under an open tab serves new chunk names) is said plainly, with a reload as the way on. The failure
 * stays for the tab's life: Vite does not ask again for a stylesheet it failed to get, so a second try would
 * show the page without its styles. */
function lazy<P extends object>(load: () => Promise<ComponentType<P>>): LazyPage<P> {
  let page: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const start = (): Promise<ComponentType<P>> => {
    pending ??= load().then((loaded) => (page = loaded));
    return pending;
  };
  const Lazy = (props: P) => {
    const [, setArrived] = useState(false);
    const [failed, setFailed] = useState(false);
    // Also when the code arrived between this render and the effect: the page then shows at once.
    useEffect(() => {
      let live = true;
      start().then(
        () => live && setArrived(true),
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, []);
    if (page) {
      const Page = page;
      return <Page {...props} />;
    }
    if (failed) {
      return <ErrorBox error="This page's code could not be fetched: the server may be down or upgraded." retry={() => location.reload()} />;
    }
    return <Loading />;
  };
  Lazy.preload = () => void start().catch(() => undefined);
  return Lazy;
}

export const ProjectsPage = lazy(() => import("./pages/Projects").then((m) => m.ProjectsPage));
export const RunsPage = lazy(() => import("./pages/Runs").then((m) => m.RunsPage));
export const RunPage = lazy(() => import("./pages/Run").then((m) => m.RunPage));
export const ArtifactsPage = lazy(() => import("./pages/Artifacts").then((m) => m.ArtifactsPage));
export const CollectionPage = lazy(() => import("./pages/Artifacts").then((m) => m.CollectionPage));
export const ArtifactVersionPage = lazy(() => import("./pages/ArtifactVersion").then((m) => m.ArtifactVersionPage));
export const RegistriesPage = lazy(() => import("./pages/Registries").then((m) => m.RegistriesPage));
export const RegistryPage = lazy(() => import("./pages/Registries").then((m) => m.RegistryPage));
export const AutomationsPage = lazy(() => import("./pages/Automations").then((m) => m.AutomationsPage));
export const AutomationPage = lazy(() => import("./pages/Automation").then((m) => m.AutomationPage));
export const ComparePage = lazy(() => import("./pages/Compare").then((m) => m.ComparePage));
export const SweepsPage = lazy(() => import("./pages/Sweep").then((m) => m.SweepsPage));
export const SweepPage = lazy(() => import("./pages/Sweep").then((m) => m.SweepPage));

const ROUTE_PAGES: Partial<Record<Route["page"], { preload: () => void }>> = {
  projects: ProjectsPage,
  runs: RunsPage,
  run: RunPage,
  artifacts: ArtifactsPage,
  collection: CollectionPage,
  version: ArtifactVersionPage,
  registries: RegistriesPage,
  registry: RegistryPage,
  automations: AutomationsPage,
  automation: AutomationPage,
  compare: ComparePage,
  sweeps: SweepsPage,
  sweep: SweepPage,
};

/** Start fetching the code of the page `route` shows (none for sign-in and the error pages, which are built in). */
export function preloadPage(route: Route): void {
  ROUTE_PAGES[route.page]?.preload();
}
