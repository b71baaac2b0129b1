from enum import Enum


class ArtifactDigestAlgorithm(str, Enum):
    MANIFEST_MD5 = "MANIFEST_MD5"


class ArtifactManifestType(str, Enum):
    FULL = "FULL"
    INCREMENTAL = "INCREMENTAL"
    PATCH = "PATCH"


class ArtifactStorageLayout(str, Enum):
    V1 = "V1"
    V2 = "V2"


class CompleteMultipartAction(str, Enum):
    Complete = "Complete"
