// Registries: those of the viewer's entity and teams (/registry), and one registry's collections
// (/registry/ORGANIZATION/NAME). A registry collection is a portfolio in the registry's project, so its linked
// versions are on the collection page (/ORGANIZATION/runbase-registry-NAME/artifacts/TYPE/COLLECTION).
import "../artifacts.css";
import { gql } from "../api";
import { Chips } from "../components/artifacts/Labels";
import { Link } from "../components/Link";
import { ErrorBox, Loading } from "../components/Status";
import { formatTime } from "../format";
import type {
  RegistriesQuery,
  RegistriesQueryVariables,
  RegistryCollectionsQuery,
  RegistryCollectionsQueryVariables,
  ViewerQuery,
  ViewerQueryVariables,
} from "../generated/graphql";
import { useLoad } from "../hooks";
import projectsDocument from "../queries/projects.graphql?raw";
import registriesDocument from "../queries/registries.graphql?raw";
import { path } from "../router";
import { allPages, collectionAliases, collectionPath, collectionTags } from "./Artifacts";

type RegistryRow = RegistriesQuery["registries"]["edges"][number]["node"];
type RegistryData = NonNullable<RegistryCollectionsQuery["registry"]>;
type RegistryCollection = RegistryData["collections"]["edges"][number]["node"];

function types(registry: { allowAllArtifactTypes: boolean; artifactTypes: string[] }): string {
  return registry.allowAllArtifactTypes ? "any type" : registry.artifactTypes.join(", ");
}

async function registriesOf(organization: string): Promise<RegistryRow[]> {
  const found = await allPages(async (after) => {
    const data = await gql<RegistriesQuery, RegistriesQueryVariables>(registriesDocument, "Registries", { organization, after });
    return { nodes: data.registries.edges.map((edge) => edge.node), ...data.registries.pageInfo };
  });
  return found ?? [];
}

async function loadAll(): Promise<[string, RegistryRow[]][]> {
  const data = await gql<ViewerQuery, ViewerQueryVariables>(projectsDocument, "Viewer", {});
  if (!data.viewer) throw new Error("No viewer: the session has no user");
  const own = data.viewer.entity;
  const names = [own, ...data.viewer.teams.edges.map((edge) => edge.node.name).filter((name) => name !== own)];
  return Promise.all(names.map(async (name): Promise<[string, RegistryRow[]]> => [name, await registriesOf(name)]));
}

export function RegistriesPage() {
  const loaded = useLoad(loadAll, []);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  return (
    <div class="registries">
      <h1>Registries</h1>
      {loaded.value.map(([organization, registries]) => (
        <section key={organization} data-organization={organization}>
          <h2>{organization}</h2>
          {registries.length === 0 ? (
            <p class="empty">No registries.</p>
          ) : (
            <table class="grid registry-list">
              <thead>
                <tr>
                  <th>Registry</th>
                  <th>Description</th>
                  <th>Visibility</th>
                  <th>Types</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {registries.map((registry) => (
                  <tr key={registry.id} data-registry={registry.name}>
                    <td>
                      <Link href={path("registry", registry.organization, registry.name)}>{registry.name}</Link>
                    </td>
                    <td>{registry.description ?? ""}</td>
                    <td>{registry.visibility}</td>
                    <td>{types(registry)}</td>
                    <td>{formatTime(registry.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </div>
  );
}

async function loadRegistry(organization: string, name: string) {
  let registry: RegistryData | null = null;
  const collections = await allPages(async (after) => {
    const data = await gql<RegistryCollectionsQuery, RegistryCollectionsQueryVariables>(registriesDocument, "RegistryCollections", {
      organization,
      name,
      after,
    });
    if (!data.registry) return null;
    registry = data.registry;
    return { nodes: data.registry.collections.edges.map((edge): RegistryCollection => edge.node), ...data.registry.collections.pageInfo };
  });
  if (collections === null || registry === null) throw new Error(`No registry ${name} in ${organization}, or you may not see it.`);
  return { registry: registry as RegistryData, collections };
}

export function RegistryPage(props: { organization: string; registry: string }) {
  const loaded = useLoad(() => loadRegistry(props.organization, props.registry), [props.organization, props.registry]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { registry, collections } = loaded.value;
  return (
    <div class="registry">
      <p class="artifact-crumbs">
        <Link href={path("registry")}>Registries</Link> <span class="sep">/</span> <span>{registry.organization}</span>
      </p>
      <h1>
        <span class="registry-name">{registry.name}</span> <span class="kind">{registry.visibility}</span>
      </h1>
      {registry.description && <p class="description">{registry.description}</p>}
      <p class="hint">Accepts {types(registry)}.</p>
      {collections.length === 0 ? (
        <p class="empty">No collections: link a version to {`${registry.fullName}/COLLECTION`} to make one.</p>
      ) : (
        <table class="grid collections">
          <thead>
            <tr>
              <th>Collection</th>
              <th>Type</th>
              <th>Versions</th>
              <th>Aliases</th>
              <th>Tags</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {collections.map((collection) => (
              <tr key={collection.id} data-collection={collection.name}>
                <td>
                  <Link href={collectionPath({ ...collection, entityName: registry.organization, projectName: registry.fullName })}>
                    {collection.name}
                  </Link>
                </td>
                <td>{collection.typeName}</td>
                <td>{collection.artifacts.totalCount}</td>
                <td>
                  <Chips kind="alias" values={collectionAliases(collection)} />
                </td>
                <td>
                  <Chips kind="tag" values={collectionTags(collection)} />
                </td>
                <td>{formatTime(collection.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
