// A logged molecule in the run's 3D viewer: atoms as discs coloured by element, bonds as lines, with the atom
// and bond counts; the types molecule.ts does not parse get a line saying so and the file to download.
import { useLoad } from "../../../hooks";
import { ErrorBox, Loading } from "../../Status";
import { fetchFile, type Where } from "../history";
import type { MediaItem } from "./descriptors";
import { elementColor, elementRadius, parserFor, type Molecule } from "./molecule";
import { fileType, NoPreview } from "./NoPreview";
import type { Rgb } from "./palette";
import { Scene3D, type Scene, type Vec3 } from "./Scene3D";

const BOND: Rgb = [170, 170, 170];

function sceneOf(molecule: Molecule): Scene {
  const { atoms } = molecule;
  const positions = new Float32Array(atoms.flatMap((a) => [a.x, a.y, a.z]));
  const colors = new Uint8Array(atoms.flatMap((a) => elementColor(a.element)));
  const radii = new Float32Array(atoms.map((a) => elementRadius(a.element)));
  const lines = molecule.bonds.flatMap(([i, j]) => {
    const [a, b] = [atoms[i], atoms[j]];
    return a && b ? [{ from: [a.x, a.y, a.z] as Vec3, to: [b.x, b.y, b.z] as Vec3, color: BOND }] : [];
  });
  return { positions, colors, radii, lines, labels: [] };
}

function formula(molecule: Molecule): string {
  const counts = new Map<string, number>();
  for (const atom of molecule.atoms) counts.set(atom.element, (counts.get(atom.element) ?? 0) + 1);
  const order = (e: string) => (e === "C" ? "0" : e === "H" ? "1" : `2${e}`); // Hill order: C, H, then A-Z
  return [...counts].sort(([a], [b]) => order(a).localeCompare(order(b))).map(([e, n]) => (n > 1 ? `${e}${n}` : e)).join("");
}

function Drawn(props: { where: Where; path: string; parse: (text: string) => Molecule; title: string }) {
  const loaded = useLoad(async () => {
    const molecule = props.parse(await (await fetchFile(props.where, props.path)).text());
    return { molecule, scene: sceneOf(molecule) };
  }, [props.path]);
  if (loaded.state === "loading") return <Loading />;
  if (loaded.state === "failed") return <ErrorBox error={loaded.error} />;
  const { molecule, scene } = loaded.value;
  if (molecule.atoms.length === 0) return <NoPreview where={props.where} path={props.path} why="No atoms found in this file." />;
  return (
    <>
      <Scene3D scene={scene} label={props.title} />
      <p class="scene-summary" data-atoms={molecule.atoms.length} data-bonds={molecule.bonds.length}>
        {molecule.atoms.length} atoms, {molecule.bonds.length} bonds ({formula(molecule)})
      </p>
    </>
  );
}

export function MoleculeView(props: { where: Where; item: MediaItem; title: string }) {
  const { item } = props;
  const parse = parserFor(fileType(item.path));
  return (
    <figure class="media-item media-molecule">
      {parse ? <Drawn where={props.where} path={item.path} parse={parse} title={props.title} /> : <NoPreview where={props.where} path={item.path} />}
      {item.caption && <figcaption>{item.caption}</figcaption>}
    </figure>
  );
}
