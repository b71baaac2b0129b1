"""SDK settings with W&B's names: init() arguments over Settings over setup() over RUNBASE_*/WANDB_* variables
over the settings files, each checked as it is set."""

from .environment import env, env_setting
from .fields import CONSOLE, DEFAULT_BASE_URL, DEFAULTS, FIELDS, MODES, REINIT, RESUME, filled
from .model import Settings
from .stats import stats_values

__all__ = ["CONSOLE", "DEFAULTS", "DEFAULT_BASE_URL", "FIELDS", "MODES", "REINIT", "RESUME", "Settings", "env",
           "env_setting", "filled", "stats_values"]
