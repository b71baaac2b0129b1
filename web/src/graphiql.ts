// GraphiQL from the server's own assets (no CDN: a server without internet access still has it). It sends the
// session's CSRF header, so a signed-in browser can query as its user; signed out, it sends to /signin first.
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./graphiql.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { loadSession } from "./api";

async function start(root: HTMLElement): Promise<void> {
  const session = await loadSession();
  if (!session) {
    location.replace("/signin?next=" + encodeURIComponent(location.pathname));
    return;
  }
  const fetcher = async (params: unknown) => {
    const response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Runbase-CSRF": session.csrfToken },
      body: JSON.stringify(params),
    });
    return response.json() as Promise<Record<string, unknown>>;
  };
  const query = "{\n  viewer {\n    username\n    entity\n  }\n}\n";
  createRoot(root).render(createElement(GraphiQL, { fetcher, defaultQuery: query }));
}

const root = document.getElementById("graphiql");
if (root) {
  start(root).catch((error: Error) => {
    root.textContent = `GraphiQL could not start: ${error.message}`;
  });
}
