// Atoms and bonds read from the molecule files the SDK stores (W&B's molecule-file): PDB and PQR (ATOM/HETATM
// records, CONECT bonds; from_smiles and from_rdkit write PDB), SDF/SD/MOL (V2000 and V3000 atom and bond
// blocks), MOL2 (@<TRIPOS>ATOM/BOND) and GRO. Other types (mmCIF, MMTF) are not parsed: `parserFor` says so.
import type { Rgb } from "./palette";

export interface Atom {
  element: string; // capitalised: "C", "Cl"
  x: number;
  y: number;
  z: number;
}

export interface Molecule {
  atoms: Atom[];
  bonds: [number, number][]; // indices into atoms
}

const ELEMENT_COLORS: Record<string, Rgb> = {
  H: [240, 240, 240],
  C: [144, 144, 144],
  N: [48, 80, 248],
  O: [255, 13, 13],
  F: [144, 224, 80],
  Cl: [31, 240, 31],
  Br: [166, 41, 41],
  I: [148, 0, 148],
  S: [255, 255, 48],
  P: [255, 128, 0],
  Na: [171, 92, 242],
  K: [143, 64, 212],
  Mg: [138, 255, 0],
  Ca: [61, 255, 0],
  Fe: [224, 102, 51],
  Zn: [125, 128, 176],
  Cu: [200, 128, 51],
};
const OTHER_ELEMENT: Rgb = [255, 105, 180];
const RADII: Record<string, number> = { H: 0.25, C: 0.4, N: 0.38, O: 0.36, S: 0.5, P: 0.5 }; // drawn, in Å

export function elementColor(element: string): Rgb {
  return ELEMENT_COLORS[element] ?? OTHER_ELEMENT;
}

export function elementRadius(element: string): number {
  return RADII[element] ?? 0.45;
}

function capitalised(symbol: string): string {
  const letters = symbol.replace(/[^A-Za-z]/g, "");
  return letters.charAt(0).toUpperCase() + letters.slice(1, 2).toLowerCase();
}

/** An element from a PDB-style atom name ("CA" in a protein is carbon, " CA " calcium is rare: the first
 * letter wins unless the name is a known two-letter element in column 13). */
function elementOfName(name: string): string {
  const letters = name.trim().replace(/^\d+/, "").replace(/[^A-Za-z].*$/, "");
  const two = capitalised(letters.slice(0, 2));
  return name.length >= 2 && name[0] !== " " && two.length === 2 && two in ELEMENT_COLORS ? two : capitalised(letters.slice(0, 1));
}

function number(text: string | undefined): number | null {
  const value = Number((text ?? "").trim());
  return (text ?? "").trim() !== "" && Number.isFinite(value) ? value : null;
}

function atom(element: string, x: number | null, y: number | null, z: number | null): Atom | null {
  return x === null || y === null || z === null ? null : { element: element || "X", x, y, z };
}

function pdb(text: string, pqr: boolean): Molecule {
  const atoms: Atom[] = [];
  const bySerial = new Map<number, number>();
  const bonds: [number, number][] = [];
  for (const line of text.split(/\r?\n/)) {
    const record = line.slice(0, 6).trim();
    if (record === "ENDMDL") break; // the first model only
    if (record === "ATOM" || record === "HETATM") {
      let found: Atom | null;
      if (pqr) {
        const fields = line.trim().split(/\s+/);
        const [x, y, z] = fields.slice(-5, -2).map(number);
        found = atom(elementOfName(` ${fields[2] ?? ""}`), x ?? null, y ?? null, z ?? null);
      } else {
        const element = capitalised(line.slice(76, 78).trim()) || elementOfName(line.slice(12, 16));
        found = atom(element, number(line.slice(30, 38)), number(line.slice(38, 46)), number(line.slice(46, 54)));
      }
      if (!found) continue;
      const serial = number(line.slice(6, 11));
      if (serial !== null) bySerial.set(serial, atoms.length);
      atoms.push(found);
    } else if (record === "CONECT") {
      const from = bySerial.get(number(line.slice(6, 11)) ?? NaN);
      for (const at of [11, 16, 21, 26]) {
        const to = bySerial.get(number(line.slice(at, at + 5)) ?? NaN);
        if (from !== undefined && to !== undefined && from < to) bonds.push([from, to]);
      }
    }
  }
  return { atoms, bonds };
}

function molV3000(lines: string[]): Molecule {
  const atoms: Atom[] = [];
  const byIndex = new Map<number, number>();
  const bonds: [number, number][] = [];
  let block = "";
  for (const line of lines) {
    if (!line.startsWith("M  V30 ")) continue;
    const fields = line.slice(7).trim().split(/\s+/);
    if (fields[0] === "BEGIN" || fields[0] === "END") {
      block = fields[0] === "BEGIN" ? (fields[1] ?? "") : "";
    } else if (block === "ATOM") {
      const found = atom(capitalised(fields[1] ?? ""), number(fields[2]), number(fields[3]), number(fields[4]));
      if (found) byIndex.set(number(fields[0]) ?? NaN, atoms.push(found) - 1);
    } else if (block === "BOND") {
      const [from, to] = [byIndex.get(number(fields[2]) ?? NaN), byIndex.get(number(fields[3]) ?? NaN)];
      if (from !== undefined && to !== undefined) bonds.push([from, to]);
    }
  }
  return { atoms, bonds };
}

/** The first molecule of an SD file (or a MOL file): V2000's fixed columns, or V3000's blocks. */
function sdf(text: string): Molecule {
  const lines = text.split(/\r?\n/);
  const counts = lines[3] ?? "";
  if (counts.includes("V3000")) return molV3000(lines);
  const atomCount = number(counts.slice(0, 3)) ?? 0;
  const bondCount = number(counts.slice(3, 6)) ?? 0;
  const atoms: Atom[] = [];
  for (const line of lines.slice(4, 4 + atomCount)) {
    const found = atom(capitalised(line.slice(31, 34)), number(line.slice(0, 10)), number(line.slice(10, 20)), number(line.slice(20, 30)));
    if (found) atoms.push(found);
  }
  const bonds: [number, number][] = [];
  for (const line of lines.slice(4 + atomCount, 4 + atomCount + bondCount)) {
    const [from, to] = [number(line.slice(0, 3)), number(line.slice(3, 6))];
    if (from !== null && to !== null && from >= 1 && to >= 1 && from <= atoms.length && to <= atoms.length) bonds.push([from - 1, to - 1]);
  }
  return { atoms, bonds };
}

function mol2(text: string): Molecule {
  const atoms: Atom[] = [];
  const byId = new Map<number, number>();
  const bonds: [number, number][] = [];
  let section = "";
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith("@<TRIPOS>")) {
      if (section === "ATOM" && atoms.length > 0 && line.slice(9).trim() === "MOLECULE") break; // the first only
      section = line.slice(9).trim();
      continue;
    }
    const fields = line.trim().split(/\s+/);
    if (section === "ATOM" && fields.length >= 6) {
      const found = atom(capitalised((fields[5] ?? "").split(".")[0] ?? ""), number(fields[2]), number(fields[3]), number(fields[4]));
      if (found) byId.set(number(fields[0]) ?? NaN, atoms.push(found) - 1);
    } else if (section === "BOND" && fields.length >= 3) {
      const [from, to] = [byId.get(number(fields[1]) ?? NaN), byId.get(number(fields[2]) ?? NaN)];
      if (from !== undefined && to !== undefined) bonds.push([from, to]);
    }
  }
  return { atoms, bonds };
}

/** GROMACS: a title, the atom count, then fixed columns (atom name in 11-15, x y z in nm from column 21). */
function gro(text: string): Molecule {
  const lines = text.split(/\r?\n/);
  const count = number(lines[1]) ?? 0;
  const atoms: Atom[] = [];
  for (const line of lines.slice(2, 2 + count)) {
    const found = atom(elementOfName(line.slice(10, 15).trim()), number(line.slice(20, 28)), number(line.slice(28, 36)), number(line.slice(36, 44)));
    if (found) atoms.push({ ...found, x: found.x * 10, y: found.y * 10, z: found.z * 10 }); // nm to Å
  }
  return { atoms, bonds: [] };
}

const PARSERS: Record<string, (text: string) => Molecule> = {
  pdb: (text) => pdb(text, false),
  pqr: (text) => pdb(text, true),
  sdf,
  sd: sdf,
  mol: sdf,
  mol2,
  gro,
};

/** The parser for a file type ("pdb", "sdf", ...), or null for the types this viewer does not read. */
export function parserFor(type: string): ((text: string) => Molecule) | null {
  return PARSERS[type] ?? null;
}
