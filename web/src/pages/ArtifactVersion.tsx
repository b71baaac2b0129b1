// One artifact version, at the URL the SDK (Artifact.url) and the automations print:
// /ENTITY/PROJECT/artifacts/TYPE/COLLECTION/vN (an alias, or the id of a version not yet numbered, works too).
import "../artifacts.css";
import { gql } from "../api";
import { FileList } from "../components/artifacts/Files";
import { Chips, LabelEditor } from "../components/artifacts/Labels";
import { LineageSection } from "../components/artifacts/Lineage";
import { Link } from "../components/Link";
import { Pairs } from "../components/Pairs";
import { ErrorBox, Loading } from "../components/Status";
import { formatBytes, formatDuration, formatTime } from "../format";
import type {
  ArtifactByIdQuery,
  ArtifactByIdQueryVariables,
  ArtifactVersionQuery,
  ArtifactVersionQueryVariables,
  LineageRunFragment,
  UpdateArtifactLabelsMutation,
  UpdateArtifactLabelsMutationVariables,
  VersionDetailFragment,
} from "../generated/graphql";
import { useLoad } from "../hooks";
import { parseObject } from "../json";
import artifactsDocument from "../queries/artifacts.graphql?raw";
import { path } from "../router";
import { aliasNames, collectionPath, tagNames, versionName, versionPath } from "./Artifacts";

interface Where {
  entity: string;
  project: string;
  type: string;
  collection: string;
  version: string;
}

const VERSION = /^v\d+$/;

async function loadVersion(where: Where): Promise<VersionDetailFragment> {
  const data = await gql<ArtifactVersionQuery, ArtifactVersionQueryVariables>(artifactsDocument, "ArtifactVersion", {
    entityName: where.entity,
    project: where.project,
    collection: where.collection,
    version: where.version,
  });
  const found = data.project?.artifactCollection?.artifact;
  if (found) return found;
  if (!VERSION.test(where.version) && /^\d+$/.test(where.version)) {
    // A version that had no number yet when its URL was made is named by its id.
    const variables = { id: where.version };
    const byId = (await gql<ArtifactByIdQuery, ArtifactByIdQueryVariables>(artifactsDocument, "ArtifactById", variables)).artifact;
    const source = byId?.sourceCollection;
    if (byId && source && `${source.entityName}/${source.projectName}/${source.name}` === `${where.entity}/${where.project}/${where.collection}`) {
      return byId;
    }
  }
  throw new Error(`No version ${where.version} of ${where.collection} in ${where.entity}/${where.project}, or you may not see it.`);
}

function RunLink(props: { run: LineageRunFragment }) {
  const project = props.run.project;
  const label = props.run.displayName || props.run.name;
  if (!project) return <span>{label}</span>;
  return <Link href={path(project.entityName, project.name, "runs", props.run.name)}>{label}</Link>;
}

async function saveLabels(version: VersionDetailFragment, change: { aliases?: string[]; tags?: string[] }) {
  const data = await gql<UpdateArtifactLabelsMutation, UpdateArtifactLabelsMutationVariables>(artifactsDocument, "UpdateArtifactLabels", {
    artifactId: version.id,
    collectionId: version.collection.id,
    aliases: change.aliases?.map((alias) => ({ alias, artifactCollectionName: version.collection.name })) ?? null,
    tags: change.tags ?? null,
  });
  const updated = data.updateArtifact?.artifact;
  if (!updated) throw new Error("The server did not answer the change.");
  return updated;
}

export function ArtifactVersionPage(props: Where) {
  const loaded = useLoad(() => loadVersion(props), [props.entity, props.project, props.collection, props.version]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const version = loaded.value;
  const collection = version.collection;
  const source = { ...version.sourceCollection, typeName: version.typeName };
  const overview: [string, string][] = [
    ["Type", version.typeName],
    ["State", version.state],
    ["Digest", version.digest],
    ["Size", formatBytes(version.size)],
    ["Files", String(version.fileCount)],
    ["Created", formatTime(version.createdAt)],
    ["Updated", formatTime(version.updatedAt)],
    ["Step", version.historyStep === null ? "" : String(version.historyStep)],
    ["Time to live", version.ttlDurationSeconds < 0 ? "" : formatDuration(version.ttlDurationSeconds)],
  ];
  const metadata = Object.entries(parseObject(version.metadata)).sort(([a], [b]) => a.localeCompare(b));
  const title = `${collection.name}:v${version.versionIndex ?? "?"}`;
  return (
    <div class="artifact-version" data-artifact-id={version.id}>
      <p class="artifact-crumbs">
        <Link href={path(collection.entityName, collection.projectName, "artifacts")}>Artifacts</Link> <span class="sep">/</span>{" "}
        <Link href={path(collection.entityName, collection.projectName, "artifacts", collection.typeName)}>{collection.typeName}</Link>{" "}
        <span class="sep">/</span> <Link href={collectionPath(collection)}>{collection.name}</Link>
      </p>
      <h1>
        <span class="version-name">{title}</span> <span class="kind">{version.typeName}</span>
      </h1>
      {version.description && <p class="description">{version.description}</p>}
      {version.isLink && (
        <p class="linked-from">
          Linked from{" "}
          <Link href={versionPath(source, version.sourceVersionIndex, version.id)}>
            {versionName(source, version.sourceVersionIndex)}
          </Link>
        </p>
      )}
      <section class="overview">
        <div>
          <h2>Overview</h2>
          <Pairs label="overview" entries={overview.filter(([, value]) => value !== "")} />
        </div>
        <div>
          <h2>Aliases</h2>
          <LabelEditor
            key={`alias:${version.id}:${collection.id}`}
            kind="alias"
            values={aliasNames(version)}
            save={async (aliases) => aliasNames(await saveLabels(version, { aliases }))}
          />
          <h2>Tags</h2>
          <LabelEditor
            key={`tag:${version.id}`}
            kind="tag"
            values={tagNames(version)}
            save={async (tags) => tagNames(await saveLabels(version, { tags }))}
          />
        </div>
        <div>
          <h2>Metadata</h2>
          <Pairs label="metadata" entries={metadata} />
        </div>
      </section>
      <section class="artifact-runs">
        <h2>Runs</h2>
        <p class="logged-by">
          Logged by: {version.loggedBy ? <RunLink run={version.loggedBy} /> : <span class="empty">no run (or one you may not see)</span>}
        </p>
        <div class="used-by">
          Used by:{" "}
          {version.usedBy.edges.length === 0 ? (
            <span class="empty">no run</span>
          ) : (
            <ul>
              {version.usedBy.edges.map(({ node }) => (
                <li key={node.id}>
                  <RunLink run={node} />
                </li>
              ))}
            </ul>
          )}
        </div>
        {version.linkedArtifacts.length > 0 && (
          <div class="linked-to">
            Linked to:
            <ul>
              {version.linkedArtifacts.map((linked) => (
                <li key={`${linked.collection.entityName}/${linked.collection.projectName}/${linked.collection.name}`}>
                  <Link href={versionPath(linked.collection, linked.versionIndex, version.id)}>
                    {versionName(linked.collection, linked.versionIndex)}
                  </Link>{" "}
                  <Chips kind="alias" values={aliasNames(linked)} />
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
      <section>
        <h2>Lineage</h2>
        <LineageSection center={version} />
      </section>
      <section>
        <h2>Files</h2>
        <FileList files={version.files.edges.map((edge) => edge.node)} total={version.files.totalCount} />
      </section>
    </div>
  );
}
