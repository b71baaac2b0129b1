import { gql } from "../api";
import { Link } from "../components/Link";
import { ErrorBox, Loading, NothingVisible } from "../components/Status";
import type { EntityProjectsQuery, EntityProjectsQueryVariables, ViewerQuery, ViewerQueryVariables } from "../generated/graphql";
import { formatTime } from "../format";
import { useLoad } from "../hooks";
import projectsDocument from "../queries/projects.graphql?raw";
import { path } from "../router";

type ProjectNode = EntityProjectsQuery["projects"]["edges"][number]["node"];

interface EntityProjects {
  name: string;
  projects: ProjectNode[];
  /** The viewer may make projects here (its user, or a team's member or admin): with none yet, that is said. */
  writable: boolean;
}

async function projectsOf(entityName: string): Promise<EntityProjects> {
  const found: ProjectNode[] = [];
  let after: string | null = null;
  for (;;) {
    const data: EntityProjectsQuery = await gql<EntityProjectsQuery, EntityProjectsQueryVariables>(
      projectsDocument, "EntityProjects", { entityName, after });
    found.push(...data.projects.edges.map((edge) => edge.node));
    if (!data.projects.pageInfo.hasNextPage) return { name: entityName, projects: found, writable: data.entity?.readOnly === false };
    after = data.projects.pageInfo.endCursor;
  }
}

/** The viewer's entity and their teams, or one entity, each with its projects. */
async function load(entity: string | null): Promise<EntityProjects[]> {
  let names: string[];
  if (entity === null) {
    const data = await gql<ViewerQuery, ViewerQueryVariables>(projectsDocument, "Viewer", {});
    if (!data.viewer) throw new Error("No viewer: the session has no user");
    names = [data.viewer.entity, ...data.viewer.teams.edges.map((edge) => edge.node.name).filter((name) => name !== data.viewer?.entity)];
  } else {
    names = [entity];
  }
  return Promise.all(names.map(projectsOf));
}

export function ProjectsPage(props: { entity: string | null }) {
  const loaded = useLoad(() => load(props.entity), [props.entity]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  return (
    <div class="projects">
      {loaded.value.map(({ name: entity, projects, writable }) => (
        <section key={entity}>
          <h2>
            <Link href={path(entity)}>{entity}</Link>
          </h2>
          {projects.length === 0 ? (
            // The same words for an entity the viewer may not see and one that does not exist: neither is told.
            writable ? <p class="empty">No projects yet.</p> : <NothingVisible />
          ) : (
            <table class="grid">
              <thead>
                <tr>
                  <th>Project</th>
                  <th>Description</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {projects.map((project) => (
                  <tr key={project.name}>
                    <td>
                      <Link href={path(project.entityName, project.name)}>{project.name}</Link>
                    </td>
                    <td>{project.description ?? ""}</td>
                    <td>{formatTime(project.createdAt)}</td>
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
