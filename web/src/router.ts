// History API routing: the URL is the state, so links can be shared and the back button works.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "signin"; next: string }
  | { page: "projects"; entity: string | null }
  | { page: "runs"; entity: string; project: string }
  | { page: "run"; entity: string; project: string; run: string; charts: ChartSettings }
  | { page: "artifacts"; entity: string; project: string; type: string | null }
  | { page: "collection"; entity: string; project: string; type: string; collection: string }
  | { page: "version"; entity: string; project: string; type: string; collection: string; version: string }
  | { page: "registries" }
  | { page: "registry"; organization: string; registry: string }
  | { page: "automations"; entity: string; project: string | null }
  | { page: "automation"; entity: string; project: string; id: string }
  | { page: "compare"; entity: string; project: string }
  | { page: "sweeps"; entity: string; project: string }
  | { page: "sweep"; entity: string; project: string; sweep: string }
  | { page: "unbuilt"; what: string }
  | { page: "notfound" };

/** The run page's chart settings, kept in its URL (?x=epoch&smoothing=0.6&log=1) so that a shared link opens the
 * same view and the back button undoes a change. `x` is null for the default: each chart against its step metric
 * (define_metric's), else against _step; any other x overrides every chart. */
export interface ChartSettings {
  x: string | null;
  smoothing: number;
  logY: boolean;
}

export const MAX_SMOOTHING = 0.99;

/** What the URL asks for; a value that makes no sense (a smoothing of "abc" or 5) is ignored. Whether x names an
 * axis the run has is for the page to check, which knows the run's keys. */
export function chartSettings(params: URLSearchParams): ChartSettings {
  const smoothing = Number(params.get("smoothing") ?? "0");
  return {
    x: params.get("x") || null,
    smoothing: Number.isFinite(smoothing) && smoothing >= 0 && smoothing <= MAX_SMOOTHING ? smoothing : 0,
    logY: params.get("log") === "1",
  };
}

/** The current address with `settings` in its query string (defaults left out), other parameters kept. */
export function chartSettingsUrl(settings: ChartSettings): string {
  const params = new URLSearchParams(location.search);
  const values: [string, string | null][] = [
    ["x", settings.x],
    ["smoothing", settings.smoothing > 0 ? String(settings.smoothing) : null],
    ["log", settings.logY ? "1" : null],
  ];
  for (const [name, value] of values) {
    if (value === null) params.delete(name);
    else params.set(name, value);
  }
  const search = params.toString();
  return location.pathname + (search ? `?${search}` : "");
}

function segments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((part) => part !== "")
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
}

/** Only same-origin paths are followed after sign-in. next= is resolved as the browser would resolve it (which
 * drops tabs and newlines and reads a backslash as a slash, so "/\t/evil.example" is another site) and only
 * its path, query and fragment are kept; anything of another origin, or unparseable, goes to "/". */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, location.origin);
  } catch {
    return "/";
  }
  // A path starting "//" would itself be read as another host when navigated to.
  if (url.origin !== location.origin || url.pathname.startsWith("//")) return "/";
  return url.pathname + url.search + url.hash;
}

export function parse(location: Location | URL): Route {
  const parts = segments(location.pathname);
  const [first, second, third, fourth, fifth, sixth] = parts;
  if (first === undefined) return { page: "projects", entity: null };
  if (first === "signin" && parts.length === 1) {
    return { page: "signin", next: safeNext(new URLSearchParams(location.search).get("next")) };
  }
  if (first === "registry") {
    if (second === undefined) return { page: "registries" };
    if (third !== undefined && parts.length === 3) return { page: "registry", organization: second, registry: third };
    return { page: "notfound" };
  }
  if (second === undefined) {
    const tab = new URLSearchParams(location.search).get("tab");
    return tab === "automations" ? { page: "automations", entity: first, project: null } : { page: "projects", entity: first };
  }
  if (third === undefined || (third === "runs" && fourth === undefined) || (third === "table" && fourth === undefined)) {
    return { page: "runs", entity: first, project: second };
  }
  if (third === "runs" && fourth !== undefined && parts.length === 4) {
    return { page: "run", entity: first, project: second, run: fourth, charts: chartSettings(new URLSearchParams(location.search)) };
  }
  if (third === "artifacts" && parts.length <= 6) {
    const where = { entity: first, project: second };
    if (fourth === undefined) return { page: "artifacts", ...where, type: null };
    if (fifth === undefined) return { page: "artifacts", ...where, type: fourth };
    if (sixth === undefined) return { page: "collection", ...where, type: fourth, collection: fifth };
    return { page: "version", ...where, type: fourth, collection: fifth, version: sixth };
  }
  if (third === "automations" && parts.length <= 4) {
    return fourth === undefined ? { page: "automations", entity: first, project: second } : { page: "automation", entity: first, project: second, id: fourth };
  }
  if (third === "compare" && parts.length === 3) return { page: "compare", entity: first, project: second };
  if (third === "sweeps" && fourth === undefined) return { page: "sweeps", entity: first, project: second };
  if (third === "sweeps" && fourth !== undefined && parts.length === 4) return { page: "sweep", entity: first, project: second, sweep: fourth };
  if (["reports", "workspace"].includes(third)) {
    return { page: "unbuilt", what: third };
  }
  return { page: "notfound" };
}

export function path(...parts: string[]): string {
  return "/" + parts.map(encodeURIComponent).join("/");
}

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** The current URL, re-read on every navigation (links, back and forward). */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(location.href));
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return url;
}
