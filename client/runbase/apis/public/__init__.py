"""The Public API: query and change what has been logged (W&B's `wandb.apis.public`)."""

from .api import Api
from .files import File, Files
from .projects import Project, Projects
from .runs import Run, Runs
from .teams import Member, Team
from .users import User

__all__ = ["Api", "File", "Files", "Member", "Project", "Projects", "Run", "Runs", "Team", "User"]
