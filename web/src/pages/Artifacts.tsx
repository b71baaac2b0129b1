// A project's artifacts: its types and collections, and one collection's versions (a registry's collections are
// portfolios in the registry's project, so the same collection page shows a registry collection's linked versions).
import "../artifacts.css";
import { gql } from "../api";
import { Chips } from "../components/artifacts/Labels";
import { Link } from "../components/Link";
import { ErrorBox, Loading } from "../components/Status";
import { formatBytes, formatTime } from "../format";
import type {
  CollectionSummaryFragment,
  CollectionVersionsQuery,
  CollectionVersionsQueryVariables,
  ProjectArtifactsQuery,
  ProjectArtifactsQueryVariables,
  VersionSummaryFragment,
} from "../generated/graphql";
import { useLoad } from "../hooks";
import artifactsDocument from "../queries/artifacts.graphql?raw";
import { path } from "../router";

type CollectionRow = CollectionSummaryFragment & { artifacts: { totalCount: number } };

/** Where a version's page is: under the collection it is seen through (a portfolio for a linked version). */
export function versionPath(
  collection: { entityName: string; projectName: string; typeName: string; name: string },
  versionIndex: number | null,
  id: string,
): string {
  const version = versionIndex === null ? id : `v${versionIndex}`;
  return path(collection.entityName, collection.projectName, "artifacts", collection.typeName, collection.name, version);
}

/** "entity/project/collection:v3", as the SDK names a version. */
/** A version's alias names (the server answers W&B's ArtifactAlias objects). */
export function aliasNames(version: { aliases: { alias: string }[] }): string[] {
  return version.aliases.map((held) => held.alias);
}

/** A version's tag names (the server answers W&B's Tag objects). */
export function tagNames(version: { tags: { name: string }[] }): string[] {
  return version.tags.map((tag) => tag.name);
}

/** A collection's alias names (the server answers W&B's connection of ArtifactAlias objects). */
export function collectionAliases(collection: { aliases: { edges: { node: { alias: string } }[] } }): string[] {
  return collection.aliases.edges.map((edge) => edge.node.alias);
}

/** A collection's tag names (the server answers W&B's connection of Tag objects). */
export function collectionTags(collection: { tags: { edges: { node: { name: string } }[] } }): string[] {
  return collection.tags.edges.map((edge) => edge.node.name);
}

export function versionName(collection: { entityName: string; projectName: string; name: string }, versionIndex: number | null): string {
  return `${collection.entityName}/${collection.projectName}/${collection.name}:v${versionIndex ?? "?"}`;
}

export function collectionPath(collection: { entityName: string; projectName: string; typeName: string; name: string }): string {
  return path(collection.entityName, collection.projectName, "artifacts", collection.typeName, collection.name);
}

/** Every page of a cursor connection, so a long list is whole (collections and versions are few per page). */
export async function allPages<Node>(
  fetchPage: (after: string | null) => Promise<{ nodes: Node[]; endCursor: string | null; hasNextPage: boolean } | null>,
): Promise<Node[] | null> {
  const found: Node[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    if (page === null) return null;
    found.push(...page.nodes);
    if (!page.hasNextPage) return found;
    after = page.endCursor;
  }
}

interface Where {
  entity: string;
  project: string;
}

async function loadProject(where: Where, type: string | null) {
  let types: string[] = [];
  const collections = await allPages(async (after) => {
    const data = await gql<ProjectArtifactsQuery, ProjectArtifactsQueryVariables>(artifactsDocument, "ProjectArtifacts", {
      entityName: where.entity,
      project: where.project,
      typeName: type,
      after,
    });
    if (!data.project) return null;
    types = data.project.artifactTypes.edges.map((edge) => edge.node.name);
    const found = data.project.artifactCollections;
    return { nodes: found.edges.map((edge): CollectionRow => edge.node), ...found.pageInfo };
  });
  if (collections === null) throw new Error(`No project ${where.entity}/${where.project}, or you may not see it.`);
  return { types, collections };
}

export function ArtifactsPage(props: Where & { type: string | null }) {
  const loaded = useLoad(() => loadProject(props, props.type), [props.entity, props.project, props.type]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { types, collections } = loaded.value;
  const byType = new Map<string, CollectionRow[]>();
  for (const collection of collections) byType.set(collection.typeName, [...(byType.get(collection.typeName) ?? []), collection]);
  const shown = props.type === null ? types : [props.type];
  return (
    <div class="artifacts">
      <h1>Artifacts</h1>
      <nav class="artifact-types" aria-label="artifact types">
        <Link href={path(props.entity, props.project, "artifacts")} class={props.type === null ? "current" : undefined}>
          All types
        </Link>
        {types.map((name) => (
          <Link key={name} href={path(props.entity, props.project, "artifacts", name)} class={props.type === name ? "current" : undefined}>
            {name}
          </Link>
        ))}
      </nav>
      {collections.length === 0 && <p class="empty">No artifacts logged{props.type === null ? "" : ` of type ${props.type}`}.</p>}
      {shown
        .filter((name) => byType.has(name))
        .map((name) => (
          <section key={name} class="artifact-type" data-type={name}>
            <h2>{name}</h2>
            <table class="grid collections">
              <thead>
                <tr>
                  <th>Collection</th>
                  <th>Versions</th>
                  <th>Aliases</th>
                  <th>Description</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {(byType.get(name) ?? []).map((collection) => (
                  <tr key={collection.id}>
                    <td>
                      <Link href={collectionPath(collection)}>{collection.name}</Link>
                      {collection.kind === "PORTFOLIO" && <span class="kind"> linked</span>}
                    </td>
                    <td>{collection.artifacts.totalCount}</td>
                    <td>
                      <Chips kind="alias" values={collectionAliases(collection)} />
                    </td>
                    <td>{collection.description ?? ""}</td>
                    <td>{formatTime(collection.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
    </div>
  );
}

async function loadCollection(where: Where, name: string) {
  let collection: CollectionSummaryFragment | null = null;
  const versions = await allPages(async (after) => {
    const data = await gql<CollectionVersionsQuery, CollectionVersionsQueryVariables>(artifactsDocument, "CollectionVersions", {
      entityName: where.entity,
      project: where.project,
      collection: name,
      after,
    });
    const found = data.project?.artifactCollection;
    if (!found) return null;
    collection = found;
    return { nodes: found.artifacts.edges.map((edge): VersionSummaryFragment => edge.node), ...found.artifacts.pageInfo };
  });
  if (versions === null || collection === null) {
    throw new Error(`No artifact collection ${name} in ${where.entity}/${where.project}, or you may not see it.`);
  }
  return { collection: collection as CollectionSummaryFragment, versions };
}

export function CollectionPage(props: Where & { type: string; collection: string }) {
  const loaded = useLoad(() => loadCollection(props, props.collection), [props.entity, props.project, props.collection]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { collection, versions } = loaded.value;
  const linked = collection.kind === "PORTFOLIO";
  return (
    <div class="artifact-collection">
      <p class="artifact-crumbs">
        <Link href={path(props.entity, props.project, "artifacts")}>Artifacts</Link> <span class="sep">/</span>{" "}
        <Link href={path(props.entity, props.project, "artifacts", collection.typeName)}>{collection.typeName}</Link>
      </p>
      <h1>
        <span class="collection-name">{collection.name}</span> <span class="kind">{linked ? "linked versions" : "versions"}</span>
      </h1>
      {collection.description && <p class="description">{collection.description}</p>}
      <Chips kind="tag" values={collectionTags(collection)} />
      {versions.length === 0 ? (
        <p class="empty">No committed versions.</p>
      ) : (
        <table class="grid versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Aliases</th>
              <th>Tags</th>
              {linked && <th>Linked from</th>}
              <th>Files</th>
              <th>Size</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={version.id} data-version={version.versionIndex ?? ""}>
                <td>
                  <Link href={versionPath(collection, version.versionIndex, version.id)}>v{version.versionIndex ?? "?"}</Link>
                </td>
                <td>
                  <Chips kind="alias" values={aliasNames(version)} />
                </td>
                <td>
                  <Chips kind="tag" values={tagNames(version)} />
                </td>
                {linked && (
                  <td>
                    <Link href={versionPath({ ...version.sourceCollection, typeName: version.typeName }, version.sourceVersionIndex, version.id)}>
                      {versionName(version.sourceCollection, version.sourceVersionIndex)}
                    </Link>
                  </td>
                )}
                <td>{version.fileCount}</td>
                <td>{formatBytes(version.size)}</td>
                <td>{formatTime(version.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
