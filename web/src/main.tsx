import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { loadSession, signOut, whenSignedOut, type Session } from "./api";
import { Link } from "./components/Link";
import { ErrorBox, Loading } from "./components/Status";
import {
  ArtifactsPage,
  ArtifactVersionPage,
  AutomationPage,
  AutomationsPage,
  CollectionPage,
  ComparePage,
  preloadPage,
  ProjectsPage,
  RegistriesPage,
  RegistryPage,
  RunPage,
  RunsPage,
  SweepPage,
  SweepsPage,
} from "./lazyPages";
import { SignInPage } from "./pages/SignIn";
import { navigate, parse, path, useLocation } from "./router";

// The session and the first page's code are fetched side by side, as soon as this script runs.
let startingSession: Promise<Session | null> | null = loadSession();
const opened = parse(location);
// On the sign-in page, the code of the page it leads to (the safe `next`, on this origin) is fetched meanwhile.
preloadPage(opened.page === "signin" ? parse(new URL(opened.next, location.origin)) : opened);

function signInUrl(): string {
  return "/signin?next=" + encodeURIComponent(location.pathname + location.search);
}

/** Where the page goes when that is a file, which the browser may save, leaving this page shown. */
function Opening(props: { to: string }) {
  return (
    <main class="signin">
      <p>
        Opening <code>{props.to}</code>
      </p>
    </main>
  );
}

function App() {
  const url = useLocation();
  const route = parse(url);
  const arrive = (signedIn: Session) => {
    if (route.page !== "signin") return;
    setSession(signedIn);
    // GraphiQL and files are not the app's pages: load them; the app's own pages move without a reload.
    if (/^\/(?:files\/|graphql(?:[/?#]|$))/.test(route.next)) location.replace(route.next);
    else navigate(route.next, true);
  };
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<Error | null>(null);

  const start = () => {
    setFailure(null);
    const pending = startingSession ?? loadSession();
    startingSession = null;
    pending.then(setSession, (error: Error) => setFailure(error));
  };
  useEffect(() => {
    whenSignedOut(() => {
      setSession(null);
      navigate(signInUrl(), true);
    });
    start();
  }, []);

  useEffect(() => {
    if (session === null && route.page !== "signin") navigate(signInUrl(), true);
  }, [session, route.page]);

  useEffect(() => {
    const titles: Record<string, string> = {
      signin: "Sign in",
      projects: "Projects",
      artifacts: "Artifacts",
      registries: "Registries",
      automations: "Automations",
      automation: "Automation",
      compare: "Compare runs",
      sweeps: "Sweeps",
      unbuilt: "Not built",
      notfound: "Not found",
    };
    const named =
      route.page === "runs"
        ? `${route.entity}/${route.project}`
        : route.page === "run"
          ? route.run
          : route.page === "collection"
            ? route.collection
            : route.page === "version"
              ? `${route.collection}:${route.version}`
              : route.page === "registry"
                ? route.registry
                : route.page === "sweep"
                  ? `sweep ${route.sweep}`
                  : titles[route.page];
    document.title = `${named ?? ""} · runbase`;
  }, [url.href]);

  // Signed in already (back on the sign-in page, say): go on to where it leads.
  useEffect(() => {
    if (session && route.page === "signin") arrive(session);
  }, [session, route.page]);

  if (failure) return <ErrorBox error={failure} retry={start} />;
  if (route.page === "signin") {
    // A file link followed from another site carries no SameSite=Strict cookie, so the server sends it here;
    // signed in already, the effect above goes on to it.
    if (session) return /^\/files\//.test(route.next) ? <Opening to={route.next} /> : <Loading />;
    return <SignInPage next={route.next} onSignedIn={arrive} />;
  }
  if (session === undefined || session === null) return <Loading />;

  const leave = async () => {
    await signOut().catch((error: Error) => setFailure(error));
    setSession(null);
    navigate("/signin", true);
  };
  return (
    <div class="app">
      <header class="topbar">
        <Link href="/" class="brand">runbase</Link>
        <nav class="crumbs">
          {"entity" in route && route.entity !== null && (
            <Link href={path(route.entity)} title={route.entity}>
              {route.entity}
            </Link>
          )}
          {"project" in route && route.project !== null && (
            <>
              <span class="sep">/</span>
              <Link href={path(route.entity, route.project)} title={route.project}>
                {route.project}
              </Link>
            </>
          )}
          {route.page === "run" && (
            <>
              <span class="sep">/</span>
              <span class="crumb" title={route.run}>
                {route.run}
              </span>
            </>
          )}
          {"project" in route && route.project !== null && (
            <>
              <span class="sep">·</span>
              <Link href={path(route.entity, route.project, "artifacts")}>artifacts</Link>
              <span class="sep">·</span>
              <Link href={path(route.entity, route.project, "automations")}>automations</Link>
            </>
          )}
        </nav>
        <span class="spacer" />
        <Link href={path("registry")} class="tool">Registry</Link>
        <a href="/graphql" class="tool">GraphiQL</a>
        <span class="user" title={session.username}>
          {session.username}
        </span>
        <button type="button" class="signout" onClick={leave}>Sign out</button>
      </header>
      <main>
        {route.page === "projects" && <ProjectsPage entity={route.entity} />}
        {route.page === "runs" && <RunsPage entity={route.entity} project={route.project} query={url.searchParams} />}
        {route.page === "run" && <RunPage entity={route.entity} project={route.project} run={route.run} charts={route.charts} />}
        {route.page === "artifacts" && <ArtifactsPage entity={route.entity} project={route.project} type={route.type} />}
        {route.page === "collection" && (
          <CollectionPage entity={route.entity} project={route.project} type={route.type} collection={route.collection} />
        )}
        {route.page === "version" && <ArtifactVersionPage {...route} />}
        {route.page === "registries" && <RegistriesPage />}
        {route.page === "registry" && <RegistryPage organization={route.organization} registry={route.registry} />}
        {route.page === "automations" && <AutomationsPage entity={route.entity} project={route.project} />}
        {route.page === "automation" && <AutomationPage key={route.id} entity={route.entity} project={route.project} id={route.id} />}
        {route.page === "compare" && <ComparePage entity={route.entity} project={route.project} search={url.search} />}
        {route.page === "sweeps" && <SweepsPage entity={route.entity} project={route.project} />}
        {route.page === "sweep" && <SweepPage entity={route.entity} project={route.project} sweep={route.sweep} query={url.searchParams} />}
        {route.page === "unbuilt" && <ErrorBox error={`The ${route.what} pages are not built yet in this version of runbase.`} />}
        {route.page === "notfound" && <ErrorBox error="No page at this address." />}
      </main>
    </div>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
