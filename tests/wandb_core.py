"""The official client's core binary (wandb-core, Go) with its multipart upload threshold and part size lowered,
for tests only. wandb-core uploads an artifact file of 2 GiB or more in parts of 100 MiB (constants compiled in:
S3MinMultiUploadSize and S3DefaultChunkSize in core/pkg/artifacts/multipart.go, with no setting to change them),
so a test would need a 2 GiB file to see it. The two constants are 32-bit immediates of `MOV reg, imm32`
instructions in two functions, found by name in the binary's Go function table (which a stripped Go binary
keeps); a copy with them lowered makes a file of a few MiB go up in parts exactly as a large one does. Anything
not found as expected fails the test naming it: a new release to look at."""

from __future__ import annotations

import struct
from pathlib import Path

THRESHOLD, PART_SIZE = 2 << 30, 100 << 20
# Where each constant is used: createMultiPartRequest compares the file's size with the threshold and computes
# the part size (getChunkSize, inlined); uploadMultipart computes the part size again to cut the file.
USES = {"github.com/wandb/wandb/core/pkg/artifacts.createMultiPartRequest": (THRESHOLD, PART_SIZE),
        "github.com/wandb/wandb/core/pkg/artifacts.(*ArtifactSaver).uploadMultipart": (PART_SIZE,)}
GO_PCLNTAB_MAGIC = 0xFFFFFFF1  # Go 1.20 and later


def _sections(data: bytes) -> dict[str, tuple[int, int]]:
    """Each ELF64 section's (address, file offset), by name."""
    table, = struct.unpack_from("<Q", data, 0x28)
    size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQ", data, table + size * index) for index in range(count)]
    names = headers[names_index][4]
    return {data[names + name:data.index(b"\0", names + name)].decode(): (address, offset)
            for name, _, _, address, offset in headers}


def functions(data: bytes) -> dict[str, tuple[int, int]]:
    """Each Go function's (start, end) file offsets, by name, from .gopclntab (Go 1.20+ layout)."""
    sections = _sections(data)
    text_address, text_offset = sections[".text"]
    table = sections[".gopclntab"][1]
    if struct.unpack_from("<I", data, table)[0] != GO_PCLNTAB_MAGIC:
        raise AssertionError("not a Go 1.20+ function table")
    count, _, text_start, names, _, _, _, funcs = struct.unpack_from("<8Q", data, table + 8)
    base = (text_start or text_address) - text_address + text_offset
    found = {}
    for index in range(count):
        entry, info, following = struct.unpack_from("<III", data, table + funcs + 8 * index)
        name_at = table + names + struct.unpack_from("<i", data, table + funcs + info + 4)[0]
        found[data[name_at:data.index(b"\0", name_at)].decode()] = (base + entry, base + following)
    return found


def lowered(release_venv: Path, into: Path, *, threshold: int, part_size: int) -> Path:
    """A copy of the release's wandb-core under `into` (beside links to the other files it runs with) whose
    multipart threshold and part size are `threshold` and `part_size`; its path."""
    [original] = release_venv.glob("lib/python*/site-packages/wandb/bin/wandb-core")
    data = bytearray(original.read_bytes())
    spans = functions(bytes(data))
    replace = {THRESHOLD: threshold, PART_SIZE: part_size}
    for name, constants in USES.items():
        if name not in spans:
            raise AssertionError(f"{original}: no function {name}")
        start, end = spans[name]
        for constant in constants:
            pattern = struct.pack("<I", constant)
            # MOV r32, imm32 (opcode B8+r): the only form the constant takes there
            hits = [at for at in range(start, end - 4) if data[at + 1:at + 5] == pattern and 0xB8 <= data[at] <= 0xBF]
            if len(hits) != 1:
                raise AssertionError(f"{original}: {len(hits)} loads of {constant:#x} in {name}, not one")
            data[hits[0] + 1:hits[0] + 5] = struct.pack("<I", replace[constant])
    into.mkdir(parents=True, exist_ok=True)
    for sibling in original.parent.iterdir():
        if sibling.name != original.name:
            (into / sibling.name).symlink_to(sibling)
    patched = into / original.name
    patched.write_bytes(bytes(data))
    patched.chmod(0o755)
    return patched
