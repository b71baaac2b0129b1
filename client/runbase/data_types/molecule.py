"""runbase.Molecule: a molecular structure file (PDB, SDF, mmCIF, ...) stored with its own extension, W&B's
`molecule-file`; RDKit molecules and SMILES strings are written as PDB, as W&B does."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any

from ..optional import require
from .media import Media, MediaStore
from .object3d import file_type_option, typed_file

SUPPORTED_TYPES = ("pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf")
RDKIT_FILE_TYPES = ("mol", "sdf")


def _chem() -> Any:
    return require("rdkit.Chem", what="runbase.Molecule.from_rdkit and from_smiles", package="rdkit")


class Molecule(Media):
    """A molecule to show in 3D, from the path of a .pdb, .pqr, .mmcif, .mcif, .cif, .sdf, .sd, .gro, .mol2 or
    .mmtf file, or an open stream of one with `file_type=`. See from_rdkit and from_smiles for other inputs."""

    SUPPORTED_TYPES = frozenset(SUPPORTED_TYPES)
    SUPPORTED_RDKIT_TYPES = frozenset(RDKIT_FILE_TYPES)
    log_type = "molecule-file"
    subdir = "molecule"

    def __init__(self, data_or_path: str | os.PathLike[str] | IO[Any], caption: str | None = None,
                 **kwargs: str) -> None:
        file_type = file_type_option("Molecule", caption, kwargs)
        self._caption = caption
        path, is_tmp, extension = typed_file(data_or_path, file_type, SUPPORTED_TYPES, "Molecule")
        self._set_file(path, is_tmp=is_tmp, extension=extension)

    @classmethod
    def from_rdkit(cls, data_or_path: Any, caption: str | None = None, convert_to_3d_and_optimize: bool = True,
                   mmff_optimize_molecule_max_iterations: int = 200) -> Molecule:
        """An RDKit molecule, or a .mol or .sdf file (its first molecule) read with RDKit, stored as PDB.
        `convert_to_3d_and_optimize` adds hydrogens, embeds 3D coordinates and relaxes them with the MMFF force
        field (at most `mmff_optimize_molecule_max_iterations` steps): slow for large molecules."""
        chem = _chem()
        if isinstance(data_or_path, (str, os.PathLike)):
            molecule = _read_rdkit_file(chem, Path(data_or_path))
        elif isinstance(data_or_path, chem.rdchem.Mol):
            molecule = data_or_path
        else:
            raise TypeError("Molecule.from_rdkit data_or_path must be an rdkit.Chem.Mol or the path of a .mol or "
                            f".sdf file, not {type(data_or_path).__name__}")
        if molecule.GetNumAtoms() == 0:
            raise ValueError("Molecule.from_rdkit: the molecule has no atoms")
        if convert_to_3d_and_optimize:
            if isinstance(mmff_optimize_molecule_max_iterations, bool) or \
                    not isinstance(mmff_optimize_molecule_max_iterations, int) or \
                    mmff_optimize_molecule_max_iterations < 0:
                raise ValueError("mmff_optimize_molecule_max_iterations must be a whole number >= 0, not "
                                 f"{mmff_optimize_molecule_max_iterations!r}")
            all_chem = require("rdkit.Chem.AllChem", what="runbase.Molecule.from_rdkit", package="rdkit")
            molecule = chem.AddHs(molecule)
            if all_chem.EmbedMolecule(molecule) != 0:
                raise ValueError("Molecule.from_rdkit: RDKit could not compute 3D coordinates for this molecule; "
                                 "pass convert_to_3d_and_optimize=False to store it as it is")
            all_chem.MMFFOptimizeMolecule(molecule, maxIters=mmff_optimize_molecule_max_iterations)
        return cls(io.StringIO(chem.MolToPDBBlock(molecule)), caption=caption, file_type="pdb")

    @classmethod
    def from_smiles(cls, data: str, caption: str | None = None, sanitize: bool = True,
                    convert_to_3d_and_optimize: bool = True, *,
                    mmff_optimize_molecule_max_iterations: int = 200) -> Molecule:
        """A SMILES string, parsed by RDKit (checked for chemical sense unless `sanitize=False`), then as
        from_rdkit."""
        if not isinstance(data, str):
            raise TypeError(f"Molecule.from_smiles data must be a SMILES string, not {type(data).__name__}")
        chem = _chem()
        molecule = chem.MolFromSmiles(data, sanitize=sanitize) if data.strip() else None
        if molecule is None:
            raise ValueError(f"Molecule.from_smiles: RDKit cannot parse {data!r} as a SMILES string")
        return cls.from_rdkit(molecule, caption, convert_to_3d_and_optimize, mmff_optimize_molecule_max_iterations)

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """W&B's `molecule` descriptor; captions are listed only when the first molecule has one."""
        paths = [item.to_json(store)["path"] for item in items]
        captions: list[str | None] | bool = [item._caption for item in items] \
            if items and items[0]._caption is not None else False
        return {"_type": "molecule", "filenames": paths, "count": len(paths), "captions": captions}

    def __repr__(self) -> str:
        return f"Molecule({self._file.extension if self._file else ''})"


def _read_rdkit_file(chem: Any, path: Path) -> Any:
    kind = path.suffix.lower().lstrip(".")
    if kind not in RDKIT_FILE_TYPES:
        raise ValueError(f"Molecule.from_rdkit reads .mol and .sdf files, not {os.fspath(path)!r}")
    if not path.is_file():
        raise FileNotFoundError(f"Molecule.from_rdkit: no file at {os.fspath(path)!r}")
    if kind == "sdf":
        molecule = next(iter(chem.SDMolSupplier(os.fspath(path))), None)
    else:
        molecule = chem.MolFromMolFile(os.fspath(path))
    if molecule is None:
        raise ValueError(f"Molecule.from_rdkit: RDKit found no valid molecule in {os.fspath(path)!r}")
    return molecule
