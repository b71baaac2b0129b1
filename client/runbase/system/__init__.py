"""System metrics: a sampler thread that reads the machine and the training process every
x_stats_sampling_interval seconds, with W&B's key names and units, for the run's system stream.

Importing this package imports neither psutil, pynvml nor prometheus_client: starting the sampler does
(in the calling thread, so that a fork never meets them half imported), so `import runbase` stays light
and a run with x_disable_stats never loads them."""

from __future__ import annotations

from .sampler import SystemSampler

__all__ = ["SystemSampler"]
