// Every request the page makes: the session (cookie + CSRF token) and GraphQL over POST /graphql.
// The API key is only ever sent once, to POST /api/session; the page never keeps it.

export interface Session {
  username: string;
  csrfToken: string;
  admin: boolean;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

let current: Session | null = null;

/** The code of the error a request gets when the server does not answer at all (down, or the network). */
export const UNREACHABLE = "UNREACHABLE";

/** fetch, with "the server did not answer" said plainly instead of the browser's "Failed to fetch". */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError("Cannot reach the runbase server: it may be down or restarting, or the network is out.", 0, UNREACHABLE);
  }
}

interface ErrorBody {
  errors?: { message?: string; extensions?: { code?: string } }[];
}

async function failure(response: Response, what: string): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // not JSON: the status says enough
  }
  const first = body.errors?.[0];
  return new ApiError(first?.message ?? `${what}: HTTP ${response.status}`, response.status, first?.extensions?.code ?? null);
}

/** The signed-in session, or null when the cookie is missing or expired. */
export async function loadSession(): Promise<Session | null> {
  const response = await send("/api/session", { credentials: "same-origin", cache: "no-store" });
  if (response.status === 401) {
    current = null;
    return null;
  }
  if (!response.ok) throw await failure(response, "GET /api/session");
  current = (await response.json()) as Session;
  return current;
}

export async function signIn(apiKey: string): Promise<Session> {
  const response = await send("/api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ apiKey }),
  });
  if (!response.ok) throw await failure(response, "sign-in");
  const body = (await response.json()) as { username: string; csrfToken: string };
  current = { username: body.username, csrfToken: body.csrfToken, admin: false };
  return (await loadSession()) ?? current;
}

export async function signOut(): Promise<void> {
  const response = await send("/api/session", {
    method: "DELETE",
    credentials: "same-origin",
    headers: { "X-Runbase-CSRF": current?.csrfToken ?? "" },
  });
  current = null;
  if (!response.ok && response.status !== 401) throw await failure(response, "sign-out");
}

/** Called when the server says the session is gone (expired, signed out elsewhere, key deleted). */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

function post(document: string, operationName: string, variables: object): Promise<Response> {
  return send("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Runbase-CSRF": current?.csrfToken ?? "" },
    body: JSON.stringify({ query: document, operationName, variables }),
  });
}

/** Run one named operation of a GraphQL document (the .graphql files in src/queries). */
export async function gql<Data, Variables extends object>(
  document: string,
  operationName: string,
  variables: Variables,
): Promise<Data> {
  let response = await post(document, operationName, variables);
  if (response.status === 403) {
    // The session refused this page's CSRF token: signing in again (in another tab) made a new session. Read
    // it and send once more with its token; if another user signed in, the page starts again as that user.
    const before = current?.username;
    const session = await loadSession();
    if (session !== null && session.username !== before) {
      location.reload();
      throw new ApiError(`signed in as ${session.username} in another tab: reloading`, 403);
    }
    if (session === null) {
      onSignedOut();
      throw await failure(response, operationName);
    }
    response = await post(document, operationName, variables);
  }
  if (response.status === 401) {
    current = null;
    onSignedOut();
    throw await failure(response, operationName);
  }
  let body: { data?: Data | null } & ErrorBody;
  try {
    body = (await response.json()) as { data?: Data | null } & ErrorBody;
  } catch {
    throw new ApiError(`${operationName}: HTTP ${response.status}, not JSON`, response.status);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message ?? "GraphQL error", response.status, first.extensions?.code ?? null);
  if (!response.ok || body.data == null) throw new ApiError(`${operationName}: HTTP ${response.status}`, response.status);
  return body.data;
}
