"""runbase.Graph: a model's layers as nodes and edges, stored as `media/graph/KEY_STEP_SHA20.graph.json`,
W&B's `graph-file`. run.watch(log_graph=True) fills one from a PyTorch model's first forward pass and sets it
as the summary key `graph_IDX`, as W&B does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .media import Media, MediaSource, MediaStore, tmp_path


class Node:
    """One node of a Graph: a layer, say. `id` must be unique in its graph; the other fields are what the UI
    shows (`parameters` is a list of (name, shape) pairs, `num_parameters` the number in each)."""

    def __init__(self, id: Any = None, name: str | None = None, class_name: str | None = None,
                 size: Any = None, *, parameters: list[Any] | None = None, output_shape: Any = None,
                 is_output: bool | None = None, num_parameters: Any = None) -> None:
        given = {"id": id, "name": name, "class_name": class_name, "size": None if size is None else list(size),
                 "parameters": parameters, "output_shape": output_shape, "is_output": is_output,
                 "num_parameters": num_parameters}
        self.attributes: dict[str, Any] = {"name": name}  # W&B writes the name first, and always
        self.attributes.update({field: value for field, value in given.items() if value is not None})

    @property
    def id(self) -> Any:
        return self.attributes.get("id")

    @property
    def name(self) -> str | None:
        return self.attributes.get("name")

    @property
    def class_name(self) -> str | None:
        return self.attributes.get("class_name")

    def to_json(self) -> dict[str, Any]:
        return dict(self.attributes)

    @classmethod
    def from_json(cls, attributes: Mapping[str, Any]) -> Node:
        """A stored node, with every attribute it was written with (W&B writes a few more than Node takes)."""
        node = cls()
        node.attributes = dict(attributes)
        return node

    def __repr__(self) -> str:
        return f"Node({self.attributes!r})"


class Edge:
    """An edge of a Graph, from one node to another; written as the pair of their ids."""

    def __init__(self, from_node: Node, to_node: Node) -> None:
        self.from_node, self.to_node = from_node, to_node

    def to_json(self) -> list[Any]:
        return [self.from_node.id, self.to_node.id]

    def __repr__(self) -> str:
        return f"Edge({self.from_node.id!r} -> {self.to_node.id!r})"


class Graph(Media):
    """Nodes and the edges between them; `format` tells the UI how to lay them out ("torch", "keras")."""

    log_type = "graph-file"
    subdir = "graph"

    def __init__(self, format: str = "keras") -> None:
        if not isinstance(format, str):
            raise TypeError(f"Graph format must be a string, not {type(format).__name__}")
        self.format = format
        self.nodes: list[Node] = []
        self.nodes_by_id: dict[Any, Node] = {}
        self.edges: list[Edge] = []

    def add_node(self, node: Node | None = None, **node_fields: Any) -> Node:
        """Add a Node, or make one from Node's keyword arguments."""
        if node is None:
            node = Node(**node_fields)
        elif node_fields:
            raise ValueError("give add_node a Node or a node's fields, not both")
        self.nodes.append(node)
        self.nodes_by_id[node.id] = node
        return node

    def add_edge(self, from_node: Node, to_node: Node) -> Edge:
        for node in (from_node, to_node):
            if self.nodes_by_id.get(node.id) is not node:
                raise ValueError(f"add the node {node!r} to the graph before an edge to or from it")
        edge = Edge(from_node, to_node)
        self.edges.append(edge)
        return edge

    def __getitem__(self, node_id: Any) -> Node:
        return self.nodes_by_id[node_id]

    def to_graph_json(self) -> dict[str, Any]:
        """The contents of the stored file."""
        return {"format": self.format, "nodes": [node.to_json() for node in self.nodes],
                "edges": [edge.to_json() for edge in self.edges]}

    def to_json(self, store: MediaStore) -> dict[str, Any]:
        """The descriptor, with the graph as it is now written to a file and stored: nodes may be added
        until it is logged."""
        path = tmp_path(".graph.json")
        path.write_text(json.dumps(self.to_graph_json()), encoding="utf-8")
        self._set_file(path, is_tmp=True, extension=".graph.json")
        return super().to_json(store)

    @classmethod
    def from_json(cls, described: Mapping[str, Any], source: MediaSource) -> Graph:
        """The graph a descriptor names, read back from its file."""
        stored = json.loads(source.local_path(described["path"]).read_text(encoding="utf-8"))
        graph = cls(stored.get("format", "keras"))
        for attributes in stored.get("nodes", []):
            graph.add_node(Node.from_json(attributes))
        for from_id, to_id in stored.get("edges", []):
            graph.add_edge(graph[from_id], graph[to_id])
        return graph

    @classmethod
    def from_keras(cls, model: Any) -> Graph:
        raise NotImplementedError("Graph.from_keras is not supported: runbase builds graphs of PyTorch models "
                                  "(run.watch(model, log_graph=True))")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Graph) and self.to_graph_json() == other.to_graph_json()

    __hash__ = None

    def __repr__(self) -> str:
        return f"Graph({self.format!r}, {len(self.nodes)} nodes, {len(self.edges)} edges)"
